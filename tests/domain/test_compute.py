"""Rules of capacity, quotas and the quota ledger, each stated on small figures."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.apportion import apportion
from ledger.domain.compute import (
    REFERENCE_GPU_MS_PER_GPU_HOUR,
    EntryKind,
    Pool,
    QuotaEntry,
    SuspensionPolicy,
    balance,
    capacity_gpu_hours,
    carry_over,
    fairness,
    gpu_hours,
    quota_allocation,
    reference_gpu_ms_per_second,
    transfer,
)
from ledger.domain.errors import Conflict, ValidationFailed

D = Decimal
HOUR = REFERENCE_GPU_MS_PER_GPU_HOUR


def fields_of(error: ValidationFailed) -> list[str]:
    return [problem.field for problem in error.problems]


# Capacity -----------------------------------------------------------------------------------


def test_the_reference_facility_has_876_million_gpu_hours():
    pools = [Pool("h100", 100_000, D(1), D(1))]
    assert capacity_gpu_hours(pools, 8_760) == 876_000_000


def test_capacity_weighs_pools_by_availability_and_factor_and_rounds_down():
    pools = [
        Pool("h100", 60_000, D("0.95"), D("2.5")),  # 60,000 x 8,760 x 0.95 x 2.5 = 1,248,300,000
        Pool("a100", 40_000, D("0.9"), D("1")),  # 315,360,000
        Pool("l4", 1, D("0.333"), D("0.5")),  # 1,458.54: its fraction is dropped, not rounded
    ]
    assert capacity_gpu_hours(pools, 8_760) == 1_248_300_000 + 315_360_000 + 1_458


def test_a_leap_year_has_more_hours():
    assert capacity_gpu_hours([Pool("h100", 1, D(1), D(1))], 8_784) == 8_784


@pytest.mark.parametrize(
    ("count", "availability", "factor", "field"),
    [
        (-1, D(1), D(1), "count"),
        (10, D(0), D(1), "availability"),
        (10, D("1.01"), D(1), "availability"),
        (10, 0.9, D(1), "availability"),  # floats are refused: GPU-hours are never float
        (10, D(1), D(0), "factor"),
        (10, D(1), D("1.2345"), "factor"),
    ],
)
def test_a_pool_refuses_impossible_figures(count, availability, factor, field):
    with pytest.raises(ValidationFailed) as refused:
        Pool("h100", count, availability, factor)
    assert fields_of(refused.value) == [field]


def test_a_pool_reports_every_problem_at_once():
    with pytest.raises(ValidationFailed) as refused:
        Pool("", -5, D(2), D("-1"))
    assert fields_of(refused.value) == ["type", "count", "availability", "factor"]


def test_capacity_refuses_a_pool_type_twice_and_a_year_without_hours():
    with pytest.raises(ValidationFailed, match="h100"):
        capacity_gpu_hours([Pool("h100", 1, D(1), D(1)), Pool("h100", 2, D(1), D(1))], 8_760)
    with pytest.raises(ValidationFailed):
        capacity_gpu_hours([Pool("h100", 1, D(1), D(1))], 0)


def test_a_factor_is_worth_whole_reference_gpu_milliseconds_per_second():
    assert reference_gpu_ms_per_second(D("1")) == 1_000
    assert reference_gpu_ms_per_second(D("1.875")) == 1_875
    assert gpu_hours(2 * HOUR + 3_600) == D("2.001")


# Quotas -------------------------------------------------------------------------------------


def test_reserves_come_first_rounded_down_and_members_share_the_rest_exactly():
    allocation = quota_allocation(
        capacity=1_001,
        reserves={"open_calls": D("10"), "safety_labs": D("5.5")},
        shares={"FRA": D("50"), "DEU": D("30"), "ITA": D("20")},
    )
    # 10 % of 1,001 = 100.1 -> 100; 5.5 % = 55.055 -> 55; 846 left for members:
    # 423, 253.8, 169.2 -> floors 423, 253, 169 and the one hour left goes to DEU (.8).
    assert allocation.reserves == (("open_calls", 100), ("safety_labs", 55))
    assert [(member.code, member.hours) for member in allocation.members] == [
        ("DEU", 254),
        ("FRA", 423),
        ("ITA", 169),
    ]
    assert allocation.distributable == 846
    assert not any(member.frozen for member in allocation.members)


def test_shares_need_not_sum_to_100_they_are_proportions():
    allocation = quota_allocation(900, {}, {"AUT": D("0.5"), "BEL": D("1")})
    assert [member.hours for member in allocation.members] == [300, 600]


def test_a_member_with_a_zero_share_gets_nothing():
    allocation = quota_allocation(10, {}, {"AUT": D("0"), "BEL": D("3")})
    assert [member.hours for member in allocation.members] == [0, 10]


def test_reserves_over_100_percent_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        quota_allocation(1_000, {"open_calls": D("60"), "safety_labs": D("40.5")}, {"FRA": D(1)})
    assert fields_of(refused.value) == ["reserves"]
    assert "100.5" in str(refused.value)


def test_quotas_report_every_bad_input_at_once():
    with pytest.raises(ValidationFailed) as refused:
        quota_allocation(-1, {"open_calls": D("-1")}, {"France": D("1"), "DEU": D("-1")}, suspended={"ESP"})
    assert fields_of(refused.value) == ["capacity", "reserves.open_calls", "shares.DEU", "shares", "suspended"]


def test_quotas_need_a_member_with_a_positive_share():
    with pytest.raises(ValidationFailed, match="positive share"):
        quota_allocation(1_000, {}, {"FRA": D(0)})


SHARES = {"FRA": D("40"), "DEU": D("40"), "ESP": D("20")}


def test_a_suspension_under_policy_none_changes_nothing():
    allocation = quota_allocation(1_000, {}, SHARES, {"ESP"}, SuspensionPolicy("none"))
    assert [(m.code, m.hours, m.frozen) for m in allocation.members] == [
        ("DEU", 400, False), ("ESP", 200, False), ("FRA", 400, False),
    ]


def test_a_frozen_member_keeps_its_quota_marked_unusable():
    allocation = quota_allocation(1_000, {}, SHARES, {"ESP"}, SuspensionPolicy("frozen"))
    assert [(m.code, m.hours, m.frozen) for m in allocation.members] == [
        ("DEU", 400, False), ("ESP", 200, True), ("FRA", 400, False),
    ]
    assert allocation.reserves == ()


def test_a_reduced_member_returns_the_hours_taken_off_to_the_open_call_reserve():
    allocation = quota_allocation(
        1_001, {"open_calls": D(10)}, SHARES, {"ESP"}, SuspensionPolicy("reduced", D("25"))
    )
    # 100 reserved; 901 -> DEU 360.4, ESP 180.2, FRA 360.4 -> 361, 180, 360 (ties to DEU);
    # ESP loses 25 % of 180 = 45, which goes back to the open calls.
    esp = next(m for m in allocation.members if m.code == "ESP")
    assert (esp.proportional_hours, esp.hours, esp.frozen) == (180, 135, False)
    assert allocation.reserves == (("open_calls", 145),)
    assert sum(hours for _, hours in allocation.reserves) + sum(m.hours for m in allocation.members) == 1_001


def test_freed_hours_may_go_to_another_reserve():
    allocation = quota_allocation(
        1_000, {}, SHARES, {"ESP"}, SuspensionPolicy("reduced", D("50"), freed_to="safety_labs")
    )
    assert allocation.reserves == (("safety_labs", 100),)


def test_suspension_policies_refuse_nonsense():
    with pytest.raises(ValidationFailed, match="none, frozen, reduced"):
        SuspensionPolicy("halved")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as refused:
        SuspensionPolicy("reduced", D("0"))
    assert fields_of(refused.value) == ["reduction_percent"]


member_shares = st.dictionaries(
    keys=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    values=st.decimals(min_value=0, max_value=100, places=3),
    min_size=1,
    max_size=30,
).filter(lambda shares: any(value > 0 for value in shares.values()))


@given(
    capacity=st.integers(min_value=0, max_value=2_000_000_000),
    reserve=st.decimals(min_value=0, max_value=100, places=2),
    shares=member_shares,
)
def test_member_quotas_sum_exactly_to_what_reserves_leave_and_grow_with_share(capacity, reserve, shares):
    allocation = quota_allocation(capacity, {"open_calls": reserve}, shares)
    reserved = sum(hours for _, hours in allocation.reserves)
    assert sum(member.hours for member in allocation.members) == capacity - reserved
    assert reserved == int(capacity * reserve / 100)
    total_share = sum(shares.values())
    for member in allocation.members:
        exact = (capacity - reserved) * member.share / total_share
        assert abs(member.hours - exact) < 1
    for smaller in allocation.members:
        for larger in allocation.members:
            if smaller.share < larger.share:
                assert smaller.hours <= larger.hours
            elif smaller.share == larger.share:
                assert abs(smaller.hours - larger.hours) <= 1  # a tie's last hour


@given(
    total=st.integers(min_value=0, max_value=10**18),
    weights=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=40),
)
def test_largest_remainder_sums_exactly_and_each_part_is_its_floor_or_ceiling(total, weights):
    parts = apportion(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    if weight_sum:
        for part, weight in zip(parts, weights):
            assert total * weight // weight_sum <= part <= -(-total * weight // weight_sum)


def test_largest_remainder_breaks_ties_towards_the_earlier_part():
    assert apportion(2, [1, 1, 1]) == (1, 1, 0)
    assert apportion(5, [0, 0]) == (5, 0)


# Quota ledger --------------------------------------------------------------------------------


def test_a_balance_is_the_sum_of_the_entries():
    entries = [
        QuotaEntry("FRA", EntryKind.CREDIT, 1_000 * HOUR),
        QuotaEntry("FRA", EntryKind.DEBIT, -250 * HOUR),
        QuotaEntry("FRA", EntryKind.ADJUSTMENT, 5 * HOUR, reason="node outage in March"),
        QuotaEntry("FRA", EntryKind.FORFEIT, -55 * HOUR),
    ]
    assert balance(entries) == 700 * HOUR
    assert balance([]) == 0


def test_entries_are_immutable():
    entry = QuotaEntry("FRA", EntryKind.CREDIT, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.amount = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kind", "amount", "extra", "field"),
    [
        (EntryKind.CREDIT, -1, {}, "amount"),
        (EntryKind.DEBIT, 1, {}, "amount"),
        (EntryKind.FORFEIT, 1, {}, "amount"),
        (EntryKind.ADJUSTMENT, 5, {}, "reason"),
        (EntryKind.ADJUSTMENT, 0, {"reason": "nothing"}, "amount"),
        (EntryKind.CREDIT, Decimal("1.5"), {}, "amount"),
        (EntryKind.TRANSFER_OUT, -5, {"counterparty": "DEU"}, "motion_id"),
        (EntryKind.TRANSFER_IN, 5, {"motion_id": "M-2025-07"}, "counterparty"),
    ],
)
def test_an_entry_refuses_the_wrong_sign_or_a_missing_reason_or_motion(kind, amount, extra, field):
    with pytest.raises(ValidationFailed) as refused:
        QuotaEntry("FRA", kind, amount, **extra)
    assert fields_of(refused.value) == [field]


def test_an_entry_needs_an_alpha_3_member_code():
    with pytest.raises(ValidationFailed) as refused:
        QuotaEntry("FR", EntryKind.CREDIT, 1)
    assert fields_of(refused.value) == ["member"]


def test_a_transfer_is_an_out_in_pair_citing_the_motion():
    out, into = transfer("FRA", "DEU", 40 * HOUR, motion_id="M-2025-07", giver_balance=100 * HOUR)
    assert out == QuotaEntry("FRA", EntryKind.TRANSFER_OUT, -40 * HOUR, counterparty="DEU", motion_id="M-2025-07")
    assert into == QuotaEntry("DEU", EntryKind.TRANSFER_IN, 40 * HOUR, counterparty="FRA", motion_id="M-2025-07")
    assert balance([out, into]) == 0


def test_a_transfer_without_a_motion_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        transfer("FRA", "DEU", 10, motion_id=None, giver_balance=100)
    assert "motion_id" in fields_of(refused.value)


def test_a_transfer_larger_than_the_givers_balance_is_a_conflict():
    with pytest.raises(Conflict, match="FRA"):
        transfer("FRA", "DEU", 101, motion_id="M-1", giver_balance=100)
    assert len(transfer("FRA", "DEU", 100, motion_id="M-1", giver_balance=100)) == 2


def test_a_transfer_to_oneself_or_of_nothing_is_refused():
    with pytest.raises(ValidationFailed):
        transfer("FRA", "FRA", 10, motion_id="M-1", giver_balance=100)
    with pytest.raises(ValidationFailed):
        transfer("FRA", "DEU", 0, motion_id="M-1", giver_balance=100)


@pytest.mark.parametrize(
    ("balance_left", "rule", "expected"),
    [
        (1_000, "none", (0, 1_000)),
        (1_000, "up to 25 %", (250, 750)),
        (1_000, "Up to 25%", (250, 750)),
        (999, "up to 12.5 %", (125, 874)),  # the cap is 12.5 % of the quota of 1,000
        (1_000, "up to 100 %", (1_000, 0)),
        (0, "up to 25 %", (0, 0)),
        (-300, "up to 25 %", (-300, 0)),
        (-300, "none", (-300, 0)),
    ],
)
def test_carry_over_keeps_up_to_a_percentage_and_forfeits_the_rest(balance_left, rule, expected):
    carried, forfeited = carry_over(balance_left, rule, quota=1_000)
    assert (carried, forfeited) == expected
    assert carried + forfeited == balance_left


@pytest.mark.parametrize(
    ("balance_left", "quota", "frozen", "expected"),
    [
        (50, 1_000, 0, (50, 0)),  # under the cap: all carried (a flat rate would carry 5)
        (300, 1_000, 0, (100, 200)),  # above it: the cap carried, the rest forfeited
        (1_000, 1_000, 1_000, (0, 1_000)),  # a frozen quota is forfeited, never carried
        (1_030, 1_000, 1_000, (30, 1_000)),  # only the usable part carries
        (400, 1_000, 1_000, (-600, 1_000)),  # usage beyond the usable hours is owed
    ],
)
def test_up_to_p_percent_caps_the_carry_at_p_percent_of_the_quota_and_frozen_hours_never_carry(balance_left, quota, frozen, expected):
    """"Up to P %" is a cap of P % of the year's quota, not a rate on the unused hours (EuroHPC JU
    access policy, PRACE: unused allocations expire, a capped carry-over is a cap); frozen hours are
    not usable, so they are forfeited (quota_suspension "frozen", DESIGN.md Compute)."""
    carried, forfeited = carry_over(balance_left, "up to 10 %", quota, frozen)
    assert (carried, forfeited) == expected
    assert carried + forfeited == balance_left


@pytest.mark.parametrize("rule", ["all", "up to %", "up to 120 %", "up to x %", "25 %"])
def test_carry_over_refuses_an_unknown_rule(rule):
    with pytest.raises(ValidationFailed) as refused:
        carry_over(100, rule)
    assert fields_of(refused.value) == ["rule"]


# Fairness ------------------------------------------------------------------------------------


def test_fairness_is_usage_share_over_contribution_share():
    assert fairness(D("0.30"), D("0.20")) == D("1.5")
    assert fairness(D("0.10"), D("0.20")) == D("0.5")
    assert fairness(D("0"), D("0.20")) == 0


def test_fairness_is_none_when_a_member_contributed_nothing():
    assert fairness(D("0.05"), D("0")) is None


def test_fairness_refuses_negative_shares():
    with pytest.raises(ValidationFailed) as refused:
        fairness(D("-0.1"), D("0.2"))
    assert fields_of(refused.value) == ["usage_share"]
