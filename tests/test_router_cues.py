"""The router's cues as data (nodes/router_cues.toml): every cue is justified by examples that
still route as claimed, and a mistake in the file is one clear line, never a silently different router."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodes.router import cues_found, route_task
from nodes.router_cues import CueFileError, load_cues
from router_sets import load_tasks

CUES = load_cues()
ALL_CUES = CUES.cues + CUES.role_cues
FROZEN = Path(__file__).resolve().parent.parent / 'benchmarks' / 'router_frozen.jsonl'


@pytest.mark.parametrize('cue', ALL_CUES, ids=lambda cue: cue.id)
def test_every_cue_has_examples_that_route_as_claimed(cue):
    assert cue.examples, f'cue {cue.id!r} has no example justifying it'
    for example in cue.examples:
        assert cue.id in cues_found(example), f'cue {cue.id!r} is not found in its example {example!r}'
        decision = route_task(example)
        assert decision.tier == cue.tier, f'{example!r} routes to tier {decision.tier}: {decision.reason}'


def test_no_example_comes_from_a_set_never_tuned_on():
    examples = {example for cue in ALL_CUES for example in cue.examples}
    frozen = {json.loads(line)['text'] for line in FROZEN.read_text(encoding='utf-8').splitlines()
              if line.strip() and not line.startswith('#')}
    assert len(frozen) >= 100
    assert not examples & frozen
    assert not examples & {task['text'] for task in load_tasks('blind_tasks_c.jsonl')}


def test_the_file_holds_the_whole_table():
    assert len(CUES.cues) >= 60 and CUES.role_cues
    assert sum(len(cue.patterns) for cue in CUES.cues) >= 700
    assert {cue.tier for cue in CUES.cues} == {1, 2, 3}
    assert len({cue.id for cue in ALL_CUES}) == len(ALL_CUES)


GOOD = '''
[fragments]
day = '(?:monday|friday)'

[[cue]]
id = 'meeting'
tier = 2
weight = 2.0
why = 'books a meeting'
patterns = ['\\bmeet on {{day}}\\b', '\\bbook\\b']
examples = ['Book a room.']
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / 'cues.toml'
    path.write_text(text, encoding='utf-8')
    return path


def test_a_valid_file_loads_with_its_fragments(tmp_path):
    cues = load_cues(write(tmp_path, GOOD))
    (cue,) = cues.cues
    assert (cue.id, cue.tier, cue.weight, cue.why, cue.examples) == ('meeting', 2, 2.0, 'books a meeting', ('Book a room.',))
    assert cue.patterns[0].search('we meet on friday at ten')
    assert cue.starts == (frozenset({'meet'}), frozenset({'book'}))
    assert cues.role_cues == ()


@pytest.mark.parametrize('change, message', [
    (("tier = 2", "tier = 4"), "cues.toml: cue 1 ('meeting'): tier must be 1, 2 or 3, not 4"),
    (("tier = 2\n", ""), "cues.toml: cue 1: missing tier"),
    (("weight = 2.0", "weight = 'heavy'"), "cues.toml: cue 1 ('meeting'): weight must be a number above 0"),
    (("'\\bbook\\b'", "'\\bbook(\\b'"), "cues.toml: cue 1 ('meeting'): patterns 2 is not a valid regular expression"),
    (("{{day}}", "{{weekday}}"), "cues.toml: cue 1 ('meeting'): no fragment named 'weekday' in [fragments]"),
    (("examples =", "exemples ="), "cues.toml: cue 1 ('meeting'): unknown field exemples"),
    (("examples = ['Book a room.']", "examples = 'Book a room.'"), "cues.toml: cue 1 ('meeting'): examples must be a list"),
    (("why = 'books a meeting'", "why = ''"), "cues.toml: cue 1 ('meeting'): why must be one line of text"),
    (("[[cue]]", "[cue"), "cues.toml: cannot be read:"),
])
def test_a_mistake_in_the_file_is_one_line_naming_the_cue(tmp_path, change, message):
    with pytest.raises(CueFileError) as raised:
        load_cues(write(tmp_path, GOOD.replace(*change)))
    assert str(raised.value).startswith(message)
    assert '\n' not in str(raised.value)


def test_a_duplicate_id_is_refused(tmp_path):
    text = GOOD + GOOD[GOOD.index('[[cue]]'):]
    with pytest.raises(CueFileError, match=r"cue 2 \('meeting'\): the id must be a unique"):
        load_cues(write(tmp_path, text))

