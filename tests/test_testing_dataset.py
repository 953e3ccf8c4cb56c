"""Test datasets: CSV and JSONL rows read against a graph's input fields (nodes/testing/dataset.py)."""
import pytest

from nodes.kinds.input import InputField
from nodes.testing.dataset import DatasetError, load_dataset, parse_csv, parse_jsonl

FIELDS = {'company': InputField(name='company'), 'count': InputField(name='count', type='integer', default=3),
          'deep': InputField(name='deep', type='boolean', default=False),
          'tags': InputField(name='tags', type='array', default=[])}


def test_csv_columns_are_inputs_read_as_their_types_and_expected_columns_are_kept_as_text():
    dataset = parse_csv('company,count,deep,tags,expected.plan.steps,expected.tidy\n'
                        'Acme,5,yes,"[""a""]",3,1. research\n'
                        'Beta,,,,,\n', FIELDS)
    first, second = dataset.rows
    assert first.number == 1 and first.inputs == {'company': 'Acme', 'count': 5, 'deep': True, 'tags': ['a']}
    assert first.expected == {'plan.steps': '3', 'tidy': '1. research'}
    assert second.inputs == {'company': 'Beta'} and second.expected == {}  # empty cells: defaults, no expectation


def test_jsonl_keeps_json_types_and_takes_expected_as_an_object_or_as_prefixed_keys():
    dataset = parse_jsonl('{"company": "Acme", "count": 2, "expected": {"plan.steps": ["a"]}}\n\n'
                          '{"company": "Beta", "expected.tidy": "x"}\n', FIELDS)
    assert [row.inputs for row in dataset.rows] == [{'company': 'Acme', 'count': 2}, {'company': 'Beta'}]
    assert [row.expected for row in dataset.rows] == [{'plan.steps': ['a']}, {'tidy': 'x'}]


@pytest.mark.parametrize('text, message', [
    ('firm\nAcme\n', '"firm" is not an input of this graph (its inputs: company, count, deep, tags'),
    ('count\n4\n', 'no column for the required input "company"'),
    ('company,count\nAcme,many\n', 'line 2: column "count": "many" is not an integer'),
    ('company,deep\nAcme,maybe\n', 'line 2: column "deep": "maybe" is not a boolean'),
    ('company\n\n', 'no rows: add one line per test case'),
    ('', 'empty file'),
    ('company,company\nA,B\n', 'column "company" appears twice'),
    ('company,expected.\nA,B\n', 'names no target'),
    ('company,count\nAcme\n', 'line 2: 1 cells for 2 columns'),
    ('company,count\n,4\n', 'line 2: no value for the required input "company"'),
])
def test_a_bad_csv_is_refused_naming_the_line_and_the_fix(text, message):
    with pytest.raises(DatasetError) as error:
        parse_csv(text, FIELDS, 'cases.csv')
    assert message in str(error.value)


@pytest.mark.parametrize('text, message', [
    ('{"company": "Acme"\n', 'line 1: not a JSON object'),
    ('["Acme"]\n', 'line 1: each line is one JSON object'),
    ('{"company": 3}\n', 'line 1: "company" must be a string, not 3'),
    ('{"company": "A", "count": true}\n', '"count" must be an integer, not true'),
    ('{"company": "A", "expected": 3}\n', '"expected" must be an object'),
    ('{"count": 1}\n', 'line 1: no value for the required input "company"'),
    ('{"company": "A", "count": NaN}\n', 'not a JSON object'),
])
def test_a_bad_jsonl_line_is_refused_naming_it(text, message):
    with pytest.raises(DatasetError) as error:
        parse_jsonl(text, FIELDS, 'cases.jsonl')
    assert message in str(error.value)


def test_many_problems_are_listed_up_to_five():
    text = 'company,count\n' + ''.join(f'A{n},x{n}\n' for n in range(9))
    with pytest.raises(DatasetError) as error:
        parse_csv(text, FIELDS)
    assert len(error.value.problems) == 6 and error.value.problems[-1] == '… and 4 more'


def test_files_are_read_by_extension_and_others_refused(tmp_path):
    (tmp_path / 'cases.csv').write_text('\ufeffcompany\nAcme\n', encoding='utf-8')  # a BOM, as spreadsheets write
    (tmp_path / 'cases.jsonl').write_text('{"company": "Acme"}\n')
    (tmp_path / 'cases.txt').write_text('company\nAcme\n')
    assert load_dataset(tmp_path / 'cases.csv', FIELDS).rows[0].inputs == {'company': 'Acme'}
    assert load_dataset(tmp_path / 'cases.jsonl', FIELDS).name == 'cases.jsonl'
    with pytest.raises(DatasetError, match='a dataset is a .csv or .jsonl file'):
        load_dataset(tmp_path / 'cases.txt', FIELDS)
    with pytest.raises(DatasetError, match='no such file'):
        load_dataset(tmp_path / 'missing.csv', FIELDS)
