"""Running a mission once per dataset row (nodes/testing/runner.py), with checks, a judge, a
budget and a concurrency bound, on the simulated provider."""
import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.testing.checks import parse_checks, with_expected_columns
from nodes.testing.dataset import parse_csv
from nodes.testing.report import side_by_side
from nodes.testing.runner import DatasetRunner
from nodes.validation import load_graph

ROOT = Path(__file__).parents[1]
GREETER = {'format': 'swarm-studio.graph', 'version': 1, 'name': 'Greeter', 'nodes': [
    {'id': 'who', 'kind': 'input', 'config': {'fields': [{'name': 'name', 'type': 'string'}]}},
    {'id': 'greet', 'kind': 'transform', 'config': {'template': 'Hello {{ who.name }}'}},
    {'id': 'out', 'kind': 'output', 'config': {}}],
    'edges': [{'source': 'who', 'target': 'greet'}, {'source': 'greet', 'target': 'out'}]}


def plan_of(document_or_path, latency_ms=0, **options):
    text = Path(document_or_path).read_text() if isinstance(document_or_path, Path) else json.dumps(document_or_path)
    return compile_graph(load_graph(text), provider=SimulatedProvider(latency_ms=latency_ms), **options)


def brief_plan(**options):
    return plan_of(ROOT / 'assets' / 'examples' / 'competitor-brief.json', **options)


def companies(count):
    return 'company\n' + ''.join(f'Company {n}\n' for n in range(count))


async def test_each_row_runs_and_passes_or_fails_with_the_reason():
    plan = plan_of(GREETER)
    dataset = parse_csv('name,expected.greet\nAda,Hello Ada\nBob,Hello Robert\nCy,\n', plan.input_fields)
    checks = with_expected_columns([], dataset)
    report = await DatasetRunner(plan, dataset, checks).run()
    assert [row.passed for row in report.rows] == [True, False, True]
    assert report.rows[1].reasons == ['equals greet: "Hello Bob" is not "Hello Robert"']
    assert report.rows[2].checks[0].passed is None  # nothing expected of it: the run succeeding is the test
    assert report.passed == 2 and report.pass_rate == pytest.approx(2 / 3)
    assert all(row.run_id and row.status == 'succeeded' for row in report.rows)
    assert report.rows[0].outputs == {'out': {'greet': 'Hello Ada'}}


async def test_rows_run_concurrently_but_never_more_than_the_bound():
    plan = brief_plan(latency_ms=20)
    running, most = set(), [0]

    def watcher(row):
        def on_event(event):
            if event.type == 'run_started':
                running.add(row.number)
                most[0] = max(most[0], len(running))
            elif event.type == 'run_finished':
                running.discard(row.number)
        return [on_event]

    dataset = parse_csv(companies(7), plan.input_fields)
    report = await DatasetRunner(plan, dataset, [], concurrency=3, subscribers_for=watcher).run()
    assert most[0] == 3 and report.rows_run == 7 and report.passed == 7


async def test_a_total_budget_is_kept_across_rows_and_rows_past_it_are_not_run():
    plan = brief_plan()
    dataset = parse_csv(companies(10), plan.input_fields)
    one_row = (await DatasetRunner(plan, parse_csv(companies(1), plan.input_fields), []).run()).cost_usd
    budget = one_row * Decimal('3.5')
    report = await DatasetRunner(plan, dataset, [], concurrency=2, budget_usd=budget).run()
    assert report.cost_usd <= budget
    assert 3 <= report.rows_run < 10 and report.budget_ran_out
    skipped = [row for row in report.rows if row.status == 'not_run']
    assert skipped and all(row.reasons == [f'the test budget of ${budget} was spent before this row ran']
                           for row in skipped)
    assert report.pass_rate < 1 and report.cost_per_row == report.cost_usd / report.rows_run


async def test_a_run_that_fails_fails_its_row_and_says_why():
    document = json.loads((ROOT / 'assets' / 'examples' / 'competitor-brief.json').read_text())
    document['nodes'][2]['config'].update(max_retries=0, simulate={'fail_first': 9, 'failure': 'invalid_json'})
    plan = plan_of(document)
    report = await DatasetRunner(plan, parse_csv(companies(1), plan.input_fields), []).run()
    row = report.rows[0]
    assert row.status == 'failed' and not row.passed and row.reasons[0].startswith('the run failed (tidy: ')


async def test_a_judge_scores_the_output_and_its_cost_is_counted():
    plan = brief_plan()
    dataset = parse_csv(companies(2), plan.input_fields)
    judged = parse_checks({'checks': [{'target': 'tidy', 'type': 'judge', 'rubric': 'A numbered list of steps.',
                                       'tier': 3, 'pass_score': 0.5}]})
    strict = parse_checks({'checks': [{'target': 'tidy', 'type': 'judge', 'rubric': 'A numbered list of steps.',
                                       'tier': 3, 'pass_score': 0.9}]})
    plain = await DatasetRunner(plan, dataset, []).run()
    lenient = await DatasetRunner(plan, dataset, judged).run()
    harsh = await DatasetRunner(plan, dataset, strict).run()
    for report, pass_score in ((lenient, 0.5), (harsh, 0.9)):
        for row in report.rows:
            score = row.checks[0].score
            assert 0 <= score <= 1 and row.passed is (score >= pass_score)
            assert row.checks[0].detail.startswith(f'scored {score:.2f} ')
    for with_judge, without in zip(lenient.rows, plain.rows):
        assert with_judge.judge_cost_usd > 0
        assert with_judge.cost_usd == with_judge.judge_cost_usd + without.cost_usd


async def test_flagship_only_costs_more_and_the_side_by_side_names_rows_that_differ():
    routed, flagship = brief_plan(), brief_plan(flagship_only=True)
    dataset = parse_csv(companies(3), routed.input_fields)
    checks = parse_checks({'checks': [{'target': 'report.tidy', 'type': 'contains', 'value': 'Company 1'}]})
    first = await DatasetRunner(routed, dataset, checks).run()
    second = await DatasetRunner(flagship, dataset, checks, label='flagship-only').run()
    assert second.cost_per_row > first.cost_per_row
    compared = side_by_side(first, second)
    assert compared['variants'] == ['routing', 'flagship-only']
    assert compared['saving_pct'] == pytest.approx(float((second.cost_per_row - first.cost_per_row) * 100
                                                         / second.cost_per_row), abs=0.01)
    differ = {row['row'] for row in compared['rows_differ']}
    assert differ == {row.number for row, other in zip(first.rows, second.rows) if row.passed != other.passed}


async def test_cancel_stops_the_running_rows_and_runs_no_more():
    plan = brief_plan(latency_ms=5000)
    runner = DatasetRunner(plan, parse_csv(companies(6), plan.input_fields), [], concurrency=2)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    runner.cancel()
    report = await asyncio.wait_for(task, 10)
    assert report.cancelled and [row.status for row in report.rows] == ['cancelled'] * 2 + ['not_run'] * 4
    assert report.rows[2].reasons == ['the test was cancelled before this row ran']


def test_concurrency_below_one_is_refused():
    with pytest.raises(ValueError, match='concurrency must be 1 or more'):
        DatasetRunner(brief_plan(), parse_csv(companies(1), brief_plan().input_fields), [], concurrency=0)
