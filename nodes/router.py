"""The offline tier classifier behind `tier: auto`.

`route_task` reads a node's task (system prompt, prompt template, output schema) and picks a
tier: 1 for high reasoning (strategy, architecture, audits, multi-step reasoning), 2 for
analytical/technical work (code, extraction, summaries), 3 for commodity work (formatting,
data entry, simple checks). It is a weighted lexicon of cues plus structural signals (the
object of the opening verb, the number of distinct demands, a situation set out first, a short
yes/no question, length, schema), deterministic and fast (well under 0.1 ms), and every decision
says in one sentence which cue decided it. Ties go to the more capable tier.

Before any cue is looked for, the task is reduced to its instruction: template data and other
placeholders, quotations, politeness ("Could you please…"), prohibitions ("Do not suggest
changes", "keep the codes as is"), the field list of an extraction ("pull out: indemnity cap, …")
and greetings go; a role the task casts for itself ("As a senior engineer, …") is read like a
system prompt; misspellings of the decisive words ("sumarize", "extarct") and contractions typed
without their apostrophe ("whats", "wont") are corrected.

Speed: each cue's pattern is split into its branches, indexed by the first letters of the word
each match must begin with; a task searches only the branches whose words it contains.

Its accuracy is measured on `assets/router/labelled_tasks.jsonl` (held-out split),
`assets/router/unseen_tasks.jsonl` and three blind sets written by someone who never saw it
(`blind_tasks_a.jsonl` and `blind_tasks_b.jsonl` were then used for tuning, `blind_tasks_c.jsonl`
never was); see `benchmarks/bench_router.py`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RouteDecision:
    """The tier chosen for a task and one short sentence saying why."""

    tier: int
    reason: str


@dataclass(frozen=True)
class _Cue:
    tier: int
    weight: float
    why: str
    # The cue's patterns split into their top-level branches, each compiled on its own.
    patterns: tuple[re.Pattern[str], ...]
    # Per branch, the word beginnings (1-4 letters) one of which every match starts with, or
    # None when that cannot be read off the branch: a task without any of them skips the branch.
    starts: tuple[frozenset[str] | None, ...]
    # Per branch, the pattern it comes from (0 for `pattern`, 1 for `unanchored`).
    sources: tuple[int, ...]


# Languages for spotting a short quoted phrase to translate ("'hello' in Korean").
_LANGUAGES = (r'(?:english|french|german|spanish|italian|portuguese|dutch|polish|swedish|danish'
              r'|norwegian|finnish|japanese|korean|chinese|mandarin|cantonese|arabic|hindi|russian'
              r'|ukrainian|turkish|greek|hebrew|vietnamese|thai|indonesian|czech|romanian)\b')


# Plans of everyday life or of a product on sale are not planning ("a weekly meal plan", "phone plan").
_EVERYDAY = ''.join(f'(?<!{word} )' for word in (
    'meal', 'lesson', 'workout', 'exercise', 'study', 'diet', 'seating', 'floor', 'reading', 'revision',
    'travel', 'data', 'phone', 'mobile', 'subscription'))


def _cue(tier: int, weight: float, why: str, pattern: str, unanchored: str = '', needs: str = '') -> _Cue:
    """A cue matched against the lower-cased task (lower-case patterns are much faster than
    IGNORECASE). Branches that do not start with a literal (`^…`, `°f`) go in `unanchored`:
    mixed into `pattern` they would disable the regex engine's first-character scan, ~10x slower.
    `needs` names words one of which any match of `unanchored` contains (or of its branches that
    start with a common word, "a … plan"): a task without any of them skips those branches.
    """
    sources = (pattern, unanchored) if unanchored else (pattern,)
    branches = [(index, branch) for index, source in enumerate(sources) for branch in _branches(source)[0]]
    needed = frozenset(word[:_START_LETTERS] for word in needs.split()) or None
    return _Cue(tier, weight, why, tuple(re.compile(branch, re.MULTILINE) for _, branch in branches),
                tuple(needed if index and needed else _word_starts_of(branch) for index, branch in branches),
                tuple(index for index, _ in branches))


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


# How many letters of a word's beginning are indexed: four tell "theme" from "the".
_START_LETTERS = 4


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


_WORD_CHARS = re.compile(r'\w+')


def _word_starts(text: str) -> set[str]:
    """The first one to four characters of every word in `text`."""
    starts: set[str] = set()
    for word in set(_WORD_CHARS.findall(text)):
        starts.update((word[:1], word[:2], word[:3], word[:4]))
    return starts


# Each cue counts once per task, however often it matches: the number of *different* kinds
# of evidence matters more than repetition. Weights: 3+ is a decisive cue (what the task asks
# for), 1.5-2.5 a strong hint, 1 a nudge.
_CUES: tuple[_Cue, ...] = (
    # --- tier 1: high reasoning -----------------------------------------------------------
    _cue(1, 3.0, 'asks for strategy or long-range planning',
         r'\b(?:draft|write|create|build|develop|prepare|produce|put together|come up with|sketch) (?:a|an'
         r'|the'
         r'|our|my) (?:[\w-]+ ){0,3}' + _EVERYDAY + r'(?:plan|roadmap|architecture)\b|'
         r'\bstrateg(?:y|ies|ic|ically)\b(?! (?:memo|doc|document|deck|paper|slides?|presentation|email)s?\b)'
         r'|\b(?:a|an|new|our) strateg\w* (?:memo|doc|document|deck|paper)\b'
         r'|\bnext move\b|\b(?:our|my) (?:next )?(?:play|move)\b(?! (?:to|from|into|of|away)\b)'
         r'|\broadmaps?\b|\bgo-to-market\b|\bvision\b|\bgame plan\b'
         r'|\bplaybook\b|\bblueprint\b|\bbusiness case\b|\bpositioning\b|\bmarket expansion\b'
         r'|\bplac(?:e|ing) (?:our |your )?bets\b|\bwhere to invest\b|\brestructur\w+|\breorgani[sz]\w+'
         r'|\blong-range\b|\b(?:strategic|product|future) direction\b|\bset (?:the |our )?direction\b'
         r'|\bmap out (?:how|a|an|the|our)\b'),
    _cue(1, 2.5, 'asks for architecture',
         r'\barchitect(?:ure|ures|ing|ed|s)?\b|\bsystem design\b|\bservice boundaries\b'
         r'|\bdata model(?:ling|ing)?\b'),
    _cue(1, 1.5, 'asks to design something',
         r'\b(?:design|devise|formulate|redesign|rethink)(?:s|ing)?\b'),
    _cue(1, 1.5, 'asks to design a system, algorithm or study',
         r'\b(?:design|devise|propose)\b[^.?!\n]{0,30}?\b(?:system|platform|protocol|algorithm'
         r'|framework|study|trial|experiments?|programme|program|network|pipeline|workflow|structure'
         r'|layer|service|scheme|mechanism|model|interfaces?|governance|process|approach)\b'
         r'|\bdecompos\w+|\bbounded contexts?\b'),
    _cue(1, 1.5, 'solves a constrained optimisation',
         r'\bconstraints?\b|\bminimi[sz]\w+|\bmaximi[sz]\w+|\boptimi[sz]ation\b|\bfair(?:ness|ly)?\b'
         r'|\b(?:minimum|maximum) (?:number|amount|cost|set|level|capacity)\b|\ballocat\w+|\bprudent\b'
         r'|\bafford\b|\bhow (?:much|many) [\w-]+ (?:do|would|should|can|will) (?:we|i|you|they)\b'),
    _cue(1, 2.0, 'involves distributed or large-scale systems',
         r'\bdistributed\b|\bfault[- ]toleran\w*|\bscalab\w+|\bhigh[- ]availability|\bfailover\b'
         r'|\bzero[- ]trust\b|\bconsensus\b|\bshard\w*|\bmulti[- ]tenant\b|\bmicroservices?\b'
         r'|\bdisaster[- ]recovery\b|\bzero downtime\b|\bpartition(?:s|ing)?\b|\bidempoten\w+'
         r'|\bat scale\b|\bmillions of\b|\b\d+(?:\.\d+)? ?(?:k|m|million|billion)\+? (?:users|players'
         r'|customers'
         r'|requests|events|messages|devices|mau|dau|subscribers|transactions)\b|\boutages?\b'
         r'|\bbreaking changes?\b|\bconcurren\w+|\bconsistency\b'
         r'|\binvalidation\b|\binterleaving\w*|\bbottlenecks?\b|\bmulti-region\b'
         r'|\bactive-(?:active|passive)\b|\bcascad\w+|\bsingle points? of failure\b|\blinearizab\w+'
         r'|\bquorum\b|\beventual(?:ly)? consisten\w+|\breplication lag\b|\bsplit[- ]brain\b|\bcap theorem\b'
         r'|\bread-your-writes\b|\bisolation levels?\b|\bwrite skew\b|\bstale reads?\b|\b(?:read|async'
         r'|asynchronous|sync|synchronous|standby|follower) replicas?\b'
         r'|\breplication\b|\bmonolith\w*'),
    _cue(1, 3.0, 'asks for an audit or security review',
         r'\baudit(?:s|ed|ing|ors?)?\b(?! (?:report|log|logs|logging|trail|findings|committee)\b)'
         r'|\bsecurity (?:review|assessment|holes?|implications)|\bvulnerab\w+'
         r'|\bthreats?\b|\bthreat (?:model\w*|assessment)|\bexploit\w*|\battack (?:vectors?|surface)'
         r'|\bprivilege[- ]escalation|\bcompliance\b|\bdue[- ]diligence|\bpen(?:etration)?[- ]test\w*'
         r'|\bred[- ]team\w*|\brisk assessment\b'
         r'|\b(?:sql|command|code|prompt|ldap|xml|template|header) injection\b'
         r'|\binjection (?:attacks?|flaws?|risks?)|\bxss\b|\bcsrf\b|\bsecurity posture\b'
         r'|\battackers?\b|\badversar\w+|\bmalicious\b|\bintruders?\b|\bbreach\w*|\bcompromis\w+'
         r'|\blateral movement\b|\bransomware\b|\bfraud\w*|\babus(?:e|ed|ing)\b|\bmisus\w+|\bgamed\b'
         r'|\btakeovers?\b'),
    _cue(1, 1.5, 'touches security', r'\bsecurity\b|\bsecure\b|\bencryption\b|\bauthenticat\w+'),
    _cue(1, 3.0, 'asks to diagnose a root cause',
         r'\broot[- ]cause|\bdiagnos(?:e|es|ed|ing)\b|\binvestigate\b|\bpost-?mortem\b|\btroubleshoot\w*'
         r'|\b(?:find out|work out|figure out|determine|understand|explain|analy[sz]e|establish) why\b'
         r'|\bpinpoint\w*|\bwhat caused\b|\bwhat(?:\'s| is) (?:the (?:root )?cause|causing)\b'
         r'|\b(?:find|identify|determine|establish) the (?:root )?cause\b'
         r'|\b(?:dropped|fell|spiked|jumped|declined|regressed) (?:after|since|when)\b'
         r'|\bdig (?:into|deeper|in)\b|\bwhat (?:you think |u think )?(?:happened|changed)\b|\bunderl(?:ying'
         r'|ies)\b|\bunderneath\b|\brecurr\w+'
         r'|\bkeeps? (?!in\b)[a-z]+ing\b|\broot of (?:it|this|that|the (?:problem|issue))\b'
         r'|\bwhat(?:\'s| is) (?:really |actually )?(?:going on|happening)\b'
         r'|\b(?:going|went|gone) wrong\b|\bfind out\b|\battributable\b'
         r'|\bcaused by\b|\bwhat (?:might |could |would )?explains?\b|\b(?:causes?|drivers?) (?:of|behind)\b'
         r'|\bsystemic\b|\brepeated (?:\w+ )?(?:failures?|outages?|incidents?)\b'),
    _cue(1, 2.0, 'looks for subtle correctness bugs',
         r'\brace conditions?\b|\bdeadlocks?\b|\bmemory[- ]ordering\b|\bdouble[- ]spend\w*'
         r'|\bre-?entrancy\b|\bfront-?running\b'),
    _cue(1, 2.5, 'asks for a critical evaluation',
         r'\bcritique\b|\bcritically\b|\bchallenge (?:its|the|their|our) assumptions'
         r'|\bflaws?\b|\bfallac\w+|\bunstated premises\b|\bvalidity\b|\bconfounder\w*'
         r'|\bmethodolog\w+|\bcounter-?arguments?\b|\bscrutini[sz]\w+|\btear (?:\w+ )?apart\b'
         r'|\bpoke holes\b|\bstress-test\w*|\bsceptic\w*|\bskeptic\w*|\bdevil\'s advocate\b'
         r'|\bhold(?:s)? up\b|\bmisleading\b|\bbias(?:ed|es)?\b|\bassumptions?\b|\blogical gaps?\b'
         r'|\bgaps in\b|\bholes in\b|\bwhere does (?:this|it|that) (?:break|fall apart|fail|go wrong)\b'
         r'|\b(?:sanity[- ])?check (?:my|our|this|the) (?:reasoning|logic|argument|thinking|maths?'
         r'|assumptions)\b|\bweak(?:nesses|est) (?:points?|links?|spots?)\b|\brobust(?:ness)?\b'),
    _cue(1, 3.0, 'weighs trade-offs',
         r'\btrade-?offs?\b|\bpros and cons\b|\bweigh(?:s|ing)?\b|\bbalanc(?:e|ing) \w+'
         r'|\bcost[- ]benefit\b|\bdownsides?\b|\bupsides?\b|\bboth ways\b'),
    _cue(1, 2.5, 'asks for a justified decision',
         r'\bjustify\b|\bjustif(?:ies|ied|ying)\b|\brecommend(?:s|ation|ations|ing)?\b'
         r'|\bdecide\b|\bconclude\b|\bis it better\b'
         r'|\b(?:what|which)(?:\'s| is) (?:better|best|smarter|wiser)\b'
         r'|\bhow should\b|\b(?:decid|choos|pick)\w* between\b|\bwhich (?:option|approach) (?:is|should)\b'
         r'|\bwhich one\b|\bmake the case\b|\bworth it\b|\bis it worth\b|\bgo/no-go\b|\bland on\b'
         r'|\bmake a call\b'
         r'|\bfor and against\b|\badvise\b|\bthoughts on\b|\bthoughts\?|\bany thoughts\b'
         r'|\b(?:thinking (?:of|about)|considering) (?:moving|switching|migrating|replacing|dropping'
         r'|adopting|building'
         r'|buying|hiring|raising|cutting|rewriting|splitting|merging|outsourcing)\b|\b(?:pick|choose'
         r'|select) one\b'
         r'|\bdecision (?:framework|criteria|tree|matrix|guide)\b|\bwhen to (?:revisit|switch|migrate'
         r'|walk away)\b'
         r'|\bwhether (?:that|this|it)(?:\'s| is) (?:a )?(?:smart|wise|good|worth|sensible|right)\b'
         r'|\b(?:do|should|can|shall) (?:we|i)\b[^.?!\n]{1,60}\bor\b'),
    _cue(1, 2.5, 'asks what ought to be done',
         r'\bshould\b(?<!it should)(?<!that should)(?<!which should)(?<!this should)(?! (?:not |only |also '
         r'|each |all )?(?:be (?:in|on|formatted|written|sorted|lower\w*'
         r'|upper\w*|capitali\w+'
         r'|separated|a|an|the|no|one|exactly|at|under|less|fewer|left|kept|unchanged|preserved|bold'
         r'|quoted)\b'
         r'|start|end|begin|contain|appear|read|look|match|have|use|follow|keep|stay|remain|each|every'
         r'|go (?:in|into|under|to))\b)'),
    _cue(1, 1.5, 'reasons about what could happen',
         r'\b(?:would|could|might)\b'),
    _cue(1, 2.0, 'weighs stated considerations',
         r'\bconsider(?:ing|ation of)?\b|\baddressing\b|\btaking into account\b|\baccounting for\b'
         r'|\bfactoring in\b'
         r'|\bin light of\b|\bbearing in mind\b|\bexpected value\b|\bwe care (?:about|most)\b'
         r'|\bwhat matters (?:most|to us)\b'),
    _cue(1, 1.5, 'must reach a goal without a side effect',
         r'\bwithout (?!(?:chang|alter|modif|add|remov|touch|otherwise|los|reword|translat|includ|using'
         r'|any\b))'
         r'[a-z]+ing\b'
         r"|\b(?:that|which|but) (?:won't|will not|doesn't|does not|wouldn't|can't) (?:wreck|hurt|break|harm"
         r'|kill|tank|damage|compromise|slow|sacrifice|degrade|ruin|blow up|alienate|cannibali[sz]e)\b'
         r'|\bwhile (?:protecting|still|not hurting)\b'),
    _cue(1, 0.5, 'concerns the requester\'s own situation', r"\b(?:our|we|we're|we've|we'd|ours)\b"),
    _cue(1, 2.0, 'explains an unexpected change',
         r'\beven though\b|\bdespite\b|\bbut only\b|\bonly (?:after|when|on|for|in production|under load)\b'
         r'|\b(?:looks?|seems?|appears?) (?:normal|fine|healthy|ok|unchanged)\b|\b(?:halved|doubled|tripled'
         r'|plummet\w*)\b'
         r'|\bwent (?:up|down)\b|\b(?:spike|surge|jump|drop|dip|slump|plunge)s? in\b'
         r'|\b(?:rose|grew|fell|dropped|declined) (?:but|while|yet)\b'
         r'|\b(?:up|down) (?:by )?\d+(?:\.\d+)? ?(?:%|percent|pts|points)'
         r'|\b(?:dropped|fell|rose|jumped|went|climbed|grew|slipped|sank) from \S+ to\b'),
    _cue(1, 2.5, 'asks for advice on an open question',
         r'\b(?:how|what|which|where|when) (?:would|should) (?:you|we|i|they|the \w+)\b'
         r"|\b(?:how|what|which|where|when) (?:you|we|i|they)'d\b"
         r'|\b(?:how|what|which|where) (?:we|i|you|(?:the|our|a) \w+) (?:should|ought to)\b|\bhow (?:do'
         r'|can) we\b'
         r'|\bwhat (?:do|should|can) (?:i|we) do\b'
         r'|\bwhat(?:\'s| is) the (?:right|best|smartest|safest) (?:way|approach|move)\b'
         r'|\bare we (?:about to|making|right)\b'),
    _cue(1, 3.0, 'asks for explicit multi-step reasoning',
         r'\bstep[- ]by[- ]step\b|\breason(?:ing)? (?:through|about)\b|\breason (?:it |this |that )?(?:out'
         r'|through)\b'
         r'|\bshow your (?:reasoning|work)|\bthink (?:it |this )?(?:through|carefully|hard)'
         r'|\bevery inference\b|\bchain of reasoning\b|\bwork (?:out|through)\b|\bfigure out\b'
         r'|\bwith (?:the )?reasoning\b|\breasoning behind\b'),
    _cue(1, 2.5, 'reasons about implications or scenarios',
         r'\bimplications?\b|\bimpl(?:y|ies)\b|\bsecond-order\b|\bconsequences?\b|\bscenarios?\b'
         r'|\bcontingenc\w+|\bcounterfactual\w*|\bwhat would happen\b|\bripple effects?\b|\bknock-on\b'
         r'|\bwhat if\b|\bsensitiv(?:e|ity) (?:to|analysis)|\banticipat\w+|\bpredict\w*|\bforecast\w*'
         r'|\bimpact (?:on|of)\b|\blikely (?:to|outcomes?|impact|effects?)\b|\binteract\w* with\b'
         r'|\buncertain\w*|\bripple\w*|\baffect(?:s|ing|ed)?\b'
         r'|\bappl(?:y|ies) to (?:our|my|your|this) (?:\w+ )?(?:setup|situation|case|context|stack|system'
         r'|architecture|business|team)\b'),
    _cue(1, 2.5, 'forms and tests hypotheses',
         r'\bhypothes[ie]s\b|\bhypothesi[sz]e\w*|\bexperiments?\b|\brandomi[sz]ed\b|\bcausal\w*'
         r'|\bstatistical significance\b|\bpower analysis\b|\brule out\b'),
    _cue(1, 2.5, 'asks for a proof or derivation',
         r'\bprove\b|\bproofs?\b|\bderive\b|\bderivation\b|\bclosed[- ]form\b|\bgenerali[sz]e\b'
         r'|\btheorem\b|\binvariants?\b|\bargue why\b'),
    _cue(1, 3.0, 'synthesises several or conflicting sources',
         r'\bsynthesi[sz]\w*|\breconcil\w+|\bconflict(?:ing|s)?\b|\bcontradict\w*|\bdisagree\b'
         r'|\bliterature review\b|\bhouse view\b'
         r'|\bacross (?:all |multiple |several |many )?(?:these |the )?'
         r'(?:sources|documents|reports|studies|papers)\b'),
    _cue(1, 1.5, 'evaluates or compares options',
         r'\bevaluat\w+|\bassess\w*|\bvs\b|\bversus\b'
         r'|\bcompar(?:e|ing) (?:the|three|two|four'
         r'|\w+ alternative)(?! (?:two |both )?(?:versions?|drafts?|copies|files|lists|texts))'
         r'|\brank (?:[\w-]+ ){0,4}by (?:expected|likely|impact|importance|value|risk|severity|priority'
         r'|urgency|potential)'
         r'|\bfeasibility\b|\bjudge\b|\bchoose\b|\bpriorit\w+|\boptimal\b|\bdetermine (?:whether|if)\b'
         r'|\b(?:adequate|sufficient|viable)\b|\bbest (?:way|move|option|approach|course)\b|\bestimat\w+'),
    _cue(1, 2.0, 'asks for a plan',
         r'\bplan' + _EVERYDAY.replace(' )', ' plan)') + r' (?:how|for|to|out)\b'
         r'|\bplanning\b|\bphased?\b|\bmulti-phase\b|\bsuccession\b|\bcritical path\b|\bmilestones?\b'
         r'|\broll(?:ing)? ?out\b|\brisk register\b|\bmitigations?\b|\brollback\b|\btimeline\b(?! of)'
         r'|\bsequenc(?:e|ing) (?:the|of|these|our|them|topics|investments)\b'
         r'|\bthe order in which\b(?! (?:they|it|each|these|items?|entries) (?:appear|occur|were|was|are))'
         r'|\bin (?:what|which) order\b|\bcut-?over\b',
         r'(?:^|[.!?]\s+)plan\b|\b(?:a|an|the|our|your) (?:[\w-]+ ){0,2}' + _EVERYDAY + r'plan\b',
         needs='plan'),
    _cue(1, 1.5, 'weighs risks', r'\brisks?\b|\brisk(?:y|ier|iest)\b|\bliabilit\w+|\bexposure\b|\bexposed\b'),
    _cue(1, 2.0, 'needs legal or regulatory reasoning',
         r'\blitigation\b|\bregulat(?:ory|ors?)\b|\bantitrust\b|\bprecedent\b|\bstatute\b'
         r'|\btreaty\b|\bjurisdictions?\b|\bindemnit\w+|\bwarranties\b|\bfda\b|\bema\b|\bgdpr\b'
         r'|\bhipaa\b|\bpci(?:-dss)?\b|\bsoc ?2\b|\barbitration\b|\blegal (?:options|exposure|risk|opinion)'
         r'|\bpatents?\b|\binfring\w+|\bfreedom[- ]to[- ]operate\b'),
    _cue(1, 1.5, 'involves business judgement',
         r'\bnpv\b|\bunit economics\b|\bmargins?\b|\bsynerg\w+|\bacquisitions?\b|\bvaluation\b'
         r'|\bcapital (?:allocation|ratios?)\b|\btam\b|\bmarket (?:entry|sizing|definition|share)'
         r'|\bcompetitive (?:analysis|moats?|landscape)|\bprofitability\b|\bfundrais\w+|\bbatna\b'
         r'|\broi\b|\btotal cost of ownership\b|\bpricing model\b|\bportfolio\b|\bbusiness model\b'
         r'|\brunway\b|\bburn rate\b'
         r'|\bincentiv\w+|\bcommission plan\b|\bcommoditi[sz]\w+|\bset (?:the )?prices?\b|\bmergers?\b'
         r'|\bredlines?\b|\bnegotiat\w+|\bcovenants?\b|\bcapital expenditure\b|\bcapex\b'),
    _cue(1, 1.5, 'takes a long time horizon',
         r'\b(?:two|three|four|five|ten|\d+)[- ]years?\b(?![- ]old)|\bhorizon\b|\blong[- ]term\b'
         r'|\bnext (?:fiscal )?year\b|\bnext quarter\b|\bnext (?:couple|few) (?:of )?years\b|\bby 20\d\d\b'),
    _cue(1, 1.5, 'asks for depth',
         r'\bcomprehensive\b|\bin[- ]depth\b|\bdeep(?:ly|est)?\b|\bthorough\w*|\brigorous\w*'
         r'|\bcarefully\b|\bsubtle\b|\bnuanced\b|\bholistic\w*|\bend-to-end\b|\bexhaustive\w*'),
    # --- tier 2: analytical / technical ----------------------------------------------------
    _cue(2, 3.0, 'asks to write or change code',
         r'\b(?:write|implement|code|build|create|generate|add|port|refactor|convert|make|produce|knock up'
         r'|whip up|put together)\b[^.?!\n]{0,60}?'
         r'\b(?:functions?|funcs?|class(?:es)?|methods?|scripts?|programs?|modules?|quer(?:y|ies)|sql|regex'
         r'|regular expression|tests?|test cases|decorator|parser|endpoints?|api|client|components?'
         r'|snippet|helper|scraper|macro|hook|handler|middleware|lambda|stored procedure|trigger|mock'
         r'|fixtures?|bot|cli|dockerfile|manifests?|workflow|migration|terraform|html|css|schema'
         r'|models?|view|formula|template|docstrings?|type hints|validation|cache|loops?|comprehensions?'
         r'|callbacks?|error handling|retry logic|retries|logging|pagination|rate limit\w*'
         r'|(?<!alphanumeric )(?<!random )(?<!promo )(?<!discount )(?<!country )(?<!product )(?<!postal )'
         r'(?<!zip )(?<!area )(?<!status )(?<!sku )code)\b'),
    _cue(2, 1.5, 'involves code',
         r'\b(?:python|javascript|typescript|java|rust|golang|c\+\+|sql|bash|react|node|pandas'
         r'|numpy|flask|django|express|jquery|kubernetes|terraform|graphql|elasticsearch|regex|php|ruby'
         r'|kotlin|swift|scala|vba|powershell|awk|sed|jq|spark|dbt|airflow|fastapi|vue|angular|css|html'
         r'|unit tests?|pytest|jest|sqlalchemy|parquet|codebase|compiler|linter|script|query|async'
         r'|function|stack trace|pull request|diff|bug|py|goroutines?|worker pool|github actions?|cron job'
         r'|k8s'
         r'|helm|fetch|error handling)\b'
         r'|\bin (?:c|go)\b|\bidiomatic go\b|\bgo code\b|\bgo \d'),
    _cue(2, 2.5, 'asks to debug or fix code',
         r'\bdebug\w*|\bfix (?:the|this|a) (?:bug|error|off-by-one|\w+ error)|\bstack ?trace\b|\btraceback\b'
         r'|\bthrows\b|\bcrash\w*|\bfailing (?:test|pytest|build|job)|\bnever resolves\b|\bexceptions?\b'
         r'|\bwhat(?:\'s| is) wrong with (?:the|this|my) code\b|\bblows the stack\b|\bstack overflow\b'
         r'|\bpanic(?:s|ked)?\b|\bsegfault\w*|\bfix (?:it|this|that)\b'
         r'|\b(?:gives?|giving|throws?|returns?) (?:an |me an |me )?errors?\b'
         r'|\b(?:review|correct|repair) (?:my|this|the|our) (?:code|sql|query|function|script|pr'
         r'|pull request|diff|regex'
         r'|implementation|migration|dockerfile|config)\b'
         r"|\b(?:i'm|i am|we're|we are|i keep|we keep|it keeps|keeps?) getting\b"),
    _cue(2, 3.0, 'asks to extract structured data',
         r'\bextract(?:s|ed|ing)?\b|\bdata extraction\b|\bparse\b|\bparsing\b|\bpull (?:the |every )'
         r'|\bpull out\b'
         r'|\bline items\b|\bentities\b|\bstructured\b|\bstructure (?:this|these|the) [^.?!\n]{0,30}?\binto\b'
         r'|\bwith (?:the )?fields\b|\b(?:as|into) key-value\b|\bnote (?:the|down|any|all|every)\b'
         r'|\b(?:mentioned|named|listed|cited|referenced) in (?:this|the|these)\b|\btimeline of\b'
         r'|\b(?:identify|find|list|pull out) (?:the |all |every |each |any )?(?:named |key )?(?:people'
         r'|persons'
         r'|organi[sz]ations|companies|entities|locations|products|dates|amounts)\b'
         r'|\b(?:find|list|identify|pull|capture|get) (?:all|every|each)\b'),
    _cue(2, 1.5, 'wants a table with named columns', r'\btable with (?:the )?columns\b'),
    _cue(2, 1.5, 'wants JSON output',
         r'\binto (?:a |an )?(?:json|array)\b|\bas json\b|\bjson (?:object|array|list)\b'
         r'|\b(?:list|array) of objects\b'),
    _cue(2, 3.0, 'asks for a summary',
         r'\bsummar(?:y|ies|i[sz]e\w*)\b|\bkey (?:points|decisions|takeaways|arguments)\b|\baction items\b'
         r'|\b(?:meeting|the) minutes\b|\bminutes (?:of|from)\b|\b(?:an|write|draft) abstract\b|\btl;?dr\b'
         r'|\bchanges between\b|\bwhat changed\b|\b(?:substantive|material|notable) (?:changes|differences)\b'
         r'|\brecap\b|\bcondense\w*|\brundown\b'
         r'|\b(?:top|most common|most frequent) (?:\d+ |three |five |ten )?(?:requests|complaints|themes'
         r'|issues|reasons|topics|pain points|problems|questions|objections|concerns)\b'
         r'|\bmain (?:themes|changes|trends|points)\b|\boverview\b|\bsynopsis\b|\bgist\b|\bdigest\b'
         r'|\bhighlights\b|\bkey findings\b|\bboil\w* down\b|\bdistil\w*|\bbriefing\b'),
    _cue(2, 2.5, 'asks to classify, tag or rate',
         r'\bclassif\w+|\bcategori[sz]\w+|\b(?:which|what) (?:category|categories|class|bucket|label|queue)\b'
         r'|\btag (?:each|every|the|it|them)\b|\bsentiment\b|\bintent\b'
         r'|\b(?:identify|detect|determine|guess|tell me) (?:the )?(?:\w+ )?(?:language|type|kind|category'
         r'|genre'
         r'|topic|tone|emotion|dialect) (?:of|for) (?:each|every|these|the|this)\b'
         r'|\blabel (?:each|every|these|them|all)\b(?![^.?!\n]*\b(?:if|when|where|whose)\b)'
         r'|\btriage\b'
         r'|\bbucket\w*|\bclustering\b|\bcluster (?:the|these|them|each|all|our|similar|into|by)\b'
         r'|\bclusters? of\b|\b(?:into|in) clusters\b|\bgroup (?:these|the|them)\b|\btopics?\b|\bthemes?\b'
         r'|\bsort\w* (?:each|these|the|every|them|incoming)\b[^.?!\n]{0,30}?\binto\b'
         r'|\b(?:rate|score|grade) (?:each|every|the|these|this|them|it|how|on|from|all|its|their)\b'
         r'|\bagainst (?:the|our|these) (?:\w+ )?(?:criteria|rubric)\b'),
    _cue(2, 2.0, 'asks for an explanation or analysis',
         r'\bexplain\w*|\bdescribe\b'
         r'|\bwhat (?:is|are)\b(?! the (?:best|right|safest|smartest|ideal|optimal|most|cause|root|reason)'
         r'| (?:better|best|smarter|wiser|worse)\b)'
         r'|\bwhat (?:does|do)\b|\bhow does\b|\bhow do\b(?! we\b)|\bwhy (?:does|do|is|are|did)\b'
         r'|\banaly[sz]\w+'
         r'|\binterpret\w*|\btrends?\b|\boutliers?\b|\bcompute\b|\bcalculat\w+|\bmedian\b|\binfer\w*'
         r'|\bwalk (?:me )?through\b|\bclarify\b|\bteach\b|\btutorial\b|\bdifference between\b'
         r'|\btell me (?:what|how|why|in)\b|\b(?:growing|declining|increasing|decreasing)\b'),
    _cue(2, 2.0, 'computes statistics',
         r'\baverages?\b|\bmean\b|\bstandard deviations?\b|\bvariance\b|\bpercentiles?\b|\bcorrelat\w+'
         r'|\bproportions?\b|\bgrowth rates?\b|\b(?:month|year|week)-over-(?:month|year|week)\b'),
    _cue(2, 2.5, 'asks to draft written content',
         r'\b(?:write|draft|compose|create|produce|prepare|generate|write up|give me|put together|turn)\b'
         r'[^.?!\n]{0,40}?\b(?:e-?mails?|letter|post|article|blog|description|faqs?|readme|release notes'
         r'|lesson plan|cover letter|captions?|reply|response|questions|report|memo|announcement'
         r'|newsletter|proposal|press release|bio|essay|speech|story|script|outline|quiz|agenda'
         r'|documentation|guide|copy|pitch|brief|notes|explainer|update|sequence|one-pager'
         r'|records|explanation|minutes|message|reminder|invitation|apology)s?\b'),
    _cue(2, 2.0, 'asks to rewrite, adapt or translate a document',
         r'\brewrite\b|\brephrase\b|\bparaphrase\b|\bplain english\b|\btranslat\w+|\brework\b'
         r'|\badapt\w*|\btailor\w*|\blocali[sz]\w+|\b(?:draft|compose) (?:a|an|the|some|me)\b'
         r'|\bmore (?:concise|persuasive|formal|casual)\b|\btone\b|\bspeaks? to\b',
         r'^\s*(?:draft|compose)\b', needs='draft compose'),
    _cue(2, 2.0, 'asks for suggestions or feedback',
         r'\bsuggest\w*|\bfeedback\b|\bimprove\w*|\bclearer\b|\bpoint out\b'),
    _cue(2, 1.5, 'answers from given material',
         r'\banswer (?:the|this|a) (?:\w+\'s )?question\b|\busing (?:only )?the (?:provided|following|faq)'
         r'|\bcite\b|\bfollowing the (?:steps|policy)\b|\b(?:go|read) (?:through|over) (?:the|this|these)\b'),
    # --- tier 3: commodity ----------------------------------------------------------------
    _cue(3, 3.5, 'only reformats text',
         r'\breformat\w*|\bformatt(?:ed|ing)\b|\bformat (?!(?:of|for|that|which|is|was|used|we)\b)|\bformat$'
         r'|\brender (?:this|these|the|it)\b|\bpretty-?print\w*'
         r'|\bpresent (?:this|these|the|it|them)\b[^.?!\n]{0,40}?\bas (?:a|an)\b'
         r'|\bone (?:row|line|item|entry|name) per\b|\bas a (?:two|three|four|\d)-column\b'
         r'|\blay (?:out )?(?:this|these|the)\b[^.?!\n]{0,40}?\bas (?:a|an)\b'
         r'|\bindent\w*'
         r'|\b(?:put|turn|make) (?:this|these|it|them|that) (?:in|into) (?:a |an )?(?:(?:markdown|md|html|csv'
         r'|simple|nice|neat|clean|plain) )?(?:table|list|grid|checklist)\b'
         r'|\bcapitali[sz]\w+|\buppercase\b|\blowercase\b|\b(?:title|sentence) case\b|\bsnake_?case\b'
         r'|\bcamel_?case\b|\bbold\b|\bitalics?\b|\bone per (?:line|cell)\b|\bon its own line\b'
         r'|\bcomma-separated\b|\bline numbers\b|\bwhitespace\b|\bspacing\b|\bwrap\b|\bline endings\b'
         r'|\bslug\b|\bhyphenate\b|\bdecimal places\b|\bline up\b|\ball caps\b|\bupper-case\b|\blower-case\b'
         r'|\btidy\b|\bclean up the (?:formatting|spacing|layout)\b|\bzero-pad\w*|\bpad\b|\btruncat\w+'
         r'|\bone-liner\b|\bsingle line\b|\bno spaces\b|\bminif\w+|\bhashtags?\b'
         r'|\b(?:double|extra|stray|trailing|leading) (?:spaces|tabs|whitespace|newlines|blank lines)\b'
         r'|\breadable (?:dates?|times?|format)\b|\b(?:csv|tsv) (?:line|row)\b'),
    _cue(3, 1.5, 'asks for a list or table layout',
         r'\bbullet(?:s|ed| points?| list)\b|\bnumbered list\b|\bmarkdown\b|\bheadings?\b'),
    _cue(3, 3.0, 'asks for a mechanical edit',
         r'\bsort\w*\b(?![^.?!\n]{0,40}\binto\b)|\balphabeti\w+|\breverse the order\b|\bz-a\b'
         r'|\b(?:ascending|descending)\b|\b(?:oldest|newest|smallest|largest) to\b'
         r'|\bremove (?:the |all )?(?:duplicate|blank|empty|trailing|emojis|html)|\bdedup\w*'
         r'|\b(?:remove|delete|drop|mark|flag|highlight) (?:the |any |all )?duplicates?\b'
         r'|\bduplicate (?:lines|rows|entries|items|values|words)\b'
         r'|\b(?:appear|appears|occur\w*) (?:twice|more than once)\b|\btrim\w*|\bstrip\w*'
         r'|\bjoin (?:these|the)\b|\bsplit (?:these|each|the)\b|\bappend\w*|\bprepend\w*'
         r'|\binsert (?:a|an|the)\b|\breplac\w*\b[^.?!\n]{0,40}?\bwith\b|\brename\w*|\bescape\w*'
         r'|\bround (?:each|the|to)\b|\bnumber the\b|\badd (?:a|the) (?:header|full stop|period|comma)'
         r'|\bconcatenat\w+|\breorder\b|\bswap\b|\bswitch\b|\bprefix\b|\bsuffix\b'
         r'|\bremove (?:the |all )?(?:punctuation|spaces|line breaks|accents)'
         r'|\b(?:to|at) the (?:top|bottom|start|end|beginning) of\b'
         r'|\b(?:after|before|between) (?:every|each)\b'
         r'|\bchange (?:every|each|all)\b|\bsequential(?:ly)?\b|\bstarting (?:from|at) (?:0|1|one)\b',
         r'\ba-z\b', needs='z'),
    _cue(3, 2.5, 'asks for a mechanical conversion',
         r'\bconvert(?:ing)? (?:this|these|the|each|all|it|them|from|to|into|every|\d)'
         r'|\bchange the (?:date )?format\b|\biso[- ]?8601\b|\bdd/mm\b|\byyyy|\bin the (?:pattern|format)\b'
         r'|\be\.164\b|\bcelsius\b|\bfahrenheit\b|\bkilomet\w+|\bmiles\b|\b(?:12|24)-hour\b'
         r'|\bfrom \S+ (?:style|format|case) to\b|\bunix (?:time|timestamp)|\bepoch\b|\bbase64\b'
         r'|\burl-?encod\w*|\btime ?zones?\b|\b(?:unix|epoch|iso) timestamps?\b',
         r'°f\b'),
    _cue(3, 2.5, 'converts between data formats',
         r'\b(?:json|yaml|csv|tsv|xml|markdown|toml|html)\b[^.?!\n]{0,50}?\b(?:to|into|as)\b(?: an?| the)?'
         r'(?: same data as an?)? (?:json|yaml|csv|tsv|xml|markdown|toml|html|plain text)\b'),
    _cue(3, 3.0, 'only copies or fills in values',
         r'\bcopy (?:the|this|these|each|it|them|over|across|all|every|from|into|to)\b|\bpaste\b'
         r'|\bverbatim\b|\bfill (?:in|out)\b|\bfill the\b|\bplaceholder\b|\brepeat\b'
         r'|\benter\b[^.?!\n]{0,40}?\binto (?:the )?(?:\w+ )?'
         r'(?:form|fields?|spreadsheet|table|template|system|crm)\b'
         r'|\bdata[- ]entry\b|\bwithout (?:adding|changing)\b(?! to\b)|\btranscribe\b|\bretype\b|\bpopulate\b'
         r'|\bas[- ]is\b|\binto (?:this|the) (?:\w+ )?template\b|\btransfer (?:the|these|this|each|all)\b'
         r'|\bcomplete (?:the|this) (?:\w+ )?(?:template|form)\b'
         r'|\bput (?:the|these|this|each)\b[^.?!\n]{0,40}?\binto (?:this|the) \w+'
         r'|\busing (?:this|the|that|our) (?:mapping|lookup|conversion table|mapping table)\b'
         r'|\bmap (?:the|each|every|these|all) (?:old |\w+ )?(?:fields?|columns?|keys?|headers?|codes?)'
         r'(?: names?)? to\b'),
    _cue(3, 3.5, 'asks for a yes/no or pass/fail verdict',
         r'\byes or no\b|\byes/no\b|\btrue or false\b|\bvalid or invalid\b|\bpass\b.{0,40}\bfail\b'
         r'|\bok or \w+|\bapproved"? or "?rejected\b|\breply with a single\b'
         r'|\banswer with (?:a single|one)\b|\brespond with (?:the word|a single)\b'
         r'|\bsingle (?:word|digit|number|letter|character)\b|\bone word\b|\by/n\b|\btrue/false\b|\b0 or 1\b'
         r'|\bjust (?:say|answer|reply)\b'
         r'|\b(?:mark|label|tag|answer|reply|output) (?:it |each |them )?(?:as |with )?'
         r'["\']?[a-z0-9]["\']? or ["\']?[a-z0-9]["\']?(?!\w)'
         r'|\b(?:output|return|print|answer|reply|respond with|say) ["\'][\w-]+["\'] (?:if|when)\b'
         r'|\botherwise ["\'][\w-]+["\']'),
    _cue(3, 1.5, 'restricts the output to bare values',
         r'\b(?:output|return|reply|respond with|answer with) (?:only|just) (?:the|a|\w+)\b|\bnothing else\b'
         r'|\breply only\b'
         r'|\bno (?:other|extra) text\b|\b(?:ids?|names?|numbers?|values?) only\b'),
    _cue(3, 2.5, 'asks for a simple check',
         r'\bcheck (?:if|whether|that)\b|\bconfirm (?:the|that|whether)\b|\bverify that\b'
         r'|\bwhich of these two\b'
         r'|\bends (?:in|with)\b(?! (?:about |around )?\d+ (?:days?|weeks?|months?|years?))'
         r'|\bat least \d+ characters\b|\b(?:does|do|whether|if|that) [^.?!\n]{0,40}?\bcontains?\b'
         r'|\bcontains? (?:the (?:word|phrase|string|text|letter|character)|any)\b'
         r'|\bmention (?:the word|a|an)\b|\bmatch(?:es)? the (?:pattern|format)\b|\bwell-formed\b'
         r'|\bnon-empty\b|\bis (?:missing|blank|null|empty)\b|\b(?:are|is) [^.?!\n]{0,30}?\bidentical\b'
         r'|\b(?:tick|check) off\b|\bdigits\b|\bcharacters long\b|\b(?:right|correct|valid) format\b'
         r'|\b(?:exceeds?|is (?:over|under|longer than|shorter than)) \d+ (?:words|characters|chars|lines'
         r'|pages)\b'),
    _cue(3, 3.5, 'pulls out one easily spotted value',
         r'\bextract (?:the|an?) (?:email(?: address)?|phone number|url|year|date|domain|title'
         r'|first \w+|last \w+)\b(?!,| and)'
         r'|\b(?:list|extract|pull out|get|find|give me) (?:all |every |each )?(?:the )?(?:section |chapter '
         r'|slide )?'
         r'(?:titles|headings|headers|subheadings|urls|links|hashtags|email addresses)\b(?!,| and)'),
    _cue(3, 2.5, 'applies a fixed rule to a field',
         r'\b(?:based on|according to) (?:its|the|their) (?:\w+ )?'
         r'(?:id|column|field|value|status|flag)s?\b'
         r'|\b(?:below|above|under'
         r'|over) \d+\b(?![ -]?(?:years?|months?|weeks?|days?|quarters?|hours?|minutes?|%|words|characters'
         r'|chars|lines|pages))|\bflag (?:any|each|every|all) \w+ (?:where|whose|with)\b|\b(?:mark|label|flag'
         r'|tag) (?:each|every|any|all|the) [^.?!\n]{0,40}?\bas [\'"]?[\w-]+[\'"]? (?:if|when|where)\b'
         r'|\bif (?:its|the|their) [\w ]{1,20}? (?:is|are) (?:before|after|earlier|later|greater|less|more'
         r'|over|under|above|below|empty|blank|missing)\b'
         r'|\bis (?:zero|negative)\b'),
    _cue(3, 2.5, 'asks for a trivial count or look-up',
         r'\bcount the\b|\bhow many (?:words|items|lines|characters|rows|entries|records)\b'
         r'|\bhow many [\w-]+ (?:are |is )?(?:in|on) (?:the|this) (?:word|sentence|line|list|text|string|name'
         r'|title)\b'
         r'|\bnumber of (?:items|words|lines|characters|rows|entries|records)\b'
         r'|\bfirst (?:line|item|word|(?:three|two|\d+) (?:lines?|words?|items?|rows?|characters?|letters?'
         r'|entries'
         r'|names?|sentences?|records?))\b|\blarger\b|\bsmaller\b|\bprime\b|\bplural\b'
         r'|\babbreviations?\b|\bcountry codes?\b|\bmonth names\b|\brandom\b|\bword count\b'
         r'|\bcharacter count\b|\bday of the week\b|\bcount how many\b'
         r'|\bwhich (?:\w+ )?(?:had|has|is|was) the (?:highest|lowest|largest|smallest|most|fewest|biggest'
         r'|earliest|latest)\b'),
    _cue(3, 3.5, 'looks up one value in the given text',
         r'\b(?:what(?:\'s| is| are)|state|provide|give|report|return|tell me) the [\w\s\'-]{0,40}?'
         r'\b(?:number|date|name|id|total|amount|code|address|reference|title|price|value|count|email|phone'
         r'|deadline|time|figure|balance|postcode|version)s? (?:(?:stated|shown|given|listed|printed|written'
         r'|recorded|quoted|specified|mentioned) )?(?:in|on|at the top of) (?:the|this)\b'
         r'|\bwhat(?:\'s| is| are) the [\w -]{1,30}? of (?:the|this) (?:attached |following '
         r'|given )?(?:file ?name|word'
         r'|date|number|email(?: address)?|url|phone number|string|name)\b'
         r'|\bnumber of [\w-]+(?: [\w-]+)? (?:in|on) (?:the|this) (?:[\w-]+ )?(?:below|above|list|text'
         r'|document|order'
         r'|email|file|table|page|sentence|paragraph|form|record)\b(?! (?:per|by|for each))'),
    _cue(3, 3.0, 'asks for a light proofread',
         r'\btypos?\b|\btypograph\w*|\bspell(?:ing|-check'
         r'| check)\b(?<!british spelling)(?<!american spelling)(?<!uk spelling)(?<!us spelling)'
         r'|\bpunctuation\b|\bproofread\w*'
         r'|\bgrammar\b'
         r'|\bmisspell\w*'),
    _cue(3, 3.0, 'translates a few words',
         r'\btranslate\b\s*(?:"[^"]{1,40}"|“[^”]{1,40}”|\'[^\'\n]{1,40}\''
         r'|the (?:word|phrase|term|button|labels?)\b'
         r'|(?:these|the) (?:words|labels|phrases|terms)\b)|\bsay "'
         r'|\btranslate (?:this |it )?(?:to|into) [a-z]+\s*:?\s*["\'“‘]',
         r'(?:^|\s)[\'"“‘][^\'"“”‘’\n]{1,30}[\'"”’]\s+(?:in|into|to) ' + _LANGUAGES,
         needs=' '.join(re.findall(r'[a-z]{3,}', _LANGUAGES))),
    _cue(3, 2.0, 'asks for a tiny piece of text',
         r'\bhaiku\b|\blimerick\b|\bslogan\b|\btagline\b'
         r'|\b(?:into|in|as) (?:a single|one) (?:sentence|line)\b'
         r'|\bin (?:one|two|three|four|five|six|seven|eight|nine|ten|\d) words\b|\bfewer than \w+ words\b'
         r'|\binto one\b'),
    _cue(3, 1.5, 'works item by item on given data',
         r'\b(?:each|every|all the|any) (?:row|item|entry|entries|line|value|field|key|cell|record|name'
         r'|word|string|date|number|title|address|email|column|heading|tag)s?\b'),
    _cue(3, 1.0, 'says the job is simple',
         r'\bsimple\b|\bsimply\b|\bjust\b(?! (?:\w+ed|told|said|got|had|came|went|found|heard|saw|lost|won'
         r'|left|began|hit|sent|made|took|gave|announced|now)\b)|\bquick(?:ly)?\b|\bonly\b|\bmerely\b'
         r'|\btrivial\b'),
)

# A role in the system prompt hints at the expected depth, without deciding on its own.
_ROLE_CUES: tuple[_Cue, ...] = (
    _cue(1, 1.5, 'casts a senior expert role',
         r'\b(?:chief|principal|senior|lead|staff|experienced) (?:\w+ ){0,2}(?:officer|architect'
         r'|engineer|strategist|auditor|scientist|counsel|lawyer)\b|\bstrategist\b|\bauditor\b'
         r'|\bresearch scientist\b'),
)

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

    @classmethod
    def empty(cls) -> _Evidence:
        return cls(scores=[0.0, 0.0, 0.0, 0.0], hits=[[], [], [], []])  # index 0 unused

    def add(self, tier: int, weight: float, why: str, matched: str = '') -> None:
        self.scores[tier] += weight
        self.hits[tier].append((weight, why, matched))


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


class _CueIndex:
    """The branches of a tuple of cues by the word beginnings their matches start with: a task
    searches only the branches whose words it contains (a few dozen of some 700)."""

    def __init__(self, cues: tuple[_Cue, ...]) -> None:
        self.cues = cues
        self.always: list[tuple[int, int]] = []
        self.by_start: dict[str, list[tuple[int, int]]] = {}
        for cue_index, cue in enumerate(cues):
            for branch_index, starts in enumerate(cue.starts):
                if starts is None:
                    self.always.append((cue_index, branch_index))
                else:
                    for start in starts:
                        self.by_start.setdefault(start, []).append((cue_index, branch_index))


def _collect(text: str, index: _CueIndex, factor: float, evidence: _Evidence) -> None:
    """Add each cue found in `text` (lower-cased) once, quoting its match as one search of the
    whole cue would find it: the earliest in the text, `pattern` before `unanchored`."""
    candidates = set(index.always)
    by_start = index.by_start
    for start in _word_starts(text):
        branches = by_start.get(start)
        if branches:
            candidates.update(branches)
    found: dict[int, tuple[tuple[int, int, int], str]] = {}
    for cue_index, branch_index in candidates:
        cue = index.cues[cue_index]
        match = cue.patterns[branch_index].search(text)
        if match:
            key = (cue.sources[branch_index], match.start(), branch_index)
            if cue_index not in found or key < found[cue_index][0]:
                found[cue_index] = (key, match.group(0))
    for cue_index in sorted(found):
        cue = index.cues[cue_index]
        evidence.add(cue.tier, cue.weight * factor, cue.why, found[cue_index][1])


_CUE_INDEX = _CueIndex(_CUES)
_ROLE_CUE_INDEX = _CueIndex(_ROLE_CUES)


def _collect_system(role: str, evidence: _Evidence) -> None:
    found = _Evidence.empty()
    _collect(role, _CUE_INDEX, _SYSTEM_WEIGHT, found)
    _collect(role, _ROLE_CUE_INDEX, 1.0, found)
    for tier in (1, 2, 3):
        scale = min(1.0, _SYSTEM_CAP / found.scores[tier]) if found.scores[tier] else 0.0
        for weight, why, matched in found.hits[tier]:
            evidence.add(tier, weight * scale, why, matched)


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


def route_task(prompt: str, system: str = '', output_schema: dict | None = None) -> RouteDecision:
    """Classify a node's task into tier 1, 2 or 3, offline and deterministically.

    :param prompt: the node's prompt template; Jinja syntax is ignored.
    :param system: the node's system prompt, weighed less than the task itself (default: '').
    :param output_schema: the node's JSON Schema, weak evidence of structured work (default: None).
    """
    evidence = _Evidence.empty()
    task, core, role = _prepare(prompt, system)
    _collect(task, _CUE_INDEX, 1.0, evidence)
    _collect_shape(task, core, evidence)
    if role.strip():
        _collect_system(role, evidence)
    _collect_schema(output_schema, evidence)

    best = max(evidence.scores[1:])
    if best < 1.0:
        # No cue at all: fall back on length, the one signal every task has. Rote jobs are
        # short to state; anything longer is treated as the analytical middle.
        # When the prompt is only template variables, the instruction lives in the system prompt.
        instruction = task if _WORD.search(task) else role
        document = _DOCUMENT.search(instruction)
        if document:
            return RouteDecision(2, f'tier 2: works on a whole document ("{document.group(0).split()[-1]}")')
        if len(_WORD.findall(instruction)) <= _SHORT_TASK_WORDS:
            return RouteDecision(3, 'tier 3: a short instruction with no sign of analysis or judgement')
        return RouteDecision(2, 'tier 2: no clear sign of deep reasoning or of rote work, '
                                'so the analytical middle tier')
    # Ties go to the more capable tier: an under-powered answer can look valid and pass unnoticed.
    tier = next(t for t in (1, 2, 3) if evidence.scores[t] == best)
    return RouteDecision(tier, _explain(tier, evidence))
