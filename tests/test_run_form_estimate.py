"""The Run form's estimate, before anything is called, and its flag on a budget below the low estimate
(NiceGUI's user simulation; the estimate itself is tests/test_estimate.py's)."""
from __future__ import annotations

from nicegui.testing import User
from test_run_ui import element, eventually, open_editor, open_run_form

from studio.run.editor_run import missions


async def test_the_form_shows_the_estimate_and_flags_a_budget_below_its_low_end(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    await open_run_form(user)
    estimate_line = element(user, 'run-estimate')
    await eventually(lambda: estimate_line.text.startswith('No estimate: '))  # nothing to estimate from yet
    assert 'missing input "company"' in estimate_line.text
    element(user, 'input-company').value = 'Acme'
    # The estimate follows the inputs once a field is left.
    user.find(marker='input-company').trigger('blur')
    await eventually(lambda: estimate_line.text.startswith('Estimate: $0.001243'))
    assert 'low $0.001243' in estimate_line.text and 'flagship-only $0.003755' in estimate_line.text
    assert 'expected saving 66.9%' in estimate_line.text
    nodes = element(user, 'run-estimate-nodes').text.splitlines()
    assert nodes[0].startswith('plan: tier 1 claude-opus-4-5, ~81 in / 31 out, $0.001180')
    assert nodes[1].startswith('tidy: tier 3 gpt-4o-mini')
    assert missions().last.get(graph_id) is None  # estimating started no run

    await user.should_not_see(marker='run-budget-warning')
    element(user, 'run-budget').value = 0.001
    await user.should_see(marker='run-budget-warning')
    warning = element(user, 'run-budget-warning')
    assert warning.text == 'The budget $0.001000 is below the lowest estimate $0.001243: the run will stop ' \
                           'before it finishes.'
    element(user, 'run-budget').value = 0.01
    await eventually(lambda: not warning.visible)


async def test_the_estimate_is_worked_out_off_the_event_loop(user: User, graphs, monkeypatch):
    """A large graph's estimate takes seconds: on the event loop it would pause every page of the app."""
    import threading

    import nodes.estimate
    threads = []
    estimate_plan_now = nodes.estimate.estimate_plan_now

    def recording(plan, inputs):
        threads.append(threading.current_thread())
        return estimate_plan_now(plan, inputs)

    monkeypatch.setattr(nodes.estimate, 'estimate_plan_now', recording)
    await open_editor(user, graphs)
    await open_run_form(user)
    element(user, 'input-company').value = 'Acme'
    user.find(marker='input-company').trigger('blur')
    await eventually(lambda: element(user, 'run-estimate').text.startswith('Estimate: $0.001243'))
    assert threads and threading.main_thread() not in threads
