"""20 browser pages on one studio at once: how fast the start page and an edit answer while it is loaded.

    .venv/bin/python benchmarks/bench_load.py [--pages 20] [--seconds 60] [--nodes 2400] [--latency-ms 300]

Starts the app (`swarm-studio serve`) on a fresh database holding `generate_graph(N)` and one small
graph (the competitor-brief example) per editing page, and opens one headless system Chromium with a
context (its own cookies and socket) per page:

- half the pages open the large graph; the first starts a simulated run on it and the others
  watch it as it goes (each page counts the run-state messages that reach its canvas);
- the other half each edit their own small graph: type a new title for a node into the inspector
  (Python takes it into the graph and sends the canvas a delta), one edit every `--think-ms`; each
  edit's round trip is timed in the page, from the input event to the node's card showing the title;
- meanwhile a GET of the start page (`/`) every 250 ms is timed from outside the browser, and the
  server's resident memory is sampled every second.

The load lasts `--seconds`; everything is bounded (page loads, edits, the run). Prints p50/p99 of
the GET and of the edit round trips against the goal (p99 < 500 ms) as OK or MISSED, and the RSS.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'benchmarks'))

from generate import generate_graph  # noqa: E402
from studio.local_app import chromium_args, chromium_path, free_port, running_app_process, serve_command  # noqa: E402

GOAL_MS = 500
BRIEF = ROOT / 'assets' / 'examples' / 'competitor-brief.json'

# Runs at every load of a watching page (an init script): counts the run-state messages reaching its canvas, in
# sessionStorage, so a page NiceGUI reloads (its connection lost under load) keeps counting, and counts its loads.
COUNT_STATES_JS = '''(() => {
  const key = '__watched';
  const read = () => JSON.parse(sessionStorage.getItem(key) || '{"messages": 0, "deltas": 0, "loads": 0}');
  const saved = read();
  saved.loads += 1;
  sessionStorage.setItem(key, JSON.stringify(saved));
  const install = () => {
    const host = document.querySelector('.swarm-canvas-element');
    const canvas = host && typeof getElement === 'function' ? getElement(host.id.slice(1)) : null;
    if (!canvas || !canvas.set_states) { setTimeout(install, 100); return; }
    const setStates = canvas.set_states;
    canvas.set_states = (states) => {
      const counts = read();
      counts.messages += 1;
      counts.deltas += Object.keys(states).length;
      sessionStorage.setItem(key, JSON.stringify(counts));
      return setStates(states);
    };
  };
  install();
})()'''

# Type `title` into the inspector's Title field (the node is selected), then resolve with the ms until the node's
# card on the canvas shows it — the value went to Python, into the graph, and back as a canvas delta — or null.
TIMED_EDIT_JS = '''([nodeId, title]) => new Promise((resolve) => {
  const card = () => document.querySelector(`.vue-flow__node[data-id="${nodeId}"] .swarm-node__title`);
  const input = [...document.querySelectorAll('label')].find((label) => label.innerText.trim().startsWith('Title'))
    .querySelector('input');
  const start = performance.now();
  const done = () => { observer.disconnect(); clearTimeout(timer); resolve(performance.now() - start); };
  const observer = new MutationObserver(() => { if (card() && card().textContent === title) done(); });
  const timer = setTimeout(() => { observer.disconnect(); resolve(null); }, 10000);
  observer.observe(document.querySelector('.vue-flow'), {childList: true, subtree: true, characterData: true});
  input.value = title;
  input.dispatchEvent(new Event('input', {bubbles: true}));
})'''


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children, in MB."""
    total = 0
    pids = [pid]
    for task in Path(f'/proc/{pid}/task').glob('*/children'):
        pids += [int(child) for child in task.read_text().split()]
    for each in pids:
        try:
            for line in Path(f'/proc/{each}/status').read_text().splitlines():
                if line.startswith('VmRSS:'):
                    total += int(line.split()[1])
        except FileNotFoundError:  # a child that just ended
            pass
    return total / 1024


class Sampler(threading.Thread):
    """GETs of the start page and RSS samples, on a thread of its own so the browser's work never delays them."""

    def __init__(self, url: str, pid: int) -> None:
        super().__init__(daemon=True)
        self.url, self.pid = url, pid
        self.gets: list[float] = []
        self.failed_gets = 0
        self.rss: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        next_rss = 0.0
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url + '/', timeout=10) as response:
                    response.read()
                self.gets.append((time.perf_counter() - start) * 1000)
            except OSError:
                self.failed_gets += 1
            if time.monotonic() >= next_rss:
                self.rss.append(rss_mb(self.pid))
                next_rss = time.monotonic() + 1
            self.stop.wait(max(0.0, 0.25 - (time.perf_counter() - start)))


async def open_graph(browser, url: str, graph_id: str, card: str, init_script: str | None = None):
    context = await browser.new_context(viewport={'width': 1280, 'height': 800})
    if init_script:
        await context.add_init_script(init_script)
    page = await context.new_page()
    page.set_default_timeout(120_000)
    await page.goto(f'{url}/graph/{graph_id}')
    await page.locator(card).first.wait_for()
    return page


async def start_run(page, latency_ms: int) -> None:
    await page.get_by_role('button', name='Run', exact=True).click()
    await page.get_by_label(re.compile('Simulated latency per call')).fill(str(latency_ms))
    await page.get_by_role('button', name='Start').click()
    await page.locator('.swarm-run-status').wait_for()


async def select_plan(page) -> None:
    await page.locator('.vue-flow__node[data-id="plan"]').click()
    await page.get_by_label('Title').wait_for()


async def edit_loop(page, until: float, think_s: float, times: list[float], failures: list[str]) -> None:
    """Retitle the `plan` node again and again until `until`; each edit's round trip into `times`."""
    from playwright.async_api import Error

    edit = 0
    while time.monotonic() < until:
        edit += 1
        try:
            if not await page.get_by_label('Title').is_visible():  # NiceGUI reloads a page whose socket was lost
                failures.append('the page had reloaded (its connection was lost)')
                await select_plan(page)
            elapsed = await page.evaluate(TIMED_EDIT_JS, ['plan', f'Planner, take {edit}'])
        except Error as error:
            failures.append(f'the edit failed: {str(error).splitlines()[0]}')
            await asyncio.sleep(think_s)
            continue
        if elapsed is None:
            failures.append('a title did not reach the canvas within 10 s')
        else:
            times.append(elapsed)
        await asyncio.sleep(think_s)


async def load(url: str, pid: int, big_id: str, small_ids: list[str], args: argparse.Namespace) -> dict:
    from playwright.async_api import Error, async_playwright

    watchers_n = args.pages - len(small_ids)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                                   args=chromium_args())
        opened = time.perf_counter()
        watchers = await asyncio.gather(*(open_graph(browser, url, big_id, '.swarm-canvas[data-mode]', COUNT_STATES_JS)
                                          for _ in range(watchers_n)))
        editors = await asyncio.gather(*(open_graph(browser, url, graph_id, '.vue-flow__node')
                                         for graph_id in small_ids))
        open_s = time.perf_counter() - opened
        for page in editors:
            try:
                await select_plan(page)
            except Error:  # the page reloaded meanwhile: its edit loop selects the node again
                pass

        sampler = Sampler(url, pid)
        idle_rss = rss_mb(pid)
        machine_load = os.getloadavg()[0]
        await start_run(watchers[0], args.latency_ms)
        sampler.start()
        until = time.monotonic() + args.seconds
        edit_times: list[float] = []
        failures: list[str] = []
        await asyncio.gather(*(edit_loop(page, until, args.think_ms / 1000, edit_times, failures)
                               for page in editors))
        sampler.stop.set()
        sampler.join()
        watched = [json.loads(await page.evaluate('sessionStorage.getItem("__watched")')) for page in watchers]
        try:
            status = await watchers[0].locator('.swarm-run-status').inner_text(timeout=30_000)
        except Error:
            status = 'not shown (the page was reloading)'
        await browser.close()
    return {'open_s': open_s, 'edits': edit_times, 'failures': failures, 'sampler': sampler, 'idle_rss': idle_rss,
            'watched': watched, 'status': status, 'load': machine_load}


def report(label: str, values: list[float]) -> None:
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    verdict = 'OK' if p99 < GOAL_MS else 'MISSED'
    print(f'{label:<36} p50 {p50:6.0f} ms   p99 {p99:6.0f} ms   max {max(values, default=math.nan):6.0f} ms   '
          f'n={len(values):<5} goal p99 < {GOAL_MS} ms: {verdict}')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pages', type=int, default=20, help='browser pages in all (half watch, half edit)')
    parser.add_argument('--seconds', type=float, default=60, help='how long the load is measured')
    parser.add_argument('--nodes', type=int, default=2400, help='nodes of the graph that runs')
    parser.add_argument('--latency-ms', type=int, default=300, help='simulated latency of every call of the run')
    parser.add_argument('--think-ms', type=int, default=500, help='pause between two edits of one editing page')
    args = parser.parse_args()
    if chromium_path() is None:
        print('no system Chromium (apt-get install chromium)', file=sys.stderr)
        return 1
    from storage.db import connect
    from storage.graphs import GraphRepository

    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / 'bench.sqlite'
        graphs = GraphRepository(connect(str(database)))
        big_id = graphs.create(generate_graph(args.nodes))
        small_ids = [graphs.import_text(BRIEF.read_text()) for _ in range(args.pages // 2)]
        port = free_port()
        with running_app_process(serve_command(port, database), port, Path(workdir)) as (url, process):
            result = asyncio.run(asyncio.wait_for(load(url, process.pid, big_id, small_ids, args),
                                                  timeout=args.seconds + 600))

    sampler: Sampler = result['sampler']
    watched = result['watched']
    editors = len(small_ids)
    print(f'{args.pages} Chromium pages on one studio ({os.cpu_count()} CPUs, shared with the browser; load average '
          f'{result["load"]:.1f} when the load began): '
          f'{len(watched)} watching a {args.nodes}-node simulated run ({args.latency_ms} ms a call), '
          f'{editors} editing (an edit every {args.think_ms} ms each); {args.seconds:.0f} s of load; '
          f'all pages opened in {result["open_s"]:.1f} s')
    reloads = sum(w['loads'] - 1 for w in watched)
    print(f'run at the end of the load: {result["status"] or "(no status shown)"}; each watching page received '
          f'{min(w["messages"] for w in watched)}–{max(w["messages"] for w in watched)} state messages '
          f'({min(w["deltas"] for w in watched)}–{max(w["deltas"] for w in watched)} node deltas); '
          f'{reloads} reloads of watching pages (NiceGUI reloads a page whose connection was lost)')
    report('GET / (outside the browser)', sampler.gets)
    report('edit round trip (input → card)', result['edits'])
    if sampler.failed_gets or result['failures']:
        reasons = '; '.join(f'{result["failures"].count(reason)}× {reason}' for reason in sorted(set(result['failures'])))
        print(f'failed: {sampler.failed_gets} GETs; {len(result["failures"])} edits ({reasons})')
    print(f'server RSS: {result["idle_rss"]:.0f} MB with every page open before the run, peak '
          f'{max(sampler.rss):.0f} MB, median {statistics.median(sampler.rss):.0f} MB during the load')
    return 0


if __name__ == '__main__':
    sys.exit(main())
