"""The live provider: real model calls through `litellm.acompletion`, any provider it supports.

Keys come from the environment only (a catalog entry may name the variable holding its key);
they are never stored. litellm is imported on the first call, with its price map kept local.
Retries are the engine's job (it backs off, falls back and counts attempts), so litellm and
the SDKs under it are told not to retry; their errors are mapped to the engine's:
`RateLimited` (with the server's retry-after), `ServerError` (5xx, connection), `ProviderTimeout`,
and `ProviderRefused` for what retrying cannot fix (bad key, unknown model, bad request).
"""
from __future__ import annotations

import email.utils
import os
import time
from typing import Any

from ..tokens import count_messages, count_text
from .base import (Completion, CompletionRequest, ProviderError, ProviderRefused, ProviderTimeout, RateLimited,
                   ServerError)

# NOTE: litellm reads this at import: never fetch the price map from the network (docs/architecture.md, Providers).
os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')

DEFAULT_TIMEOUT_S = 120.0
TEXT_REPLY_ESTIMATE = 400  # tokens a text reply is assumed to take when checking a budget


def _litellm() -> Any:
    os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')  # in case it was unset since
    import litellm
    litellm.suppress_debug_info = True
    return litellm


class LiveProvider:
    """Calls models for real.

    :param timeout_s: seconds a call may take before it counts as a timeout (default: 120)
    :param default_concurrency: calls in flight per provider when the controller sets no limit (default: 8)
    """
    simulated = False

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, default_concurrency: int | None = 8) -> None:
        self.timeout_s = timeout_s
        self.default_concurrency = default_concurrency

    async def complete(self, request: CompletionRequest) -> Completion:
        litellm = _litellm()
        arguments: dict[str, Any] = {'model': request.model, 'messages': request.messages,
                                     'timeout': self.timeout_s, 'num_retries': 0, 'max_retries': 0}
        if request.temperature is not None:
            arguments['temperature'] = request.temperature
        if request.api_base:
            arguments['api_base'] = request.api_base
        key = os.environ.get(request.api_key_env) if request.api_key_env else None
        if key:
            arguments['api_key'] = key
        elif request.api_base and not request.api_key_env:
            arguments['api_key'] = 'no-key'  # a local OpenAI-compatible server needs none, the SDK wants one
        try:
            response = await litellm.acompletion(**arguments)
        except Exception as error:
            raise provider_error(error, litellm) from error
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice is not None and choice.message is not None else None) or ''
        usage = getattr(response, 'usage', None)
        input_tokens = getattr(usage, 'prompt_tokens', 0) or count_messages(request.messages)
        output_tokens = getattr(usage, 'completion_tokens', 0) or count_text(text)
        return Completion(text, input_tokens, output_tokens, request.model)

    def estimate_tokens(self, request: CompletionRequest) -> tuple[int, int]:
        """Prompt tokens counted; the reply guessed from the schema's size (or a typical text reply)."""
        if request.output_schema is None:
            return count_messages(request.messages), TEXT_REPLY_ESTIMATE
        from .simulated import SimulatedProvider
        sample = SimulatedProvider(latency_ms=0).reply(request)
        return count_messages(request.messages), 2 * count_text(sample) + 16


def provider_error(error: Exception, litellm: Any) -> ProviderError:
    """The engine's error for a litellm exception."""
    message = _message(error)
    if isinstance(error, litellm.RateLimitError):
        return RateLimited(message, retry_after=retry_after_s(error))
    if isinstance(error, litellm.Timeout):
        return ProviderTimeout(message)
    if isinstance(error, (litellm.InternalServerError, litellm.ServiceUnavailableError, litellm.APIConnectionError)):
        return ServerError(message)
    status = getattr(error, 'status_code', None)
    if status == 429:
        return RateLimited(message, retry_after=retry_after_s(error))
    if status in (408, 504):
        return ProviderTimeout(message)
    if isinstance(status, int) and status >= 500:
        return ServerError(message)
    return ProviderRefused(message)


def retry_after_s(error: Exception) -> float | None:
    """The wait a rate-limited server asked for (`retry-after-ms` or `retry-after`), in seconds."""
    headers: dict[str, str] = {}
    response = getattr(error, 'response', None)
    if response is not None and getattr(response, 'headers', None) is not None:
        headers.update({key.lower(): value for key, value in response.headers.items()})
    extra = getattr(error, 'litellm_response_headers', None)
    if extra:
        headers.update({key.lower(): value for key, value in dict(extra).items()})
    if 'retry-after-ms' in headers:
        try:
            return float(headers['retry-after-ms']) / 1000
        except ValueError:
            pass
    value = headers.get('retry-after')
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return None if when is None else max(when.timestamp() - time.time(), 0.0)


def _message(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= 300 else text[:297] + '…'
