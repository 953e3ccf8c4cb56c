"""Run a mission once per dataset row, a few rows at a time, within one budget for them all.

    runner = DatasetRunner(plan, dataset, checks, concurrency=4, budget_usd=Decimal('0.50'))
    report = await runner.run()          # a VariantReport (report.py)

Each row is an ordinary mission (`MissionController`): `subscribers_for(row)` gives it the
subscribers it should have (the CLI stores each row's run with a recorder), and `on_row` hears
of each row as it ends. A row passes when its run succeeded and every check that applies to it
passed; otherwise its `reasons` say why.

The budget covers the rows' runs and their judges. A row starting is given an even share of what
is neither spent nor set aside for the rows running beside it — or its expected cost
(nodes/estimate.py), when that is more and is left — and the engine keeps its run inside that;
what a row leaves unspent goes back for the rows after it. A row whose lowest estimate does not
fit what is left waits for the rows running to hand back what they did not spend; when none is
running and it still does not fit, it is not run (`not_run`) and fails: the report says the
budget ran out.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ..engine import InputError, MissionController
from ..estimate import estimate_plan
from ..plan import MissionPlan
from .checks import Check, CheckResult, evaluate, expected_value, resolve
from .dataset import Dataset, Row
from .judge import judge
from .report import RowResult, VariantReport

DEFAULT_CONCURRENCY = 4


class DatasetRunner:
    """Runs one variant (a compiled plan) over a dataset (see the module docstring).

    :param label: the variant's name in the report (`routing`, `flagship-only`, a catalog's name)
    :param concurrency: rows running at once (default: 4)
    :param budget_usd: the most all rows together may cost, judges included (default: no limit)
    :param subscribers_for: row -> the subscribers of its run (default: none)
    :param on_row: called with each `RowResult` as its row ends
    """

    def __init__(self, plan: MissionPlan, dataset: Dataset, checks: list[Check], *, label: str = 'routing',
                 concurrency: int = DEFAULT_CONCURRENCY, budget_usd: Decimal | float | None = None,
                 subscribers_for: Callable[[Row], Iterable[Any]] | None = None,
                 on_row: Callable[[RowResult], Any] | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f'concurrency must be 1 or more, not {concurrency}')
        self.plan = plan
        self.dataset = dataset
        self.checks = checks
        self.label = label
        self.concurrency = concurrency
        self.budget_usd = None if budget_usd is None else Decimal(str(budget_usd))
        self.subscribers_for = subscribers_for or (lambda row: ())
        self.on_row = on_row
        self._spent = Decimal(0)
        self._set_aside: dict[int, Decimal] = {}
        self._missions: dict[int, MissionController] = {}
        self._cancelled = False
        self._returned = asyncio.Condition()  # a row ended: what it did not spend is free again
        if self.budget_usd is not None:
            MissionController(plan, budget_usd=self.budget_usd)  # UnpricedModel now, before any row runs

    def cancel(self) -> None:
        """Stop: running rows' missions are cancelled, rows not started are not run."""
        self._cancelled = True
        for mission in list(self._missions.values()):
            mission.cancel()

    async def run(self) -> VariantReport:
        started = time.monotonic()
        waiting = list(self.dataset.rows)
        results: dict[int, RowResult] = {}

        async def worker() -> None:
            while waiting:
                row = waiting.pop(0)
                result = await self._row(row, len(waiting) + 1)
                results[row.number] = result
                if self.on_row is not None:
                    self.on_row(result)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(waiting)))))
        rows = [results[row.number] for row in self.dataset.rows]
        return VariantReport(self.label, self.plan.simulated, rows, time.monotonic() - started, self.budget_usd,
                             self._cancelled)

    async def _row(self, row: Row, rows_left: int) -> RowResult:
        if self._cancelled:
            return RowResult.not_run(row, 'the test was cancelled before this row ran')
        share = None
        if self.budget_usd is not None:
            try:
                estimate = await estimate_plan(self.plan, MissionController(self.plan).check_inputs(row.inputs))
            except InputError as error:
                return RowResult.not_run(row, f'its inputs do not fit the graph: {error}', status='invalid_inputs')
            async with self._returned:
                while (share := self._share(estimate, rows_left)) is None and self._set_aside:
                    await self._returned.wait()
                if share is None:
                    return RowResult.not_run(row, f'the test budget of ${self.budget_usd} was spent before this '
                                             'row ran')
                self._set_aside[row.number] = share
        try:
            return await self._run_row(row, share)
        finally:
            if share is not None:
                async with self._returned:
                    self._set_aside.pop(row.number, None)
                    self._returned.notify_all()

    def _share(self, estimate: Any, rows_left: int) -> Decimal | None:
        """What a row may spend; None when its lowest estimate does not fit what is left."""
        assert self.budget_usd is not None
        free = self.budget_usd - self._spent - sum(self._set_aside.values(), Decimal(0))
        if free <= 0 or estimate.low_usd > free:
            return None
        slots = min(self.concurrency - len(self._set_aside), rows_left)
        return min(free, max(free / max(slots, 1), estimate.expected_usd))

    async def _run_row(self, row: Row, share: Decimal | None) -> RowResult:
        mission = MissionController(self.plan, budget_usd=share, subscribers=list(self.subscribers_for(row)))
        self._missions[row.number] = mission
        try:
            summary = await mission.run(row.inputs)
        except InputError as error:
            return RowResult.not_run(row, f'its inputs do not fit the graph: {error}', status='invalid_inputs')
        finally:
            self._missions.pop(row.number, None)
        self._spent += summary.cost_usd
        outputs = {node_id: result.output for node_id, result in summary.nodes.items() if result.status == 'succeeded'}
        results: list[CheckResult] = []
        judge_cost, cost_complete = Decimal(0), summary.cost_complete
        for check in self.checks:
            if check.type != 'judge':
                results.append(evaluate(check, outputs, row.expected))
                continue
            if summary.status != 'succeeded':
                results.append(CheckResult(check.label, None, 'not judged: the run did not succeed'))
                continue
            found, value = resolve(check.target, outputs)
            if not found:
                results.append(CheckResult(check.label, False, f'the run produced no {check.target}'))
                continue
            left = None if share is None else share - summary.cost_usd - judge_cost
            verdict = await judge(value, expected_value(check, row.expected)[1], check.rubric or '', check.tier,
                                  self.plan.catalog, self.plan.provider, left)
            judge_cost += verdict.cost_usd
            cost_complete = cost_complete and verdict.cost_known
            self._spent += verdict.cost_usd
            if verdict.score is None:
                results.append(CheckResult(check.label, False, verdict.error or 'the judge gave no score'))
            else:
                passed = verdict.score >= check.pass_score
                results.append(CheckResult(check.label, passed, f'scored {verdict.score:.2f} '
                                           f'({"≥" if passed else "<"} {check.pass_score:g}): {verdict.reason}',
                                           verdict.score))
        return RowResult.of_run(row, summary, results, judge_cost, cost_complete)
