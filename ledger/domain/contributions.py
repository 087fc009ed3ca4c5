"""Contribution rules: the scale, assessments, in-kind, and standing from the arrears figures.

Long because the scale, the assessments (pro rata, instalments), in kind and standing are
one chain of rules over the same records and rounding (largest remainder); each is short.

Settlement (which payment settles which instalment) and the arrears figures are computed
in SQL by `ledger.queries.contributions`, the one implementation of those rules; the
standing rule here judges the figures it returns.

Pure functions over immutable records. Shares are ``Decimal`` percentages; amounts are
``int`` minor units of the base currency; exact intermediate values are ``Fraction``.
Wherever a whole must be split into rounded parts, the largest remainder method is used,
so the parts always add up to the whole, and ties are decided by a stated order (member
code, or instalment number), so the same input always gives the same output.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import TypeVar

from ledger.domain.apportion import apportion
from ledger.domain.errors import Conflict, NotFound, Problem, ValidationFailed, raise_if_any
from ledger.domain.members import is_member_code
from ledger.domain.money import format_minor

_HUNDRED = Fraction(100)
_Key = TypeVar("_Key", bound=Hashable)


def _largest_remainder(total: int, weights: Sequence[tuple[_Key, Fraction]]) -> dict[_Key, int]:
    """`apportion` by key: `total` units in proportion to the weights; ties go to the earlier key."""
    return dict(zip((key for key, _ in weights), apportion(total, [weight for _, weight in weights])))


def _is_exact_number(value: object) -> bool:
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool) and Decimal(value).is_finite()


def _member_code_problems(codes: Sequence[object], field: str) -> list[Problem]:
    return [
        Problem(field, f"ISO 3166-1 alpha-3 member codes in capitals, e.g. DEU; {code!r} is not one")
        for code in codes
        if not is_member_code(code)
    ]


def _minor_amount_problems(value: object, field: str, *, positive: bool = False) -> list[Problem]:
    if isinstance(value, int) and not isinstance(value, bool) and (value > 0 if positive else value >= 0):
        return []
    accepted = "more than zero" if positive else "zero or more"
    return [Problem(field, f"a whole number of minor units, {accepted}, e.g. 123450; not {value!r}")]


# --------------------------------------------------------------------------- scale


class Bound(StrEnum):
    """Whether a member's share was fixed by the ceiling, by the floor, or is free."""

    FREE = "free"
    CEILING = "ceiling"
    FLOOR = "floor"


@dataclass(frozen=True, slots=True)
class MemberShare:
    """One member's line of a scale.

    member: ISO 3166-1 alpha-3 code.
    income: the income measure given as input.
    exact_share: the share in percent before rounding, exact.
    share: the share in percent, rounded to the scale's precision.
    bound: whether the ceiling or the floor fixed the share.
    """

    member: str
    income: Decimal
    exact_share: Fraction
    share: Decimal
    bound: Bound


@dataclass(frozen=True, slots=True)
class Scale:
    """A scale of contributions with the parameters and inputs it was computed from.

    ceiling, floor: the limits in percent, or None when there is none.
    precision: the step the shares are rounded to, in percent (e.g. 0.001).
    members: one line per member, ordered by member code; the shares sum to exactly 100.
    """

    ceiling: Decimal | None
    floor: Decimal | None
    precision: Decimal
    members: tuple[MemberShare, ...]

    @property
    def incomes(self) -> tuple[tuple[str, Decimal], ...]:
        """The input incomes as (member, income) pairs, by member code."""
        return tuple((line.member, line.income) for line in self.members)

    @property
    def shares(self) -> Mapping[str, Decimal]:
        """Rounded shares by member code, read-only."""
        return MappingProxyType({line.member: line.share for line in self.members})

    def share_of(self, member: str) -> Decimal:
        """The rounded share of one member, in percent."""
        for line in self.members:
            if line.member == member:
                return line.share
        raise NotFound(f"{member} is not on this scale; its members are {', '.join(self.shares)}")


def _clipped(value: Fraction, ceiling: Fraction | None, floor: Fraction | None) -> Fraction:
    if ceiling is not None and value > ceiling:
        return ceiling
    if floor is not None and value < floor:
        return floor
    return value


def _common_factor(incomes: Mapping[str, Fraction], ceiling: Fraction | None, floor: Fraction | None) -> Fraction:
    """The factor f with sum(clip(f * income)) == 100: the point where nothing moves any more.

    Fixing members at the ceiling or floor and redistributing pro rata over the free ones
    ends, once nothing moves, with every share equal to one common factor times the income,
    clipped to [floor, ceiling]. Solving for that factor directly is exact and cannot get
    stuck: a naive loop that never releases a fixed member fails when a floor lowers the
    factor after a ceiling was fixed (see the worked examples in the tests).
    """

    def total_at(factor: Fraction) -> Fraction:
        return sum((_clipped(factor * income, ceiling, floor) for income in incomes.values()), Fraction(0))

    # The total only changes slope where a member meets a limit (limit / income); it never
    # decreases, so the answer lies after the last breakpoint whose total is at most 100.
    limits = [limit for limit in (ceiling, floor) if limit is not None]
    positive = [income for income in incomes.values() if income > 0]
    breakpoints = sorted({Fraction(0)} | {limit / income for income in positive for limit in limits})
    start = breakpoints[bisect_right(breakpoints, _HUNDRED, key=total_at) - 1]
    if total_at(start) == _HUNDRED:
        return start
    # Just past `start` each member stays on one side (below the floor, at the ceiling, or
    # free) up to the next breakpoint, so the total is linear there: solve for the factor.
    fixed, free_income = Fraction(0), Fraction(0)
    for income in incomes.values():
        if income == 0 or (floor is not None and floor / income > start):
            fixed += floor or 0
        elif ceiling is not None and ceiling / income <= start:
            fixed += ceiling
        else:
            free_income += income
    return (_HUNDRED - fixed) / free_income


def _divides_hundred(step: Fraction) -> bool:
    return (_HUNDRED / step).denominator == 1


def _percent_text(percent: Fraction) -> str:
    return str(Decimal(percent.numerator) / percent.denominator)


def _percent_problems(value: object, field: str, precision_ok: bool, precision: Decimal) -> list[Problem]:
    if value is None:
        return []
    if not _is_exact_number(value) or not 0 <= value <= 100:
        return [Problem(field, f"a Decimal percentage from 0 to 100, e.g. Decimal(\"25\"), or None; not {value!r}")]
    if precision_ok and (Fraction(value) / Fraction(precision)).denominator != 1:
        return [Problem(field, f"a multiple of the precision {precision} %, so that rounded shares respect it")]
    return []


def _scale_input_problems(
    incomes: Mapping[str, Decimal], ceiling: Decimal | None, floor: Decimal | None, precision: Decimal
) -> list[Problem]:
    if not isinstance(incomes, Mapping) or not incomes:
        return [Problem("incomes", "an income for at least one member, e.g. {\"DEU\": Decimal(\"4100\")}")]
    problems = _member_code_problems(list(incomes), "incomes")
    problems += [
        Problem(f"incomes.{member}", f"an income of zero or more as a Decimal (never a float); not {income!r}")
        for member, income in incomes.items()
        if not _is_exact_number(income) or income < 0
    ]
    if not problems and all(income == 0 for income in incomes.values()):
        problems.append(Problem("incomes", "at least one member with an income above zero"))
    precision_ok = _is_exact_number(precision) and precision > 0 and _divides_hundred(Fraction(precision))
    if not precision_ok:
        problems.append(
            Problem("precision", f"a positive Decimal step dividing 100, e.g. Decimal(\"0.001\"); not {precision!r}")
        )
    problems += _percent_problems(ceiling, "ceiling", precision_ok, precision)
    problems += _percent_problems(floor, "floor", precision_ok, precision)
    return problems


def _feasibility_problems(
    incomes: Mapping[str, Decimal], ceiling: Decimal | None, floor: Decimal | None, precision: Decimal
) -> list[Problem]:
    """Whether ceiling and floor can both hold for these members, given valid inputs."""
    count, step = len(incomes), Fraction(precision)
    problems = []
    if ceiling is not None and ceiling * count < 100:
        lowest = _percent_text(math.ceil(_HUNDRED / count / step) * step)
        problems.append(
            Problem("ceiling", f"at least {lowest} %: {count} members at a ceiling of {ceiling} % cannot reach 100 %")
        )
    if floor is not None and floor * count > 100:
        highest = _percent_text(math.floor(_HUNDRED / count / step) * step)
        problems.append(Problem("floor", f"at most {highest} %: {count} members at a floor of {floor} % exceed 100 %"))
    if ceiling is not None and floor is not None and floor > ceiling:
        problems.append(Problem("floor", f"at most the ceiling ({ceiling} %); not {floor} %"))
    if not problems and ceiling is not None:
        # Members without income can only sit at the floor, so they cannot absorb what the
        # ceiling takes from the others.
        reachable = sum(Fraction(ceiling) if income > 0 else Fraction(floor or 0) for income in incomes.values())
        if reachable < _HUNDRED:
            problems.append(
                Problem(
                    "incomes",
                    f"enough members with an income above zero: with the others at the ceiling of {ceiling} %, "
                    f"the shares reach only {_percent_text(reachable)} %",
                )
            )
    return problems


def contribution_scale(
    incomes: Mapping[str, Decimal],
    *,
    ceiling: Decimal | None,
    floor: Decimal | None,
    precision: Decimal,
) -> Scale:
    """Shares in percent proportional to income, held within ceiling and floor, rounded by largest remainder.

    share = income / total income. Members above the ceiling are fixed at the ceiling and
    members below the floor at the floor; the excess or deficit is redistributed pro rata
    to income over the free members, until nothing moves. The exact shares are then rounded
    to `precision` by largest remainder so they sum to exactly 100; equal remainders are
    decided in member-code order (the alphabetically first code gets the extra step).
    Ceiling and floor must be multiples of the precision, so rounding never breaks them.
    """
    raise_if_any(_scale_input_problems(incomes, ceiling, floor, precision))
    raise_if_any(_feasibility_problems(incomes, ceiling, floor, precision))

    members = sorted(incomes)
    exact_incomes = {member: Fraction(incomes[member]) for member in members}
    ceiling_f = None if ceiling is None else Fraction(ceiling)
    floor_f = None if floor is None else Fraction(floor)
    factor = _common_factor(exact_incomes, ceiling_f, floor_f)
    exact = {member: _clipped(factor * exact_incomes[member], ceiling_f, floor_f) for member in members}
    steps = _largest_remainder(int(_HUNDRED / Fraction(precision)), [(member, exact[member]) for member in members])
    lines = []
    for member in members:
        unclipped = factor * exact_incomes[member]
        if ceiling_f is not None and unclipped >= ceiling_f:
            bound = Bound.CEILING
        elif floor_f is not None and unclipped <= floor_f:
            bound = Bound.FLOOR
        else:
            bound = Bound.FREE
        lines.append(MemberShare(member, Decimal(incomes[member]), exact[member], steps[member] * precision, bound))
    return Scale(ceiling=ceiling, floor=floor, precision=precision, members=tuple(lines))


# --------------------------------------------------------------------------- assessments


@dataclass(frozen=True, slots=True)
class Assessment:
    """What one member owes for a fiscal year's budget: its share of it, in minor units."""

    member: str
    share: Decimal
    amount_minor: int


def assess(budget_minor: int, shares: Scale | Mapping[str, Decimal]) -> tuple[Assessment, ...]:
    """Budget times share for each member, by largest remainder on minor units, summing exactly to the budget.

    Equal remainders are decided in member-code order. Result ordered by member code.
    """
    by_member = shares.shares if isinstance(shares, Scale) else shares
    problems = _minor_amount_problems(budget_minor, "budget")
    if not isinstance(by_member, Mapping) or not by_member:
        raise ValidationFailed.single("shares", "a share in percent for at least one member, or a Scale")
    problems += _member_code_problems(list(by_member), "shares")
    problems += [
        Problem(f"shares.{member}", f"a Decimal percentage of zero or more; not {share!r}")
        for member, share in by_member.items()
        if not _is_exact_number(share) or share < 0
    ]
    raise_if_any(problems)
    total = sum(Fraction(share) for share in by_member.values())
    if total != _HUNDRED:
        raise ValidationFailed.single(
            "shares", f"shares that sum to exactly 100 %; these sum to {sum(by_member.values())} %"
        )
    members = sorted(by_member)
    amounts = _largest_remainder(budget_minor, [(member, Fraction(by_member[member])) for member in members])
    return tuple(Assessment(member, Decimal(by_member[member]), amounts[member]) for member in members)


@dataclass(frozen=True, slots=True)
class Instalment:
    """One part of an assessment: its number (from 1), due date and amount in minor units."""

    number: int
    due_date: date
    amount_minor: int


def split_instalments(amount_minor: int, due_dates: Sequence[date]) -> tuple[Instalment, ...]:
    """Equal instalments on the given due dates summing exactly to the amount; earlier ones take the odd minor units."""
    problems = _minor_amount_problems(amount_minor, "amount")
    if not due_dates or not all(isinstance(day, date) for day in due_dates):
        problems.append(Problem("due_dates", "one or more dates, e.g. 2026-01-31 and 2026-06-30"))
    elif any(later <= earlier for earlier, later in zip(due_dates, due_dates[1:])):
        problems.append(Problem("due_dates", "dates in increasing order, each one once"))
    raise_if_any(problems)
    amounts = _largest_remainder(amount_minor, [(number, Fraction(1)) for number in range(1, len(due_dates) + 1)])
    return tuple(Instalment(number, day, amounts[number]) for number, day in enumerate(due_dates, start=1))


@dataclass(frozen=True, slots=True)
class AccessionCredit:
    """What an existing member is credited when a new member joins during the year."""

    member: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Accession:
    """A member joining during a fiscal year, paying pro rata temporis.

    fraction_of_year: days from joining to the end of the year (both included) over the
    days of the year. full_year: the newcomer's assessment for a whole year.
    amount_minor: what it pays for this year. credits: that amount credited to the other
    members pro rata to their shares. assessments: everyone's assessments afterwards,
    summing to the same budget as before.
    """

    member: str
    joined_on: date
    fraction_of_year: Fraction
    full_year: Assessment
    amount_minor: int
    credits: tuple[AccessionCredit, ...]
    assessments: tuple[Assessment, ...]


def pro_rata_accession(
    assessments: Sequence[Assessment],
    newcomer: Assessment,
    *,
    joined_on: date,
    year_start: date,
    year_end: date,
) -> Accession:
    """The newcomer pays its full-year assessment times the fraction of days left; the others are credited that amount.

    The newcomer's amount is rounded half to even to the minor unit. The credit is split
    over the other members pro rata to their shares as assessed, i.e. in proportion to their
    amounts, by largest remainder (ties in member-code order): so the credits sum exactly to
    what the newcomer pays, none exceeds the amount it reduces, and the budget collected
    stays exactly what it was.
    """
    problems: list[Problem] = []
    if not year_start <= joined_on <= year_end:
        problems.append(
            Problem("joined_on", f"a date within the fiscal year, {year_start} to {year_end}; not {joined_on}")
        )
    if any(existing.member == newcomer.member for existing in assessments):
        problems.append(Problem("newcomer", f"a member not yet assessed for the year; {newcomer.member} already is"))
    raise_if_any(problems)
    fraction = Fraction((year_end - joined_on).days + 1, (year_end - year_start).days + 1)
    amount = round(newcomer.amount_minor * fraction)
    others = sorted(assessments, key=lambda existing: existing.member)
    others_total = sum(existing.amount_minor for existing in others)
    if amount > others_total:
        raise ValidationFailed.single(
            "newcomer",
            f"a pro rata amount the other members can be credited: {amount} minor units exceed "
            f"the {others_total} they are assessed",
        )
    if amount == 0:
        credited = {existing.member: 0 for existing in others}
    else:
        credited = _largest_remainder(amount, [(other.member, Fraction(other.amount_minor)) for other in others])
    reduced = tuple(replace(other, amount_minor=other.amount_minor - credited[other.member]) for other in others)
    return Accession(
        member=newcomer.member,
        joined_on=joined_on,
        fraction_of_year=fraction,
        full_year=newcomer,
        amount_minor=amount,
        credits=tuple(AccessionCredit(existing.member, credited[existing.member]) for existing in others),
        assessments=tuple(sorted((*reduced, replace(newcomer, amount_minor=amount)), key=lambda a: a.member)),
    )


# --------------------------------------------------------------------------- in-kind


class InKindState(StrEnum):
    """Where an in-kind contribution is in its lifecycle: pledged → valued → accepted → credited."""

    PLEDGED = "pledged"
    VALUED = "valued"
    ACCEPTED = "accepted"
    CREDITED = "credited"


_NEXT_IN_KIND_STATE = MappingProxyType(
    {
        InKindState.PLEDGED: InKindState.VALUED,
        InKindState.VALUED: InKindState.ACCEPTED,
        InKindState.ACCEPTED: InKindState.CREDITED,
    }
)
DEFAULT_IN_KIND_CAP_PERCENT = Decimal("25")
"""ESO's cap: credited in-kind may cover at most 25 % of an assessment."""


@dataclass(frozen=True, slots=True)
class InKindContribution:
    """Goods or services a member contributes instead of cash, counted against one assessment.

    assessment: reference of the assessment it counts against.
    value_minor: the agreed value, once valued. credited_minor: the part credited, at most
    what the cap leaves; value minus credited stays owed in cash (`shortfall_minor`).
    """

    reference: str
    member: str
    assessment: str
    description: str
    pledged_on: date
    state: InKindState = InKindState.PLEDGED
    value_minor: int | None = None
    credited_minor: int | None = None
    credited_on: date | None = None

    @property
    def shortfall_minor(self) -> int:
        """The valued amount the cap kept from being credited, still owed in cash; 0 before crediting."""
        if self.state is not InKindState.CREDITED:
            return 0
        return self.value_minor - self.credited_minor


def _require_state(contribution: InKindContribution, wanted: InKindState, action: str) -> None:
    if contribution.state is wanted:
        return
    following = _NEXT_IN_KIND_STATE.get(contribution.state)
    allowed = f"it can only become {following} next" if following else "that is final"
    raise Conflict(
        f"In-kind contribution {contribution.reference} is {contribution.state}, so it cannot be {action}: "
        f"{allowed} (the lifecycle is pledged → valued → accepted → credited)."
    )


def in_kind_pledge(
    reference: str, member: str, assessment: str, description: str, pledged_on: date
) -> InKindContribution:
    """Record a member's pledge of an in-kind contribution against one of its assessments."""
    problems = _member_code_problems([member], "member")
    if not description.strip():
        problems.append(Problem("description", "what is contributed, e.g. \"512 accelerators, 3 years of hosting\""))
    raise_if_any(problems)
    return InKindContribution(reference, member, assessment, description.strip(), pledged_on)


def value_in_kind(contribution: InKindContribution, value_minor: int) -> InKindContribution:
    """Set the agreed value of a pledged contribution."""
    _require_state(contribution, InKindState.PLEDGED, "valued")
    raise_if_any(_minor_amount_problems(value_minor, "value", positive=True))
    return replace(contribution, state=InKindState.VALUED, value_minor=value_minor)


def accept_in_kind(contribution: InKindContribution) -> InKindContribution:
    """Accept a valued contribution as delivered."""
    _require_state(contribution, InKindState.VALUED, "accepted")
    return replace(contribution, state=InKindState.ACCEPTED)


def in_kind_cap_minor(assessment_minor: int, cap_percent: Decimal = DEFAULT_IN_KIND_CAP_PERCENT) -> int:
    """The most in-kind that may be credited against an assessment: cap percent of it, rounded down."""
    problems = _minor_amount_problems(assessment_minor, "assessment")
    if not _is_exact_number(cap_percent) or not 0 <= cap_percent <= 100:
        problems.append(
            Problem("cap_percent", f"a Decimal percentage from 0 to 100, e.g. Decimal(\"25\"); not {cap_percent!r}")
        )
    raise_if_any(problems)
    # Rounded down so the credited in-kind never exceeds the cap, not even by a cent.
    return math.floor(assessment_minor * Fraction(cap_percent) / _HUNDRED)


def credit_in_kind(
    contribution: InKindContribution,
    *,
    credited_on: date,
    assessment_minor: int,
    already_credited_minor: int,
    cap_percent: Decimal = DEFAULT_IN_KIND_CAP_PERCENT,
) -> InKindContribution:
    """Credit an accepted contribution against its assessment, up to what the cap leaves.

    already_credited_minor: in-kind already credited against the same assessment.
    """
    _require_state(contribution, InKindState.ACCEPTED, "credited")
    cap = in_kind_cap_minor(assessment_minor, cap_percent)
    raise_if_any(_minor_amount_problems(already_credited_minor, "already_credited"))
    credited = min(contribution.value_minor, max(0, cap - already_credited_minor))
    return replace(contribution, state=InKindState.CREDITED, credited_minor=credited, credited_on=credited_on)


# --------------------------------------------------------------------------- arrears and standing


class Standing(StrEnum):
    """A member's standing: paid up, in arrears with its vote kept, or with its vote suspended."""

    GOOD = "good"
    ARREARS = "arrears"
    SUSPENDED = "suspended"


def count_standings(standings: Iterable[Standing]) -> Mapping[Standing, int]:
    """How many members are in each standing, every standing named (0 when none is): the one count
    of "in arrears" and "suspended" that pages, PDFs and the API print. A suspended member is
    counted as suspended only, never also as in arrears."""
    counts = dict.fromkeys(Standing, 0)
    for standing in standings:
        counts[standing] += 1
    return MappingProxyType(counts)


class ArrearsCounted(StrEnum):
    """Which unpaid amounts a standing rule counts as arrears on a day.

    PAST_DUE: every unpaid amount whose due date has passed (CERN Convention Art. V.8 and
    CERN Financial Rules: a contribution is in arrears once its due date is over).
    EARLIER_YEARS: the unpaid contributions of fiscal years before the current one (UN
    Financial Regulation 5.4: a contribution not received by 31 December "shall be
    considered to be one year in arrears" from 1 January of the following year), so the
    current year's dues never count, paid or not.
    """

    PAST_DUE = "past due"
    EARLIER_YEARS = "of earlier years"


@dataclass(frozen=True, slots=True)
class StandingRule:
    """When arrears suspend a member's vote, as parameters.

    arrears: which unpaid amounts count as arrears (see ArrearsCounted).
    years_counted: which fiscal years' contributions the arrears are compared with, counted
    back from the current year (0 the current year, 1 the one before, ...), whether those
    contributions have fallen due yet or not.
    suspended_at_threshold: True when arrears equal to that sum already suspend; False when
    they must exceed it.
    """

    name: str
    arrears: ArrearsCounted
    years_counted: tuple[int, ...]
    suspended_at_threshold: bool


CERN_CONVENTION_ART_V_8 = StandingRule(
    "CERN Convention Art. V.8", arrears=ArrearsCounted.PAST_DUE, years_counted=(0, 1), suspended_at_threshold=False
)
"""CERN Convention, Art. V, paragraph 8, as this rule reads it: a Member State has no vote in the
Council if the amount of its unpaid contributions exceeds the amount of its contributions due
for the current financial year and the immediately preceding financial year. Unpaid means past
its due date."""

UN_CHARTER_ART_19 = StandingRule(
    "UN Charter Art. 19", arrears=ArrearsCounted.EARLIER_YEARS, years_counted=(1, 2), suspended_at_threshold=True
)
"""UN Charter, Art. 19: "A Member of the United Nations which is in arrears in the payment of
its financial contributions to the Organization shall have no vote in the General Assembly if
the amount of its arrears equals or exceeds the amount of the contributions due from it for
the preceding two full years. The General Assembly may, nevertheless, permit such a Member to
vote if it is satisfied that the failure to pay is due to conditions beyond the control of the
Member." Arrears as UN Financial Regulation 5.4 defines them: what is unpaid of the years
before the current one."""


@dataclass(frozen=True, slots=True)
class Waiver:
    """A board decision lifting a member's suspension from one date to another (None: until revoked).

    motion: the decision as cited, e.g. "motion 12" or "Board, 2026-03-01, item 4".
    """

    motion: str
    starts_on: date
    ends_on: date | None = None

    def covers(self, day: date) -> bool:
        """Whether the waiver holds on that day."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True, slots=True)
class MemberStanding:
    """A member's standing on a date, with the figures and rule that decided it.

    arrears_minor: the unpaid amounts the rule counts as arrears on that date.
    threshold_minor: the contributions due for the years the rule counts.
    waiver: the waiver that lifted a suspension, if one did.
    explanation: one sentence saying why, for the member and the public.
    """

    as_of: date
    standing: Standing
    arrears_minor: int
    threshold_minor: int
    rule: StandingRule
    waiver: Waiver | None
    explanation: str


def standing_years(rule: StandingRule, current_year: int) -> tuple[int, ...]:
    """The fiscal years whose contributions make the rule's threshold."""
    return tuple(current_year - back for back in rule.years_counted)


def judge_standing(
    as_of: date,
    arrears: int,
    threshold: int,
    years: tuple[int, ...],
    rule: StandingRule,
    waivers: Sequence[Waiver] = (),
    currency: str = "EUR",
) -> MemberStanding:
    """Standing from the figures: arrears against the threshold under the rule, lifted by a waiver."""

    def money(minor: int) -> str:
        return f"{format_minor(minor, currency)} {currency}"

    if arrears <= 0:
        return MemberStanding(as_of, Standing.GOOD, 0, threshold, rule, None, f"No arrears on {as_of}.")
    comparison = "equal or exceed" if rule.suspended_at_threshold else "exceed"
    over = arrears >= threshold if rule.suspended_at_threshold else arrears > threshold
    counted = f" (unpaid contributions of years before {as_of.year})" if rule.arrears is ArrearsCounted.EARLIER_YEARS else ""
    figures = (
        f"Arrears{counted} of {money(arrears)} on {as_of} {'' if over else 'do not '}{comparison} {money(threshold)}, "
        f"the contributions due for {' and '.join(map(str, years))} ({rule.name})"
    )
    if not over:
        return MemberStanding(as_of, Standing.ARREARS, arrears, threshold, rule, None, f"{figures}: the vote is kept.")
    waiver = next((waiver for waiver in waivers if waiver.covers(as_of)), None)
    if waiver is None:
        return MemberStanding(
            as_of, Standing.SUSPENDED, arrears, threshold, rule, None, f"{figures}: the vote is suspended."
        )
    until = f"until {waiver.ends_on}" if waiver.ends_on else "until revoked"
    return MemberStanding(
        as_of,
        Standing.ARREARS,
        arrears,
        threshold,
        rule,
        waiver,
        f"{figures}, but {waiver.motion} waives the suspension from {waiver.starts_on} {until}: "
        "the vote is kept.",
    )
