"""Money as integer minor units: worked examples and properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.errors import ValidationFailed
from ledger.domain.money import convert, currency_exponent, example_amount, format_minor, parse_amount, to_decimal

# No example database: the tests must not write files into the working tree.
exhaustive = settings(database=None, deadline=None, max_examples=200)
CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "CHF", "CLF", "USD"])


def refusal(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str, str]:
    (problem,) = excinfo.value.problems
    return problem.field, problem.message


@pytest.mark.parametrize(("currency", "exponent"), [("JPY", 0), ("EUR", 2), ("KWD", 3), ("CLF", 4)])
def test_currency_exponent_follows_iso_4217(currency, exponent):
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "", None])
def test_unknown_currency_is_refused_naming_the_field(code):
    with pytest.raises(ValidationFailed) as excinfo:
        currency_exponent(code)
    field, message = refusal(excinfo)
    assert field == "currency"
    assert "ISO 4217" in message and "EUR" in message


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.50", "EUR", 123450),
        ("1234.5", "EUR", 123450),
        ("0.05", "EUR", 5),
        (" 7 ", "EUR", 700),
        ("+7", "EUR", 700),
        ("12.500", "EUR", 1250),  # a trailing zero past the cents does not change the amount
        ("150000", "JPY", 150000),
        ("1.234", "KWD", 1234),
        ("9876543210987.99", "EUR", 987654321098799),
    ],
)
def test_parse_amount_reads_minor_units(text, currency, minor):
    assert parse_amount(text, currency, "amount") == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("1.5", "JPY", "JPY has no minor unit: give a whole number, e.g. 150000"),
        ("1.234", "EUR", "EUR has 2 decimals: give at most 2, e.g. 1234.50"),
        ("1.2345", "KWD", "KWD has 3 decimals: give at most 3, e.g. 1234.500"),
    ],
)
def test_parse_amount_refuses_more_decimals_than_the_currency_has(text, currency, message):
    with pytest.raises(ValidationFailed) as excinfo:
        parse_amount(text, currency, "amount")
    assert refusal(excinfo) == ("amount", message)


@pytest.mark.parametrize("text", ["", "abc", "12,50", "1 234.50", "1e3", "NaN", "Infinity", ".5", "5.", "--5", "0x10"])
def test_parse_amount_refuses_what_is_not_a_plain_number(text):
    with pytest.raises(ValidationFailed) as excinfo:
        parse_amount(text, "EUR", "payment.amount")
    field, message = refusal(excinfo)
    assert field == "payment.amount"
    assert "e.g. 1234.50" in message


def test_parse_amount_refuses_zero_and_negative_unless_allowed():
    with pytest.raises(ValidationFailed) as zero:
        parse_amount("0.00", "EUR", "amount")
    with pytest.raises(ValidationFailed) as negative:
        parse_amount("-3", "EUR", "amount")
    with pytest.raises(ValidationFailed) as negative_with_zero_allowed:
        parse_amount("-3", "EUR", "amount", allow_zero=True)
    assert refusal(zero) == ("amount", "an amount other than zero, e.g. 1234.50")
    assert refusal(negative) == ("amount", "an amount of more than zero, e.g. 1234.50")
    assert refusal(negative_with_zero_allowed) == ("amount", "an amount of zero or more, e.g. 1234.50")
    assert parse_amount("0", "EUR", "amount", allow_zero=True) == 0
    assert parse_amount("-3.10", "EUR", "amount", allow_negative=True) == -310


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (123450, "EUR", "1234.50"),
        (5, "EUR", "0.05"),
        (-5, "EUR", "-0.05"),
        (0, "EUR", "0.00"),
        (150000, "JPY", "150000"),
        (1, "KWD", "0.001"),
        (-1234567, "KWD", "-1234.567"),
    ],
)
def test_format_minor_writes_the_exact_decimal(minor, currency, text):
    assert format_minor(minor, currency) == text


def test_to_decimal_is_exact():
    assert to_decimal(123450, "EUR") == Decimal("1234.50")
    assert str(to_decimal(1, "KWD")) == "0.001"


@pytest.mark.parametrize(
    ("minor", "source", "rate", "target", "converted"),
    [
        (10000, "USD", Decimal("0.9215"), "EUR", 9215),  # 100.00 USD -> 92.15 EUR
        (150000, "JPY", Decimal("0.0061"), "EUR", 91500),  # 150000 JPY -> 915.00 EUR
        (100000, "EUR", Decimal("0.33"), "KWD", 330000),  # 1000.00 EUR -> 330.000 KWD
        (12345, "EUR", Decimal("163.27"), "JPY", 20156),  # 123.45 EUR -> 20155.6815 JPY, rounds up
        (1, "EUR", Decimal("0.5"), "EUR", 0),  # 0.5 cent: half to even, down to 0
        (3, "EUR", Decimal("0.5"), "EUR", 2),  # 1.5 cents: half to even, up to 2
        (5, "EUR", Decimal("0.5"), "EUR", 2),  # 2.5 cents: half to even, down to 2
        (-3, "EUR", Decimal("0.5"), "EUR", -2),
    ],
)
def test_convert_rounds_half_to_even_in_the_target_minor_unit(minor, source, rate, target, converted):
    assert convert(minor, source, rate, target) == converted


@pytest.mark.parametrize("rate", [0.92, Decimal("0"), Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), "0.9", True])
def test_convert_refuses_a_rate_that_is_not_a_positive_decimal(rate):
    with pytest.raises(ValidationFailed) as excinfo:
        convert(100, "USD", rate, "EUR")
    field, message = refusal(excinfo)
    assert field == "rate"
    assert "EUR per one USD" in message


def test_convert_refuses_a_float_amount_and_unknown_currencies():
    with pytest.raises(ValidationFailed) as amount:
        convert(1.5, "USD", Decimal("1"), "EUR")
    with pytest.raises(ValidationFailed) as source:
        convert(100, "XYZ", Decimal("1"), "EUR")
    with pytest.raises(ValidationFailed) as target:
        convert(100, "EUR", Decimal("1"), "ABC")
    assert refusal(amount)[0] == "amount"
    assert refusal(source)[0] == "from_currency"
    assert refusal(target)[0] == "to_currency"


@exhaustive
@given(minor=st.integers(-(10**13 - 1), 10**13 - 1), currency=CURRENCIES)
def test_formatting_then_parsing_gives_back_the_same_minor_units(minor, currency):
    text = format_minor(minor, currency)
    assert parse_amount(text, currency, "amount", allow_zero=True, allow_negative=True) == minor
    assert to_decimal(minor, currency).scaleb(currency_exponent(currency)) == minor


@exhaustive
@given(currency=CURRENCIES)
def test_the_example_amount_is_accepted(currency):
    assert parse_amount(example_amount(currency), currency, "amount") > 0


@exhaustive
@given(
    minor=st.integers(-(10**15), 10**15),
    source=CURRENCIES,
    target=CURRENCIES,
    rate=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6),
)
def test_convert_is_the_nearest_minor_unit_with_ties_to_even(minor, source, rate, target):
    exact = Fraction(minor) * Fraction(rate) * 10 ** currency_exponent(target) / 10 ** currency_exponent(source)
    converted = convert(minor, source, rate, target)
    assert abs(converted - exact) <= Fraction(1, 2)
    if abs(converted - exact) == Fraction(1, 2):
        assert converted % 2 == 0


def test_amounts_are_bounded_well_inside_what_the_ledger_stores():
    with pytest.raises(ValidationFailed, match="below 10,000,000,000,000 EUR"):
        parse_amount("10000000000000.00", "EUR", "amount")
