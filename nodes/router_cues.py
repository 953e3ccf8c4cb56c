"""The tier router's cues, loaded once from `nodes/router_cues.toml` (the data a newcomer edits).

A cue is one kind of evidence in a task's wording ("asks for a summary") with its tier, weight and
the example tasks that justify it; the file's header says what each field means. `load_cues` checks
the file as it reads it: a mistake (a missing field, a tier 4, a pattern that does not compile)
is one line naming the cue, never a router that silently decides differently.

Speed: each cue's patterns are indexed by the first letters of the word each match must begin
with; a task searches only the patterns whose words it contains (a few dozen of some 800).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

CUES_FILE = Path(__file__).with_name('router_cues.toml')

_FIELDS = {'id', 'tier', 'weight', 'why', 'patterns', 'unanchored', 'needs', 'examples'}
_REQUIRED = ('id', 'tier', 'weight', 'why', 'patterns')
_FRAGMENT = re.compile(r'\{\{(\w+)\}\}')
# How many letters of a word's beginning are indexed: four tell "theme" from "the".
_START_LETTERS = 4
_WORD_CHARS = re.compile(r'\w+')


class CueFileError(ValueError):
    """The cues file is not usable; the message names the file, the cue and what is wrong."""


@dataclass(frozen=True)
class Cue:
    id: str
    tier: int
    weight: float
    why: str
    # The cue's patterns, each compiled on its own: `patterns` first, then `unanchored`.
    patterns: tuple[re.Pattern[str], ...]
    # Per pattern, the word beginnings (1-4 letters) one of which every match starts with, or
    # None when that cannot be read off the pattern: a task without any of them skips it.
    starts: tuple[frozenset[str] | None, ...]
    # Per pattern, 0 if it is one of `patterns`, 1 if one of `unanchored`.
    sources: tuple[int, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class CueSet:
    cues: tuple[Cue, ...]  # read in the task (and, weighed less, in the system prompt)
    role_cues: tuple[Cue, ...]  # read only in the system prompt or a role the task casts


def load_cues(path: Path = CUES_FILE) -> CueSet:
    """Read and check the cues file; `CueFileError` (one line) when it is not usable."""
    try:
        data = tomllib.loads(path.read_text(encoding='utf-8'))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CueFileError(f'{path.name}: cannot be read: {error}') from None
    fragments = data.get('fragments', {})
    if not isinstance(fragments, dict) or not all(isinstance(value, str) for value in fragments.values()):
        raise CueFileError(f'{path.name}: [fragments] must map names to strings')
    seen: set[str] = set()
    tables = []
    for table in ('cue', 'role_cue'):
        entries = data.get(table, [])
        if not isinstance(entries, list):
            raise CueFileError(f'{path.name}: `{table}` must be an array of tables ([[{table}]])')
        tables.append(tuple(_build(entry, fragments, seen, f'{path.name}: {table} {number}')
                            for number, entry in enumerate(entries, 1)))
    if not tables[0]:
        raise CueFileError(f'{path.name}: no [[cue]] entries')
    return CueSet(*tables)


def _build(entry: dict, fragments: dict[str, str], seen: set[str], where: str) -> Cue:
    missing = [name for name in _REQUIRED if name not in entry]
    if missing:
        raise CueFileError(f'{where}: missing {", ".join(missing)}')
    where = f'{where} ({entry["id"]!r})'
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise CueFileError(f'{where}: unknown field {", ".join(unknown)}')
    if not isinstance(entry['id'], str) or not entry['id'] or entry['id'] in seen:
        raise CueFileError(f'{where}: the id must be a unique, non-empty string')
    seen.add(entry['id'])
    if entry['tier'] not in (1, 2, 3) or isinstance(entry['tier'], bool):
        raise CueFileError(f'{where}: tier must be 1, 2 or 3, not {entry["tier"]!r}')
    if not isinstance(entry['weight'], (int, float)) or isinstance(entry['weight'], bool) or not 0 < entry['weight'] <= 10:
        raise CueFileError(f'{where}: weight must be a number above 0 and at most 10, not {entry["weight"]!r}')
    if not isinstance(entry['why'], str) or not entry['why'].strip() or '\n' in entry['why']:
        raise CueFileError(f'{where}: why must be one line of text')
    for field in ('patterns', 'unanchored', 'examples'):
        value = entry.get(field, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise CueFileError(f'{where}: {field} must be a list of non-empty strings')
    if not entry['patterns'] and not entry.get('unanchored'):
        raise CueFileError(f'{where}: it has no patterns')
    if not isinstance(entry.get('needs', ''), str):
        raise CueFileError(f'{where}: needs must be a string of words')
    needed = frozenset(word[:_START_LETTERS] for word in entry.get('needs', '').split()) or None
    patterns, starts, sources = [], [], []
    for source, field in enumerate(('patterns', 'unanchored')):
        for number, text in enumerate(entry.get(field, []), 1):
            text = _FRAGMENT.sub(lambda match: _fragment(match, fragments, where), text)
            try:
                patterns.append(re.compile(text, re.MULTILINE))
            except re.error as error:
                raise CueFileError(f'{where}: {field} {number} is not a valid regular expression: {error}') from None
            starts.append(needed if source and needed else _word_starts_of(text))
            sources.append(source)
    return Cue(entry['id'], entry['tier'], float(entry['weight']), entry['why'], tuple(patterns),
               tuple(starts), tuple(sources), tuple(entry.get('examples', [])))


def _fragment(match: re.Match[str], fragments: dict[str, str], where: str) -> str:
    if match.group(1) not in fragments:
        raise CueFileError(f'{where}: no fragment named {match.group(1)!r} in [fragments]')
    return fragments[match.group(1)]


def _branches(source: str, start: int = 0) -> tuple[list[str], int]:
    """Split a regex source on its top-level `|`, from `start` up to the `)` that closes an
    enclosing group (or the end): the branches, and the index where they stop."""
    parts, depth, begin, index, in_class = [], 0, start, start, False
    while index < len(source):
        char = source[index]
        if char == '\\':
            index += 2
            continue
        if in_class:
            in_class = char != ']'
        elif char == '[':
            in_class = True
        elif char == '(':
            depth += 1
        elif char == ')':
            if not depth:
                break
            depth -= 1
        elif char == '|' and not depth:
            parts.append(source[begin:index])
            begin = index + 1
        index += 1
    return parts + [source[begin:index]], index


def _literal_start(branch: str) -> str:
    """The first (up to 4) letters every match of `branch` begins with."""
    start = ''
    for index, char in enumerate(branch[:_START_LETTERS]):
        optional = branch[index + 1:index + 2] in ('?', '*', '{')
        if optional or not (char.isascii() and (char.islower() or char.isdigit())):
            break
        start += char
    return start


def _word_starts_of(source: str) -> frozenset[str] | None:
    """What a match must begin with, when every branch is `\\b` and a literal word, or `\\b` and a
    non-capturing group of such words ("\\bplan\\b|\\b(?:design|devise)…" → {"pla", "des", "dev"})."""
    starts = set()
    for branch in _branches(source)[0]:
        if not branch.startswith('\\b'):
            return None
        words = [branch[2:]]
        if branch.startswith('\\b(?:'):
            words, close = _branches(branch, 5)
            if branch[close + 1:close + 2] in ('?', '*', '{'):
                return None
        for word in words:
            if word.startswith('\\d'):  # a number
                starts.update('0123456789')
                continue
            start = _literal_start(word)
            if not start:
                return None
            starts.add(start)
    return frozenset(starts)


def word_starts(text: str) -> set[str]:
    """The first one to four characters of every word in `text`."""
    starts: set[str] = set()
    for word in set(_WORD_CHARS.findall(text)):
        starts.update((word[:1], word[:2], word[:3], word[:4]))
    return starts


class CueIndex:
    """The patterns of a tuple of cues by the word beginnings their matches start with."""

    def __init__(self, cues: tuple[Cue, ...]) -> None:
        self.cues = cues
        self.always: list[tuple[int, int]] = []
        self.by_start: dict[str, list[tuple[int, int]]] = {}
        for cue_index, cue in enumerate(cues):
            for pattern_index, starts in enumerate(cue.starts):
                if starts is None:
                    self.always.append((cue_index, pattern_index))
                else:
                    for start in starts:
                        self.by_start.setdefault(start, []).append((cue_index, pattern_index))

    def find(self, text: str, starts: set[str] | None = None) -> list[tuple[Cue, str]]:
        """Each cue found in `text` (lower-cased) once, in file order, with its match as one search
        of the whole cue would find it: the earliest in the text, `patterns` before `unanchored`.

        :param starts: the word beginnings to look up (default: those of `text`)
        """
        candidates = set(self.always)
        for start in word_starts(text) if starts is None else starts:
            found_here = self.by_start.get(start)
            if found_here:
                candidates.update(found_here)
        found: dict[int, tuple[tuple[int, int, int], str]] = {}
        for cue_index, pattern_index in candidates:
            cue = self.cues[cue_index]
            match = cue.patterns[pattern_index].search(text)
            if match:
                key = (cue.sources[pattern_index], match.start(), pattern_index)
                if cue_index not in found or key < found[cue_index][0]:
                    found[cue_index] = (key, match.group(0))
        return [(self.cues[cue_index], found[cue_index][1]) for cue_index in sorted(found)]
