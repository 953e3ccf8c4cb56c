"""The bounded sandbox: resource bombs are refused at once with a message naming the bound."""
import time

import pytest

from nodes.templates import TemplateError, render
from nodes.validation import check_text
from nodes.template_limits import RENDER_SECONDS


@pytest.mark.parametrize('source, message', [
    ('{{ "a" * 10**8 }}', 'the repeat count 100000000 is too large'),
    ('{{ [1, 2] * 10**8 }}', 'the repeat count 100000000 is too large'),
    ('{{ ("a" * 99999) * 99 }}', 'repeating it would make 9,899,901'),
    ('{{ 9 ** 999999 }}', 'would be a number of about 954,796 digits'),
    ('{{ 2 ** 2 ** 2 ** 2 ** 2 ** 2 ** 2 }}', None),  # Jinja's ** is left-associative: (((2**2)**2)…) is small
    ('{{ "%99999999s" % "x" }}', 'the % format width 99999999 is too large'),
    ('{{ "%*s" % (99999999, "x") }}', 'a "*" width in a % format is not allowed'),
    ('{{ "{:>99999999}".format("x") }}', 'the format width 99999999 is too large'),
    ('{{ "{:>{w}}".format("x", w=99999999) }}', 'a nested {} width'),
    ('{{ "x".center(10**9) }}', 'the argument of center() 1000000000 is too large'),
    ('{{ "x".ljust(10**9) }}', 'the argument of ljust() 1000000000 is too large'),
    ('{{ "x"|center(999999999) }}', 'the argument of the "center" filter: 999999999 is too large'),
    ('{{ "x"|indent(999999999, true) }}', 'the argument of the "indent" filter: 999999999 is too large'),
    ('{{ "%99999999s"|format("x") }}', 'the % format width 99999999 is too large'),
    ('{{ [1]|batch(999999999, "x")|list }}', 'the argument of the "batch" filter: 999999999 is too large'),
    ('{{ range(1000)|list|join("a" * 5000) }}', 'the "join" filter would make'),
    ('{% for i in range(10**9) %}x{% endfor %}', 'range of 1,000,000,000 numbers is too large'),
    ('{% for i in range(99999) %}{{ "y" * 99 }}{% endfor %}', 'longer than 1,000,000 characters'),
])
def test_a_bomb_is_refused_at_once_with_the_bound_it_breaks(source, message):
    started = time.monotonic()
    if message is None:
        assert render(source, {}) == str(2 ** 64)
        return
    with pytest.raises(TemplateError) as caught:
        render(source, {})
    assert message in str(caught.value)
    assert time.monotonic() - started < 1.5


def test_a_loop_that_makes_nothing_is_stopped_at_the_deadline():
    started = time.monotonic()
    with pytest.raises(TemplateError, match=f'took longer than {RENDER_SECONDS:g} s'):
        render('{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}', {})
    assert time.monotonic() - started < RENDER_SECONDS + 1


def test_the_safe_builtins_work_and_ordinary_templates_are_untouched():
    source = ('{{ range(3)|list }} {{ dict(a=1) }} {% set c = cycler("x", "y") %}{{ c.next() }}{{ c.next() }} '
              '{% set j = joiner("+") %}{% for n in [1, 2] %}{{ j() }}{{ n }}{% endfor %} '
              '{% set ns = namespace(total=0) %}{% for n in plan.steps %}{% set ns.total = ns.total + 1 %}{% endfor %}'
              '{{ ns.total }} {{ "%5s|" % "ab" }} {{ "{:>4}".format(7) }} {{ "ab" * 3 }} {{ 2 ** 10 }}')
    assert render(source, {'plan': {'steps': ['a', 'b']}}) == \
        '[0, 1, 2] {"a": 1} xy 1+2 2    ab|    7 ababab 1024'


def graph_with_prompt(prompt: str) -> str:
    return ('{"format": "swarm-studio.graph", "version": 1, "name": "t", "nodes": [{"id": "a", "kind": "agent", '
            f'"config": {{"prompt": "{prompt}"}}}}], "edges": []}}')


def test_lipsum_is_refused_at_validation_and_the_safe_builtins_pass():
    [problem] = check_text(graph_with_prompt('{{ lipsum(3) }}'))
    assert problem.code == 'template_refused_name'
    assert 'prompt uses Jinja\'s \\"lipsum\\"'.replace('\\', '') in problem.message
    assert check_text(graph_with_prompt('{{ range(2)|list }} {{ dict(a=1) }} {{ namespace(a=1).a }} '
                                        '{{ cycler(1).next() }} {{ joiner()() }}')) == []
