"""A Jinja sandbox bounded in time and size: the environment templates are rendered in.

Jinja's sandbox refuses escapes but, as its docs say, does not limit CPU, memory or time:
`{{ "a" * 10**9 }}` or `{{ 9**9**9 }}` would run until the process is killed. This sandbox
intercepts the operators, calls and filters that can make a huge value in one step and
refuses them before they run, bounds `range`, and checks a deadline in every intercept and
every piece of output. What it cannot see (a long loop doing nothing) is stopped from outside:
nodes/template_worker.py renders in a worker process that is killed at the deadline.
"""
from __future__ import annotations

import functools
import math
import re
import string
import threading
import time
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg

MAX_OUTPUT_CHARS = 1_000_000  # a rendered template, and any one string or list made on the way
MAX_WIDTH = 100_000  # a padding width, a repeat count, an integer argument of a filter
MAX_RANGE = 100_000
MAX_POWER_BITS = 100_000  # the size of an integer a `**` may make
RENDER_SECONDS = 2.0
# Jinja globals a template may not use: `lipsum(n)` writes n paragraphs of random text, which is
# neither bounded nor reproducible (a cached run would differ from a fresh one).
REFUSED_GLOBALS = frozenset({'lipsum'})


class TemplateLimitError(SecurityError):
    """A template that would exceed a bound; the message names the bound."""


_clock = threading.local()


def start_clock(seconds: float = RENDER_SECONDS) -> None:
    """Start the current thread's render deadline."""
    _clock.deadline = time.monotonic() + seconds
    _clock.seconds = seconds


def stop_clock() -> None:
    """End the current thread's render deadline (lookups outside a render are not timed)."""
    _clock.deadline = None


def check_clock() -> None:
    """Raise `TemplateLimitError` if the current render is past its deadline."""
    deadline = getattr(_clock, 'deadline', None)
    if deadline is not None and time.monotonic() > deadline:
        raise TemplateLimitError(f'the template took longer than {_clock.seconds:g} s to render '
                                 '(a loop or a filter over too much data?)')


def check_size(value: Any, what: str) -> Any:
    """`value`, unless it is a string or list longer than `MAX_OUTPUT_CHARS`."""
    if isinstance(value, (str, list, tuple)):
        _check_length(len(value), what)
    return value


def _check_length(length: int, what: str) -> None:
    if length > MAX_OUTPUT_CHARS:
        raise TemplateLimitError(f'{what} would make {length:,} items or characters; '
                                 f'templates are limited to {MAX_OUTPUT_CHARS:,}')


def _check_count(number: Any, what: str) -> None:
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_WIDTH:
        raise TemplateLimitError(f'{what} {number} is too large; templates are limited to {MAX_WIDTH:,}')


_PERCENT_SPEC = re.compile(r'%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?')


def _check_percent_format(text: str) -> None:
    for width, precision in _PERCENT_SPEC.findall(text):
        for number in (width, precision):
            if number == '*':
                raise TemplateLimitError('a "*" width in a % format is not allowed in templates')
            if number:
                _check_count(int(number), 'the % format width')


def _check_brace_format(text: str) -> None:
    for _, field, spec, _ in string.Formatter().parse(text):
        if spec and '{' in spec:
            raise TemplateLimitError('a nested {} width in a format string is not allowed in templates')
        for number in re.findall(r'\d+', spec or ''):
            _check_count(int(number), 'the format width')


def _power_bits(left: Any, right: Any) -> float:
    if isinstance(left, bool) or isinstance(right, bool):
        return 0
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        return right * math.log2(abs(left))
    return 0


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with its size-making operators, calls and filters bounded."""

    intercepted_binops = frozenset({'*', '**', '%', '+'})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in REFUSED_GLOBALS:
            self.globals.pop(name, None)
        self.globals['range'] = bounded_range
        self.filters = {name: _bounded_filter(name, function) for name, function in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_clock()
        if operator == '**':
            bits = _power_bits(left, right)
            if bits > MAX_POWER_BITS:
                raise TemplateLimitError(f'{left} ** {right} would be a number of about {bits / 3.32:,.0f} digits; '
                                         'too large for a template')
        elif operator == '*':
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int):
                    _check_count(count, 'the repeat count')
                    _check_length(len(sequence) * max(count, 0), 'repeating it')
        elif operator == '%' and isinstance(left, str):
            _check_percent_format(left)
        elif operator == '+' and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _check_length(len(left) + len(right), 'joining them')
        return check_size(super().call_binop(context, operator, left, right), f'"{operator}"')

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        check_clock()
        owner = getattr(__obj, '__self__', None)
        if isinstance(owner, (str, list, tuple, dict)):
            name = getattr(__obj, '__name__', 'method')
            for argument in (*args, *kwargs.values()):
                _check_count(argument, f'the argument of {name}()')
        return check_size(super().call(__context, __obj, *args, **kwargs), 'the call')

    def wrap_str_format(self, value: Any) -> Any:
        # `"{:>99999999}".format(x)`: the widths are checked when the method is looked up.
        owner = getattr(value, '__self__', None)
        if isinstance(owner, str) and getattr(value, '__name__', None) in ('format', 'format_map'):
            _check_brace_format(owner)
        return super().wrap_str_format(value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_clock()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_clock()
        return super().getitem(obj, argument)


def bounded_range(*args: int) -> Any:
    """`range`, at most `MAX_RANGE` items, checking the deadline as a loop walks it."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimitError(f'range of {len(numbers):,} numbers is too large; templates are limited '
                                 f'to {MAX_RANGE:,}')
    return _timed(numbers)


def _timed(numbers: range) -> Any:
    for index, number in enumerate(numbers):
        if index % 256 == 0:
            check_clock()
        yield number


def _bounded_filter(name: str, function: Any) -> Any:
    # A filter marked pass_context (or eval_context, environment) gets that first, then its value.
    value_index = 0 if _PassArg.from_obj(function) is None else 1

    @functools.wraps(function)  # keeps Jinja's pass_context/pass_eval_context marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        check_clock()
        for argument in (*args[value_index + 1:], *kwargs.values()):
            _check_count(argument, f'the argument of the "{name}" filter:')
        if name == 'format' and len(args) > value_index and isinstance(args[value_index], str):
            _check_percent_format(args[value_index])
        return check_size(function(*args, **kwargs), f'the "{name}" filter')
    return bounded
