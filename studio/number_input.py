"""A number field that shows its value as a plain decimal: a remembered budget of $0.000001 reads
`0.000001`, never `1e-06` (NiceGUI's ui.number shows Python's repr of a float)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from nicegui import ui


def plain_decimal(value: float) -> str:
    """`1e-06` → `0.000001`, `100.0` → `100`, `2.5` → `2.5`: as short as repr, without an exponent."""
    text = format(Decimal(repr(float(value))), 'f')
    return text.rstrip('0').rstrip('.') if '.' in text else text


class DecimalNumber(ui.number):
    """`ui.number` whose field never shows an exponent (a `format`, when given, still wins)."""

    def _value_to_model_value(self, value: Any) -> Any:
        if value is None or self.format is not None:
            return super()._value_to_model_value(value)
        return plain_decimal(value)
