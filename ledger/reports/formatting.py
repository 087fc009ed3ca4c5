"""How the reports write figures: every figure goes through these, so a total and its lines read alike.

Babel only, so that assembling a report (ledger.reports.annual) does not load the PDF renderer.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from ledger.domain.money import to_decimal

LOCALE = "en"


def format_amount(minor: int, currency: str) -> str:
    """An amount for a table column, grouped, with the currency's decimals, no sign: 123450 EUR -> "1,234.50"."""
    # currency_digits makes Babel use the currency's own decimals (JPY 0, KWD 3) whatever
    # the pattern says; the value is an exact Decimal, so nothing is rounded.
    return format_currency(to_decimal(minor, currency), currency, format="#,##0.00", locale=LOCALE,
                           currency_digits=True)


def format_money(minor: int, currency: str) -> str:
    """An amount with its currency sign, for running text: 123450 EUR -> "€1,234.50"."""
    return format_currency(to_decimal(minor, currency), currency, locale=LOCALE)


def format_percent(value: Decimal, decimals: int) -> str:
    """A percentage with at least `decimals` decimals and never rounded: Decimal("12.3"), 3 -> "12.300%"."""
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=LOCALE, decimal_quantization=False) + "%"


def format_quantity(value: Decimal) -> str:
    """A Decimal quantity grouped and with all its digits: Decimal("1234567.8") -> "1,234,567.8"."""
    return format_decimal(value, locale=LOCALE, decimal_quantization=False)


def decimals_of(step: Decimal) -> int:
    """How many decimals a step such as Decimal("0.001") has: 3."""
    return max(0, -step.normalize().as_tuple().exponent)
