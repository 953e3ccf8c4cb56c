"""The simulated provider: deterministic, schema-valid replies, real token counts, latency and faults."""
import asyncio
import importlib.util
import os
import time
from pathlib import Path

import pytest
import tiktoken
from jsonschema import Draft202012Validator

from nodes.kinds.agent import SimulateConfig
from nodes.providers import CompletionRequest, ProviderTimeout, RateLimited, ServerError
from nodes.providers.simulated import DEFAULT_LATENCY_MS, SimulatedProvider

SCHEMAS = {
    'flat': {'type': 'object', 'properties': {'summary': {'type': 'string'}, 'score': {'type': 'number'}},
             'required': ['summary', 'score']},
    'nested': {'type': 'object', 'properties': {
        'finding': {'type': 'object', 'properties': {'title': {'type': 'string'}, 'risk': {'type': 'integer'}},
                    'required': ['title', 'risk'], 'additionalProperties': False},
        'tags': {'type': 'array', 'items': {'type': 'string'}, 'minItems': 2, 'maxItems': 4, 'uniqueItems': True}},
        'required': ['finding', 'tags']},
    'enums_and_consts': {'type': 'object', 'properties': {
        'priority': {'enum': ['low', 'medium', 'high']}, 'kind': {'const': 'report'},
        'level': {'type': 'integer', 'enum': [1, 2, 3]}}, 'required': ['priority', 'kind', 'level']},
    'bounds': {'type': 'object', 'properties': {
        'percent': {'type': 'number', 'minimum': 0, 'maximum': 100},
        'count': {'type': 'integer', 'exclusiveMinimum': 10, 'exclusiveMaximum': 12},
        'step': {'type': 'integer', 'multipleOf': 5, 'minimum': 7},
        'code': {'type': 'string', 'minLength': 40, 'maxLength': 45},
        'short': {'type': 'string', 'maxLength': 3}}, 'required': ['percent', 'count', 'step', 'code', 'short']},
    'formats': {'type': 'object', 'properties': {
        'when': {'type': 'string', 'format': 'date'}, 'at': {'type': 'string', 'format': 'date-time'},
        'mail': {'type': 'string', 'format': 'email'}, 'link': {'type': 'string', 'format': 'uri'},
        'id': {'type': 'string', 'format': 'uuid'}}, 'required': ['when', 'at', 'mail', 'link', 'id']},
    'choices': {'type': 'object', 'properties': {
        'value': {'anyOf': [{'type': 'null'}, {'type': 'integer', 'minimum': 5}]},
        'shape': {'oneOf': [{'type': 'string', 'enum': ['circle']}, {'type': 'integer', 'minimum': 100}]},
        'maybe': {'type': ['null', 'boolean']}}, 'required': ['value', 'shape', 'maybe']},
    'refs': {'$defs': {'item': {'type': 'object', 'properties': {'name': {'type': 'string'}}, 'required': ['name']}},
             'type': 'object', 'properties': {'items': {'type': 'array', 'items': {'$ref': '#/$defs/item'},
                                                        'minItems': 1}},
             'required': ['items']},
    'all_of': {'allOf': [{'type': 'object', 'properties': {'a': {'type': 'string'}}, 'required': ['a']},
                         {'properties': {'b': {'type': 'boolean'}}, 'required': ['b']}]},
    'tuple': {'type': 'array', 'prefixItems': [{'type': 'string'}, {'type': 'integer'}], 'items': False},
    'top_level_array': {'type': 'array', 'items': {'type': 'number'}, 'minItems': 5},
    'min_properties': {'type': 'object', 'minProperties': 2, 'additionalProperties': {'type': 'string'}},
    'scalar': {'type': 'string'},
}


def request(prompt='Summarise the quarterly results of Acme Robotics', schema=None, tier=3, attempt=1, **simulate):
    return CompletionRequest('node', 'gpt-4o-mini', [{'role': 'system', 'content': 'You are an analyst.'},
                                                     {'role': 'user', 'content': prompt}], tier, attempt, schema,
                             simulate=SimulateConfig(**simulate))


def complete(provider, req):
    return asyncio.run(provider.complete(req))


@pytest.mark.parametrize('name', sorted(SCHEMAS))
def test_replies_are_valid_json_for_the_schema(name):
    import json
    completion = complete(SimulatedProvider(latency_ms=0), request(schema=SCHEMAS[name]))
    value = json.loads(completion.text)
    errors = [error.message for error in Draft202012Validator(SCHEMAS[name]).iter_errors(value)]
    assert errors == [], (value, errors)


RECURSIVE = {'$defs': {'node': {'type': 'object', 'properties': {
    'label': {'type': 'string'}, 'children': {'type': 'array', 'items': {'$ref': '#/$defs/node'}}},
    'required': ['label', 'children']}}, '$ref': '#/$defs/node'}


ODD = {'type': 'object', 'required': ['zz', 'zz'], 'minProperties': 4,
       'properties': {'extra_1': {'type': 'string'}, 'n': {'type': 'integer', 'multipleOf': 5},
                      'x': {'type': 'number'}, 'ok': True, 'any': {}, 'name': {'type': 'string', 'minLength': 30}}}


@pytest.mark.parametrize('name', sorted(SCHEMAS) + ['recursive', 'odd'])
def test_sampled_values_are_valid_for_any_task_and_seed(name):
    # The provider compiles a schema's part of a reply once; every value it then makes, whatever
    # the task and seed, must still satisfy the schema.
    from nodes.providers.schema_sample import compile_sampler, task_words
    schema = {'recursive': RECURSIVE, 'odd': ODD}.get(name) or SCHEMAS[name]
    make, validator = compile_sampler(schema), Draft202012Validator(schema)
    for task in ['Summarise the quarterly results of Acme Robotics', '', '9abc, of the',
                 'Plan steps: first, second and third things to do about it']:
        for seed in (0, 1, 2, 3, 7919):
            value = make(task_words(task), seed)
            assert [error.message for error in validator.iter_errors(value)] == [], value
            assert make(task_words(task), seed) == value  # deterministic


def test_a_deeply_recursive_schema_is_sampled_to_its_required_end():
    from nodes.providers.schema_sample import compile_sampler
    chain = {'$defs': {'link': {'type': 'object', 'properties': {'name': {'type': 'string'},
                                                                   'next': {'$ref': '#/$defs/link'}},
                                'required': ['name']}}, '$ref': '#/$defs/link'}
    value, depth = compile_sampler(chain)(['chain'], 0), 0
    while 'next' in value:
        value, depth = value['next'], depth + 1
    assert 6 <= depth <= 8 and set(value) == {'name'}


def test_replies_are_deterministic_and_worded_after_the_task():
    provider = SimulatedProvider(latency_ms=0)
    schema = SCHEMAS['nested']
    first = complete(provider, request(schema=schema))
    assert complete(provider, request(schema=schema)).text == first.text
    assert 'Acme' in first.text and 'Robotics' in first.text
    other = complete(provider, request('Plan the launch of Zephyr', schema=schema))
    assert other.text != first.text and 'Zephyr' in other.text


def test_without_a_schema_the_reply_is_plain_text_about_the_task():
    text = complete(SimulatedProvider(latency_ms=0), request()).text
    assert text.strip() and not text.lstrip().startswith(('{', '['))
    assert 'Acme Robotics' in text


def litellm_encoding():
    directory = Path(importlib.util.find_spec('litellm').origin).parent / 'litellm_core_utils' / 'tokenizers'
    os.environ.setdefault('TIKTOKEN_CACHE_DIR', str(directory))
    return tiktoken.get_encoding('o200k_base')


def test_tokens_are_counted_from_the_actual_prompt_and_reply():
    encoding = litellm_encoding()
    short = complete(SimulatedProvider(latency_ms=0), request('Format this', schema=SCHEMAS['flat']))
    long_prompt = 'Summarise this report. ' + 'The quarter closed with strong robot sales in every region. ' * 40
    long = complete(SimulatedProvider(latency_ms=0), request(long_prompt, schema=SCHEMAS['flat']))
    assert short.output_tokens == len(encoding.encode(short.text))
    expected_input = sum(len(encoding.encode(content)) for content in ('You are an analyst.', long_prompt))
    assert expected_input < long.input_tokens <= expected_input + 12  # content plus a few framing tokens a message
    assert long.input_tokens > 10 * short.input_tokens
    assert (short.input_tokens, short.output_tokens) != (10, 20)  # not litellm's fixed mock usage


def test_the_estimate_is_the_count_of_the_call_it_estimates():
    provider = SimulatedProvider(latency_ms=0)
    for schema in (None, SCHEMAS['nested']):
        completion = complete(provider, request(schema=schema))
        assert provider.estimate_tokens(request(schema=schema)) == (completion.input_tokens, completion.output_tokens)


def elapsed(provider, req) -> float:
    started = time.perf_counter()
    try:
        complete(provider, req)
    except Exception:
        pass
    return time.perf_counter() - started


def test_latency_is_per_tier_overridable_and_a_node_setting_wins():
    assert DEFAULT_LATENCY_MS[1] > DEFAULT_LATENCY_MS[2] > DEFAULT_LATENCY_MS[3]
    provider = SimulatedProvider(latency_ms={1: 300, 2: 0, 3: 0})
    assert elapsed(provider, request(tier=1)) >= 0.3
    assert elapsed(provider, request(tier=3)) < 0.25
    assert elapsed(SimulatedProvider(latency_ms=250), request(tier=3)) >= 0.25
    assert elapsed(SimulatedProvider(latency_ms=0), request(tier=3, latency_ms=250)) >= 0.25


@pytest.mark.parametrize('failure, error', [('rate_limit', RateLimited), ('server_error', ServerError),
                                            ('timeout', ProviderTimeout)])
def test_provider_faults_raise_for_the_first_attempts_only(failure, error):
    provider = SimulatedProvider(latency_ms=0, retry_after_s=0.25)
    for attempt in (1, 2):
        with pytest.raises(error) as raised:
            complete(provider, request(attempt=attempt, fail_first=2, failure=failure))
        if failure == 'rate_limit':
            assert raised.value.retry_after == 0.25
    assert complete(provider, request(attempt=3, fail_first=2, failure=failure)).text


def test_an_invalid_json_fault_returns_a_reply_that_is_not_json():
    import json
    provider = SimulatedProvider(latency_ms=0)
    broken = complete(provider, request(schema=SCHEMAS['flat'], fail_first=1, failure='invalid_json'))
    with pytest.raises(ValueError):
        json.loads(broken.text)
    assert broken.output_tokens > 0  # a bad reply is still billed
    assert complete(provider, request(fail_first=1, failure='invalid_json')).text == ''  # text node: empty
    json.loads(complete(provider, request(schema=SCHEMAS['flat'], attempt=2, fail_first=1)).text)


def test_the_provider_says_it_is_simulated():
    assert SimulatedProvider().simulated is True
