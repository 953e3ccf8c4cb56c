"""Learning from escalations: where a `tier: auto` node starts, given how its recent runs went.

A node whose cheap first attempts keep failing pays for them on every run before escalating.
Given the node's recent outcomes (same kind and config, newest first; built by the storage layer,
`storage/routing_history.py`), `learned_start` starts it at the tier that succeeded when it
escalated in `MIN_ESCALATIONS` or more of its last `WINDOW` tries at the router's tier, and says
so ("escalated to tier 2 in 3 of the last 4 runs"). Once it has then succeeded first time at the
raised tier `RETRY_LOWER_AFTER` runs in a row, the router's tier is tried again, so a node does
not stay up forever; a try that succeeds there ends the raise, one that escalates again resumes
it at once (the earlier escalations are still among its last tries).

A raise must pay: when the history is priced and some tries succeeded at the router's tier, it
is made only if the expected cost of starting low (the share p of tries that escalate times what
their failed calls and the raised tier's call cost, plus 1 - p times a success low) is above the
raised tier's cost, i.e. p x wasted > (1 - p) x (raised cost - low cost). A cheap tier-3 model
that fails four times in five is still cheaper to try first when a tier-2 call costs twenty of
its failures (bench_learning.py).

    history = {route_key(node.kind, node.config): [NodeOutcome(3, 2), NodeOutcome(3, 2)]}
    plan = compile_graph(graph, catalog, provider, history=history)
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WINDOW = 4  # the tries at the router's tier (or escalations) looked at
MIN_ESCALATIONS = 2  # one escalation may be a fluke (a provider's bad minute)
RETRY_LOWER_AFTER = 3  # first-time successes at the raised tier before the router's tier is tried again


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """How one run of a node went: the tier its first call went to and the tier it succeeded at
    (None: it did not succeed, which says nothing about the tier it needs; such runs are not
    counted); what its calls below that tier cost (`wasted_usd`) and what its calls at that tier
    cost (`succeeded_usd`), None when a model was unpriced."""
    started_tier: int
    succeeded_tier: int | None
    wasted_usd: float | None = None
    succeeded_usd: float | None = None

    @property
    def escalated(self) -> bool:
        return self.succeeded_tier is not None and self.succeeded_tier < self.started_tier


RoutingHistory = Mapping[str, Sequence[NodeOutcome]]  # route_key -> outcomes, newest first


def route_key(kind: str, config: Mapping[str, Any]) -> str:
    """What makes two nodes "the same node" for learning: their kind and their whole config."""
    payload = json.dumps([kind, config], sort_keys=True, ensure_ascii=False, default=str, separators=(',', ':'))
    return hashlib.sha256(payload.encode()).hexdigest()


def learned_start(routed_tier: int, outcomes: Sequence[NodeOutcome]) -> tuple[int, str | None]:
    """The tier to start at and, when it is not `routed_tier`, or the router's tier is being tried
    again after a raise, why (one short clause)."""
    outcomes = [outcome for outcome in outcomes if outcome.succeeded_tier is not None]
    # (position among `outcomes`, outcome) of the tries at the router's tier and the escalations
    tries = [(position, outcome) for position, outcome in enumerate(outcomes)
             if outcome.started_tier >= routed_tier or outcome.escalated][:WINDOW]
    escalations = [outcome for _, outcome in tries if outcome.escalated]
    if not tries or not tries[0][1].escalated or len(escalations) < MIN_ESCALATIONS:
        return routed_tier, None
    counts = Counter(outcome.succeeded_tier for outcome in escalations)
    # The tier most escalations ended at; a tie goes to the stronger tier.
    raised = min(counts, key=lambda tier: (-counts[tier], tier))
    if raised >= routed_tier or not _raising_pays([outcome for _, outcome in tries], raised):
        return routed_tier, None
    # The runs since the last escalation all started raised and succeeded first time.
    streak = tries[0][0]
    if streak >= RETRY_LOWER_AFTER:
        return routed_tier, (f'succeeded first time at tier {raised} in the last {streak} runs, '
                             f'so tier {routed_tier} is tried again')
    return raised, f'escalated to tier {raised} in {len(escalations)} of the last {tries[-1][0] + 1} runs'


def _raising_pays(tries: list[NodeOutcome], raised: int) -> bool:
    """Whether starting at `raised` is expected to cost less than starting low (module docstring);
    True when the history cannot tell (an unpriced call, or no success low to compare with)."""
    escalations = [outcome for outcome in tries if outcome.escalated and outcome.succeeded_tier == raised]
    stayed = [outcome for outcome in tries if not outcome.escalated]
    if not stayed:
        return True
    wasted = [outcome.wasted_usd for outcome in escalations]
    high = [outcome.succeeded_usd for outcome in escalations]
    low = [outcome.succeeded_usd for outcome in stayed]
    if not escalations or None in wasted + high + low:
        return True
    share = len([outcome for outcome in tries if outcome.escalated]) / len(tries)
    return share * _mean(wasted) > (1 - share) * (_mean(high) - _mean(low))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)
