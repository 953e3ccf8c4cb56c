"""The live provider over litellm's real network path, against a local OpenAI-compatible server."""
import time

import pytest
from fake_openai import FakeOpenAI

from nodes.catalog import Catalog, ModelEntry
from nodes.engine import MissionController, RetryPolicy
from nodes.plan import compile_graph
from nodes.graph import Graph
from nodes.providers import CompletionRequest, ProviderTimeout, RateLimited, ServerError
from nodes.providers.live import LiveProvider

MODEL = 'openai/local-test-model'
STEPS = {'type': 'object', 'properties': {'steps': {'type': 'array', 'items': {'type': 'string'}}},
         'required': ['steps']}


@pytest.fixture
def server():
    fake = FakeOpenAI()
    yield fake
    fake.close()


def request(server, **options) -> CompletionRequest:
    return CompletionRequest('plan', MODEL, [{'role': 'user', 'content': 'Plan the launch'}], 3,
                             api_base=server.api_base, **options)


async def test_a_reply_comes_back_with_the_servers_token_usage(server):
    server.script = [('ok', 'Here is the plan.')]
    completion = await LiveProvider(timeout_s=10).complete(request(server, temperature=0.2))
    assert (completion.text, completion.input_tokens, completion.output_tokens) == ('Here is the plan.', 42, 7)
    [sent] = server.requests
    assert sent['path'] == '/v1/chat/completions'
    assert sent['body']['model'] == 'local-test-model' and sent['body']['temperature'] == 0.2
    assert sent['body']['messages'] == [{'role': 'user', 'content': 'Plan the launch'}]


async def test_the_key_comes_from_the_named_environment_variable(server, monkeypatch):
    monkeypatch.setenv('LOCAL_TEST_KEY', 'sk-from-env')
    server.script = [('ok', 'fine')]
    await LiveProvider(timeout_s=10).complete(request(server, api_key_env='LOCAL_TEST_KEY'))
    assert server.requests[0]['authorization'] == 'Bearer sk-from-env'


async def test_a_429_is_a_rate_limit_with_the_servers_retry_after_and_no_hidden_retry(server):
    server.script = [('status', 429, {'Retry-After': '7'})]
    with pytest.raises(RateLimited) as limited:
        await LiveProvider(timeout_s=10).complete(request(server))
    assert limited.value.retry_after == 7.0
    assert len(server.requests) == 1  # litellm and the SDK did not retry behind the engine's back


async def test_a_500_is_a_server_error(server):
    server.script = [('status', 500, {})]
    with pytest.raises(ServerError):
        await LiveProvider(timeout_s=10).complete(request(server))
    assert len(server.requests) == 1


async def test_a_reply_slower_than_the_timeout_is_a_timeout(server):
    server.script = [('slow', 3.0)]
    started = time.perf_counter()
    with pytest.raises(ProviderTimeout):
        await LiveProvider(timeout_s=0.5).complete(request(server))
    assert time.perf_counter() - started < 2.5


def one_node_graph(**config) -> Graph:
    return Graph.model_validate({'name': 'live', 'nodes': [
        {'id': 'plan', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Plan the launch', **config}}], 'edges': []})


def local_catalog(server) -> Catalog:
    entry = ModelEntry(MODEL, api_base=server.api_base)
    return Catalog({1: (entry,), 2: (entry,), 3: (entry,)})


async def test_the_engine_feeds_an_invalid_json_reply_back_and_gets_a_valid_one(server):
    server.script = [('ok', 'Sure! {"steps": ["a",'), ('ok', '{"steps": ["research", "write"]}')]
    mission = MissionController(compile_graph(one_node_graph(output_schema=STEPS), local_catalog(server),
                                              LiveProvider(timeout_s=10)))
    summary = await mission.run()
    result = summary.nodes['plan']
    assert result.status == 'succeeded' and result.output == {'steps': ['research', 'write']}
    assert [attempt.error_kind for attempt in result.attempts] == ['invalid_output', None]
    feedback = server.requests[1]['body']['messages'][-1]['content']
    assert 'not valid' in feedback and 'not JSON' in feedback
    assert summary.simulated is False and summary.input_tokens == 84


async def test_the_engine_waits_out_a_429_and_retries(server):
    server.script = [('status', 429, {'Retry-After': '0.05'}), ('status', 500, {}), ('ok', 'done')]
    events = []
    mission = MissionController(compile_graph(one_node_graph(), local_catalog(server), LiveProvider(timeout_s=10)),
                                retry_policy=RetryPolicy(base_delay_s=0.01), subscribers=[events.append])
    summary = await mission.run()
    assert summary.nodes['plan'].output == 'done'
    assert [attempt.error_kind for attempt in summary.nodes['plan'].attempts] == ['rate_limit', 'server_error', None]
    delays = [event.delay_s for event in events if event.type == 'node_retrying']
    assert delays == [0.05, 0.02]  # the server's retry-after, then the doubling back-off


async def test_the_engine_gives_up_on_a_slow_model_after_its_retries(server):
    server.script = [('slow', 2.0), ('slow', 2.0)]
    mission = MissionController(compile_graph(one_node_graph(), local_catalog(server), LiveProvider(timeout_s=0.3)),
                                retry_policy=RetryPolicy(provider_retries=1, base_delay_s=0.01))
    summary = await mission.run()
    result = summary.nodes['plan']
    assert result.status == 'failed' and [a.error_kind for a in result.attempts] == ['timeout', 'timeout']
    assert 'provider failed after 2 attempts' in result.error
