"""Running missions from the editor: the bridge from the mission controller to the page, the
Run form, the run toolbar, the run panel (timeline, node run details), history, re-run and pins.

`node_states` folds engine events into canvas deltas and toolbar figures (pure);
`controller_bridge` runs a controller in the background and delivers those deltas per tick;
`missions` starts runs for the app (providers, recorder, pins, re-run cache). On the page,
by what a user sees: `run_control` (Run, Cancel, re-run, the live run), `run_history` (past
runs, replay, export), `pins`, all showing through one `run_view`; `editor_run` puts them
together for the editor page.
"""
