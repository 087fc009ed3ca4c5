"""Capacity plans, quotas and the GPU-hour ledger on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role
from ledger.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ledger.queries.compute import ledger_lines, list_projects
from ledger.queries.usage import monthly_usage, usage_by_safety_level
from ledger.services import compute
from ledger.services import contributions
from ledger.services import governance
from ledger.services.usage import ingest_usage
from ledger.services.verification import verify_ledger
from tests.compute_world import (
    CAPACITY_2025,
    HOUR_MS,
    MEMBERS,
    POOLS,
    SECRETARIAT,
    TODAY,
    allocate,
    build_compute_world,
    build_facility,
    entries,
    pay_everything,
    plan,
    published,
    rows,
    set_carry_over,
)

@pytest.fixture
def facility(engine):
    return build_facility(engine)


# Capacity ------------------------------------------------------------------------------------


def test_a_plan_gives_the_years_capacity_and_reserves_and_is_journaled(engine, facility):
    before = entries(engine)
    plan(engine)
    year = published(engine)
    assert (year.capacity_gpu_hours, year.hours_in_year, year.gpus) == (CAPACITY_2025, 8_760, 100)
    assert [(p.gpu_type, p.count, p.factor) for p in year.pools] == [("a100", 40, Decimal("1")), ("h100", 60, Decimal("2.5"))]
    assert [(r.name, r.percent, r.gpu_hours) for r in year.reserves] == [("open_calls", Decimal("10"), 0), ("safety_labs", Decimal("5"), 0)]
    assert not year.allocated and year.members == ()
    assert entries(engine) == before + 1
    assert verify_ledger(engine).ok


def test_a_leap_year_has_8784_hours(engine, facility):
    compute.record_compute_plan(2024, [{"type": "a100", "count": "1000", "availability": "1", "factor": "1"}], {}, "Board",
                                actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert published(engine, 2024).capacity_gpu_hours == 8_784_000


@pytest.mark.parametrize(
    "pools, reserves, field",
    [
        ([{"type": "H 100", "count": "1", "availability": "1", "factor": "1"}], {}, "pools[1].type"),
        ([{"type": "h100", "count": "-4", "availability": "1", "factor": "1"}], {}, "pools[1].count"),
        ([{"type": "h100", "count": "many", "availability": "1", "factor": "1"}], {}, "pools[1].count"),
        ([{"type": "h100", "count": "4", "availability": "1.2", "factor": "1"}], {}, "pools[1].availability"),
        ([{"type": "h100", "count": "4", "availability": "x", "factor": "1"}], {}, "pools[1].availability"),
        ([{"type": "h100", "count": "4", "availability": "1", "factor": "2.5001"}], {}, "pools[1].factor"),
        ([{"type": "h100", "count": "4", "availability": "1", "factor": "0"}], {}, "pools[1].factor"),
        ([], {}, "pools"),
        (POOLS, {"open_calls": "60", "safety_labs": "41"}, "reserves"),
        (POOLS, {"open_calls": "-1"}, "reserves.open_calls"),
        (POOLS, {"Open Calls!": "1"}, "reserves"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field_and_nothing_is_stored(engine, facility, pools, reserves, field):
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        plan(engine, pools=pools, reserves=reserves)
    assert field in [problem.field for problem in refused.value.problems]
    assert (entries(engine), rows(engine, "compute_plan"), rows(engine, "gpu_pool")) == (before, 0, 0)


FORTY_NINES = "9" * 40
ONE_POOL = {"type": "h100", "count": "4", "availability": "1", "factor": "1"}


@pytest.mark.parametrize(
    "pools, reserves, field, accepted",
    [
        ([{**ONE_POOL, "count": str(2**31)}], {}, "pools[1].count", "from 1 to 10,000,000"),
        ([{**ONE_POOL, "count": FORTY_NINES}], {}, "pools[1].count", "from 1 to 10,000,000"),
        ([{**ONE_POOL, "availability": "1e308"}], {}, "pools[1].availability", "(0, 1]"),
        ([{**ONE_POOL, "availability": "0.95000000000001"}], {}, "pools[1].availability", "at most 6 decimal places"),
        ([{**ONE_POOL, "factor": "1e308"}], {}, "pools[1].factor", "at most 1000"),
        ([{**ONE_POOL, "factor": FORTY_NINES}], {}, "pools[1].factor", "at most 1000"),
        ([{**ONE_POOL, "factor": "-1e308"}], {}, "pools[1].factor", "at most 1000"),
        ([{**ONE_POOL, "type": f"g{n}", "count": "10000000", "factor": "1000"} for n in range(20)], {}, "pools",
         "at most 100,000,000,000 reference GPU-hours"),
        (POOLS, {"open_calls": "10.00000000001"}, "reserves.open_calls", "at most 3 decimal places"),
        (POOLS, {"open_calls": "1e308"}, "reserves.open_calls", "from 0 to 100"),
        (POOLS, {"open_calls": FORTY_NINES}, "reserves.open_calls", "from 0 to 100"),
    ],
)
def test_a_plan_out_of_range_is_refused_naming_the_field_and_range_on_both_databases(engine, facility, pools, reserves, field, accepted):
    """Bad input (issue 9): every figure a plan takes is bounded so that what is stored fits its
    column on SQLite and PostgreSQL (gpu_pool.availability and factor, compute_reserve.percent:
    12 characters; quota_entry.amount_ms: 64 bits), refused with the field and the accepted range."""
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        plan(engine, pools=pools, reserves=reserves)
    messages = {problem.field: problem.message for problem in refused.value.problems}
    assert field in messages and accepted in messages[field], messages
    assert (entries(engine), rows(engine, "compute_plan"), rows(engine, "gpu_pool")) == (before, 0, 0)


@pytest.mark.parametrize(
    "hours, accepted",
    [("1e308", "at most 1,533,000"), (FORTY_NINES, "at most 1,533,000"), (f"-{FORTY_NINES}", "at most 1,533,000"),
     (str(2**63), "at most 1,533,000"), ("1533001", "at most 1,533,000"), ("-1e-308", "three decimals"), ("NaN", "three decimals")],
)
def test_an_adjustment_out_of_range_is_refused_naming_gpu_hours_and_stores_nothing(engine, meeting, hours, accepted):
    """An adjustment corrects a quota: it is at most the year's capacity either way and may not take
    a balance beyond it, so every sum of the ledger fits 64 bits on both databases (issue 9)."""
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        compute.adjust_quota(2025, "DEU", hours, "a typo", actor=SECRETARIAT, uow=UnitOfWork(engine))
    [problem] = refused.value.problems
    assert problem.field == "gpu_hours" and accepted in problem.message, problem
    assert entries(engine) == before


def test_a_plan_reports_every_problem_at_once(engine, facility):
    with pytest.raises(ValidationFailed) as refused:
        compute.record_compute_plan("1999", [{"type": "", "count": "0", "availability": "0", "factor": "1"}], {"open_calls": "101"}, "",
                                    actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert [p.field for p in refused.value.problems] == ["year", "pools[1].type", "pools[1].count", "pools[1].availability",
                                                         "reserves.open_calls", "decision"]


def test_a_gpu_type_keeps_its_factor_and_a_plan_needs_its_year(engine, facility):
    plan(engine)
    with pytest.raises(Conflict, match="h100 counts 2.5 elsewhere, not 3"):
        plan(engine, 2026, pools=[{"type": "h100", "count": "1", "availability": "1", "factor": "3"}])
    with pytest.raises(NotFound, match="no fiscal year 2030"):
        plan(engine, 2030)


def test_only_the_secretariat_records_plans_and_allocates(engine, facility):
    for role in (Role.TREASURER, Role.DELEGATE, Role.AUDITOR):
        with pytest.raises(Forbidden):
            plan(engine, actor=Actor("user:1", role, "DEU" if role is Role.DELEGATE else None))
    assert rows(engine, "compute_plan") == 0


# Quotas --------------------------------------------------------------------------------------


def test_reserves_come_first_and_members_share_the_rest_by_assessment_exactly(engine, facility):
    pay_everything(engine)
    plan(engine, reserves={"open_calls": "10", "safety_labs": "5"})
    plan(engine, reserves={"open_calls": "12.5"})  # the latest plan is the one in force
    assert allocate(engine) == 4
    year = published(engine)
    # 12.5 % of 1,533,000 = 191,625 reserved; 1,341,375 shared 10:20:40:30 gives AUT and FRA
    # x.5 each: the last hour goes to the earlier code.
    assert [(r.name, r.gpu_hours) for r in year.reserves] == [("open_calls", 191_625)]
    assert {m.code: m.quota_gpu_hours for m in year.members} == {"AUT": 134_138, "BEL": 268_275, "DEU": 536_550, "FRA": 402_412}
    assert year.reserved_gpu_hours + sum(m.quota_gpu_hours for m in year.members) == CAPACITY_2025
    assert all(m.balance_ms == m.quota_ms and not m.frozen for m in year.members)
    assert [m.contribution_share for m in year.members] == [Decimal(10), Decimal(20), Decimal(40), Decimal(30)]
    assert year.allocated and verify_ledger(engine).ok


def test_allocation_needs_a_plan_and_a_budget_and_happens_once(engine, facility):
    with pytest.raises(Conflict, match="no capacity plan"):
        allocate(engine)
    compute.record_compute_plan(2025, POOLS, {}, "Board", actor=SECRETARIAT, uow=UnitOfWork(engine))
    allocate(engine)
    before = entries(engine)
    with pytest.raises(Conflict, match="allocated already"):
        allocate(engine)
    with pytest.raises(Conflict, match="allocated already; change them by adjustments"):
        plan(engine)
    with pytest.raises(ValidationFailed, match="on_date"):
        compute.allocate_quotas(2026, "2027-01-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before


def test_a_member_suspended_on_the_day_is_frozen_by_default_or_reduced_by_the_setting(engine, facility):
    pay_everything(engine, ("AUT", "BEL", "FRA"))  # DEU paid nothing for 2023 to 2025: suspended in June 2025
    plan(engine)
    allocate(engine, on_date="2025-06-30")
    deu = next(m for m in published(engine).members if m.code == "DEU")
    assert deu.frozen and deu.quota_gpu_hours > 0
    with engine.connect() as connection:
        assert "frozen: suspended on 2025-06-30" in connection.execute(
            text("SELECT reason FROM quota_entry WHERE member_code = 'DEU'")).scalar_one()

    contributions.change_setting("quota_suspension", "reduced 50 %", "Board, 2025", actor=SECRETARIAT, uow=UnitOfWork(engine))
    plan(engine, 2026)
    allocate(engine, 2026, on_date="2026-06-30")
    year = published(engine, 2026)
    deu = next(m for m in year.members if m.code == "DEU")
    fra = next(m for m in year.members if m.code == "FRA")
    assert not deu.frozen
    assert deu.quota_gpu_hours * 3 == pytest.approx(fra.quota_gpu_hours * 2, abs=3)  # half of 40 against 30
    assert year.reserved_gpu_hours + sum(m.quota_gpu_hours for m in year.members) == year.capacity_gpu_hours


def test_usage_debits_the_ledger_through_the_monthly_rollup_at_the_plans_factors(engine, facility):
    plan(engine)
    allocate(engine)
    compute.register_project("DEU", "Language models", "deu-llm", "SL-2", actor=SECRETARIAT, uow=UnitOfWork(engine))
    compute.register_project("FRA", "Vision", "fra-vision", "SL-1", actor=SECRETARIAT, uow=UnitOfWork(engine))
    header = "JobIDRaw|Cluster|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES\n"
    export = [
        header,
        "1|aurora|deu-llm|2025-03-31T20:00:00|2025-03-31T22:00:00|2025-04-01T02:00:00|14400|COMPLETED|gres/gpu:h100=4\n",
        "2|aurora|fra-vision|2025-05-01T00:00:00|2025-05-01T00:00:00|2025-05-01T10:00:00|36000|FAILED|gres/gpu=2\n",
        "3|aurora|fra-vision|2025-05-01T00:00:00|2025-05-01T00:00:00|2025-05-01T01:00:00|3600|COMPLETED|gres/gpu:b200=1\n",
    ]
    summary = ingest_usage(export, as_of=datetime(2025, 6, 1, tzinfo=UTC), actor=SECRETARIAT, engine=engine)
    assert summary.ingested == 2 and "has no pool factor" in "\n".join(summary.report_lines())
    year = published(engine)
    deu = next(m for m in year.members if m.code == "DEU")
    fra = next(m for m in year.members if m.code == "FRA")
    assert deu.used_ms == 4 * 4 * 25 * HOUR_MS // 10  # 4 h x 4 H100 x 2.5
    assert fra.used_ms == 20 * HOUR_MS
    assert deu.balance_ms == deu.quota_ms - deu.used_ms
    assert deu.usage_share == Decimal(100) * 40 / 60 and deu.ratio == deu.usage_share / deu.contribution_share
    with engine.connect() as connection:
        assert [(level.group, level.gpu_hours) for level in usage_by_safety_level(connection, 2025)] == [
            ("SL-1", Decimal("20.000")), ("SL-2", Decimal("40.000"))]
        assert [(p.account, p.member, p.safety_level) for p in list_projects(connection)] == [
            ("deu-llm", "DEU", "SL-2"), ("fra-vision", "FRA", "SL-1")]


# Transfers -----------------------------------------------------------------------------------


@pytest.fixture
def meeting(engine, facility):
    number = governance.schedule_meeting("Board, June 2025", "2025-06-12", actor=SECRETARIAT, uow=UnitOfWork(engine))
    governance.record_presence(number, list(MEMBERS), actor=SECRETARIAT, uow=UnitOfWork(engine))
    pay_everything(engine)
    plan(engine)
    allocate(engine)
    return number


def propose_transfer(engine, meeting, effect):
    return governance.propose_motion(meeting, "Transfer", "DEU lends hours to AUT.", "quota_transfer", "simple_majority", "equal", "roll_call",
                                effect, actor=SECRETARIAT, uow=UnitOfWork(engine))


def decide(engine, number, choice="yes") -> str:
    governance.open_motion(number, "2025-06-12", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for code in MEMBERS:
        governance.cast_ballot(number, code, choice, today=date(2025, 6, 12), actor=Actor(f"user:{code}", Role.DELEGATE, code), uow=UnitOfWork(engine))
    return governance.close_motion(number, "2025-06-12", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))


def test_an_adopted_transfer_motion_moves_hours_citing_it_and_balances_stay_sums(engine, meeting):
    before = {m.code: m.balance_ms for m in published(engine).members}
    number = propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": "50000"})
    assert decide(engine, number) == "adopted"
    year = published(engine)
    after = {m.code: m for m in year.members}
    assert after["DEU"].transferred_ms == -50_000 * HOUR_MS and after["AUT"].transferred_ms == 50_000 * HOUR_MS
    assert after["DEU"].balance_ms == before["DEU"] - 50_000 * HOUR_MS
    assert sum(m.balance_ms for m in year.members) == sum(before.values())
    with engine.connect() as connection:
        lines = [(line.member, line.kind, line.motion_id) for line in ledger_lines(connection, 2025) if line.motion_id]
    assert lines == [("DEU", "transfer_out", number), ("AUT", "transfer_in", number)]
    assert verify_ledger(engine).ok


def test_a_rejected_transfer_moves_nothing(engine, meeting):
    number = propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 10})
    assert decide(engine, number, "no") == "rejected"
    assert all(m.transferred_ms == 0 for m in published(engine).members)


@pytest.mark.parametrize(
    "effect, field",
    [
        ({"year": 2025, "from": "DEU", "to": "DEU", "gpu_hours": 10}, "effect.to"),
        ({"year": 2025, "from": "XXX", "to": "AUT", "gpu_hours": 10}, "effect.from"),
        ({"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": "-5"}, "effect.gpu_hours"),
        ({"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": "1.5"}, "effect.gpu_hours"),
        ({"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": "9" * 40}, "effect.gpu_hours"),  # issue 9: was a 500
        ({"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": "1e308"}, "effect.gpu_hours"),
        ({"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 2**63}, "effect.gpu_hours"),
        ({"year": 2**63, "from": "DEU", "to": "AUT", "gpu_hours": 10}, "effect.year"),
        ({"year": "soon", "from": "DEU", "to": "AUT", "gpu_hours": 10}, "effect.year"),
        ({"from": "DEU", "to": "AUT", "gpu_hours": 10}, "effect.year"),
    ],
)
def test_a_bad_transfer_is_refused_when_proposed_naming_the_field(engine, meeting, effect, field):
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        propose_transfer(engine, meeting, effect)
    assert field in [problem.field for problem in refused.value.problems]
    assert entries(engine) == before


def test_a_transfer_larger_than_the_givers_balance_is_refused_when_proposed_and_when_adopted(engine, meeting):
    deu = next(m for m in published(engine).members if m.code == "DEU")
    with pytest.raises(Conflict, match="DEU has 521,220.000 usable GPU-hours left in 2025; it cannot give 600,000"):
        propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 600_000})
    number = propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": deu.quota_gpu_hours})
    compute.adjust_quota(2025, "DEU", "-1", "pool A down for an hour", actor=SECRETARIAT, uow=UnitOfWork(engine))
    governance.open_motion(number, "2025-06-12", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for code in MEMBERS:
        governance.cast_ballot(number, code, "yes", today=date(2025, 6, 12), actor=Actor(f"user:{code}", Role.DELEGATE, code), uow=UnitOfWork(engine))
    before = entries(engine)
    with pytest.raises(Conflict, match="cannot give"):
        governance.close_motion(number, "2025-06-12", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before  # the motion stays open: nothing of the close was stored


def test_hours_move_only_through_an_adopted_motion(engine, meeting):
    number = propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 10})
    with pytest.raises(Conflict, match="not adopted"):
        compute.apply_quota_transfer({"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 10}, number,
                                     actor=SECRETARIAT, uow=UnitOfWork(engine))


def test_transfers_wait_for_the_years_allocation(engine, facility):
    number = governance.schedule_meeting("Board", "2025-06-12", actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="not allocated yet"):
        propose_transfer(engine, number, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 10})


# Adjustments and closing ---------------------------------------------------------------------


def test_an_adjustment_needs_a_reason_and_a_non_zero_amount(engine, meeting):
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        compute.adjust_quota(2025, "DEU", "0", "", actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert [p.field for p in refused.value.problems] == ["gpu_hours", "reason"]
    with pytest.raises(ValidationFailed, match="member"):
        compute.adjust_quota(2025, "ZZZ", "5", "typo", actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before
    compute.adjust_quota(2025, "DEU", "-120.5", "pool B down for 3 days (incident 42)", actor=SECRETARIAT, uow=UnitOfWork(engine))
    deu = next(m for m in published(engine).members if m.code == "DEU")
    assert deu.adjusted_ms == -120_500 * HOUR_MS // 1000
    assert deu.balance_ms == deu.quota_ms + deu.adjusted_ms


def test_closing_carries_up_to_the_setting_into_the_next_year_and_forfeits_the_rest(engine, meeting):
    set_carry_over(engine)
    # Quotas with 15 % reserved: AUT 130,305, BEL 260,610, DEU 521,220, FRA 390,915.
    compute.adjust_quota(2025, "AUT", "-130305", "AUT gives its whole quota back", actor=SECRETARIAT, uow=UnitOfWork(engine))
    compute.adjust_quota(2025, "BEL", "-260620", "BEL overdrew by 10 hours", actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="ends on 2025-12-31"):
        compute.close_compute_year(2025, "2025-12-31", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert compute.close_compute_year(2025, "2026-01-05", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine)) == 4
    year = published(engine)
    assert year.closed and all(m.balance_ms == 0 for m in year.members)
    by_code = {m.code: m for m in year.members}
    assert (by_code["DEU"].carried_out_ms, by_code["DEU"].forfeited_ms) == (-52_122 * HOUR_MS, -469_098 * HOUR_MS)
    assert (by_code["AUT"].carried_out_ms, by_code["AUT"].forfeited_ms) == (0, 0)
    assert (by_code["BEL"].carried_out_ms, by_code["BEL"].forfeited_ms) == (10 * HOUR_MS, 0)  # owed, carried in full
    with engine.connect() as connection:
        carried_in = {line.member: line.amount_ms for line in ledger_lines(connection, 2026)}
    assert carried_in == {"DEU": 52_122 * HOUR_MS, "FRA": 39_091 * HOUR_MS + HOUR_MS // 2, "BEL": -10 * HOUR_MS}
    with pytest.raises(Conflict, match="closed"):
        compute.adjust_quota(2025, "DEU", "1", "late", actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="closed"):
        propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 1})
    assert verify_ledger(engine).ok


def test_up_to_p_percent_is_a_cap_on_the_carry_over_not_a_rate(engine, meeting):
    """"Up to P %" of the year's quota caps what is carried: all of a small unused balance is
    carried, only what exceeds P % of the quota is forfeited (EuroHPC JU access policy and PRACE
    calls: unused allocations expire; a capped carry-over is a cap, not a rate; README, Compute rules)."""
    set_carry_over(engine)
    compute.adjust_quota(2025, "DEU", "-521170", "DEU leaves 50 hours unused", actor=SECRETARIAT, uow=UnitOfWork(engine))
    compute.close_compute_year(2025, "2026-01-05", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    deu = next(m for m in published(engine).members if m.code == "DEU")
    assert (deu.carried_out_ms, deu.forfeited_ms) == (-50 * HOUR_MS, 0)  # not 5 carried and 45 forfeited
    fra = next(m for m in published(engine).members if m.code == "FRA")  # 390,915 unused: capped at 10 % of it
    assert (fra.carried_out_ms, fra.forfeited_ms) == (-39_091 * HOUR_MS - HOUR_MS // 2, -351_823 * HOUR_MS - HOUR_MS // 2)


def test_frozen_hours_are_forfeited_at_closing_never_carried_or_given_away(engine, facility):
    """A quota frozen by a suspension (quota_suspension "frozen": kept but not usable) stays unusable:
    closing forfeits it instead of carrying it into the next year as usable hours, and a transfer
    cannot give it to another member (DESIGN.md, Compute; README, Compute rules)."""
    pay_everything(engine, ("AUT", "BEL", "FRA"))  # DEU is suspended in June 2025: its quota is frozen
    plan(engine)
    allocate(engine, on_date="2025-06-30")
    contributions.change_setting("quota_carry_over", "up to 10 %", "Board, 2025", actor=SECRETARIAT, uow=UnitOfWork(engine))
    meeting = governance.schedule_meeting("Board", "2025-07-10", actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match=r"DEU has 0.000 usable GPU-hours left in 2025 \(521,220 more are frozen\)"):
        propose_transfer(engine, meeting, {"year": 2025, "from": "DEU", "to": "AUT", "gpu_hours": 10})
    compute.adjust_quota(2025, "DEU", "30", "pool A credit for an outage (incident 7)", actor=SECRETARIAT, uow=UnitOfWork(engine))
    compute.close_compute_year(2025, "2026-01-05", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    deu = next(m for m in published(engine).members if m.code == "DEU")
    assert deu.frozen and deu.balance_ms == 0
    assert (deu.carried_out_ms, deu.forfeited_ms) == (-30 * HOUR_MS, -521_220 * HOUR_MS)  # only the usable 30 h carried
    with engine.connect() as connection:
        carried_in = {line.member: line.amount_ms for line in ledger_lines(connection, 2026)}
    assert carried_in["DEU"] == 30 * HOUR_MS
    assert verify_ledger(engine).ok


def test_a_ledger_line_edited_in_the_database_fails_verification(engine, meeting):
    with engine.begin() as connection:
        connection.execute(text("UPDATE quota_entry SET amount_ms = amount_ms + 1 WHERE member_code = 'DEU'"))
    assert not verify_ledger(engine).ok


def test_the_shared_world_publishes_what_it_promises(engine):
    expected = build_compute_world(engine)
    year = published(engine)
    assert (year.capacity_gpu_hours, year.reserved_gpu_hours) == (expected.capacity, expected.reserved)
    assert tuple((m.code, m.quota_gpu_hours) for m in year.members) == expected.quotas
    assert tuple((m.code, m.used_gpu_hours) for m in year.members if m.used_ms) == expected.used
    with engine.connect() as connection:
        assert tuple((m.group, m.gpu_hours) for m in monthly_usage(connection, 2025)) == expected.monthly
        assert tuple((level.group, level.gpu_hours) for level in usage_by_safety_level(connection, 2025)) == expected.by_level
    assert verify_ledger(engine).ok
