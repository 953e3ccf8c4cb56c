"""Checks on a row's outputs (nodes/testing/checks.py): equals, contains, regex, number, schema."""
import json

import pytest

from nodes.testing.checks import (Check, ChecksError, checks_beside, evaluate, load_checks, parse_checks, resolve,
                                  unknown_targets, with_expected_columns)
from nodes.testing.dataset import Dataset, Row

OUTPUTS = {'plan': {'steps': ['Research', 'Compare'], 'score': 0.82}, 'tidy': '1. Research\n2. Compare\n',
           'report': {'tidy': '1. Research\n2. Compare\n'}}


def check(**fields) -> Check:
    return Check.model_validate(fields)


@pytest.mark.parametrize('target, found, value', [
    ('tidy', True, '1. Research\n2. Compare\n'), ('plan.steps.1', True, 'Compare'), ('report.tidy', True,
                                                                                     OUTPUTS['tidy']),
    ('plan.steps.7', False, None), ('plan.missing', False, None), ('ghost', False, None)])
def test_a_target_is_a_node_and_a_path_into_its_output(target, found, value):
    assert resolve(target, OUTPUTS) == (found, value)


@pytest.mark.parametrize('fields, expected, passed', [
    ({'type': 'equals', 'target': 'tidy'}, '1. Research\n2. Compare', True),  # trimmed
    ({'type': 'equals', 'target': 'tidy'}, '1. research', False),
    ({'type': 'equals', 'target': 'plan.steps', 'ignore_case': True}, '["Research", "Compare"]', True),
    ({'type': 'equals', 'target': 'plan.steps.0', 'ignore_case': True}, 'RESEARCH', True),
    ({'type': 'contains', 'target': 'tidy'}, 'Compare', True),
    ({'type': 'contains', 'target': 'tidy'}, 'compare', False),
    ({'type': 'contains', 'target': 'tidy', 'ignore_case': True}, 'compare', True),
    ({'type': 'contains', 'target': 'plan.steps'}, 'Research', True),
    ({'type': 'contains', 'target': 'plan.steps'}, 'Resea', False),  # an array holds items, not substrings
    ({'type': 'regex', 'target': 'tidy'}, r'^1\. \w+', True),
    ({'type': 'regex', 'target': 'tidy'}, r'^3\.', False),
    ({'type': 'number', 'target': 'plan.score', 'tolerance': 0.05}, '0.8', True),
    ({'type': 'number', 'target': 'plan.score', 'tolerance': 0.01}, '0.8', False),
    ({'type': 'number', 'target': 'plan.score', 'tolerance': 0.05, 'relative': True}, 0.85, True),
    ({'type': 'number', 'target': 'tidy'}, '1', False),
])
def test_each_comparison_passes_or_fails_against_the_rows_expected_value(fields, expected, passed):
    result = evaluate(check(**fields), OUTPUTS, {fields['target']: expected})
    assert result.passed is passed, result.detail


def test_a_failure_says_what_was_found_and_what_was_wanted():
    result = evaluate(check(type='equals', target='plan.steps.0'), OUTPUTS, {'plan.steps.0': 'Plan'})
    assert result.detail == '"Research" is not "Plan"' and result.name == 'equals plan.steps.0'
    number = evaluate(check(type='number', target='plan.score', tolerance=0.01), OUTPUTS, {'plan.score': '0.5'})
    assert number.detail == '0.82 is not within 0.01 of 0.5'


def test_a_checks_own_value_wins_and_a_row_without_an_expected_value_does_not_apply_the_check():
    fixed = check(type='contains', target='tidy', value='Research')
    assert evaluate(fixed, OUTPUTS, {}).passed is True
    assert evaluate(fixed, OUTPUTS, {'tidy': 'nothing like it'}).passed is True
    open_ended = evaluate(check(type='equals', target='tidy'), OUTPUTS, {})
    assert open_ended.passed is None and 'no expected value' in open_ended.detail


def test_a_target_the_run_did_not_produce_fails():
    result = evaluate(check(type='contains', target='plan.summary', value='x'), OUTPUTS, {})
    assert result.passed is False and result.detail == 'the run produced no plan.summary'


def test_a_schema_check_says_where_the_value_breaks_it():
    schema = {'type': 'array', 'items': {'type': 'string'}, 'minItems': 3}
    result = evaluate(check(type='schema', target='plan.steps', schema=schema), OUTPUTS, {})
    assert result.passed is False and result.detail == '["Research","Compare"] has less than 3 items'
    assert evaluate(check(type='schema', target='plan.steps', schema={'type': 'array'}), OUTPUTS, {}).passed


@pytest.mark.parametrize('document, message', [
    ([], 'a checks file is {"checks"'),
    ({'checks': [{'target': 'tidy', 'type': 'similar'}]}, 'check 1: type:'),
    ({'checks': [{'target': 'tidy', 'type': 'schema'}]}, 'check 1: a schema check needs "schema"'),
    ({'checks': [{'target': 'tidy', 'type': 'schema', 'schema': {'type': 'thing'}}]}, 'its schema cannot be used'),
    ({'checks': [{'target': 'tidy', 'type': 'judge'}]}, 'needs a "rubric"'),
    ({'checks': [{'target': 'tidy', 'type': 'regex', 'value': '(unclosed'}]}, 'is not a regular expression'),
    ({'checks': [{'target': 'tidy', 'type': 'number', 'tolerance': -1}]}, 'check 1: tolerance'),
    ({'checks': [{'target': 'Tidy', 'type': 'equals'}]}, 'check 1: target'),
    ({'checks': [{'target': 'tidy', 'type': 'equals', 'colour': 'red'}]}, 'check 1: colour: Extra inputs'),
])
def test_a_bad_checks_file_is_refused_in_one_line(document, message):
    with pytest.raises(ChecksError) as error:
        parse_checks(document, 'cases.checks.json')
    assert message in str(error.value) and '\n' not in str(error.value)


def test_checks_live_beside_the_dataset_and_expected_columns_get_an_equals_check(tmp_path):
    (tmp_path / 'cases.csv').write_text('company\nA\n')
    assert checks_beside(tmp_path / 'cases.csv') is None
    (tmp_path / 'cases.checks.json').write_text(json.dumps({'checks': [{'target': 'tidy', 'type': 'contains'}]}))
    assert checks_beside(tmp_path / 'cases.csv') == tmp_path / 'cases.checks.json'
    checks = load_checks(tmp_path / 'cases.checks.json')
    dataset = Dataset('cases.csv', (Row(1, {}, {'tidy': 'x', 'plan.score': '1'}), Row(2, {}, {'plan.score': '2'})))
    assert [c.label for c in with_expected_columns(checks, dataset)] == ['contains tidy', 'equals plan.score']
    assert unknown_targets(checks + [check(type='equals', target='ghost.x')], {'tidy'}) == [
        'check "equals ghost.x": no node "ghost" in the graph']
