"""The agent node's run step: render, call, check, retry with feedback, escalate.

1. Render the system and prompt templates over the outputs of the upstream nodes they name.
2. Start at the tier and models of the node's route (compiled by nodes/plan.py: `auto` asked
   the router, from the node's task as written; the `model` override replaces the starting
   tier's models).
3. Call the provider. Provider errors (rate limit, 5xx, timeout) back off and retry the same
   model up to the controller's `RetryPolicy.provider_retries`, then fall back to the tier's
   next model; a refused call (bad key, unknown model) falls back at once.
4. With an `output_schema`, the reply must be JSON valid against it; an invalid reply goes
   back to the model as feedback, up to `max_retries` times; then the node escalates one tier
   up (3 -> 2 -> 1) with a fresh conversation and the same retries; after tier 1 it fails.
   Without a schema the reply is the output, unless it is empty.

Every call is an `Attempt`, numbered across tiers, recorded through the step (the run prices
and emits it). The step sees only its `StepContext` (kinds/spec.py).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..catalog import ModelEntry
from ..events import Attempt
from ..providers.base import SCHEMA_INSTRUCTION, CompletionRequest, ProviderError
from ..template_worker import render_contained
from ..templates import TemplateError, referenced_names
from .spec import StepFailed

if TYPE_CHECKING:
    from .spec import StepContext

FEEDBACK = ('Your reply was not valid: {error}\nReply again with only the JSON value, valid against the schema.')
EMPTY_FEEDBACK = 'Your reply was empty. Reply again with the answer.'


async def run_agent(step: StepContext) -> Any:
    """Produce an agent node's output (see the module docstring for the steps)."""
    config = step.config
    try:
        context = step.read(_template_names(config.system, config.prompt))
        system = await render_contained(config.system, context) if config.system else ''
        prompt = await render_contained(config.prompt, context)
    except TemplateError as error:
        raise StepFailed(f'its prompt could not be rendered: {error}') from None

    route = step.route
    first_tier = route.tier
    schema = config.output_schema
    if schema is not None:
        schema_text, validator = step.schema_support(schema)
        user = prompt + SCHEMA_INSTRUCTION + schema_text
    else:
        validator, user = None, prompt
    base_messages = ([{'role': 'system', 'content': system}] if system else []) + [{'role': 'user', 'content': user}]

    last_error = ''
    for tier in range(first_tier, 0, -1):
        models = route.models[tier]
        if not models:
            raise StepFailed(f'tier {tier} has no model in the catalog')
        if tier == first_tier:
            step.started(tier, models[0].model, route.reason)
        else:
            step.escalated(tier + 1, tier, models[0].model, last_error)
        messages = list(base_messages)
        for output_try in range(config.max_retries + 1):
            attempt = await _call(step, models, tier, messages, schema)
            output, error = _check(attempt.reply, schema, validator)
            attempt.output, attempt.error = output, error
            attempt.error_kind = 'invalid_output' if error else None
            step.record(attempt)
            if error is None:
                return output
            last_error = error
            if output_try < config.max_retries:
                step.retrying(tier, attempt.model, 'invalid_output', error)
                feedback = FEEDBACK.format(error=error) if schema is not None else EMPTY_FEEDBACK
                messages = [*messages, {'role': 'assistant', 'content': attempt.reply or ''},
                            {'role': 'user', 'content': feedback}]
    raise StepFailed(f'no valid reply after {_attempts(step.attempts)}, up to tier 1: {last_error}')


async def _call(step: StepContext, models: tuple[ModelEntry, ...], tier: int, messages: list[dict[str, str]],
                schema: dict | None) -> Attempt:
    """One successful provider call as an unchecked attempt; provider errors are retried here."""
    policy = step.retry_policy
    config = step.config
    last: ProviderError | None = None
    for index, entry in enumerate(models):
        if index:
            step.retrying(tier, entry.model, last.kind, f'{last} — falling back to {entry.model}')
        for retry in range(policy.provider_retries + 1):
            request = CompletionRequest(step.node_id, entry.model, messages, tier, step.attempts + 1, schema,
                                        config.temperature, entry.api_base, entry.api_key_env, config.simulate)
            started = step.clock()
            try:
                completion = await step.complete(entry, request)
            except ProviderError as error:
                attempt = Attempt(step.node_id, request.attempt, tier, entry.model, messages, error=str(error),
                                  error_kind=error.kind, latency_s=step.clock() - started)
                step.record(attempt)
                last = error
                if not error.retryable:
                    break
                if retry < policy.provider_retries:
                    delay = policy.delay_s(retry, error.retry_after)
                    step.retrying(tier, entry.model, error.kind, str(error), delay)
                    await step.sleep(delay)
                continue
            return Attempt(step.node_id, request.attempt, tier, completion.model or entry.model, messages,
                           reply=completion.text, input_tokens=completion.input_tokens,
                           output_tokens=completion.output_tokens, latency_s=step.clock() - started)
    raise StepFailed(f'the provider failed after {_attempts(step.attempts)} at tier {tier}: {last}')


def _check(reply: str | None, schema: dict | None, validator: Any) -> tuple[Any, str | None]:
    """(output, None) for a valid reply, else (None, why it is not valid)."""
    if schema is None:
        return (reply, None) if reply and reply.strip() else (None, 'the reply was empty')
    text = _unfenced(reply or '')
    try:
        value = json.loads(text)
    except ValueError as error:
        detail = f'{error.msg} at line {error.lineno}, column {error.colno}' if hasattr(error, 'msg') else str(error)
        return None, f'the reply is not JSON ({detail})'
    if validator.is_valid(value):
        return value, None
    where, message = validator.explain(value)
    return None, f'the JSON does not match the schema{f" at {where}" if where else ""}: {message}'


def _attempts(count: int) -> str:
    return f'{count} attempt' if count == 1 else f'{count} attempts'


def _unfenced(text: str) -> str:
    # Models often wrap JSON in a markdown fence even when told not to; that is not an error.
    text = text.strip()
    if text.startswith('```'):
        first_newline = text.find('\n')
        if first_newline != -1 and text.endswith('```'):
            return text[first_newline + 1:-3].strip()
    return text


def _template_names(*sources: str) -> frozenset[str]:
    names: frozenset[str] = frozenset()
    for source in sources:
        if source:
            names = names | referenced_names(source)
    return names
