"""How figures are written: money, percentages, quantities and GPU-hours, the one place for each format.

The reports, the officials' pages (ledger.web, through the templates' helpers) and the
dashboards write figures through these, so a total and its lines, and the same figure on
two pages, read alike. Tables print figures in full with their grouping (`format_money`,
`format_gpu_hours`); headline cards print them compact (`format_compact_money`: "€3.9B",
"3,9 Md €"). Downloads (CSV, JSON) never go through here: they keep the exact machine values.
Babel only (and ledger.domain), so that assembling a report (ledger.reports.annual) does not
load the PDF renderer. Each function takes a locale ("en", "fr"): grouping, decimal mark and
the percent sign follow the language, as Babel's CLDR data writes them.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_compact_currency, format_compact_decimal, format_currency, format_decimal

from ledger.domain.compute import gpu_hours
from ledger.domain.money import to_decimal

LOCALE = "en"
MISSING = "\u2014"
"""What a table shows where a figure has no value (a budget not set, a ratio of nothing): an em dash."""
_PERCENT_SIGN = {"fr": "\u202f%"}  # French sets the sign apart with a narrow no-break space


def format_amount(minor: int | None, currency: str, locale: str = LOCALE) -> str:
    """An amount for a table column, grouped, with the currency's decimals, no sign: 123450 EUR -> "1,234.50"; None -> MISSING."""
    if minor is None:
        return MISSING
    # currency_digits makes Babel use the currency's own decimals (JPY 0, KWD 3) whatever
    # the pattern says; the value is an exact Decimal, so nothing is rounded.
    return format_currency(to_decimal(minor, currency), currency, format="#,##0.00", locale=locale,
                           currency_digits=True)


def format_money(minor: int, currency: str, locale: str = LOCALE) -> str:
    """An amount with its currency sign, for running text: 123450 EUR -> "€1,234.50" ("1 234,50 €" in French)."""
    return format_currency(to_decimal(minor, currency), currency, locale=locale)


def format_percent(value: Decimal, decimals: int, locale: str = LOCALE) -> str:
    """A percentage with at least `decimals` decimals and never rounded: Decimal("12.3"), 3 -> "12.300%"."""
    return format_fixed(value, decimals, locale) + _PERCENT_SIGN.get(locale, "%")


def format_compact_money(minor: int, currency: str, locale: str = LOCALE) -> str:
    """An amount for a headline card, to two significant figures in CLDR's short form: 3900000000_00 EUR -> "€3.9B" ("3,9 Md €")."""
    return format_compact_currency(to_decimal(minor, currency), currency, locale=locale, fraction_digits=1)


def format_compact_quantity(value: Decimal | int, locale: str = LOCALE) -> str:
    """A count for a headline card in CLDR's short form: 876000000 -> "876M" ("876 M")."""
    return format_compact_decimal(value, locale=locale, fraction_digits=1)


def format_gpu_ms(ms: int, locale: str = LOCALE) -> str:
    """Reference GPU-milliseconds (as the ledger keeps them) as GPU-hours to the thousandth the ledger publishes: 4_500_000_000 -> "1,250.000"."""
    return format_gpu_hours(gpu_hours(ms), locale)


def format_rounded_percent(value: Decimal, decimals: int, locale: str = LOCALE) -> str:
    """A percentage rounded half up to `decimals`, for figures whose last digits do not matter: Decimal("0.2549"), 2 -> "0.25%"."""
    return format_percent(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), decimals, locale)


def format_quantity(value: Decimal | int, locale: str = LOCALE) -> str:
    """A Decimal quantity grouped and with all its digits: Decimal("1234567.8") -> "1,234,567.8"."""
    return format_decimal(value, locale=locale, decimal_quantization=False)


def format_fixed(value: Decimal | int, decimals: int, locale: str = LOCALE) -> str:
    """A quantity grouped with at least `decimals` decimals, never rounded: Decimal("2.5"), 3 -> "2.500"."""
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=locale, decimal_quantization=False)


def format_rounded(value: Decimal | None, decimals: int, locale: str = LOCALE) -> str:
    """A share or ratio grouped and rounded half-even to `decimals`: Decimal("12.34567"), 3 -> "12.346"; None -> MISSING."""
    if value is None:
        return MISSING
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=locale)


def format_gpu_hours(value: Decimal | int, locale: str = LOCALE) -> str:
    """GPU-hours grouped, with the decimals they carry (whole hours, or thousandths from GPU-milliseconds): Decimal("1234.500") -> "1,234.500"."""
    decimals = max(0, -value.as_tuple().exponent) if isinstance(value, Decimal) else 0
    return format_fixed(value, decimals, locale)


def format_day(day: date, locale: str = LOCALE) -> str:
    """A date for running text: 2025-03-13 -> "13 March 2025" ("13 mars 2025")."""
    return format_date(day, format="d MMMM y", locale=locale)


def decimals_of(step: Decimal) -> int:
    """How many decimals a step such as Decimal("0.001") has: 3."""
    return max(0, -step.normalize().as_tuple().exponent)
