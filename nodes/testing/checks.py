"""Checks: what a row's run must have produced to pass.

A checks file is JSON, `{"checks": [ … ]}`, kept beside the dataset as `<dataset stem>.checks.json`
(or named with `--checks`). Each check names a `target` — a node's output, or a path into it
(`tidy`, `plan.steps`, `report.tidy`) — and a `type`:

| type | passes when the target's value … | parameters |
|---|---|---|
| `equals` | equals the expected value (text compared trimmed) | `ignore_case` |
| `contains` | holds it: text as a substring, an array as an item | `ignore_case` |
| `regex` | matches it as a regular expression (`re.search`) | `ignore_case` |
| `number` | is a number within `tolerance` of it | `tolerance` (default 0), `relative` |
| `schema` | is valid against the JSON Schema `schema` | `schema` |
| `judge` | scores `pass_score` or more (0 to 1) from an agent on `tier` reading `rubric` | `rubric`, `tier` (default 2), `pass_score` (default 0.7) |

The expected value is the check's `value` when it gives one, else the row's `expected.<target>`;
a row without one does not apply that check. An expected column that no check names is checked
with `equals`. A check whose target was not produced fails, saying so.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..json_schema import SchemaValidator, schema_problem
from .dataset import Dataset

CHECKS_SUFFIX = '.checks.json'
NEEDS_EXPECTED = ('equals', 'contains', 'regex', 'number')
MAX_SHOWN = 80  # characters of a value quoted in a reason


class ChecksError(ValueError):
    """The checks file cannot be used; the message says why in one line."""


class Check(BaseModel):
    """One check (see the module docstring)."""
    model_config = ConfigDict(extra='forbid', strict=True, populate_by_name=True)
    target: str = Field(pattern=r'^[a-z][a-z0-9_]{0,63}(\.[^.]+)*$')
    type: Literal['equals', 'contains', 'regex', 'number', 'schema', 'judge']
    name: str | None = None
    value: Any = None
    ignore_case: bool = False
    tolerance: float = Field(0.0, ge=0)
    relative: bool = False
    json_schema: dict[str, Any] | None = Field(None, alias='schema')
    rubric: str | None = None
    tier: Literal[1, 2, 3] = 2
    pass_score: float = Field(0.7, ge=0, le=1)

    @model_validator(mode='after')
    def _parameters(self) -> Check:
        if self.type == 'schema':
            if self.json_schema is None:
                raise ValueError('a schema check needs "schema" (a JSON Schema)')
            problem = schema_problem(self.json_schema)
            if problem:
                raise ValueError(f'its schema cannot be used: {problem}')
        if self.type == 'judge' and not (self.rubric or '').strip():
            raise ValueError('a judge check needs a "rubric": what a good output does')
        if self.type == 'regex' and isinstance(self.value, str):
            _pattern(self.value, self.ignore_case)
        return self

    @property
    def label(self) -> str:
        return self.name or f'{self.type} {self.target}'


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A check on one row: `passed` None when it did not apply (no expected value)."""
    name: str
    passed: bool | None
    detail: str
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {'check': self.name, 'passed': self.passed, 'detail': self.detail,
                **({'score': self.score} if self.score is not None else {})}


def checks_beside(dataset_path: str | Path) -> Path | None:
    """The checks file kept beside a dataset (`<stem>.checks.json`), if there is one."""
    path = Path(dataset_path)
    beside = path.with_name(path.stem + CHECKS_SUFFIX)
    return beside if beside.is_file() else None


def load_checks(path: str | Path) -> list[Check]:
    """The checks in a checks file; `ChecksError` naming the first problem."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        raise ChecksError(f'{path}: no such file') from None
    except (OSError, ValueError) as error:
        raise ChecksError(f'{path}: not a JSON file ({error})') from None
    return parse_checks(document, str(path))


def parse_checks(document: Any, where: str = 'checks') -> list[Check]:
    if not isinstance(document, dict) or not isinstance(document.get('checks'), list) or set(document) - {'checks'}:
        raise ChecksError(f'{where}: a checks file is {{"checks": [{{"target": …, "type": …}}, …]}}')
    checks = []
    for index, item in enumerate(document['checks'], start=1):
        try:
            checks.append(Check.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            place = '.'.join(str(part) for part in first['loc'])
            raise ChecksError(f'{where}: check {index}: {(place + ": ") if place else ""}'
                              f'{first["msg"].removeprefix("Value error, ")}') from None
    return checks


def with_expected_columns(checks: list[Check], dataset: Dataset) -> list[Check]:
    """`checks`, plus an `equals` check for every expected target that no check names."""
    named = {check.target for check in checks}
    targets = dict.fromkeys(target for row in dataset.rows for target in row.expected)
    return list(checks) + [Check(target=target, type='equals') for target in targets if target not in named]


def unknown_targets(checks: list[Check], node_ids: set[str]) -> list[str]:
    """One sentence per check whose target names no node of the graph."""
    return [f'check "{check.label}": no node "{check.target.split(".")[0]}" in the graph'
            for check in checks if check.target.split('.')[0] not in node_ids]


def resolve(target: str, outputs: dict[str, Any]) -> tuple[bool, Any]:
    """(found, value) of a target in the run's node outputs (node id -> output)."""
    node_id, *path = target.split('.')
    if node_id not in outputs:
        return False, None
    value = outputs[node_id]
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def expected_value(check: Check, expected: dict[str, Any]) -> tuple[bool, Any]:
    if check.value is not None:
        return True, check.value
    if check.target in expected:
        return True, expected[check.target]
    return False, None


def evaluate(check: Check, outputs: dict[str, Any], expected: dict[str, Any]) -> CheckResult:
    """A check that needs no model (every type but `judge`) on one row's outputs."""
    needed = check.type in NEEDS_EXPECTED
    has_expected, want = expected_value(check, expected)
    if needed and not has_expected:
        return CheckResult(check.label, None, f'no expected value for {check.target} in this row')
    found, value = resolve(check.target, outputs)
    if not found:
        return CheckResult(check.label, False, f'the run produced no {check.target}')
    if check.type == 'schema':
        problem = SchemaValidator(check.json_schema).explain(value)
        if problem is None:
            return CheckResult(check.label, True, 'valid against the schema')
        where, what = problem
        return CheckResult(check.label, False, f'at {where}: {what}' if where else what)
    passed, detail = _COMPARE[check.type](check, value, want)
    return CheckResult(check.label, passed, detail)


def _equals(check: Check, value: Any, want: Any) -> tuple[bool, str]:
    if isinstance(value, str) or not isinstance(want, str):
        same = _text(value, check.ignore_case) == _text(want, check.ignore_case) if isinstance(value, str) \
            else value == want
    else:
        same = _as_json(want) == value  # an expected cell of a CSV is text: `3`, `["a"]`
    return same, f'equals {_show(want)}' if same else f'{_show(value)} is not {_show(want)}'


def _contains(check: Check, value: Any, want: Any) -> tuple[bool, str]:
    if isinstance(value, list):
        items = [_text(item, check.ignore_case) if isinstance(item, str) else item for item in value]
        wanted = _text(want, check.ignore_case) if isinstance(want, str) else want
        held = wanted in items or (isinstance(want, str) and _as_json(want) in value)
    else:
        haystack = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        needle = want if isinstance(want, str) else json.dumps(want, ensure_ascii=False)
        held = _text(needle, check.ignore_case) in _text(haystack, check.ignore_case)
    return held, f'contains {_show(want)}' if held else f'{_show(value)} does not contain {_show(want)}'


def _regex(check: Check, value: Any, want: Any) -> tuple[bool, str]:
    if not isinstance(want, str):
        return False, f'the expected pattern {_show(want)} is not text'
    try:
        pattern = _pattern(want, check.ignore_case)
    except ValueError as error:
        return False, str(error)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    matched = pattern.search(text) is not None
    return matched, f'matches /{want}/' if matched else f'{_show(value)} does not match /{want}/'


def _number(check: Check, value: Any, want: Any) -> tuple[bool, str]:
    actual, expected = _as_number(value), _as_number(want)
    if expected is None:
        return False, f'the expected value {_show(want)} is not a number'
    if actual is None:
        return False, f'{_show(value)} is not a number'
    allowed = check.tolerance * abs(expected) if check.relative else check.tolerance
    within = abs(actual - expected) <= allowed
    bound = f'{check.tolerance:.0%}' if check.relative else f'{check.tolerance:g}'
    return within, (f'{actual:g} is within {bound} of {expected:g}' if within
                    else f'{actual:g} is not within {bound} of {expected:g}')


_COMPARE = {'equals': _equals, 'contains': _contains, 'regex': _regex, 'number': _number}


def _pattern(text: str, ignore_case: bool) -> re.Pattern:
    try:
        return re.compile(text, re.IGNORECASE if ignore_case else 0)
    except re.error as error:
        raise ValueError(f'/{text}/ is not a regular expression ({error})') from None


def _text(value: Any, ignore_case: bool) -> str:
    text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).strip()
    return text.casefold() if ignore_case else text


def _as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + '…'
