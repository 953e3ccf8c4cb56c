"""The offline tier classifier (`tier: auto`): accuracy on tasks it was not tuned on, and behaviour.

The labelled set is split by a stable hash of each task's text: ~30% is held out and was never
used to tune the rules. Lines marked `"split": "train"` are always training data: an earlier
"unseen" set folded into training once it had been used to find mistakes, and tasks written
later to probe phrasing habits (polite requests, role prefixes, casual chat, typos, placeholders).
The unseen set was written after the first version of the rules, in deliberately different
phrasing; it and the held-out split have since been studied to find *kinds* of mistakes.

Three blind sets were written by someone who never saw the classifier. Blind sets A and B have
since been used for tuning (they are reported, like training sets: B's errors were studied for
kinds of mistakes, and tasks written to probe those kinds were added to the labelled set as
training data); blind set C never was: its lines and per-task errors were never looked at, and its
accuracy was measured once, after the last change to the rules.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nodes.router import UNSURE_BELOW, RouteDecision, cues_found, route_task
from router_sets import is_held_out, load_tasks


def accuracy(tasks: list[dict], unsure_below: float = UNSURE_BELOW) -> float:
    right = sum(route_task(task['text'], task.get('system', ''), unsure_below=unsure_below).tier == task['tier']
                for task in tasks)
    return right / len(tasks)


LABELLED = load_tasks('labelled_tasks.jsonl')
UNSEEN = load_tasks('unseen_tasks.jsonl')
HELD_OUT = [task for task in LABELLED if is_held_out(task)]
BLIND_A = load_tasks('blind_tasks_a.jsonl')  # tuned on since: a training set
BLIND_B = load_tasks('blind_tasks_b.jsonl')  # tuned on since (it measured 86.7% before): a training set
BLIND_C = load_tasks('blind_tasks_c.jsonl')  # never looked at: the honest figure
# Blind set B after tuning the cues on it (150/150), rounded down to a whole percent. The cues'
# own decision is measured: "when unsure, go up" then sends 5 of its tasks a tier up on purpose
# (see test_going_up_when_unsure_costs_little_on_the_tuned_sets).
BLIND_B_TUNED = 1.00
# Blind set C, measured once after the last change to the rules (186/200 = 93.0%), rounded down to
# a whole percent. The target for tasks never seen is 90%.
BLIND_C_MEASURED = 0.93


def test_held_out_accuracy_is_at_least_90_percent():
    assert len(HELD_OUT) >= 90
    assert accuracy(HELD_OUT) >= 0.90


def test_unseen_accuracy_is_at_least_85_percent():
    assert len(UNSEEN) >= 80
    assert accuracy(UNSEEN) >= 0.85


def test_blind_set_a_used_for_tuning_is_reported():
    measured = accuracy(BLIND_A)
    print(f'blind set A (tuning set): {measured:.1%} of {len(BLIND_A)}')
    assert len(BLIND_A) >= 100
    assert measured >= 0.95


def test_blind_set_b_used_for_tuning_is_reported():
    measured = accuracy(BLIND_B, unsure_below=0)
    print(f'blind set B (tuning set, cues alone): {measured:.1%} of {len(BLIND_B)}')
    assert len(BLIND_B) >= 100
    assert measured >= BLIND_B_TUNED


def test_blind_set_c_never_tuned_on_keeps_its_measured_accuracy():
    assert len(BLIND_C) >= 150
    assert BLIND_C_MEASURED >= 0.90
    assert accuracy(BLIND_C) >= BLIND_C_MEASURED


def test_the_labelled_sets_are_large_balanced_and_disjoint():
    assert len(LABELLED) >= 300
    for tier in (1, 2, 3):
        assert sum(task['tier'] == tier for task in LABELLED) >= len(LABELLED) // 5
        assert sum(task['tier'] == tier for task in UNSEEN) >= len(UNSEEN) // 5
    hashed = [task for task in LABELLED if task.get('split') != 'train']
    assert 0.25 <= len(HELD_OUT) / len(hashed) <= 0.35
    assert not {task['text'] for task in LABELLED} & {task['text'] for task in UNSEEN}
    labelled = {task['text'] for task in LABELLED}
    assert len(labelled & {task['text'] for task in BLIND_A}) == 0
    assert len(labelled & {task['text'] for task in BLIND_B}) == 0
    assert len(labelled & {task['text'] for task in BLIND_C}) == 0


@pytest.mark.parametrize('prompt', [
    'Design a fault-tolerant event pipeline for {{ brief.company }} and explain the trade-offs.',
    'Audit this authentication module for vulnerabilities and rank them by impact.\n{{ code }}',
    'Should we expand into Brazil next year? Reason step by step and justify the recommendation.',
    'Synthesise these four conflicting market studies into one position on demand.',
])
def test_high_reasoning_tasks_get_tier_1(prompt):
    assert route_task(prompt).tier == 1


@pytest.mark.parametrize('prompt', [
    'Write a Python function that parses ISO 8601 durations.',
    'Extract the invoice number, total and due date from {{ invoice.text }}.',
    'Summarise the meeting transcript into decisions and action items.\n{{ transcript }}',
    'Classify each ticket as billing, technical or account.\n{{ tickets }}',
])
def test_analytical_tasks_get_tier_2(prompt):
    assert route_task(prompt).tier == 2


@pytest.mark.parametrize('prompt', [
    'Format as a numbered list: {{ plan.steps }}',
    'Indent this Python code with four spaces.\n{{ code }}',
    'Does the reply mention a refund? Answer yes or no.\n{{ reply }}',
    'Translate "Thank you" into German.',
])
def test_commodity_tasks_get_tier_3(prompt):
    assert route_task(prompt).tier == 3


def test_the_same_task_always_gets_the_same_decision_even_in_another_process():
    tasks = LABELLED[:40] + UNSEEN[:20]
    here = [route_task(task['text'], task.get('system', '')) for task in tasks]
    assert here == [route_task(task['text'], task.get('system', '')) for task in tasks]
    script = ('import json, sys\nfrom nodes.router import route_task\n'
              'tasks = json.load(sys.stdin)\n'
              "print(json.dumps([[d.tier, d.reason] for d in "
              "(route_task(t['text'], t.get('system', '')) for t in tasks)]))")
    environment = {**os.environ, 'PYTHONHASHSEED': '12345'}
    elsewhere = subprocess.run([sys.executable, '-c', script], input=json.dumps(tasks), text=True,
                               capture_output=True, check=True, env=environment,
                               cwd=Path(__file__).resolve().parent.parent).stdout
    assert json.loads(elsewhere) == [[decision.tier, decision.reason] for decision in here]


def test_every_decision_has_a_short_reason_naming_its_tier():
    for task in LABELLED + UNSEEN + BLIND_A + BLIND_B:
        decision = route_task(task['text'], task.get('system', ''))
        assert isinstance(decision, RouteDecision)
        assert decision.tier in (1, 2, 3)
        assert decision.reason.startswith(f'tier {decision.tier}: ')
        assert len(decision.reason) > len('tier 1: ') + 10
        assert '\n' not in decision.reason and len(decision.reason) < 160


def test_a_reason_quotes_the_words_that_decided():
    decision = route_task('Implement a function that validates an IBAN.')
    assert decision == RouteDecision(2, decision.reason, 1.0)
    assert '"implement"' in decision.reason and '"function"' in decision.reason


def test_template_syntax_is_ignored():
    # `plan.steps` names an upstream node; the word "plan" in it is data, not an instruction.
    assert route_task('Format as a numbered list: {{ plan.steps }}').tier == 3
    assert 'plan' not in route_task('Format as a numbered list: {{ plan.steps }}').reason
    looped = 'Sort these names alphabetically:\n{% for row in rows %}{{ row.name }}\n{% endfor %}{# done #}'
    assert route_task(looped).tier == 3
    assert route_task('{{ strategy_doc }} {{ audit.report }}').tier == 3  # only data, nothing asked


@pytest.mark.parametrize('prompt', ['', '{{', '{% if %}', '}}{{ a }', '{{ a }}' * 500, '\x00\n\t', '???'])
def test_odd_or_broken_input_never_raises(prompt):
    decision = route_task(prompt, system=prompt, output_schema={'type': 'object', 'properties': []})
    assert decision.tier in (1, 2, 3) and decision.reason


EXTRACTION_SCHEMA = {'type': 'object', 'properties': {
    'vendor': {'type': 'string'}, 'total': {'type': 'number'}, 'due': {'type': 'string'}}}
VERDICT_SCHEMA = {'type': 'object', 'properties': {'ok': {'type': 'boolean'}}, 'required': ['ok']}


def test_a_schema_alone_points_to_structured_work():
    decision = route_task('{{ upstream.text }}', output_schema=EXTRACTION_SCHEMA)
    assert decision.tier == 2
    assert 'schema' in decision.reason
    assert route_task('{{ upstream.text }}', output_schema=VERDICT_SCHEMA).tier == 3


def test_a_schema_does_not_override_what_the_task_asks():
    steps = {'type': 'object', 'properties': {'steps': {'type': 'array', 'items': {'type': 'string'}}}}
    assert route_task('Plan a competitive analysis of {{ brief.company }}.', 'You are a strategist.',
                      steps).tier == 1
    assert route_task('Format as a numbered list: {{ plan.steps }}', output_schema=EXTRACTION_SCHEMA).tier == 3
    assert route_task('Audit this contract for liability exposure.\n{{ contract }}',
                      output_schema=VERDICT_SCHEMA).tier == 1


def test_the_system_prompt_weighs_less_than_the_task():
    assert route_task('Capitalise this title: {{ title }}', 'You are a senior security auditor.').tier == 3
    assert route_task('{{ brief }}', 'You are the chief strategist. Produce a three-year market-entry '
                                     'strategy for the company described.').tier == 1


@pytest.mark.parametrize('prompt, tier', [
    # politeness, greetings and request wrappers are not the task
    ('Hi! Could you please sort these cities alphabetically? Thanks! {{ cities }}', 3),
    ('Would you mind writing a short product description for our bamboo toothbrush?', 2),
    ("hey quick q - we got 3 offers for the office lease, which one do we take? {{ offers }}", 1),
    # a role cast in the task reads like a system prompt
    ('As a senior security auditor, capitalise this title: {{ title }}', 3),
    ('You are a helpful assistant. Translate the following customer letter into German. {{ letter }}', 2),
    # other placeholder styles are data
    ('Task: check if the input is a valid UK postcode. Answer yes or no. Input: {postcode}', 3),
    ('Remove the trailing spaces from each line. <paste strategy doc here>', 3),
    # typos and non-native phrasing
    ('sumarize this report in 5 point please {{ report }}', 2),
    ('Extarct the names and phone numbers from this text into a table {{ text }}', 2),
    ('what shuold our stratgy be for the next 3 years given competitors are cutting prices?', 1),
    ('Please to sort this names by alphabet order. {{ names }}', 3),
    # contractions typed without their apostrophe, chat shorthand
    ('whats the order number in the email below\n{{ email }}', 3),
    ("im getting a KeyError in this loop, whats wrong?\n\n{{ code }}", 2),
    ('write a friendly slack msg reminding ppl to fill in their timesheets by friday', 2),
    # "just" telling when, not how hard
    ('our biggest customer just asked for a 30% discount or they walk. whats our move?', 1),
    # a terse spec of a program, without a verb
    ('cron job that pings the health endpoint every 5 min and alerts on 2 failures in a row', 2),
    ('k8s yaml for a deployment w 3 replicas of nginx and a service on port 80', 2),
])
def test_phrasing_habits_do_not_change_the_tier(prompt, tier):
    assert route_task(prompt).tier == tier


def test_a_prohibition_or_a_quotation_is_not_the_task():
    assert route_task('Review the press release for typographical errors only. '
                      'Do not suggest changes to the content.\n{{ draft }}').tier == 3
    # what to leave alone is not the job either
    assert route_task('translate the app strings to french, keep the {variable} tokens and html tags '
                      'as is\n{{ strings }}').tier == 2
    # nor is a short message quoted in single quotes
    assert route_task("make this sound less rude: 'you didnt read my email did you'").tier == 3
    assert route_task('Make this sentence more concise: "We would like to take this opportunity to '
                      'inform you that your account has been successfully updated."').tier == 3


def test_an_output_restriction_or_a_field_list_is_not_the_task():
    # "nothing else" restricts the output of an extraction; it does not make it a yes/no check
    assert route_task('Read the security policy and list every control that mentions encryption, as JSON, '
                      'nothing else.\n{{ policy }}').tier == 2
    # the fields to pull out are what to look for ("liability", "y/n"), not what to do
    assert route_task('from the lease pull out: rent, deposit, break clause date, who pays repairs, '
                      'liability cap (y/n)\n\n{{ lease }}').tier == 2


def test_the_object_of_the_opening_verb_sets_the_depth():
    assert route_task('Summarise this tweet in five words.\n{{ tweet }}').tier == 3
    assert route_task('Summarise the attached audit report for the operations director.\n{{ report }}').tier == 2
    assert route_task('Rewrite this sentence to sound more polite: "Send me the report by Friday."').tier == 3
    assert route_task('Rewrite the following paragraph of our terms in plain English.\n{{ text }}').tier == 2


def test_skipping_cues_whose_words_are_absent_never_changes_a_decision(monkeypatch):
    from nodes import router
    tasks = LABELLED + UNSEEN + BLIND_A + BLIND_B
    fast = [route_task(task['text'], task.get('system', '')) for task in tasks]
    from nodes import router_cues
    every_start = set().union(*(starts for cue in router._CUES.cues + router._CUES.role_cues
                                for starts in cue.starts if starts is not None))
    assert len(every_start) > 100
    monkeypatch.setattr(router_cues, 'word_starts', lambda text: every_start)  # every cue is searched
    assert fast == [route_task(task['text'], task.get('system', '')) for task in tasks]


def test_importing_the_router_stays_light():
    script = 'import sys, nodes.router; print(sorted({"litellm", "jinja2", "pydantic"} & set(sys.modules)))'
    output = subprocess.run([sys.executable, '-c', script], text=True, capture_output=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout
    assert output.strip() == '[]'


# --- confidence and "when unsure, go up" --------------------------------------------------------
TUNED = [task for task in LABELLED if not is_held_out(task)] + UNSEEN + BLIND_A + BLIND_B


@pytest.mark.parametrize('prompt', [
    # the examples: a short yes/no question that needs judgement, decided by its shape alone
    'Does this contract allow the landlord to terminate early if the tenant sublets?',
    'Was the dismissal procedurally valid under Delaware law?',
    'Is P equal to NP?',
])
def test_a_yes_no_question_with_nothing_else_to_go_on_goes_up(prompt):
    cues_only = route_task(prompt, unsure_below=0)
    assert cues_only.tier == 3 and 'yes/no question' in cues_only.reason
    decision = route_task(prompt)
    assert decision.tier == 2
    assert decision.confidence < UNSURE_BELOW
    assert decision.reason.startswith('tier 2: unsure (confidence 0.25) between tiers 3 and 2, so the stronger')
    assert 'yes/no question' in decision.reason


def test_conflicting_evidence_goes_to_the_strongest_candidate():
    # a decisive tier-3 cue ("spelling") against tier-1 evidence of nearly the same weight ("architecture")
    prompt = 'Fix the spelling in the architecture doc.\n{{ doc }}'
    cues_only = route_task(prompt, unsure_below=0)
    assert cues_only.tier == 3 and 'proofread' in cues_only.reason
    decision = route_task(prompt)
    assert decision.confidence == cues_only.confidence == 0.17  # (3.0 - 2.5) / 3.0
    assert decision.tier == 1
    assert decision.reason.startswith('tier 1: unsure (confidence 0.17) between tiers 3 and 1, so the stronger')
    # a narrow win that no other tier has a strong hint against stays: there is nothing stronger to pick
    assert route_task('Sort the risks in this register by likelihood.\n{{ register }}').tier == 3


def test_a_clear_decision_is_confident_and_says_so():
    decision = route_task('Sort these names alphabetically.\n{{ names }}')
    assert decision.tier == 3 and decision.confidence == 1.0
    assert decision.reason.endswith(f'(confidence {decision.confidence:.2f})')
    assert route_task('Does the reply mention a refund? Answer yes or no.\n{{ reply }}').confidence == 1.0


def test_confidence_is_between_0_and_1_and_going_up_never_sends_a_task_down():
    for task in TUNED + HELD_OUT:
        decision = route_task(task['text'], task.get('system', ''))
        cues_only = route_task(task['text'], task.get('system', ''), unsure_below=0)
        assert 0.0 <= decision.confidence <= 1.0
        assert decision.confidence == cues_only.confidence
        assert decision.tier <= cues_only.tier
        assert (decision.tier < cues_only.tier) == ('unsure' in decision.reason)
        assert decision.tier == cues_only.tier or decision.confidence < UNSURE_BELOW


def test_the_threshold_decides_what_goes_up():
    prompt = 'Is P equal to NP?'
    assert route_task(prompt, unsure_below=0.26).tier == 2
    assert route_task(prompt, unsure_below=0.25).tier == 3  # confidence 0.25 is not below 0.25


def test_going_up_when_unsure_costs_little_on_the_tuned_sets():
    # The tuned sets are classified almost perfectly by the cues, so every task the rule moves
    # there is a misroute up: that is the price of the rule, bounded here (measured: 26 of 1,688).
    moved = sum(route_task(task['text'], task.get('system', '')).tier
                != route_task(task['text'], task.get('system', ''), unsure_below=0).tier for task in TUNED)
    assert 0 < moved <= 0.03 * len(TUNED)
