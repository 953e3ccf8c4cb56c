"""A 2,400-node simulated run with the editor open in Chromium: what reaches the page, and how smooth it stays.

    .venv/bin/python benchmarks/bench_run_ui.py [--nodes 2400] [--latency-ms 300]

Starts the app (`swarm-studio serve`) on a fresh database, stores `generate_graph(N)`, opens it
in the system Chromium (headless, 1280×800), presses Run on the simulated provider and waits
for the run to end. In the page:
- the canvas's `set_states` is wrapped to count the messages and node deltas that arrive;
- a requestAnimationFrame loop records the longest gap between frames, and a
  PerformanceObserver the long tasks (> 50 ms), from Run to the end of the run.
Engine events are counted from what the run stored (every event but the per-attempt cost
updates, which are counted from the stored attempts). Printed, not asserted.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'benchmarks'))

from generate import generate_graph  # noqa: E402
from studio.local_app import chromium_args, chromium_path, free_port, running_app, serve_command  # noqa: E402

INSTRUMENT_JS = '''() => {
  const m = window.__bench = {messages: 0, deltas: 0, first: null, last: null, maxFrame: 0, frames: 0,
                              slowFrames: 0, longTasks: [], measuring: true};
  const host = document.querySelector('.swarm-canvas-element');
  const canvas = getElement(host.id.slice(1));
  const setStates = canvas.set_states;
  canvas.set_states = (states) => {
    const now = performance.now();
    m.messages += 1;
    m.deltas += Object.keys(states).length;
    m.first ??= now;
    m.last = now;
    return setStates(states);
  };
  let previous = performance.now();
  const frame = (now) => {
    if (m.measuring) {
      m.maxFrame = Math.max(m.maxFrame, now - previous);
      m.frames += 1;
      if (now - previous > 50) m.slowFrames += 1;
    }
    previous = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new PerformanceObserver((list) => {
    if (m.measuring) for (const entry of list.getEntries()) m.longTasks.push(entry.duration);
  }).observe({entryTypes: ['longtask']});
}'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--nodes', type=int, default=2400)
    parser.add_argument('--latency-ms', type=int, default=300, help='simulated latency of every call')
    args = parser.parse_args()
    chromium = chromium_path()
    if chromium is None:
        print('no system Chromium (apt-get install chromium)', file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright
    from sqlmodel import func, select

    from storage.db import connect, transaction
    from storage.graphs import GraphRepository
    from storage.runs import AttemptRow, RunEventRow, RunRepository

    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / 'bench.sqlite'
        engine = connect(str(database))
        graph_id = GraphRepository(engine).create(generate_graph(args.nodes))
        port = free_port()
        with running_app(serve_command(port, database), port, Path(workdir)) as url:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=chromium_args())
                page = browser.new_page(viewport={'width': 1280, 'height': 800})
                page.set_default_timeout(60_000)
                page.goto(f'{url}/graph/{graph_id}')
                page.locator('.swarm-canvas[data-mode]').wait_for()
                page.wait_for_timeout(1000)
                page.evaluate(INSTRUMENT_JS)
                page.get_by_role('button', name='Run', exact=True).click()
                page.get_by_label(re.compile('Simulated latency per call')).fill(str(args.latency_ms))
                page.get_by_role('button', name='Start').click()
                page.locator('.swarm-run-status', has_text=re.compile('^(succeeded|failed|cancelled)$')) \
                    .wait_for(timeout=600_000)
                page.evaluate('window.__bench.measuring = false')
                measured = page.evaluate('window.__bench')
                status = page.locator('.swarm-run-status').inner_text()
                mode = page.locator('.swarm-canvas').get_attribute('data-mode')
                browser.close()

        run = RunRepository(engine).list_runs(graph_id)[0]
        with transaction(engine) as session:
            stored_events = session.exec(select(func.count()).select_from(RunEventRow)
                                         .where(RunEventRow.run_id == run.id)).one()
            attempts = session.exec(select(func.count()).select_from(AttemptRow)
                                    .where(AttemptRow.run_id == run.id)).one()
    events = stored_events + attempts + 1  # + a cost update per priced attempt, + run started
    window_s = (measured['last'] - measured['first']) / 1000 if measured['messages'] > 1 else float('nan')
    long_tasks = measured['longTasks']
    print(f'{args.nodes}-node simulated run, {args.latency_ms} ms per call, editor open in Chromium 1280x800 '
          f'(canvas in {mode} mode)')
    print(f'run: {status} in {run.duration_s:.1f} s, {attempts} model calls, {events} engine events '
          f'({events / run.duration_s:,.0f} events/s)')
    print(f'delivered to the page: {measured["messages"]} set_states messages carrying {measured["deltas"]} node '
          f'deltas over {window_s:.1f} s: {measured["messages"] / window_s:.1f} messages/s, '
          f'{measured["deltas"] / window_s:,.0f} deltas/s, {events / window_s:,.0f} engine events/s folded into them')
    print(f'page during the run: longest frame {measured["maxFrame"]:.0f} ms; {measured["slowFrames"]} of '
          f'{measured["frames"]} frames over 50 ms; {len(long_tasks)} long tasks (> 50 ms), the longest '
          f'{max(long_tasks, default=0):.0f} ms')
    return 0


if __name__ == '__main__':
    sys.exit(main())
