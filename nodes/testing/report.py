"""What a test found: each row's result, a variant's figures, and two variants side by side.

A variant's `pass_rate` is passed rows over all rows (a row not run counts as not passed);
`cost_per_row` is its cost over the rows that ran. Costs include the judges'. `flagship_cost_usd`
is the run summaries' flagship-only counterfactual (nodes.costs.FLAGSHIP_DEFINITION), summed;
`side_by_side` compares two measured variants instead: what the first cost against the second.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..costs import FLAGSHIP_DEFINITION, savings_pct
from .checks import CheckResult
from .dataset import Row


@dataclass(slots=True)
class RowResult:
    """One row's outcome. `status` is its run's (`succeeded`, `failed`, …), or `not_run` /
    `invalid_inputs` when no run was made."""
    number: int
    inputs: dict[str, Any]
    status: str
    passed: bool
    reasons: list[str]
    checks: list[CheckResult] = field(default_factory=list)
    run_id: str | None = None
    cost_usd: Decimal = Decimal(0)  # the run's and the judges'
    judge_cost_usd: Decimal = Decimal(0)
    flagship_cost_usd: Decimal = Decimal(0)
    cost_complete: bool = True
    latency_s: float | None = None
    outputs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def not_run(cls, row: Row, reason: str, status: str = 'not_run') -> RowResult:
        return cls(row.number, row.inputs, status, False, [reason])

    @classmethod
    def of_run(cls, row: Row, summary: Any, checks: list[CheckResult], judge_cost: Decimal,
               cost_complete: bool) -> RowResult:
        reasons = []
        if summary.status != 'succeeded':
            failed = [f'{node_id}: {result.error}' for node_id, result in summary.nodes.items()
                      if result.status == 'failed' and result.error]
            reasons.append(f'the run {summary.status.replace("_", " ")}' + (f' ({failed[0]})' if failed else ''))
        reasons += [f'{check.name}: {check.detail}' for check in checks if check.passed is False]
        return cls(row.number, row.inputs, summary.status, not reasons, reasons, checks, summary.run_id,
                   summary.cost_usd + judge_cost, judge_cost, summary.flagship_cost_usd, cost_complete,
                   summary.duration_s, summary.outputs)

    @property
    def ran(self) -> bool:
        return self.run_id is not None

    def to_dict(self) -> dict[str, Any]:
        return {'row': self.number, 'inputs': self.inputs, 'status': self.status, 'passed': self.passed,
                'reasons': self.reasons, 'checks': [check.to_dict() for check in self.checks],
                'run_id': self.run_id, 'cost_usd': float(self.cost_usd), 'judge_cost_usd': float(self.judge_cost_usd),
                'flagship_cost_usd': float(self.flagship_cost_usd), 'cost_complete': self.cost_complete,
                'latency_s': self.latency_s, 'outputs': self.outputs}


@dataclass(slots=True)
class VariantReport:
    """One variant's run over the dataset (routing, flagship-only, or one catalog)."""
    label: str
    simulated: bool
    rows: list[RowResult]
    duration_s: float
    budget_usd: Decimal | None = None
    cancelled: bool = False

    @property
    def passed(self) -> int:
        return sum(row.passed for row in self.rows)

    @property
    def pass_rate(self) -> float:
        return self.passed / len(self.rows) if self.rows else 0.0

    @property
    def rows_run(self) -> int:
        return sum(row.ran for row in self.rows)

    @property
    def cost_usd(self) -> Decimal:
        return sum((row.cost_usd for row in self.rows), Decimal(0))

    @property
    def cost_per_row(self) -> Decimal:
        return self.cost_usd / self.rows_run if self.rows_run else Decimal(0)

    @property
    def flagship_cost_usd(self) -> Decimal:
        return sum((row.flagship_cost_usd for row in self.rows), Decimal(0))

    @property
    def cost_complete(self) -> bool:
        return all(row.cost_complete for row in self.rows)

    @property
    def budget_ran_out(self) -> bool:
        return any(row.status == 'not_run' for row in self.rows) and not self.cancelled

    def latency(self) -> dict[str, float | None]:
        times = sorted(row.latency_s for row in self.rows if row.latency_s is not None)
        if not times:
            return {'mean': None, 'p50': None, 'p95': None, 'max': None}
        return {'mean': round(statistics.fmean(times), 3), 'p50': round(statistics.median(times), 3),
                'p95': round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 3),
                'max': round(times[-1], 3)}

    def to_dict(self) -> dict[str, Any]:
        return {'label': self.label, 'simulated': self.simulated, 'rows': len(self.rows), 'rows_run': self.rows_run,
                'passed': self.passed, 'pass_rate': round(self.pass_rate, 4), 'cost_usd': float(self.cost_usd),
                'cost_per_row_usd': float(self.cost_per_row), 'cost_complete': self.cost_complete,
                'judge_cost_usd': float(sum((row.judge_cost_usd for row in self.rows), Decimal(0))),
                'flagship_cost_usd': float(self.flagship_cost_usd),
                'savings_vs_flagship_estimate_pct': savings_pct(self.cost_usd, self.flagship_cost_usd),
                'latency_s': self.latency(), 'duration_s': round(self.duration_s, 3),
                'budget_usd': None if self.budget_usd is None else float(self.budget_usd),
                'budget_ran_out': self.budget_ran_out, 'cancelled': self.cancelled,
                'results': [row.to_dict() for row in self.rows]}


def side_by_side(first: VariantReport, second: VariantReport) -> dict[str, Any]:
    """The two variants' figures in pairs, what the first saves against the second (measured:
    negative when it cost more), and the rows whose verdicts differ."""
    differ = [{'row': a.number, first.label: a.passed, second.label: b.passed,
               'reasons': {first.label: a.reasons, second.label: b.reasons}}
              for a, b in zip(first.rows, second.rows) if a.passed != b.passed]
    return {'variants': [first.label, second.label],
            'pass_rate': [round(first.pass_rate, 4), round(second.pass_rate, 4)],
            'cost_per_row_usd': [float(first.cost_per_row), float(second.cost_per_row)],
            'cost_usd': [float(first.cost_usd), float(second.cost_usd)],
            'latency_mean_s': [first.latency()['mean'], second.latency()['mean']],
            'saving_pct': savings_pct(first.cost_per_row, second.cost_per_row),
            'rows_differ': differ}


def build_report(graph_name: str, dataset: str, checks: list[str], variants: list[VariantReport]) -> dict[str, Any]:
    """The whole report: `--json` prints it, `--report` writes it, the studio stores it."""
    simulated = any(variant.simulated for variant in variants)
    report: dict[str, Any] = {
        'graph': graph_name, 'dataset': dataset, 'checks': checks, 'rows': len(variants[0].rows),
        'simulated': simulated,
        'note': ('SIMULATED: made-up replies, real token counts and prices; content checks mostly fail'
                 if simulated else 'live'),
        'flagship_definition': FLAGSHIP_DEFINITION,
        'variants': [variant.to_dict() for variant in variants]}
    if len(variants) == 2:
        report['side_by_side'] = side_by_side(*variants)
    return report



def figures_table(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The report's figures as text, one (name, a cell per variant) pair a line: the terminal
    table and the studio's Tests tab show the same."""
    variants = report['variants']
    table = [('', [variant['label'] for variant in variants]),
             ('pass rate', [f'{variant["pass_rate"]:.1%} ({variant["passed"]}/{variant["rows"]})'
                            for variant in variants]),
             ('cost per row', [_money(variant['cost_per_row_usd'], variant['cost_complete']) for variant in variants]),
             ('total cost', [_money(variant['cost_usd'], variant['cost_complete']) for variant in variants]),
             ('flagship-only estimate', [f'${variant["flagship_cost_usd"]:.6f} (saved '
                                         f'{variant["savings_vs_flagship_estimate_pct"]:.1f}%)' for variant in variants]),
             ('latency (mean)', ['—' if variant['latency_s']['mean'] is None
                                 else f'{variant["latency_s"]["mean"]:.2f} s' for variant in variants])]
    for check in report['checks']:
        table.append((check, [_check_tally(variant, check) for variant in variants]))
    return table


def comparison_text(report: dict[str, Any]) -> str:
    """One sentence: what the first variant saves against the second, and both pass rates."""
    compared = report['side_by_side']
    first, second = compared['variants']
    saving = compared['saving_pct']
    return (f'{first} costs {abs(saving):.1f}% {"less" if saving >= 0 else "more"} per row than {second} '
            f'(measured), passing {compared["pass_rate"][0]:.1%} of rows against {compared["pass_rate"][1]:.1%}')


def _check_tally(variant: dict[str, Any], check: str) -> str:
    """`passed/applied` of one check over a variant's rows (rows it did not apply to are left out)."""
    verdicts = [result['passed'] for row in variant['results'] for result in row['checks']
                if result['check'] == check and result['passed'] is not None]
    return f'{sum(verdicts)}/{len(verdicts)} passed' if verdicts else 'not applied'


def _money(amount: float, complete: bool) -> str:
    return f'${amount:.6f}' if complete else f'≥ ${amount:.6f}'
