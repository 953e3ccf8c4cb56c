"""A test dataset: one mission run per row, a CSV or JSONL file.

Columns (CSV) or keys (JSONL) are the graph's input fields; a field left out (or an empty CSV
cell) takes the field's default. Expected values go in columns named `expected.<target>`, or,
in JSONL, in an `expected` object keyed by target. A target names a node's output and,
optionally, a path into it: `tidy`, `plan.steps`, `report.tidy`, `evidence.findings.0.claim`.

CSV cells are text: an input cell is read as its field's type (`3`, `1.5`, `true`, JSON for
objects and arrays); an expected cell is kept as text, and checks compare it as text or read it
as a number or JSON where they need to (checks.py). JSONL values keep their JSON types.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..kinds.input import fits, refuse_json_constant, value_from_text

EXPECTED_PREFIX = 'expected.'
MAX_DATASET_BYTES = 20 * 1024 * 1024


class DatasetError(ValueError):
    """The dataset cannot be used; `problems` holds one sentence per problem (the first few)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__('; '.join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Row:
    """One row: its number in the file (1 = the first data row), the mission's inputs, and the
    expected values by target."""
    number: int
    inputs: dict[str, Any]
    expected: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    rows: tuple[Row, ...]

    def __len__(self) -> int:
        return len(self.rows)


def load_dataset(path: str | Path, input_fields: Mapping[str, Any]) -> Dataset:
    """Read a `.csv` or `.jsonl` file against the graph's input fields (name -> `InputField`).

    `DatasetError` lists what is wrong, by line: unknown columns, missing required inputs,
    values not of their field's type, malformed lines.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError([f'{path}: no such file'])
    if path.stat().st_size > MAX_DATASET_BYTES:
        raise DatasetError([f'{path}: larger than {MAX_DATASET_BYTES // (1024 * 1024)} MB'])
    try:
        text = path.read_text(encoding='utf-8-sig')
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError([f'{path}: cannot be read as UTF-8 text ({error})']) from None
    suffix = path.suffix.lower()
    if suffix == '.csv':
        return parse_csv(text, input_fields, path.name)
    if suffix in ('.jsonl', '.ndjson'):
        return parse_jsonl(text, input_fields, path.name)
    raise DatasetError([f'{path}: a dataset is a .csv or .jsonl file, not "{path.suffix or "no extension"}"'])


def parse_csv(text: str, input_fields: Mapping[str, Any], name: str = 'dataset') -> Dataset:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError([f'{name}: empty file: the first line names the columns']) from None
    except csv.Error as error:
        raise DatasetError([f'{name}: line 1: {error}']) from None
    header = [column.strip() for column in header]
    problems = _header_problems(header, input_fields, name)
    if problems:
        raise DatasetError(problems)
    rows, problems = [], []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is no row
            line = reader.line_num
            if len(cells) != len(header):
                problems.append(f'{name}: line {line}: {len(cells)} cells for {len(header)} columns')
                continue
            inputs, expected = {}, {}
            for column, cell in zip(header, cells):
                if column.startswith(EXPECTED_PREFIX):
                    if cell != '':
                        expected[column[len(EXPECTED_PREFIX):]] = cell
                elif cell != '':
                    try:
                        inputs[column] = value_from_text(cell, input_fields[column].type)
                    except ValueError:
                        problems.append(f'{name}: line {line}: column "{column}": "{cell}" is not '
                                        f'{_a(input_fields[column].type)}')
            problems += _missing(inputs, input_fields, f'{name}: line {line}')
            rows.append(Row(len(rows) + 1, inputs, expected))
    except csv.Error as error:
        problems.append(f'{name}: line {reader.line_num}: {error}')
    return _dataset(name, rows, problems)


def parse_jsonl(text: str, input_fields: Mapping[str, Any], name: str = 'dataset') -> Dataset:
    rows, problems = [], []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f'{name}: line {line}'
        try:
            document = json.loads(raw, parse_constant=refuse_json_constant)
        except ValueError as error:
            problems.append(f'{where}: not a JSON object ({error})')
            continue
        if not isinstance(document, dict):
            problems.append(f'{where}: each line is one JSON object, like {{"company": "Acme"}}')
            continue
        expected = document.pop('expected', {})
        if not isinstance(expected, dict):
            problems.append(f'{where}: "expected" must be an object of target -> value')
            continue
        expected = dict(expected)
        for key in [key for key in document if key.startswith(EXPECTED_PREFIX)]:
            expected[key[len(EXPECTED_PREFIX):]] = document.pop(key)
        header_problems = _header_problems(list(document), input_fields, where, required=False)
        if header_problems:
            problems += header_problems
            continue
        for key, value in document.items():
            if value is not None and not fits(value, input_fields[key].type):
                problems.append(f'{where}: "{key}" must be {_a(input_fields[key].type)}, not {json.dumps(value)}')
        inputs = {key: value for key, value in document.items() if value is not None}
        problems += _missing(inputs, input_fields, where)
        rows.append(Row(len(rows) + 1, inputs, expected))
    return _dataset(name, rows, problems)


def _dataset(name: str, rows: list[Row], problems: list[str]) -> Dataset:
    if problems:
        more = len(problems) - 5
        raise DatasetError(problems[:5] + ([f'… and {more} more'] if more > 0 else []))
    if not rows:
        raise DatasetError([f'{name}: no rows: add one line per test case'])
    return Dataset(name, tuple(rows))


def _header_problems(columns: list[str], input_fields: Mapping[str, Any], where: str,
                     required: bool = True) -> list[str]:
    problems = []
    known = ', '.join(input_fields) or 'none'
    seen = set()
    for column in columns:
        if column in seen:
            problems.append(f'{where}: column "{column}" appears twice')
        seen.add(column)
        if column.startswith(EXPECTED_PREFIX):
            if not column[len(EXPECTED_PREFIX):]:
                problems.append(f'{where}: column "{column}" names no target (expected.<node>[.<field>])')
        elif column not in input_fields:
            problems.append(f'{where}: "{column}" is not an input of this graph (its inputs: {known}; '
                            f'expected values go in expected.<node> columns)')
    if required:
        for name, input_field in input_fields.items():
            if name not in seen and input_field.default is None:
                problems.append(f'{where}: no column for the required input "{name}"')
    return problems


def _missing(inputs: Mapping[str, Any], input_fields: Mapping[str, Any], where: str) -> list[str]:
    return [f'{where}: no value for the required input "{name}"' for name, input_field in input_fields.items()
            if name not in inputs and input_field.default is None]


def _a(field_type: str) -> str:
    return {'integer': 'an integer', 'array': 'an array', 'object': 'an object'}.get(field_type, f'a {field_type}')
