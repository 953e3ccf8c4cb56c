"""A variant's figures and two variants side by side (nodes/testing/report.py)."""
from decimal import Decimal

from nodes.testing.checks import CheckResult
from nodes.testing.report import RowResult, VariantReport, build_report, comparison_text, figures_table


def row(number, passed, cost, latency, run=True, checks=()):
    return RowResult(number, {'company': f'C{number}'}, 'succeeded' if run else 'not_run', passed,
                     [] if passed else ['why'], list(checks), f'run{number}' if run else None, Decimal(cost),
                     latency_s=latency if run else None, flagship_cost_usd=Decimal(cost) * 3 if run else Decimal(0))


def test_pass_rate_counts_every_row_and_cost_per_row_only_the_rows_that_ran():
    variant = VariantReport('routing', True, [row(1, True, '0.002', 1.0), row(2, False, '0.004', 3.0),
                                              row(3, False, '0', None, run=False)], 4.0, Decimal('0.006'))
    assert variant.pass_rate == 1 / 3 and variant.rows_run == 2
    assert variant.cost_usd == Decimal('0.006') and variant.cost_per_row == Decimal('0.003')
    assert variant.latency() == {'mean': 2.0, 'p50': 2.0, 'p95': 3.0, 'max': 3.0}
    assert variant.budget_ran_out
    figures = variant.to_dict()
    assert figures['savings_vs_flagship_estimate_pct'] == 66.67 and figures['rows'] == 3


def test_side_by_side_says_which_costs_less_and_which_rows_differ():
    check = CheckResult('contains tidy', True, 'contains "x"')
    cheap = VariantReport('routing', False, [row(1, True, '0.001', 1.0, checks=[check]), row(2, False, '0.001', 1.0)],
                          2.0)
    dear = VariantReport('flagship-only', False, [row(1, True, '0.004', 2.0, checks=[check]),
                                                  row(2, True, '0.004', 2.0)], 4.0)
    report = build_report('Brief', 'cases.csv', ['contains tidy'], [cheap, dear])
    assert report['simulated'] is False and report['note'] == 'live'
    assert [entry['row'] for entry in report['side_by_side']['rows_differ']] == [2]
    assert comparison_text(report) == ('routing costs 75.0% less per row than flagship-only (measured), '
                                       'passing 50.0% of rows against 100.0%')
    reverse = build_report('Brief', 'cases.csv', [], [dear, cheap])
    assert comparison_text(reverse).startswith('flagship-only costs 300.0% more per row than routing')
    table = dict(figures_table(report))
    assert table['pass rate'] == ['50.0% (1/2)', '100.0% (2/2)']
    assert table['cost per row'] == ['$0.001000', '$0.004000']
    assert table['contains tidy'] == ['1/1 passed', '1/1 passed']  # the rows it did not apply to are left out


def test_a_simulated_variant_makes_the_report_say_so():
    report = build_report('Brief', 'cases.csv', [], [VariantReport('routing', True, [row(1, True, '0.001', 1.0)], 1.0)])
    assert report['simulated'] is True and report['note'].startswith('SIMULATED')
    assert 'side_by_side' not in report
