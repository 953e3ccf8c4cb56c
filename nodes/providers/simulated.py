"""The simulated provider: deterministic replies, real token counts, real prices, no network.

It is the default when no provider key is set, and always selectable. A reply satisfies the
node's `output_schema` (worded after the task), or is plain text. Tokens are counted from the
actual prompt and reply (tiktoken), so a simulated run is priced like a real one would be.
Each call waits a per-tier latency, and a node's `simulate` config injects faults:
`fail_first: n` makes the node's first n attempts (counted across tiers) fail with `failure`
(`invalid_json`, `rate_limit`, `server_error` or `timeout`).
"""
from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections.abc import Mapping
from typing import Any

from ..tokens import count_messages, count_text
from .base import SCHEMA_INSTRUCTION, Completion, CompletionRequest, ProviderRefused, ProviderTimeout, RateLimited, \
    ServerError
from .schema_sample import SampleTooLarge, compile_sampler, task_words

DEFAULT_LATENCY_MS: dict[int, int] = {1: 1200, 2: 700, 3: 300}
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), made once
_KEPT_SAMPLERS = 1024  # compiled samplers kept per provider before they are dropped


class SimulatedProvider:
    """Replies made up from the request, deterministically.

    :param latency_ms: per-call latency, one figure for every tier or a tier -> ms mapping
        (default: 1200 / 700 / 300 ms for tiers 1 / 2 / 3); a node's `simulate.latency_ms` wins
    :param retry_after_s: the retry-after a simulated rate limit asks for (default: 0.5)
    """
    simulated = True
    default_concurrency: int | None = None

    def __init__(self, latency_ms: int | Mapping[int, int] | None = None, retry_after_s: float = 0.5) -> None:
        if latency_ms is None:
            latency_ms = DEFAULT_LATENCY_MS
        if isinstance(latency_ms, Mapping):
            self._latency_s = {tier: latency_ms.get(tier, DEFAULT_LATENCY_MS[tier]) / 1000 for tier in (1, 2, 3)}
        else:
            self._latency_s = {tier: latency_ms / 1000 for tier in (1, 2, 3)}
        self.retry_after_s = retry_after_s
        # repr(schema) -> its compiled sampler: what depends only on the schema is worked out once
        # (repr: equal for equal JSON values, key order included, which the sample follows).
        self._samplers: dict[str, Any] = {}

    def latency_s(self, request: CompletionRequest) -> float:
        simulate = request.simulate
        if simulate is not None and simulate.latency_ms is not None:
            return simulate.latency_ms / 1000
        return self._latency_s.get(request.tier, 0.0)

    async def complete(self, request: CompletionRequest) -> Completion:
        called = time.perf_counter()
        fault = self._fault(request)
        latency = self.latency_s(request)
        if fault == 'rate_limit':
            await asyncio.sleep(0)
            raise RateLimited(f'simulated rate limit on {request.model}', retry_after=self.retry_after_s)
        if fault in ('server_error', 'timeout'):
            await asyncio.sleep(latency)
            if fault == 'server_error':
                raise ServerError(f'simulated server error (HTTP 500) from {request.model}')
            raise ProviderTimeout(f'simulated timeout: {request.model} sent no reply in time')
        # The reply is made during the call's latency, as a model thinks while its caller waits:
        # the call takes `latency` in all, and the work after it (which holds up the nodes
        # downstream) stays small. It is made after one turn of the loop, so that the other calls
        # starting now start their clocks first: a model's thinking delays no other call.
        if latency:
            await asyncio.sleep(0)
        text = self.reply(request)
        if fault == 'invalid_json':
            text = _broken(text, request.output_schema is not None)
        completion = Completion(text, count_messages(request.messages), count_text(text), request.model)
        if latency:  # a call of no latency takes no time: nothing to wait for
            await asyncio.sleep(max(0.0, latency - (time.perf_counter() - called)))
        return completion

    def estimate_tokens(self, request: CompletionRequest) -> tuple[int, int]:
        fault = self._fault(request)
        if fault in ('rate_limit', 'server_error', 'timeout'):
            return count_messages(request.messages), 0
        try:
            text = self.reply(request)
        except ProviderRefused:  # the call itself will be refused, and say why
            return count_messages(request.messages), 0
        if fault == 'invalid_json':
            text = _broken(text, request.output_schema is not None)
        return count_messages(request.messages), count_text(text)

    def reply(self, request: CompletionRequest) -> str:
        """The reply this provider gives to a request that is not faulted."""
        task = _task(request.messages)
        seed = zlib.crc32(task.encode())
        schema = request.output_schema
        if schema is not None:
            key = repr(schema)
            sample = self._samplers.get(key)
            if sample is None:
                if len(self._samplers) >= _KEPT_SAMPLERS:
                    self._samplers.clear()
                try:
                    sample = self._samplers[key] = compile_sampler(schema)
                except SampleTooLarge as error:
                    raise ProviderRefused(str(error)) from None
            try:
                return _to_json(sample(task_words(task), seed))
            except SampleTooLarge as error:  # met in a part compiled only when first reached
                raise ProviderRefused(str(error)) from None
        return _prose(task, seed)

    @staticmethod
    def _fault(request: CompletionRequest) -> str | None:
        simulate = request.simulate
        if simulate is not None and request.attempt <= simulate.fail_first:
            return simulate.failure
        return None


def _task(messages: list[dict[str, str]]) -> str:
    # The first user message is the task (before any schema instruction); later ones are feedback.
    for message in messages:
        if message['role'] == 'user':
            return message['content'].split(SCHEMA_INSTRUCTION, 1)[0]
    return messages[-1]['content'] if messages else ''


def _prose(task: str, seed: int) -> str:
    words = task_words(task, limit=24)
    topic = ' '.join(words[:10])
    points = [' '.join(words[index:index + 6]) for index in range(0, min(len(words), 18), 6)]
    lines = [f'Here is the answer to "{topic}".']
    lines += [f'{number}. {point.capitalize()}: considered, with the evidence that supports it.'
              for number, point in enumerate(points, 1)]
    lines.append('In short: the points above cover the task; the second is the one to act on first.'
                 if seed % 2 else 'In short: the points above cover the task, in order of importance.')
    return '\n'.join(lines)


def _broken(text: str, structured: bool) -> str:
    """A reply a schema check refuses: chatty, truncated JSON (or an empty text reply)."""
    if not structured:
        return ''
    return 'Sure! Here is the JSON you asked for:\n' + text[:max(1, len(text) * 2 // 3)]
