"""Contribution rules: worked examples built by hand from the rule texts, and properties.

Small ledgers are stated inline: incomes as {member: income}, assessments as
{fiscal year: amount}, payments as {date: amount}; amounts are EUR cents.
"""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from string import ascii_uppercase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.contributions import (
    ArrearsCounted,
    CERN_CONVENTION_ART_V_8,
    UN_CHARTER_ART_19,
    Assessment,
    Bound,
    InKindContribution,
    InKindState,
    Standing,
    Waiver,
    judge_standing,
    standing_years,
    accept_in_kind,
    assess,
    contribution_scale,
    credit_in_kind,
    in_kind_cap_minor,
    in_kind_pledge,
    pro_rata_accession,
    split_instalments,
    value_in_kind,
)
from ledger.domain.errors import Conflict, NotFound, ValidationFailed

# No example database: the tests must not write files into the working tree.
exhaustive = settings(database=None, deadline=None, max_examples=150)
D = Decimal
PER_MILLE_PERCENT = D("0.001")


def scale(incomes: dict[str, int | str], *, ceiling=None, floor=None, precision=PER_MILLE_PERCENT):
    return contribution_scale(
        {member: D(income) for member, income in incomes.items()}, ceiling=ceiling, floor=floor, precision=precision
    )


def shares(result) -> dict[str, str]:
    return {line.member: str(line.share) for line in result.members}


def problems(excinfo) -> dict[str, str]:
    return {problem.field: problem.message for problem in excinfo.value.problems}


# --------------------------------------------------------------------------- scale: worked examples


def test_shares_are_income_over_total_income():
    assert shares(scale({"DEU": 2, "FRA": 1, "ITA": 1})) == {"DEU": "50.000", "FRA": "25.000", "ITA": "25.000"}


def test_rounding_gives_the_leftover_steps_to_the_largest_remainders():
    # 5/1/1 of 7: 71.428571.., 14.285714.., 14.285714..; floors 71.428 + 14.285 + 14.285 =
    # 99.998. The two steps left go to the largest remainders: FRA and ITA (0.714..), not
    # DEU (0.571..), although DEU has the largest share.
    assert shares(scale({"DEU": 5, "FRA": 1, "ITA": 1})) == {"DEU": "71.428", "FRA": "14.286", "ITA": "14.286"}


def test_equal_remainders_are_decided_by_member_code():
    # Three equal incomes: 33.333.. each; one step of 0.001 is left and goes to the first code.
    assert shares(scale({"CHE": 1, "AUT": 1, "BEL": 1})) == {"AUT": "33.334", "BEL": "33.333", "CHE": "33.333"}


def test_the_ceiling_excess_is_redistributed_until_nothing_moves():
    # 60/30/10 with a 40 % ceiling: DEU is fixed at 40; its excess 20 goes 3:1 to FRA and ITA,
    # giving 45 and 15; FRA is now above 40 and fixed too; ITA takes the rest, 20.
    result = scale({"DEU": 60, "FRA": 30, "ITA": 10}, ceiling=D("40"))
    assert shares(result) == {"DEU": "40.000", "FRA": "40.000", "ITA": "20.000"}
    assert [line.bound for line in result.members] == [Bound.CEILING, Bound.CEILING, Bound.FREE]


def test_the_floor_deficit_is_taken_pro_rata_from_the_free_members():
    # 70/20/10 with a 15 % floor: ITA is lifted to 15, the 5 taken 7:2 from DEU and FRA.
    result = scale({"DEU": 70, "FRA": 20, "ITA": 10}, floor=D("15"))
    assert result.members[2].exact_share == 15
    assert result.members[0].exact_share == Fraction(70 * 85, 90)
    assert shares(result) == {"DEU": "66.111", "FRA": "18.889", "ITA": "15.000"}


def test_a_member_fixed_at_the_ceiling_stays_there_when_the_floor_lowers_the_others():
    # Incomes 10/5/1, ceiling 45, floor 20. Fixing DEU at 45 gives FRA 45.83 and ITA 9.17;
    # FRA is fixed at 45 too, ITA at the floor of 20: 45 + 45 + 20 = 110, too much. The
    # answer is one common factor f with min(45, 10f) + min(45, 5f) + max(20, f) = 100:
    # f = 7, so DEU 45 (70 clipped), FRA 35, ITA 20.
    result = scale({"DEU": 10, "FRA": 5, "ITA": 1}, ceiling=D("45"), floor=D("20"))
    assert shares(result) == {"DEU": "45.000", "FRA": "35.000", "ITA": "20.000"}
    assert [line.bound for line in result.members] == [Bound.CEILING, Bound.FREE, Bound.FLOOR]


def test_a_floor_does_not_strand_members_when_one_income_dwarfs_the_rest():
    # 100/1/1/1, ceiling 40, floor 10: fixing everyone at once would give 40 + 3 x 10 = 70.
    # DEU takes the ceiling and the three others share the remaining 60 equally.
    result = scale({"DEU": 100, "FRA": 1, "ITA": 1, "NLD": 1}, ceiling=D("40"), floor=D("10"))
    assert shares(result) == {"DEU": "40.000", "FRA": "20.000", "ITA": "20.000", "NLD": "20.000"}


def test_a_member_without_income_gets_the_floor():
    result = scale({"DEU": 3, "FRA": 1, "VAT": 0}, floor=D("0.010"))
    assert shares(result) == {"DEU": "74.993", "FRA": "24.997", "VAT": "0.010"}


def test_the_un_ceiling_with_seven_members():
    # Incomes total 1000. USA (50 %) is fixed at 22 %; the 78 % left go over 500 of income,
    # which lifts CHN to 23.4 %, so CHN is fixed at 22 % too. The 56 % left go over 350:
    # JPN, DEU and GBR 16 % each, FRA 7.9984 %, TUV 0.0016 % (above the 0.001 % floor).
    # Rounding to 0.001: floors sum to 99.999; the last step goes to TUV (remainder 0.6)
    # rather than FRA (0.4).
    result = scale(
        {"USA": 500, "CHN": 150, "JPN": 100, "DEU": 100, "GBR": 100, "FRA": "49.99", "TUV": "0.01"},
        ceiling=D("22"),
        floor=D("0.001"),
    )
    assert {line.member: line.exact_share for line in result.members}["FRA"] == Fraction("7.9984")
    assert shares(result) == {
        "CHN": "22.000",
        "DEU": "16.000",
        "FRA": "7.998",
        "GBR": "16.000",
        "JPN": "16.000",
        "TUV": "0.002",
        "USA": "22.000",
    }


def test_the_scale_records_its_parameters_and_inputs():
    result = scale({"FRA": "41.5", "DEU": 58}, ceiling=D("60"), floor=D("1"), precision=D("0.01"))
    assert (result.ceiling, result.floor, result.precision) == (D("60"), D("1"), D("0.01"))
    assert result.incomes == (("DEU", D("58")), ("FRA", D("41.5")))
    assert result.shares == {"DEU": D("58.29"), "FRA": D("41.71")}
    with pytest.raises(TypeError):
        result.shares["DEU"] = D("1")
    with pytest.raises(AttributeError):
        result.ceiling = D("1")


def test_share_of_an_unknown_member_is_not_found():
    with pytest.raises(NotFound, match="GBR is not on this scale"):
        scale({"DEU": 1}).share_of("GBR")


@pytest.mark.parametrize(
    ("incomes", "limits", "expected"),
    [
        ({"DEU": 1, "FRA": 1, "ITA": 1}, {"ceiling": D("30")}, {"ceiling": "at least 33.334 %"}),
        ({"DEU": 1, "FRA": 1, "ITA": 1}, {"floor": D("40")}, {"floor": "at most 33.333 %"}),
        ({"DEU": 1, "FRA": 1}, {"ceiling": D("50"), "floor": D("60")}, {"floor": "at most the ceiling (50 %)"}),
        ({"DEU": 1, "FRA": 0, "ITA": 0}, {"ceiling": D("40")}, {"incomes": "enough members with an income"}),
        ({"DEU": 1, "FRA": 1}, {"ceiling": D("50.0005")}, {"ceiling": "a multiple of the precision"}),
        ({"DEU": 1, "FRA": 1}, {"floor": D("-1")}, {"floor": "from 0 to 100"}),
        ({"DEU": 1, "FRA": 1}, {"precision": D("0.003")}, {"precision": "dividing 100"}),
        ({"DEU": 0, "FRA": 0}, {}, {"incomes": "at least one member with an income above zero"}),
        ({"DEU": -5, "FRA": 1}, {}, {"incomes.DEU": "zero or more"}),
        ({"de": 1}, {}, {"incomes": "ISO 3166-1 alpha-3"}),
        ({}, {}, {"incomes": "at least one member"}),
    ],
)
def test_scales_that_cannot_hold_are_refused_naming_the_field(incomes, limits, expected):
    arguments = {"ceiling": None, "floor": None, "precision": PER_MILLE_PERCENT, **limits}
    with pytest.raises(ValidationFailed) as excinfo:
        contribution_scale({member: D(income) for member, income in incomes.items()}, **arguments)
    found = problems(excinfo)
    assert found.keys() == expected.keys()
    for field, fragment in expected.items():
        assert fragment in found[field]


def test_float_incomes_are_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        contribution_scale({"DEU": 0.5, "FRA": D(1)}, ceiling=None, floor=None, precision=PER_MILLE_PERCENT)
    assert "never a float" in problems(excinfo)["incomes.DEU"]


def test_all_problems_are_reported_at_once():
    with pytest.raises(ValidationFailed) as excinfo:
        contribution_scale({"DEU": D(-1), "fr": D(1)}, ceiling=D("101"), floor=None, precision=D("0"))
    assert set(problems(excinfo)) == {"incomes", "incomes.DEU", "precision", "ceiling"}


# --------------------------------------------------------------------------- scale: properties


@st.composite
def scale_inputs(draw):
    count = draw(st.integers(1, 9))
    code = st.text(ascii_uppercase, min_size=3, max_size=3)
    members = draw(st.lists(code, min_size=count, max_size=count, unique=True))
    incomes = {member: D(draw(st.integers(1, 10**7))).scaleb(-2) for member in members}
    precision = draw(st.sampled_from([D("1"), D("0.1"), D("0.01"), D("0.001")]))
    steps = int(100 / precision)
    ceiling = draw(st.none() | st.integers(-(-steps // count), steps).map(lambda k: k * precision))
    floor_top = min(steps // count, steps if ceiling is None else int(ceiling / precision))
    floor = draw(st.none() | st.integers(0, floor_top).map(lambda k: k * precision))
    return incomes, ceiling, floor, precision


@exhaustive
@given(scale_inputs())
def test_shares_sum_to_exactly_100_at_the_precision_within_ceiling_and_floor(inputs):
    incomes, ceiling, floor, precision = inputs
    result = contribution_scale(incomes, ceiling=ceiling, floor=floor, precision=precision)
    assert sum(line.share for line in result.members) == 100
    assert sum(line.exact_share for line in result.members) == 100
    for line in result.members:
        assert line.share % precision == 0
        assert abs(Fraction(line.share) - line.exact_share) < Fraction(precision)
        for value in (Fraction(line.share), line.exact_share):
            assert ceiling is None or value <= ceiling
            assert floor is None or value >= floor


@exhaustive
@given(scale_inputs())
def test_nothing_moves_any_more_free_members_share_the_rest_pro_rata(inputs):
    """The fixed point, checked from its definition rather than from the solver."""
    incomes, ceiling, floor, precision = inputs
    result = contribution_scale(incomes, ceiling=ceiling, floor=floor, precision=precision)
    free = [line for line in result.members if line.bound is Bound.FREE]
    fixed_total = sum(line.exact_share for line in result.members if line.bound is not Bound.FREE)
    free_income = sum(Fraction(line.income) for line in free)
    for line in free:
        assert line.exact_share == (100 - fixed_total) * Fraction(line.income) / free_income
        assert ceiling is None or line.exact_share < ceiling
        assert floor is None or line.exact_share > floor
    for line in result.members:
        assert line.bound is not Bound.CEILING or line.exact_share == ceiling
        assert line.bound is not Bound.FLOOR or line.exact_share == floor
    # More income never means a smaller exact share.
    by_income = sorted(result.members, key=lambda line: line.income)
    assert all(a.exact_share <= b.exact_share for a, b in zip(by_income, by_income[1:]))


@exhaustive
@given(scale_inputs(), st.data())
def test_more_income_never_lowers_a_share(inputs, data):
    incomes, ceiling, floor, precision = inputs
    member = data.draw(st.sampled_from(sorted(incomes)))
    richer = {**incomes, member: incomes[member] + D(data.draw(st.integers(1, 10**7))).scaleb(-2)}
    before = contribution_scale(incomes, ceiling=ceiling, floor=floor, precision=precision)
    after = contribution_scale(richer, ceiling=ceiling, floor=floor, precision=precision)
    old, new = (next(line for line in s.members if line.member == member) for s in (before, after))
    assert new.exact_share >= old.exact_share
    # Largest remainder can move a rounded share by one step against the trend, never more.
    assert new.share >= old.share - precision


# --------------------------------------------------------------------------- assessments


def test_assessment_is_budget_times_share_by_largest_remainder():
    thirds = scale({"CHE": 1, "AUT": 1, "BEL": 1})
    assert assess(100_000_000, thirds) == (
        Assessment("AUT", D("33.334"), 33_334_000),
        Assessment("BEL", D("33.333"), 33_333_000),
        Assessment("CHE", D("33.333"), 33_333_000),
    )
    # 1 cent over 33.334/33.333/33.333: quotas .33334, .33333, .33333; AUT's remainder is largest.
    assert [a.amount_minor for a in assess(1, thirds)] == [1, 0, 0]
    # 2 cents: .66668, .66666, .66666; AUT first, then BEL before CHE by member code.
    assert [a.amount_minor for a in assess(2, thirds)] == [1, 1, 0]


def test_assessment_accepts_plain_shares_and_refuses_shares_not_summing_to_100():
    assert [a.amount_minor for a in assess(1001, {"FRA": D("50"), "DEU": D("50")})] == [501, 500]
    with pytest.raises(ValidationFailed) as excinfo:
        assess(1000, {"FRA": D("50"), "DEU": D("49.999")})
    assert problems(excinfo) == {"shares": "shares that sum to exactly 100 %; these sum to 99.999 %"}
    with pytest.raises(ValidationFailed) as excinfo:
        assess(-1, {"FRA": D("100")})
    assert "zero or more" in problems(excinfo)["budget"]


@exhaustive
@given(scale_inputs(), st.integers(0, 10**14))
def test_assessments_sum_exactly_to_the_budget(inputs, budget):
    incomes, ceiling, floor, precision = inputs
    result = contribution_scale(incomes, ceiling=ceiling, floor=floor, precision=precision)
    assessments = assess(budget, result)
    assert sum(a.amount_minor for a in assessments) == budget
    for assessment in assessments:
        assert abs(assessment.amount_minor - budget * Fraction(assessment.share) / 100) < 1


def test_instalments_split_equally_with_the_odd_cents_first():
    dates = [date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31)]
    assert [(i.number, i.due_date, i.amount_minor) for i in split_instalments(100, dates)] == [
        (1, date(2026, 1, 31), 34),
        (2, date(2026, 4, 30), 33),
        (3, date(2026, 7, 31), 33),
    ]
    assert [i.amount_minor for i in split_instalments(101, dates)] == [34, 34, 33]


def test_instalment_dates_must_increase():
    with pytest.raises(ValidationFailed) as excinfo:
        split_instalments(100, [date(2026, 6, 30), date(2026, 1, 31)])
    assert problems(excinfo) == {"due_dates": "dates in increasing order, each one once"}
    with pytest.raises(ValidationFailed) as excinfo:
        split_instalments(100, [])
    assert "due_dates" in problems(excinfo)


@exhaustive
@given(st.integers(0, 10**14), st.integers(1, 24))
def test_instalments_sum_exactly_and_differ_by_at_most_one_minor_unit(amount, count):
    dates = [date(2026, 1, 1) + timedelta(days=15 * n) for n in range(count)]
    amounts = [i.amount_minor for i in split_instalments(amount, dates)]
    assert sum(amounts) == amount
    assert amounts == sorted(amounts, reverse=True)
    assert amounts[0] - amounts[-1] <= 1


def test_a_member_joining_on_1_july_pays_184_of_365_days_and_the_others_are_credited():
    # 2026 has 365 days; from 1 July to 31 December (both included) there are 184.
    others = (Assessment("AUT", D("60"), 600_000), Assessment("BEL", D("40"), 400_000))
    accession = pro_rata_accession(
        others,
        Assessment("CYP", D("10"), 36_500),
        joined_on=date(2026, 7, 1),
        year_start=date(2026, 1, 1),
        year_end=date(2026, 12, 31),
    )
    assert accession.fraction_of_year == Fraction(184, 365)
    assert accession.amount_minor == 18_400
    assert [(c.member, c.amount_minor) for c in accession.credits] == [("AUT", 11_040), ("BEL", 7_360)]
    assert [(a.member, a.amount_minor) for a in accession.assessments] == [
        ("AUT", 588_960),
        ("BEL", 392_640),
        ("CYP", 18_400),
    ]


def test_joining_outside_the_year_or_twice_is_refused():
    others = (Assessment("AUT", D("100"), 1000),)
    with pytest.raises(ValidationFailed) as excinfo:
        pro_rata_accession(
            others, Assessment("AUT", D("5"), 50),
            joined_on=date(2027, 1, 1), year_start=date(2026, 1, 1), year_end=date(2026, 12, 31),
        )
    assert set(problems(excinfo)) == {"joined_on", "newcomer"}


@exhaustive
@given(
    scale_inputs(),
    st.integers(0, 10**12),
    st.integers(0, 10**10),
    st.integers(0, 365),
)
def test_accession_keeps_the_budget_exact(inputs, budget, full_year, day_of_year):
    incomes, ceiling, floor, precision = inputs
    others = assess(budget, contribution_scale(incomes, ceiling=ceiling, floor=floor, precision=precision))
    full_year = min(full_year, budget)
    start, end = date(2028, 1, 1), date(2028, 12, 31)
    joined_on = start + timedelta(days=day_of_year)
    newcomer = Assessment("ZZZ", D("1"), full_year)
    accession = pro_rata_accession(others, newcomer, joined_on=joined_on, year_start=start, year_end=end)
    assert sum(a.amount_minor for a in accession.assessments) == budget
    assert sum(c.amount_minor for c in accession.credits) == accession.amount_minor
    assert abs(accession.amount_minor - full_year * accession.fraction_of_year) <= Fraction(1, 2)
    assert all(a.amount_minor >= 0 for a in accession.assessments)


# --------------------------------------------------------------------------- in-kind


def pledged(reference: str = "IK1") -> InKindContribution:
    return in_kind_pledge(reference, "NLD", "2026", "512 accelerators hosted for one year", date(2026, 2, 1))


def credited(value: int, *, assessment: int, already: int = 0, cap: Decimal = D("25"), on: date = date(2026, 5, 1)):
    """An in-kind contribution taken through its whole lifecycle."""
    accepted = accept_in_kind(value_in_kind(pledged(), value))
    return credit_in_kind(
        accepted, credited_on=on, assessment_minor=assessment, already_credited_minor=already, cap_percent=cap
    )


def test_in_kind_goes_pledged_valued_accepted_credited_within_the_cap():
    # Assessment 10,000.00; the 25 % cap allows 2,500.00. Valued at 3,000.00: 2,500.00 is
    # credited and the 500.00 shortfall stays owed in cash.
    contribution = credited(300_000, assessment=1_000_000)
    assert contribution.state is InKindState.CREDITED
    assert (contribution.value_minor, contribution.credited_minor, contribution.shortfall_minor) == (
        300_000,
        250_000,
        50_000,
    )


def test_the_cap_counts_in_kind_already_credited_against_the_same_assessment():
    # 2,000.00 already credited of a 2,500.00 cap: only 500.00 of a 1,000.00 contribution fits.
    contribution = credited(100_000, assessment=1_000_000, already=200_000)
    assert (contribution.credited_minor, contribution.shortfall_minor) == (50_000, 50_000)


def test_the_cap_is_rounded_down_and_configurable():
    assert in_kind_cap_minor(1001) == 250
    assert in_kind_cap_minor(1001, D("100")) == 1001
    assert in_kind_cap_minor(1000, D("0")) == 0
    with pytest.raises(ValidationFailed) as excinfo:
        in_kind_cap_minor(1000, D("120"))
    assert "from 0 to 100" in problems(excinfo)["cap_percent"]


def credit_now(contribution: InKindContribution) -> InKindContribution:
    return credit_in_kind(contribution, credited_on=date(2026, 5, 1), assessment_minor=1, already_credited_minor=0)


def revalue(contribution: InKindContribution) -> InKindContribution:
    return value_in_kind(value_in_kind(contribution, 5), 6)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (accept_in_kind, "is pledged, so it cannot be accepted: it can only become valued next"),
        (credit_now, "is pledged, so it cannot be credited: it can only become valued next"),
        (revalue, "is valued, so it cannot be valued: it can only become accepted"),
    ],
)
def test_invalid_in_kind_transitions_say_which_are_allowed(step, message):
    with pytest.raises(Conflict) as excinfo:
        step(pledged())
    assert message in str(excinfo.value)
    assert "pledged → valued → accepted → credited" in str(excinfo.value)


def test_a_credited_contribution_is_final():
    with pytest.raises(Conflict, match="is credited, so it cannot be valued: that is final"):
        value_in_kind(credited(10, assessment=100), 10)


@exhaustive
@given(st.integers(1, 10**9), st.integers(0, 10**10), st.integers(0, 10**9), st.integers(0, 100))
def test_credited_in_kind_never_exceeds_the_cap_and_the_rest_stays_owed(value, assessment, already, cap):
    contribution = credited(value, assessment=assessment, already=already, cap=D(cap))
    assert 0 <= contribution.credited_minor
    assert already + contribution.credited_minor <= max(already, assessment * Fraction(cap, 100))
    assert contribution.credited_minor + contribution.shortfall_minor == value


# --------------------------------------------------------------------------- standing from the figures
#
# Which unpaid amounts count as arrears is settled in SQL (tests/test_contribution_rules.py
# states the ledgers); here the rule judges the figures it is given.


def judged(arrears: int, threshold: int, rule, *, on: date = date(2026, 2, 1), waivers=()):
    return judge_standing(on, arrears, threshold, standing_years(rule, on.year), rule, waivers)


def test_cern_suspends_only_when_arrears_exceed_the_current_and_previous_year():
    """CERN Convention Art. V.8: arrears past due that exceed the contributions due for the
    current and the preceding year suspend; equal to them, the vote is kept."""
    kept = judged(200_000, 200_000, CERN_CONVENTION_ART_V_8, on=date(2026, 1, 15))
    assert kept.standing is Standing.ARREARS
    assert kept.explanation == (
        "Arrears of 2000.00 EUR on 2026-01-15 do not exceed 2000.00 EUR, the contributions due for 2026 and 2025 "
        "(CERN Convention Art. V.8): the vote is kept."
    )
    assert judged(200_001, 200_000, CERN_CONVENTION_ART_V_8).standing is Standing.SUSPENDED


def test_un_suspends_when_arrears_equal_the_two_preceding_full_years():
    """UN Charter Art. 19: arrears (Financial Regulation 5.4: unpaid contributions of earlier
    years) equal to or above the contributions due for the preceding two full years suspend."""
    lost = judged(200_000, 200_000, UN_CHARTER_ART_19, on=date(2026, 1, 15))
    assert (lost.standing, lost.threshold_minor) == (Standing.SUSPENDED, 200_000)
    assert lost.explanation == (
        "Arrears (unpaid contributions of years before 2026) of 2000.00 EUR on 2026-01-15 equal or exceed 2000.00 EUR, "
        "the contributions due for 2025 and 2024 (UN Charter Art. 19): the vote is suspended."
    )
    assert judged(199_999, 200_000, UN_CHARTER_ART_19).standing is Standing.ARREARS


def test_each_rule_states_what_counts_as_arrears_and_what_it_is_compared_with():
    """CERN Art. V.8 counts what is past due against the current and preceding year; UN Art. 19
    with Financial Regulation 5.4 counts earlier years against the two preceding full years."""
    assert (CERN_CONVENTION_ART_V_8.arrears, CERN_CONVENTION_ART_V_8.years_counted) == (ArrearsCounted.PAST_DUE, (0, 1))
    assert (UN_CHARTER_ART_19.arrears, UN_CHARTER_ART_19.years_counted) == (ArrearsCounted.EARLIER_YEARS, (1, 2))


def test_no_arrears_is_good_standing_under_both_rules_even_with_a_zero_threshold():
    """Neither rule suspends a member that owes nothing it counts (a new member has no
    contributions for the years compared, so its threshold is 0)."""
    for rule in (CERN_CONVENTION_ART_V_8, UN_CHARTER_ART_19):
        result = judged(0, 0, rule, on=date(2025, 12, 31))
        assert (result.standing, result.arrears_minor) == (Standing.GOOD, 0)
        assert result.explanation == "No arrears on 2025-12-31."


def test_a_waiver_lifts_a_suspension_only_while_it_holds():
    """The board may waive a suspension by an adopted motion (UN Charter Art. 19, second sentence)."""
    waiver = Waiver("M-2026-07", date(2026, 3, 1), date(2026, 6, 30))

    def on(day: date):
        return judged(300_000, 200_000, CERN_CONVENTION_ART_V_8, on=day, waivers=(waiver,))

    assert on(date(2026, 2, 28)).standing is Standing.SUSPENDED
    during = on(date(2026, 3, 1))
    assert (during.standing, during.waiver) == (Standing.ARREARS, waiver)
    assert during.explanation.endswith(
        "but M-2026-07 waives the suspension from 2026-03-01 until 2026-06-30: the vote is kept."
    )
    assert on(date(2026, 6, 30)).standing is Standing.ARREARS
    assert on(date(2026, 7, 1)).standing is Standing.SUSPENDED
    assert Waiver("M-2026-08", date(2026, 3, 1)).covers(date(2099, 1, 1))


@exhaustive
@given(st.integers(0, 10**7), st.integers(0, 10**7), st.sampled_from([CERN_CONVENTION_ART_V_8, UN_CHARTER_ART_19]))
def test_standing_follows_the_rule_text(arrears, threshold, rule):
    """CERN suspends above the threshold, the UN at or above it; no arrears is always good; a
    waiver turns a suspension into arrears with the vote kept."""
    result = judged(arrears, threshold, rule)
    over = arrears >= threshold if rule is UN_CHARTER_ART_19 else arrears > threshold
    expected = Standing.GOOD if arrears == 0 else Standing.SUSPENDED if over else Standing.ARREARS
    assert result.standing is expected
    waived = judged(arrears, threshold, rule, waivers=(Waiver("M-1", date(2026, 1, 1)),))
    assert waived.standing is (Standing.ARREARS if expected is Standing.SUSPENDED else expected)
