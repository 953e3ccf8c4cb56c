"""`swarm-studio test GRAPH DATASET`: run a graph once per dataset row, check each row, report.

Variants: the graph as routed (default), `--flagship-only` (every agent on tier 1), both side by
side (`--compare`), or two catalogs side by side (`--catalog A --catalog B`). Each row's run is
stored as a normal run, and the test itself as a test run (storage/test_runs.py).

Exit codes: 0 the gates hold (or none was given), 1 invalid input, failure or cancelled, 2 usage,
3 the pass rate is below `--min-pass`, 4 the cost per row is above `--max-cost-per-row`,
5 both. The gates read the first variant (the routed one with `--compare`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cli import CommandError
from .cli_graphs import read_source

EXIT_MIN_PASS, EXIT_MAX_COST, EXIT_BOTH = 3, 4, 5
MAX_CONCURRENCY = 64
SHOWN_FAILURES = 5
SHOWN_REASON = 160  # characters of a failed row's reasons in the table


def test_command(args: argparse.Namespace) -> int:
    from nodes.catalog import CatalogError
    from nodes.engine import UnpricedModel
    from nodes.plan import InvalidGraphError, compile_graph
    from nodes.testing.checks import (ChecksError, checks_beside, load_checks, unknown_targets,
                                      with_expected_columns)
    from nodes.testing.dataset import DatasetError, load_dataset
    from nodes.testing.report import build_report
    from storage.db import StorageError, connect
    from storage.runs import RunRepository
    from storage.test_runs import StoredTestRuns

    _check_options(args)
    try:
        database = connect(args.db)
    except StorageError as error:
        raise CommandError(str(error)) from None
    from .cli_run import load_graph_argument
    named = load_graph_argument(args.graph, database)
    graph, label, graph_id, version_id = named.graph, named.label, named.graph_id, named.version_id
    try:
        variants = _variants(args, database)
    except CatalogError as error:
        raise CommandError(str(error)) from None
    try:
        plans = [(name, compile_graph(graph, catalog, provider, flagship_only=flagship_only), notice)
                 for name, catalog, provider, flagship_only, notice in variants]
    except InvalidGraphError as error:
        for problem in error.problems:
            print(f'{label}: {problem.message}', file=sys.stderr)
        raise CommandError(f'{label} has problems to fix before it can be tested; nothing was run') from None
    fields = plans[0][1].input_fields
    try:
        dataset = load_dataset(args.dataset, fields)
        checks_path = args.checks or checks_beside(args.dataset)
        checks = with_expected_columns(load_checks(checks_path) if checks_path else [], dataset)
    except DatasetError as error:
        for problem in error.problems[:-1]:
            print(f'swarm-studio test: {problem}', file=sys.stderr)
        raise CommandError(f'{error.problems[-1]}; nothing was run') from None
    except ChecksError as error:
        raise CommandError(f'{error}; nothing was run') from None
    missing = unknown_targets(checks, {node.id for node in graph.nodes})
    if missing:
        raise CommandError(f'{checks_path}: {missing[0]}; nothing was run')
    for notice in dict.fromkeys(notice for _, _, notice in plans if notice):
        print(f'swarm-studio test: {notice}', file=sys.stderr)

    runs = RunRepository(database)
    source = '' if graph_id else str(Path(args.graph).resolve())
    progress = TestProgress(len(dataset) * len(plans), sys.stderr)
    share = None if args.budget is None else Decimal(str(args.budget)) / len(plans)
    started_at = datetime.now(timezone.utc)
    try:
        reports = asyncio.run(_run_variants(plans, dataset, checks, args.concurrency, share, progress,
                                            lambda row: [runs.recorder(graph_id, version_id, source)]))
    except UnpricedModel as error:
        raise CommandError(f'{error}; nothing was run') from None
    report = build_report(graph.name, args.dataset, [check.label for check in checks], reports)
    report['checks_file'] = str(checks_path) if checks_path else None
    try:
        report['test_run'] = StoredTestRuns(database).save(report, graph_id, version_id, source, started_at)
    except StorageError as error:
        print(f'swarm-studio test: warning: the test run could not be stored: {error}', file=sys.stderr)
    if args.report:
        Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + '\n',
                                     encoding='utf-8')
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print(report_table(report))
    if any(report.cancelled for report in reports):
        print('swarm-studio test: cancelled: the rows not run count as failed', file=sys.stderr)
        return 1
    return _gate(args, reports[0], sys.stderr)


def _check_options(args: argparse.Namespace) -> None:
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise CommandError(f'--concurrency must be from 1 to {MAX_CONCURRENCY}, not {args.concurrency}')
    for flag, value in (('--budget', args.budget), ('--max-cost-per-row', args.max_cost_per_row)):
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise CommandError(f'{flag} must be an amount of USD, 0 or more, not {value}')
    if args.min_pass is not None and not 0 <= args.min_pass <= 1:
        raise CommandError(f'--min-pass is a fraction of the rows, from 0 to 1 (0.95 for 95%), not {args.min_pass}')
    if args.latency_ms is not None and not 0 <= args.latency_ms <= 600_000:
        raise CommandError(f'--latency-ms must be from 0 to 600000 (10 minutes), not {args.latency_ms}')
    if len(args.catalog) > 2:
        raise CommandError('--catalog compares at most two catalogs side by side')
    if args.compare and args.flagship_only:
        raise CommandError('--compare already runs --flagship-only beside routing: give one of them')
    if args.compare and len(args.catalog) == 2:
        raise CommandError('--compare runs one catalog with routing and flagship-only; two catalogs are '
                           'already side by side: drop --compare')


def _variants(args: argparse.Namespace, database: Any) -> list[tuple[str, Any, Any, bool, str | None]]:
    """(label, catalog, provider, flagship_only, notice) of each variant, in report order."""
    from nodes.catalog import Catalog, CatalogError
    from storage.settings import stored_catalog
    base = stored_catalog(database)
    if not args.catalog:
        catalogs = [('', base)]
    else:
        catalogs = []
        for name in args.catalog:
            try:
                document = json.loads(Path(name).read_text(encoding='utf-8'))
            except FileNotFoundError:
                raise CatalogError(f'--catalog: no such file: {name}') from None
            except (OSError, ValueError) as error:
                raise CatalogError(f'--catalog: cannot read {name}: {error}') from None
            catalogs.append((Path(name).stem, Catalog.from_dict(document, base, name)))
        if len(catalogs) == 2 and catalogs[0][0] == catalogs[1][0]:
            catalogs = [(f'{label} ({index})', catalog) for index, (label, catalog) in enumerate(catalogs, start=1)]
    variants = []
    for name, catalog in catalogs:
        provider, usable, notice = _provider(args, catalog)
        modes = [False, True] if args.compare else [args.flagship_only]
        for flagship_only in modes:
            label = 'flagship-only' if flagship_only else 'routing'
            variants.append((f'{name}: {label}' if name else label, usable, provider, flagship_only, notice))
    return variants


def _provider(args: argparse.Namespace, catalog: Any) -> tuple[Any, Any, str | None]:
    """(provider, catalog, what to tell the user), as `run` chooses them (studio/cli_run.py)."""
    from nodes.providers.simulated import SimulatedProvider
    simulated = SimulatedProvider(latency_ms=args.latency_ms)
    if args.simulate:
        return simulated, catalog, 'running on the simulated provider (--simulate): the report is SIMULATED'
    unusable = catalog.unusable_tiers()
    if unusable:
        keys = sorted({name for names in unusable.values() for name in names})
        hint = f' (set {" or ".join(keys)} to run live)' if keys else ''
        return simulated, catalog, (f'no provider key for every tier: running on the simulated provider{hint}; '
                                    'the report is SIMULATED')
    from nodes.providers.live import LiveProvider
    return LiveProvider(), catalog.usable(), None


async def _run_variants(plans: list, dataset: Any, checks: list, concurrency: int, share: Decimal | None,
                        progress: TestProgress, subscribers_for: Any) -> list[Any]:
    from nodes.testing.runner import DatasetRunner
    loop = asyncio.get_running_loop()
    reports, current = [], [None]

    def cancel() -> None:
        progress.cancelled = True
        if current[0] is not None:
            current[0].cancel()

    try:  # Ctrl-C ends the test: running rows end cancelled, and the report says so
        loop.add_signal_handler(signal.SIGINT, cancel)
        loop.add_signal_handler(signal.SIGTERM, cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # ValueError: not the main thread
        pass
    progress.start()
    try:
        for label, plan, _ in plans:
            if progress.cancelled:
                break
            progress.variant = label
            runner = current[0] = DatasetRunner(plan, dataset, checks, label=label, concurrency=concurrency,
                                                budget_usd=share, subscribers_for=subscribers_for,
                                                on_row=progress.row_done)
            reports.append(await runner.run())
    finally:
        progress.stop()
        try:
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    if len(reports) < len(plans):  # cancelled before a variant began: it is reported as not run
        for label, plan, _ in plans[len(reports):]:
            runner = DatasetRunner(plan, dataset, checks, label=label)
            runner.cancel()
            reports.append(await runner.run())
    return reports


class TestProgress:
    """A progress bar on stderr (rich) while rows run; on a pipe, one line per variant instead."""
    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, total: int, stream: Any) -> None:
        self.total = total
        self.stream = stream
        self.variant = ''
        self.done = 0
        self.cancelled = False
        self._bar: Any = None
        self._task: Any = None
        self._variant_rows: dict[str, list[Any]] = {}

    def start(self) -> None:
        if not self.stream.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        self._bar = Progress(TextColumn('{task.description}'), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=Console(file=self.stream), transient=True)
        self._task = self._bar.add_task('testing', total=self.total)
        self._bar.start()

    def row_done(self, row: Any) -> None:
        self.done += 1
        rows = self._variant_rows.setdefault(self.variant, [])
        rows.append(row)
        if self._bar is not None:
            passed, cost = _tally(rows)
            self._bar.update(self._task, completed=self.done, description=f'{self.variant}: {passed} passed, ${cost:.6f}')

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        for variant, rows in self._variant_rows.items():
            passed, cost = _tally(rows)
            print(f'{variant}: {len(rows)} rows done, {passed} passed, ${cost:.6f}', file=self.stream)


def _tally(rows: list[Any]) -> tuple[int, Decimal]:
    return sum(row.passed for row in rows), sum((row.cost_usd for row in rows), Decimal(0))


def report_table(report: dict[str, Any]) -> str:
    """The report as a readable table: the variants side by side, then what differs and why rows failed."""
    from nodes.testing.report import comparison_text, figures_table
    variants = report['variants']
    mode = 'SIMULATED (made-up replies: content checks mostly fail)' if report['simulated'] else 'live'
    lines = [f'{report["graph"]} on {report["dataset"]}: {report["rows"]} rows, {len(report["checks"])} checks, {mode}']
    table = figures_table(report)
    widths = [max(len(cells[index]) for _, cells in table) + 3 for index in range(len(variants))]
    for name, cells in table:
        lines.append(f'{_clip(name, 31):<32}' + ''.join(f'{cell:<{width}}' for cell, width in zip(cells, widths)).rstrip())
    if report.get('side_by_side'):
        lines.append(comparison_text(report))
        differ = report['side_by_side']['rows_differ']
        lines.append(f'rows that differ: {len(differ)}' + (': ' + ', '.join(str(row['row']) for row in differ[:20])
                                                          + (' …' if len(differ) > 20 else '') if differ else ''))
    for variant in variants:
        if variant['budget_ran_out']:
            lines.append(f'{variant["label"]}: the budget of ${variant["budget_usd"]} ran out: '
                         f'{variant["rows"] - variant["rows_run"]} rows were not run')
        if variant['cancelled']:
            lines.append(f'{variant["label"]}: cancelled')
        failed = [row for row in variant['results'] if not row['passed']]
        for row in failed[:SHOWN_FAILURES]:
            reasons = _clip('; '.join(row['reasons']), SHOWN_REASON)
            lines.append(f'  {variant["label"]} row {row["row"]} failed: {reasons}')
        if len(failed) > SHOWN_FAILURES:
            lines.append(f'  … and {len(failed) - SHOWN_FAILURES} more failed rows of {variant["label"]} '
                         '(--json or --report for all)')
    if report.get('test_run'):
        lines.append(f'test run {report["test_run"]} (the studio\'s Tests tab; each row\'s run opens there)')
    return '\n'.join(lines)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + '…'


def _gate(args: argparse.Namespace, first: Any, stream: Any) -> int:
    low = args.min_pass is not None and first.pass_rate < args.min_pass
    high = args.max_cost_per_row is not None and first.cost_per_row > Decimal(str(args.max_cost_per_row))
    if low:
        print(f'swarm-studio test: pass rate {first.pass_rate:.1%} is below --min-pass {args.min_pass:.1%}',
              file=stream)
    if high:
        print(f'swarm-studio test: cost per row ${first.cost_per_row:.6f} is above --max-cost-per-row '
              f'${args.max_cost_per_row}', file=stream)
    return EXIT_BOTH if low and high else EXIT_MIN_PASS if low else EXIT_MAX_COST if high else 0

