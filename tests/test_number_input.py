from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from studio.number_input import DecimalNumber, plain_decimal


@pytest.mark.parametrize(('value', 'shown'), [(1e-06, '0.000001'), (1e-07, '0.0000001'), (100.0, '100'),
                                              (2.5, '2.5'), (0.1, '0.1'), (0.0, '0'), (12345678.25, '12345678.25')])
def test_a_value_is_shown_as_a_plain_decimal(value, shown):
    assert plain_decimal(value) == shown


async def test_the_field_shows_a_tiny_budget_without_an_exponent(user: User):
    @ui.page('/')
    def page():
        DecimalNumber('Budget', value=1e-06).mark('budget')

    await user.open('/')
    field = user.find(marker='budget').elements.pop()
    assert field.props['model-value'] == '0.000001'
    field.value = 0.25
    assert field.props['model-value'] == '0.25'
