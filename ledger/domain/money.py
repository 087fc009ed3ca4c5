"""Money as integer minor units of an ISO 4217 currency: parsing, formatting, conversion.

An amount is an ``int`` counting the currency's minor unit (cents for EUR, yen for JPY,
fils for KWD). Arithmetic on ints is exact, so sums never drift; ``float`` never appears.
The number of decimals of each currency comes from Babel (CLDR), which follows ISO 4217
for almost every code (it differs on a few, e.g. IQD, where CLDR uses 0 decimals).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

from ledger.domain.errors import ValidationFailed

# A bound well inside the 64-bit columns that store minor units: ten trillion in major units.
MAX_MAJOR_UNITS = 10**13
_AMOUNT = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]+)(?:\.(?P<decimals>[0-9]+))?")


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def _checked_currency(currency: str, field: str) -> str:
    if not isinstance(currency, str) or currency not in _currency_codes():
        raise ValidationFailed.single(
            field, f"an ISO 4217 currency code in capitals, e.g. EUR, JPY or KWD; {currency!r} is not one"
        )
    return currency


def currency_exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit: JPY 0, EUR 2, KWD 3."""
    return get_currency_precision(_checked_currency(currency, "currency"))


def example_amount(currency: str) -> str:
    """A sample amount written the way `parse_amount` accepts it, for help texts."""
    exponent = currency_exponent(currency)
    if exponent == 0:
        return "150000"
    return "1234." + "50".ljust(exponent, "0")[:exponent]


def parse_amount(
    text: str, currency: str, field: str, *, allow_zero: bool = False, allow_negative: bool = False
) -> int:
    """Read a decimal amount such as "1234.50" into minor units of the currency."""
    exponent = currency_exponent(currency)
    example = example_amount(currency)
    match = _AMOUNT.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValidationFailed.single(
            field,
            f"a number with a dot before the decimals and no thousands separators, e.g. {example}; "
            f"{str(text)[:40]!r} is not one",
        )
    decimals = match["decimals"] or ""
    # Trailing zeros past the minor unit do not change the amount, so "12.50" and "12.500"
    # are both exact EUR amounts; only a non-zero digit there would need rounding.
    if decimals[exponent:].strip("0"):
        if exponent == 0:
            message = f"{currency} has no minor unit: give a whole number, e.g. {example}"
        else:
            message = f"{currency} has {exponent} decimals: give at most {exponent}, e.g. {example}"
        raise ValidationFailed.single(field, message)
    if int(match["whole"]) >= MAX_MAJOR_UNITS:
        raise ValidationFailed.single(field, f"an amount below {MAX_MAJOR_UNITS:,} {currency}; {str(text)[:40]!r} is more")
    magnitude = int(match["whole"]) * 10**exponent + int(decimals[:exponent].ljust(exponent, "0") or "0")
    minor = -magnitude if match["sign"] == "-" else magnitude
    if minor < 0 and not allow_negative:
        accepted = "zero or more" if allow_zero else "more than zero"
        raise ValidationFailed.single(field, f"an amount of {accepted}, e.g. {example}")
    if minor == 0 and not allow_zero:
        raise ValidationFailed.single(field, f"an amount other than zero, e.g. {example}")
    return minor


def format_minor(minor: int, currency: str) -> str:
    """Exact decimal text of an amount in minor units: 123450 EUR -> "1234.50"."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise ValidationFailed.single("amount", f"a whole number of minor units, e.g. 123450; not {minor!r}")
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**exponent)
    if exponent == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{exponent}d}"


def to_decimal(minor: int, currency: str) -> Decimal:
    """The amount as an exact Decimal in major units: 123450 EUR -> Decimal("1234.50")."""
    return Decimal(format_minor(minor, currency))


def convert(minor: int, from_currency: str, rate: Decimal, to_currency: str) -> int:
    """Convert minor units at `rate` (units of to_currency per unit of from_currency), rounding half to even."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise ValidationFailed.single("amount", f"a whole number of minor units, e.g. 123450; not {minor!r}")
    from_exponent = currency_exponent(_checked_currency(from_currency, "from_currency"))
    to_exponent = currency_exponent(_checked_currency(to_currency, "to_currency"))
    if isinstance(rate, bool) or not isinstance(rate, (Decimal, int)) or not Decimal(rate).is_finite() or rate <= 0:
        raise ValidationFailed.single(
            "rate",
            f"a positive Decimal: {to_currency} per one {from_currency}, e.g. Decimal(\"0.9215\"); not {rate!r}",
        )
    exact = Fraction(minor) * Fraction(rate) * Fraction(10**to_exponent, 10**from_exponent)
    # round() on a Fraction rounds half to even (banker's rounding), so no bias builds up
    # over many conversions.
    return round(exact)
