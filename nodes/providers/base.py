"""What the engine asks of a provider, what it gets back, and the errors it retries.

A provider turns one `CompletionRequest` into one `Completion`, or raises a `ProviderError`:
`RateLimited` (with the server's retry-after, if any), `ServerError` (5xx, connection
trouble) and `ProviderTimeout` are retried with back-off by the engine; `ProviderRefused`
(bad key, unknown model, bad request) is not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


# The agent step appends this to the prompt of a node with an output schema; the simulated
# provider reads the task as the text before it.
SCHEMA_INSTRUCTION = ('\n\nReply with only a JSON value (no prose, no code fence) that is valid against this '
                      'JSON Schema:\n')


@dataclass(slots=True)
class CompletionRequest:
    """One model call.

    :param node_id: the agent node making it
    :param model: a litellm model name
    :param messages: chat messages (`role`, `content`)
    :param tier: the tier the call is made at
    :param attempt: 1-based number of this attempt of the node, counted across tiers
    :param output_schema: the JSON Schema the reply must satisfy, or None for text
    :param temperature: sampling temperature, or None for the provider's default
    :param api_base: a base URL overriding the provider's
    :param api_key_env: the environment variable holding the key, when not the provider's usual one
    :param simulate: the node's `simulate` config (read by the simulated provider only)
    """
    node_id: str
    model: str
    messages: list[dict[str, str]]
    tier: int
    attempt: int = 1
    output_schema: dict[str, Any] | None = None
    temperature: float | None = None
    api_base: str | None = None
    api_key_env: str | None = None
    simulate: Any = None


@dataclass(slots=True)
class Completion:
    """A reply and the tokens billed for the call."""
    text: str
    input_tokens: int
    output_tokens: int
    model: str = ''
    raw: dict[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    """A call that produced no reply. `kind` names it in attempt records and events."""
    kind = 'provider_error'
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(ProviderError):
    kind = 'rate_limit'


class ServerError(ProviderError):
    kind = 'server_error'


class ProviderTimeout(ProviderError):
    kind = 'timeout'


class ProviderRefused(ProviderError):
    """A call that will not succeed by retrying: bad key, unknown model, malformed request."""
    kind = 'refused'
    retryable = False


@runtime_checkable
class Provider(Protocol):
    """What the mission controller calls.

    `simulated` says whether replies are made up (runs say so everywhere they are shown);
    `default_concurrency` is the per-provider limit of calls in flight when the controller is
    given none (None: unlimited).
    """
    simulated: bool
    default_concurrency: int | None

    async def complete(self, request: CompletionRequest) -> Completion:
        """The model's reply to `request`, or a `ProviderError`."""

    def estimate_tokens(self, request: CompletionRequest) -> tuple[int, int]:
        """(input tokens, expected output tokens) of `request`, to check a budget before calling."""
