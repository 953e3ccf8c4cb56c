"""Running missions from the editor: the bridge from the mission controller to the page, the
Run form, the run toolbar, the run panel (timeline, node run details), history, re-run and pins.

`node_states` folds engine events into canvas deltas and toolbar figures (pure);
`controller_bridge` runs a controller in the background and delivers those deltas per tick;
`missions` starts runs for the app (providers, recorder, pins, re-run cache); the other
modules are the page's parts, put together for the editor page by `editor_run`.
"""
