"""What officials type for contributions, parsed and checked: every problem reported at once.

The rules themselves live in `contributions`; this module turns form and API text into
their exact inputs (dates, Decimals, minor units) or a list of problems naming each field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger.domain.errors import Problem, ValidationFailed, collect, raise_if_any
from ledger.domain.members import MembershipTimeline, MemberStatus, parse_date
from ledger.domain.money import MAX_MAJOR_UNITS, convert, currency_exponent, parse_amount

MAX_RATE_DECIMALS = 10
PERCENT_PLACES = 6
"""Decimals accepted in percentages and incomes (the finest scale precision is 0.000001 %)."""
MAX_INCOME = Decimal(10**18)
"""The largest income measure accepted: above any national income in any currency (Korea's
GNI is about 2.4 * 10^15 KRW), and short enough for the column that keeps it."""
MAX_RATE = Decimal(10**9)
"""The highest rate accepted, base currency per unit: far above any real one (a strong currency
against one of the weakest, e.g. KWD in IRR, is 10^5 to 10^7 by the market). The base amount
a payment converts to is bounded on its own, below MAX_MAJOR_UNITS of the base currency."""
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_year(raw: object, field: str = "year") -> int:
    """A fiscal year within the range the ledger accepts, or ValidationFailed naming `field`."""
    try:
        number = int(str(raw).strip())
    except ValueError:
        number = None
    if number is None or not FIRST_YEAR <= number <= LAST_YEAR:
        raise ValidationFailed.single(field, f"a year from {FIRST_YEAR} to {LAST_YEAR}, e.g. 2027; not {raw!r}")
    return number


MAX_ROW_ID = 2**31 - 1
"""The largest row number: ids are 32-bit integers on PostgreSQL."""


def parse_row_id(raw: object, field: str, what: str) -> int:
    """The number of a stored row (`what` it is), from 1 to MAX_ROW_ID, or ValidationFailed naming `field`."""
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
    if not 1 <= number <= MAX_ROW_ID:
        raise ValidationFailed.single(field, f"the number of {what}, from 1 to {MAX_ROW_ID}; not {str(raw)[:40]!r}")
    return number


def parse_day(raw: object, field: str, *, not_after: date | None = None, what: str = "") -> date:
    """An ISO date, no later than `not_after` when given (`what` the day is, for the message),
    or ValidationFailed naming `field`."""
    day, problems = parse_date(raw, field)
    raise_if_any(problems)
    if not_after is not None and day > not_after:
        raise ValidationFailed.single(field, f"{what + ', ' if what else ''}today ({not_after}) or earlier; not {day}")
    return day


def parse_text(raw: object, field: str, low: int, high: int, what: str) -> str:
    """Text stripped of surrounding blanks, `low` to `high` characters long; else ValidationFailed
    naming `field` with `what` is expected."""
    text = str(raw or "").strip()
    if not low <= len(text) <= high:
        raise ValidationFailed.single(field, f"{what} ({low} to {high} characters)")
    return text


def parse_decimal(
    raw: object,
    field: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    places: int | None = None,
    example: str = "12.5",
) -> tuple[Decimal | None, list[Problem]]:
    """An exact decimal number (never a float), within minimum..maximum and with at most
    `places` decimals when given, so that it fits the column that stores it."""
    text = str(raw).strip() if isinstance(raw, (str, int, Decimal)) and not isinstance(raw, bool) else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        return None, [Problem(field, f"a decimal number such as {example}; {str(raw)[:40]!r} is not one")]
    too_low = minimum is not None and value < minimum
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        if minimum is not None and maximum is not None:
            accepted = f"from {minimum} to {maximum}"
        else:
            accepted = f"of at least {minimum}" if minimum is not None else f"of at most {maximum}"
        return None, [Problem(field, f"a number {accepted}, e.g. {example}; not {text[:40]}")]
    if places is not None and -value.as_tuple().exponent > places:
        return None, [Problem(field, f"a number with at most {places} decimals, e.g. {example}; not {text[:40]}")]
    return value, []


MAX_DUE_DATES = 12
"""At most one instalment a month; the due dates are stored together in one column."""


@dataclass(frozen=True, slots=True)
class YearPlan:
    """A validated fiscal year: calendar dates and instalment due dates within it."""

    year: int
    currency: str
    starts_on: date
    ends_on: date
    due_dates: tuple[date, ...]


def validate_year(year: object, currency: str, due_dates: str | Iterable[str]) -> YearPlan:
    """A fiscal year is a calendar year with one or more instalment due dates inside it."""
    problems: list[Problem] = []
    number = collect(problems, parse_year, year)
    currency = (currency or "").strip().upper()
    collect(problems, currency_exponent, currency)
    texts = [part.strip() for part in (due_dates.split(",") if isinstance(due_dates, str) else due_dates) if part.strip()]
    dates = []
    for text in texts[:MAX_DUE_DATES]:
        day, found = parse_date(text, "due_dates")
        problems += found
        dates.append(day)
    if not texts:
        problems.append(Problem("due_dates", "one or more due dates, comma-separated, e.g. 2027-03-31, 2027-09-30"))
    elif len(texts) > MAX_DUE_DATES:
        problems.append(Problem("due_dates", f"at most {MAX_DUE_DATES} due dates, one a month at most; not {len(texts)}"))
    elif number is not None and None not in dates:
        if any(day.year != number for day in dates):
            problems.append(Problem("due_dates", f"dates within {number}, e.g. {number}-03-31"))
        if sorted(set(dates)) != dates:
            problems.append(Problem("due_dates", "dates in increasing order, each once"))
    raise_if_any(problems)
    return YearPlan(number, currency, date(number, 1, 1), date(number, 12, 31), tuple(dates))


@dataclass(frozen=True, slots=True)
class PaymentEntry:
    """A validated payment: original amount and currency, the rate used and the base amount."""

    member_code: str
    paid_on: date
    currency: str
    amount_minor: int
    rate: Decimal
    rate_date: date
    rate_source: str
    base_minor: int
    reference: str


def validate_payment(
    *,
    member_code: str,
    paid_on: object,
    currency: str,
    amount: str,
    rate: object,
    rate_date: object,
    rate_source: str,
    reference: str,
    base_currency: str,
    today: date,
) -> PaymentEntry:
    """Check every field of a payment; the base amount is converted once, here, and kept."""
    problems: list[Problem] = []
    currency = (currency or "").strip().upper()
    known_currency = collect(problems, currency_exponent, currency) is not None
    amount_minor = collect(problems, parse_amount, amount, currency, "amount") if known_currency else None
    paid = collect(problems, parse_day, paid_on, "paid_on", not_after=today, what="the day the money arrived")
    rate_value, found = parse_decimal(rate, "rate", example="0.9215")
    problems += found
    if rate_value is not None:
        if rate_value <= 0:
            problems.append(Problem("rate", f"a rate above zero: {base_currency} per one {currency or 'unit'}, e.g. 0.9215"))
        elif rate_value > MAX_RATE:
            problems.append(Problem("rate", f"a rate above zero and at most {MAX_RATE}: {base_currency} per one {currency or 'unit'}, e.g. 0.9215"))
        elif -rate_value.as_tuple().exponent > MAX_RATE_DECIMALS:
            problems.append(Problem("rate", f"at most {MAX_RATE_DECIMALS} decimals"))
        elif currency == base_currency and rate_value != 1:
            problems.append(Problem("rate", f"1 for a payment in the base currency {base_currency}"))
    rate_day = collect(problems, parse_day, rate_date, "rate_date", not_after=today, what="the date the rate was published")
    if paid is not None and rate_day is not None and rate_day > paid:
        # The rate is the one known when the money arrived (ECB reference rates are
        # published each working day for that day); a later one would re-convert history.
        problems.append(Problem("rate_date", f"the payment day ({paid}) or earlier: the rate known when the money arrived; not {rate_day}"))
    rate_source = collect(problems, parse_text, rate_source, "rate_source", 1, 120,
                          "where the rate comes from, e.g. ECB euro foreign exchange reference rate")
    reference = collect(problems, parse_text, reference, "reference", 1, 80, "the bank's reference of the transfer")
    raise_if_any(problems)
    base_minor = convert(amount_minor, currency, rate_value, base_currency)
    if base_minor >= MAX_MAJOR_UNITS * 10 ** currency_exponent(base_currency):
        raise ValidationFailed.single(
            "amount", f"an amount worth less than {MAX_MAJOR_UNITS:,} {base_currency} at the rate given; this one is worth more"
        )
    if base_minor == 0:
        raise ValidationFailed.single(
            "amount", f"an amount worth at least one minor unit of {base_currency} at the rate given; this one rounds to zero"
        )
    return PaymentEntry(
        member_code=member_code,
        paid_on=paid,
        currency=currency,
        amount_minor=amount_minor,
        rate=rate_value,
        rate_date=rate_day,
        rate_source=rate_source,
        base_minor=base_minor,
        reference=reference,
    )


def check_payer(code: str, timeline: MembershipTimeline | None, paid_on: date, owed_minor: int) -> None:
    """A payment comes from a member or associate on the day it arrived, or from one that owes
    something then: an observer that was a member, or a member that withdrew, stays liable for
    what it was assessed (CERN Convention Art. XII), so it may pay it."""
    if timeline is None:
        raise ValidationFailed.single("member", f"{code} is not a member of the ledger")
    status = timeline.status_on(paid_on)
    if status is None:
        raise ValidationFailed.single("paid_on", f"{code} joined on {timeline.joined}; a payment dated {paid_on} is before that")
    if timeline.is_paying_on(paid_on) or owed_minor > 0:
        return
    raise ValidationFailed.single(
        "member",
        f"{code} is {'an observer' if status is MemberStatus.OBSERVER else status.value} on {paid_on} and owes nothing: payments are booked "
        "from members and associates, and from others only towards what they owe",
    )


def parse_incomes(raw: Mapping[str, object], members: Iterable[str]) -> dict[str, Decimal]:
    """An income of zero or more for exactly the members the scale must cover."""
    expected = set(members)
    problems = [Problem(f"income.{code}", "give this member's income; every member and associate is on the scale") for code in sorted(expected - set(raw))]
    problems += [Problem(f"income.{code}", f"{code} is not a paying member or associate; leave it out") for code in sorted(set(raw) - expected)]
    incomes = {}
    for code in sorted(expected & set(raw)):
        value, found = parse_decimal(raw[code], f"income.{code}", minimum=Decimal(0), maximum=MAX_INCOME, places=PERCENT_PLACES,
                                     example="4512000000000")
        problems += found
        incomes[code] = value
    raise_if_any(problems)
    return incomes

