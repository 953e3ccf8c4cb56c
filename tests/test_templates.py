"""Templates: upstream outputs rendered into prompts, the same text whichever way a template is rendered."""
import re

import pytest
from hypothesis import given, settings, strategies as st

from nodes.templates import TemplateError, referenced_names, render, render_with_jinja


def test_lists_and_objects_render_as_json_and_text_as_itself():
    context = {'plan': {'steps': ['a', 'b'], 'title': 'Q3 – plan'}, 'brief': {'topic': 'bikes'}}
    assert render('{{ plan.steps }} / {{ plan["title"] }} / {{ brief.topic }}', context) == \
        '["a", "b"] / Q3 – plan / bikes'
    assert render('{% for step in plan.steps %}{{ step }};{% endfor %}', context) == 'a;b;'


def test_a_missing_value_or_a_refused_lookup_is_a_template_error():
    with pytest.raises(TemplateError, match='undefined value'):
        render('{{ plan.nothing }}', {'plan': {}})
    with pytest.raises(TemplateError, match='sandbox'):
        render('{{ plan.clear() }}', {'plan': {}})


def test_a_template_names_the_nodes_it_reads():
    assert referenced_names('{{ plan.steps }} and {{ brief }}') == {'plan', 'brief'}
    assert referenced_names('{% for x in plan %}{{ x }}{% endfor %}') == {'plan'}


names = st.sampled_from(['a', 'b', 'plan', 'items', 'range'])
keys = st.one_of(st.sampled_from(['x', 'items', 'steps', 'upper', 'zz']).map(lambda key: f'.{key}'),
                 st.integers(0, 3).map(lambda index: f'[{index}]'))
texts = st.text(alphabet=st.sampled_from(list('ab \n\r{}%#-.')), max_size=12)
values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5)),
                      lambda inner: st.one_of(st.lists(inner, max_size=3),
                                              st.dictionaries(st.sampled_from(['x', 'steps', 'items']), inner,
                                                              max_size=3)), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(texts, st.tuples(names, st.lists(keys, max_size=3), st.sampled_from([' ', '', '  ']))),
                max_size=5), st.dictionaries(names, values, max_size=4))
def test_rendering_matches_jinja(parts, context):
    source = ''.join(part if isinstance(part, str) else f'{{{{{part[2]}{part[0]}{"".join(part[1])}{part[2]}}}}}'
                     for part in parts)

    def outcome(function):
        try:
            return function(source, dict(context))
        except TemplateError as error:
            return ('error', str(error))

    def without_addresses(result):  # a function's repr names its address
        return re.sub(r' at 0x[0-9a-f]+', '', result) if isinstance(result, str) else result

    assert without_addresses(outcome(render)) == without_addresses(outcome(render_with_jinja))
