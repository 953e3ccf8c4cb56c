"""The offline tier classifier behind `tier: auto`.

`route_task` reads a node's task (system prompt, prompt template, output schema) and picks a
tier: 1 for high reasoning (strategy, architecture, audits, multi-step reasoning), 2 for
analytical/technical work (code, extraction, summaries), 3 for commodity work (formatting,
data entry, simple checks). It weighs the cues of `nodes/router_cues.toml` (the data: each cue
with its tier, weight and the examples that justify it; see `nodes/router_cues.py`) plus
structural signals (the object of the opening verb, the number of distinct demands, a situation
set out first, a short yes/no question, length, schema), deterministic and fast (well under
0.1 ms), and every decision says in one sentence which cue decided it and how sure it is.

Confidence (0..1) is the strength of the winning tier's evidence (full at one decisive cue) times
its separation from the runner-up. When unsure (below `UNSURE_BELOW`), the router takes the
strongest candidate tier: evidence conflicts, or only the task's shape spoke. Ties go to the more
capable tier too: an under-powered answer can look valid and pass unnoticed.

Before any cue is looked for, the task is reduced to its instruction: template data and other
placeholders, quotations, politeness ("Could you please…"), prohibitions ("Do not suggest
changes", "keep the codes as is"), the field list of an extraction ("pull out: indemnity cap, …")
and greetings go; a role the task casts for itself ("As a senior engineer, …") is read like a
system prompt; misspellings of the decisive words ("sumarize", "extarct") and contractions typed
without their apostrophe ("whats", "wont") are corrected.

Its accuracy is measured on `assets/router/labelled_tasks.jsonl` (held-out split),
`assets/router/unseen_tasks.jsonl`, three blind sets written by someone who never saw it
(`blind_tasks_a.jsonl` and `blind_tasks_b.jsonl` were then used for tuning, `blind_tasks_c.jsonl`
never was) and the frozen set `benchmarks/router_frozen.jsonl`, which no change may be tuned on;
see `benchmarks/bench_router.py`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .router_cues import CueIndex, load_cues


@dataclass(frozen=True)
class RouteDecision:
    """The tier chosen for a task, one short sentence saying why, and how sure the router is
    (0..1: 1 when one decisive cue or more point one way and nothing points elsewhere)."""

    tier: int
    reason: str
    confidence: float = 1.0


# "When unsure, go up": below this confidence the router picks the strongest tier among the
# candidates, since a cheap model's schema-valid wrong answer is never escalated while a misroute
# up only costs money. Chosen before measuring on the sets never tuned on (see the README).
UNSURE_BELOW = 0.3
# Evidence that makes a tier a candidate: a strong hint at its strongest (2.5) or more; the
# designed overrides (a short object beats the verb "rewrite", 2.0) are not doubt.
_CANDIDATE_WEIGHT = 2.5
# The weight at which evidence for one tier is full strength: one decisive cue.
_DECISIVE_WEIGHT = 3.0
# A decision resting only on the task's shape ("Is P equal to NP?": a short yes/no question) says
# nothing about the work itself (a check or a judgement?): its confidence is at most this, so it
# goes one tier up.
_SHAPE_ONLY_CONFIDENCE = 0.25
# With no cue at all (a fallback on length), there is nothing to be unsure between.
_FALLBACK_CONFIDENCE = 0.5
_SHAPE_REASONS = frozenset({'asks a short yes/no question'})


# System text describes the agent rather than the task: its cues count for less, and all of them
# together never outweigh one decisive cue in the task ("You are a senior auditor" + "Capitalise…").
_SYSTEM_WEIGHT = 0.5
_SYSTEM_CAP = 2.0

# Structural cues: a long brief usually carries several constraints to reconcile; a task that
# first sets out a situation ("Our churn doubled. …") asks for reasoning about it; a short
# question opening with an auxiliary verb ("Is it…?", "Does…?") usually wants a yes/no check.
_LONG_BRIEF_WORDS = 24
_SITUATION_FIRST = re.compile(
    r"^\s*(?:our|we|we're|we've|i'm|i run|i have|my|a|an)\b[^.?!\n]*[.?!]\s+\S", re.IGNORECASE)
_SHORT_QUESTION_WORDS = 15
_SHORT_TASK_WORDS = 12
_YES_NO_OPENING = re.compile(
    r'^(?:is|does|do|are|has|have|can|was'
    r'|were)\b(?! (?:we|i|it (?:worth|better|wise|smart|possible|a good)))')
# Each demand of a multi-part brief opens a clause with its own verb ("Identify the drivers,
# forecast spend under three scenarios, and propose measures"): several distinct ones ask for
# reasoning that holds them together. A nudge only: two demands alone never decide.
_DEMAND = re.compile(
    r'(?:^|[.;:?!]\s+|,\s*(?:and\s+)?|\band\s+(?:then\s+)?|\bthen\s+)'
    r'(identify|propose|recommend|explain|justify|estimate|assess|describe|list|summari[sz]e|compare|rank'
    r'|outline|suggest|define|specify|state|quantify|evaluate|analy[sz]e|determine|design|prioriti[sz]e|flag'
    r'|note|give|provide|write|include|return|decide|advise|argue|consider|weigh|address|model|forecast|plan'
    r'|map|sequence|show|set out|lay out|reconcile|critique|review|conclude|reach|say|tell)\b', re.MULTILINE)
_DEMANDS_WEIGHT = {2: 0.5, 3: 1.0}
# The object of the opening verb is a short piece of text ("Rewrite this sentence…", "Condense
# these three sentences…", "Summarise this tweet…"): whatever the verb, it is commodity work.
_SHORT_OBJECT = re.compile(
    r'\b(?:this|the following|the|these|that) (?:short |(?:two|three|four|five|\d) )?'
    r'(?:sentences?|headings?|headlines?|titles?|words?|phrases?|subject line|tweet|caption|label'
    r'|names?)\b(?! of\b)')
_SHORT_OBJECT_SPAN = 50
# Asking to write something new, with no more specific cue, is the analytical middle ("Write
# product FAQs…"); writing out given values ("Write these numbers as words", "Write 'hello' in…") is not.
_GENERATION_OPENING = re.compile(
    r'^(?:writ(?:e|ing)\b(?! (?:out|down|the|these|this|that|those|it|them|each|every|all)\b)(?! ?[\'"])'
    r'|draft(?:ing)?|compos(?:e|ing)|creat(?:e|ing)|generat(?:e|ing)|produc(?:e|ing)|prepar(?:e|ing)'
    r'|document(?:ing)?|annotat(?:e|ing)|come up with)\b')
# With no cue at all, working on a whole document (not a value in it) is analytical work.
_DOCUMENT = re.compile(
    r'\b(?:this|the|these|our|attached|following) (?:[\w-]+ )?(?:report|spec|specification|article|contract'
    r'|agreement|transcript|policy|paper|codebase|module|handbook|guide|proposal|thread|manuscript|filing'
    r'|study|dataset|logs?|notes)\b(?! (?:number|id|date|name|title|reference|owner|holder)s?\b)')

# What the task says, as opposed to the data it carries and the way it is asked.
_TEMPLATE = re.compile(r'\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}', re.DOTALL)
# Other placeholder styles for data: {name}, <paste text here>, [TEXT], $INPUT.
_PLACEHOLDER = re.compile(
    r'\{[\w .-]{1,40}\}|<[\w .\'/-]{1,40}>|\[[A-Z][A-Z0-9_ ]{0,30}\]|\$\{?[A-Z][A-Z0-9_]+\}?')
# A quotation of a clause or more is material to work on, not instruction ('Make this shorter:
# "We would…"', "make this msg nicer: 'where is the report…'"), in double, curly or single quotes
# (an apostrophe is not a quote: one must not follow a letter). Shorter quotes stay: a word or two
# to translate or look for.
_QUOTE_CHARS = 20
_LONG_QUOTE = re.compile(r'"[^"\n]{%d,}"|“[^”\n]{%d,}”|(?<![\w\'])\'[^\'\n]{%d,}\'(?![\w\'])'
                         % ((_QUOTE_CHARS,) * 3))
# A role cast in the task itself ("As a senior engineer, …", "You are a … .") is read like a
# system prompt.
_ROLE_PREFIX = re.compile(r"^\s*(?:(?:as|acting as) (?:a|an|the|our|my|your) [^,.:;!?\n]{2,60}[,:]"
                          r"|you(?:'re| are) (?:a|an|the|our|my) [^.!?\n]{2,80}[.!?\n]"
                          r"|(?:i want you to )?act as (?:a|an|the) [^.!?\n]{2,60}[.!?\n])\s*")
# Politeness says nothing about the work ("Could you please…", "Kindly…", "Thanks!"); "how
# would you…" is kept, it asks for judgement.
_POLITE = re.compile(r"\bwould you mind\b|\b(?:how |what |which |where |why |when |who )?"
                     r"(?:could|can|would|will) (?:you|u)(?: please| kindly| possibly| maybe| just)?\b"
                     r"|\b(?:please|pls|plz|kindly)\b"
                     r"|\b(?:thanks?(?: you)?|thx)(?: so much| in advance)?(?=\s*(?:[!.,]|$))")
# Greetings and request wrappers before the instruction, so that its opening verb can be seen.
_OPENING_FILLER = re.compile(
    r"^(?:[\s,!.:;-]+|(?:(?:hi|hey|hello)(?: there| all| team| folks)?|yo|ok|okay|so|quick (?:one|question|q)"
    r"|dear \w+|thx|i(?:'d| would) (?:like|love|want) (?:you )?to|i (?:need|want) you to"
    r"|help (?:me|us)(?: to)?|go ahead and|task|instructions?|request)\b)*")
# A prohibition says what not to do ("Do not suggest changes", "…, and never add text"), and so
# does what to leave alone ("but keep error codes and placeholders as is"): its words are not the
# task. Only as an instruction: "the promise never resolves" describes.
_PROHIBITION = re.compile(
    r"(?:^|[.;:!?,]\s*|\b(?:and|but|then)\s+)(?:(?:do not|don't|dont|never|must not|avoid)\b[^.;!?,\n]*"
    r"|(?:keep|leave)\b[^.;!?,\n]*?\b(?:as[- ]is|unchanged|intact|untouched|alone)\b)",
    re.MULTILINE)
# The fields an extraction lists after a colon ("pull out: indemnity cap, liability exclusions, y/n")
# are what to look for, not what to do.
_FIELD_LIST = re.compile(r'\b((?:extract|pull out|pull|capture|grab)\b[^:\n.?!]{0,40}:)[^\n.;?!]*')
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_LETTERS = re.compile(r'[a-z]+')


@dataclass
class _Evidence:
    scores: list[float]
    # (weight, why, matched text) per tier, to explain the decision
    hits: list[list[tuple[float, str, str]]]
    cues: list[str] = field(default_factory=list)  # the ids of the cues found, in order
    task: str = ''  # the task as instruction (see `_prepare`)
    role: str = ''

    @classmethod
    def empty(cls) -> _Evidence:
        return cls(scores=[0.0, 0.0, 0.0, 0.0], hits=[[], [], [], []])  # index 0 unused

    def add(self, tier: int, weight: float, why: str, matched: str = '', cue: str = '') -> None:
        self.scores[tier] += weight
        self.hits[tier].append((weight, why, matched))
        if cue:
            self.cues.append(cue)


def _typo_variants(word: str) -> set[str]:
    """One slip of the keyboard away: a letter dropped, doubled or swapped with the next one."""
    dropped = {word[:i] + word[i + 1:] for i in range(1, len(word))}
    doubled = {word[:i] + word[i] + word[i:] for i in range(1, len(word))}
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(1, len(word) - 1)}
    return (dropped | doubled | swapped) - {word}


# Misspellings of the words that decide most tasks ("sumarize", "extarct", "stratgy") are read as
# the word meant; variants that are real words ("cold", "risk", "covert") are left alone.
_DECISIVE_WORDS = (
    'summarise summarize summary extract analyse analyze analysis strategy strategic recommend '
    'recommendation evaluate assess assessment architecture design translate format alphabetical '
    'alphabetically capitalise capitalize uppercase lowercase function script query explain describe '
    'classify categorise categorize check verify convert spelling proofread duplicate duplicates remove '
    'replace compare investigate diagnose prioritise prioritize implement refactor calculate should would '
    'could whether justify decide decision roadmap security vulnerabilities audit review scenario scenarios '
    'forecast migrate migration advise correct numbered bullet count letter email report article paragraph '
    'sentence column reformat template python javascript regex database identify optimise optimize planning '
    'evaluation write writing').split()
_REAL_WORDS = frozenset(
    'categories cold priorities risk deign covert tale wold scrip adit forma audi emil'.split())
# Slips further than one keystroke, or of non-native writers, seen often enough to list.
_COMMON_MISSPELLINGS = {
    'analize': 'analyse', 'analise': 'analyse', 'reccomend': 'recommend', 'reccommend': 'recommend',
    'recomendation': 'recommendation', 'reccomendation': 'recommendation', 'stratergy': 'strategy',
    'advice': 'advise', 'sumarise': 'summarise', 'sumarize': 'summarize', 'summerize': 'summarize',
    'summerise': 'summarise',
    # contractions typed without their apostrophe ("whats the deadline", "a fix that wont wreck…"),
    # and chat shorthand
    'whats': "what's", 'thats': "that's", 'hows': "how's", 'wheres': "where's", 'whos': "who's",
    'theres': "there's", 'dont': "don't", 'doesnt': "doesn't", 'didnt': "didn't", 'isnt': "isn't",
    'arent': "aren't", 'wasnt': "wasn't", 'werent': "weren't", 'havent': "haven't", 'hasnt': "hasn't",
    'wont': "won't", 'cant': "can't", 'shouldnt': "shouldn't", 'wouldnt': "wouldn't", 'couldnt': "couldn't",
    'im': "i'm", 'ive': "i've", 'youre': "you're", 'theyre': "they're", 'weve': "we've",
    'u': 'you', 'ur': 'your', 'ppl': 'people', 'w': 'with', 'msg': 'message', 'msgs': 'messages',
    'thru': 'through', 'abt': 'about', 'adress': 'address', 'adresses': 'addresses'}


def _typos() -> dict[str, str]:
    typos = dict(_COMMON_MISSPELLINGS)
    for word in _DECISIVE_WORDS:
        for variant in sorted(_typo_variants(word) - set(_DECISIVE_WORDS) - _REAL_WORDS):
            typos.setdefault(variant, word)
    return typos


_TYPOS = _typos()


def _fix_typos(text: str) -> str:
    """`text` with misspelt decisive words corrected (most tasks have none: one set look-up)."""
    if _TYPOS.keys().isdisjoint(_LETTERS.findall(text)):
        return text
    return _LETTERS.sub(lambda match: _TYPOS.get(match.group(0), match.group(0)), text)


def _strip_template(text: str) -> str:
    """Remove Jinja syntax: `{{ plan.steps }}` is data arriving at run time, not instruction."""
    return _PLACEHOLDER.sub(' ', _TEMPLATE.sub(' ', text))


def _unless_question(match: re.Match[str]) -> str:
    """Drop "could you" but keep "how would you", which asks for judgement."""
    return match.group(0) if match.group(0).startswith(('how', 'wh')) else ' '


def _prepare(prompt: str, system: str) -> tuple[str, str, str]:
    """The task as instruction only (lower-cased, without data, quotations, politeness or
    prohibitions), the same from its opening verb on, and the role text (system prompt plus any
    role the task casts for itself)."""
    task = _fix_typos(_LONG_QUOTE.sub(' "…" ', _strip_template(prompt or '')).lower())
    role = _strip_template(system or '').lower()
    cast = _ROLE_PREFIX.match(task)
    if cast:
        role, task = f'{role} {cast.group(0)}', task[cast.end():]
    task = _PROHIBITION.sub(' ', _POLITE.sub(_unless_question, task))
    task = _FIELD_LIST.sub(r'\1 …', task)
    core = task[_OPENING_FILLER.match(task).end():]
    return task, core, role



_CUES = load_cues()
_CUE_INDEX = CueIndex(_CUES.cues)
_ROLE_CUE_INDEX = CueIndex(_CUES.role_cues)


def _collect(text: str, index: CueIndex, factor: float, evidence: _Evidence) -> None:
    """Add each cue found in `text` (lower-cased) once."""
    for cue, matched in index.find(text):
        evidence.add(cue.tier, cue.weight * factor, cue.why, matched, cue.id)


def _collect_system(role: str, evidence: _Evidence) -> None:
    found = _Evidence.empty()
    _collect(role, _CUE_INDEX, _SYSTEM_WEIGHT, found)
    _collect(role, _ROLE_CUE_INDEX, 1.0, found)
    for tier in (1, 2, 3):
        scale = min(1.0, _SYSTEM_CAP / found.scores[tier]) if found.scores[tier] else 0.0
        for weight, why, matched in found.hits[tier]:
            evidence.add(tier, weight * scale, why, matched)
    evidence.cues.extend(found.cues)


def _collect_shape(task: str, core: str, evidence: _Evidence) -> None:
    words = len(_WORD.findall(task))
    if words >= _LONG_BRIEF_WORDS:
        evidence.add(1, 1.0, f'it is a long, multi-part brief ({words} words)')
    if _SITUATION_FIRST.match(core):
        evidence.add(1, 1.0, 'it sets out a situation to reason about')
    opening = _YES_NO_OPENING.match(core)
    if opening and words <= _SHORT_QUESTION_WORDS:
        evidence.add(3, 2.5, 'asks a short yes/no question', opening.group(0))
    demands = len(set(_DEMAND.findall(task)))
    if demands >= 2:
        evidence.add(1, _DEMANDS_WEIGHT[min(demands, 3)], f'it makes {demands} distinct demands')
    small = _SHORT_OBJECT.search(core, 0, _SHORT_OBJECT_SPAN)
    if small:
        evidence.add(3, 2.5, 'works on a short piece of text', small.group(0))
    opening = _GENERATION_OPENING.match(core)
    if opening:
        evidence.add(2, 1.5, 'asks to write new material', opening.group(0))


def _schema_properties(schema: dict) -> list[dict]:
    properties = schema.get('properties')
    if isinstance(properties, dict):
        return [value for value in properties.values() if isinstance(value, dict)]
    items = schema.get('items')
    return _schema_properties(items) if isinstance(items, dict) else []


def _collect_schema(schema: dict | None, evidence: _Evidence) -> None:
    """A schema hints at structured work; a lone boolean/enum field hints at a simple verdict."""
    if not isinstance(schema, dict) or not schema:
        return
    properties = _schema_properties(schema)
    if len(properties) == 1 and (properties[0].get('type') == 'boolean' or 'enum' in properties[0]):
        evidence.add(3, 1.0, 'its output schema is a single verdict field')
    else:
        evidence.add(2, 1.0, 'its output schema asks for structured fields')


def _keywords(matched: str) -> list[str]:
    words = matched.strip(' \'"“”‘’').lower().split()
    # A long match (a verb … noun phrase) is shown by its two ends.
    return [words[0], words[-1]] if len(words) > 2 else [' '.join(words)] if words else []


def _explain(tier: int, evidence: _Evidence) -> str:
    """`tier N: <strongest cue> ("word", "word")`, quoting what matched in the task."""
    hits = sorted(evidence.hits[tier], key=lambda hit: -hit[0])  # stable: ties keep cue order
    why = hits[0][1]
    keywords = _keywords(hits[0][2])
    if len(keywords) < 2 and len(hits) > 1:
        keywords += _keywords(hits[1][2])[:1]
    quoted = ', '.join(f'"{keyword}"' for keyword in dict.fromkeys(keywords))
    return f'tier {tier}: {why} ({quoted})' if quoted else f'tier {tier}: {why}'


def route_task(prompt: str, system: str = '', output_schema: dict | None = None, *,
               unsure_below: float = UNSURE_BELOW) -> RouteDecision:
    """Classify a node's task into tier 1, 2 or 3, offline and deterministically.

    :param prompt: the node's prompt template; Jinja syntax is ignored.
    :param system: the node's system prompt, weighed less than the task itself (default: '').
    :param output_schema: the node's JSON Schema, weak evidence of structured work (default: None).
    :param unsure_below: below this confidence, take the strongest candidate tier (0: never;
        the benchmark uses it to show what the rule changes).
    """
    evidence = _evidence(prompt, system, output_schema)
    tier, reason = _decide(evidence)
    confidence, candidates = _confidence(tier, evidence)
    stronger = min(candidates)
    if confidence < unsure_below and stronger < tier:
        others = ' and '.join(str(candidate) for candidate in sorted(candidates, reverse=True))
        return RouteDecision(stronger, f'tier {stronger}: unsure (confidence {confidence:.2f}) between tiers '
                                       f'{others}, so the stronger; cues said {reason}', confidence)
    return RouteDecision(tier, f'{reason} (confidence {confidence:.2f})', confidence)


def _confidence(tier: int, evidence: _Evidence) -> tuple[float, set[int]]:
    """How sure the evidence is of `tier` (strength times separation from the runner-up), and the
    tiers it could be: those with a strong hint or more, and the tier above when only the task's
    shape spoke."""
    best = evidence.scores[tier]
    if best < 1.0:
        return _FALLBACK_CONFIDENCE, {tier}
    runner_up = max(score for level, score in enumerate(evidence.scores) if level and level != tier)
    confidence = min(1.0, best / _DECISIVE_WEIGHT) * (best - runner_up) / best
    candidates = {tier} | {level for level in (1, 2, 3) if evidence.scores[level] >= _CANDIDATE_WEIGHT}
    if tier > 1 and all(why in _SHAPE_REASONS for _, why, _ in evidence.hits[tier]):
        confidence = min(confidence, _SHAPE_ONLY_CONFIDENCE)
        candidates.add(tier - 1)
    return round(confidence, 2), candidates


def _evidence(prompt: str, system: str, output_schema: dict | None) -> _Evidence:
    evidence = _Evidence.empty()
    task, core, role = _prepare(prompt, system)
    evidence.task, evidence.role = task, role
    _collect(task, _CUE_INDEX, 1.0, evidence)
    _collect_shape(task, core, evidence)
    if role.strip():
        _collect_system(role, evidence)
    _collect_schema(output_schema, evidence)
    return evidence


def _decide(evidence: _Evidence) -> tuple[int, str]:
    """The tier the evidence points to, and why."""
    best = max(evidence.scores[1:])
    if best < 1.0:
        # No cue at all: fall back on length, the one signal every task has. Rote jobs are
        # short to state; anything longer is treated as the analytical middle.
        # When the prompt is only template variables, the instruction lives in the system prompt.
        instruction = evidence.task if _WORD.search(evidence.task) else evidence.role
        document = _DOCUMENT.search(instruction)
        if document:
            return 2, f'tier 2: works on a whole document ("{document.group(0).split()[-1]}")'
        if len(_WORD.findall(instruction)) <= _SHORT_TASK_WORDS:
            return 3, 'tier 3: a short instruction with no sign of analysis or judgement'
        return 2, 'tier 2: no clear sign of deep reasoning or of rote work, so the analytical middle tier'
    # Ties go to the more capable tier: an under-powered answer can look valid and pass unnoticed.
    tier = next(t for t in (1, 2, 3) if evidence.scores[t] == best)
    return tier, _explain(tier, evidence)


def cues_found(prompt: str, system: str = '', output_schema: dict | None = None) -> list[str]:
    """The ids of the cues (nodes/router_cues.toml) found in a task, in file order."""
    return _evidence(prompt, system, output_schema).cues
