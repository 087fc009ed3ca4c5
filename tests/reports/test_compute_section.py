"""The compute section of the annual report: built from the published compute figures, read back from the PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.queries.compute import compute_year
from ledger.queries.journal import head
from ledger.reports.annual import build_annual_report
from ledger.reports.model import Table
from ledger.reports.render import render_annual_report
from ledger.services import compute
from ledger.services import contributions
from ledger.services.members import admit_member
from ledger.services.usage import ingest_usage
from tests.compute_world import (
    EXPECTED,
    EXPORT,
    INCOMES,
    MEMBERS,
    PROJECTS,
    SECRETARIAT,
    TODAY,
    build_compute_world,
    build_facility,
    plan,
    set_carry_over,
)
from tests.reports.test_render import pages_text

NAMES = {"AUT": "Austria", "BEL": "Belgium", "DEU": "Germany", "FRA": "France"}
THOUSANDTH = Decimal("0.001")


def hours(value: Decimal | int) -> str:
    """GPU-hours as the ledger publishes them: grouped, to a thousandth."""
    return f"{Decimal(value).quantize(THOUSANDTH):,}"


def report_text(engine, year: int = 2025) -> str:
    with engine.connect() as connection:
        return " ".join(pages_text(render_annual_report(build_annual_report(connection, year, TODAY))))


def ledger_rows() -> dict[str, dict[str, Decimal]]:
    """Each member's lines of 2025 in GPU-hours, worked out from what the world did, and its balance."""
    used = dict(EXPECTED.used)
    giver, receiver, moved = EXPECTED.transfer
    adjusted_member, adjustment = EXPECTED.adjustment
    rows = {}
    for code, quota in EXPECTED.quotas:
        transferred = Decimal(-moved if code == giver else moved if code == receiver else 0)
        adjusted = adjustment if code == adjusted_member else Decimal(0)
        spent = used.get(code, Decimal(0))
        rows[code] = {"quota": Decimal(quota), "transferred": transferred, "adjusted": adjusted, "used": spent,
                      "balance": quota + transferred + adjusted - spent}
    return rows


def transfer_motion(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT id FROM motion WHERE kind = 'quota_transfer'")).scalar_one()


@pytest.fixture
def world(engine):
    build_compute_world(engine)
    return engine


def test_capacity_reserves_and_quotas_are_printed_with_the_plans_decision(world):
    report = report_text(world)
    assert "Compute 2025 Units. Every figure is in reference GPU-hours" in report
    assert "8,760 hours in the year" in report and "plan following Board, 10 December 2024, item 7" in report
    assert "a100 40 1 1 350,400 h100 60 0.9 2.5 1,182,600" in report
    assert f"Total 100 {EXPECTED.capacity:,}" in report
    quotas = sum(quota for _code, quota in EXPECTED.quotas)
    assert quotas == EXPECTED.capacity - EXPECTED.reserved
    assert "Reserve open calls 10% 153,300 Reserve AI safety labs 5% 76,650" in report
    assert f"Member quotas {quotas:,} Total {EXPECTED.capacity:,}" in report
    assert "quota suspension setting: frozen" in report and "carry-over setting: none" in report and "largest remainder" in report


def test_each_member_has_its_share_quota_use_and_ratio(world):
    report = report_text(world)
    used = dict(EXPECTED.used)
    total_used = sum(used.values())
    for code, quota in EXPECTED.quotas:
        spent = used.get(code, Decimal(0))
        contribution_share = Decimal(INCOMES[code])  # the incomes add up to 100
        usage_share = 100 * spent / total_used
        ratio = (usage_share / contribution_share).quantize(Decimal("0.01"))
        assert (f"{code} {NAMES[code]} {contribution_share:.3f}% {quota:,} {hours(spent)} "
                f"{usage_share.quantize(Decimal('0.01'))}% {ratio}") in report, code
    assert f"Total 100.000% {EXPECTED.capacity - EXPECTED.reserved:,} {hours(total_used)} 100.00%" in report


def test_the_ledger_shows_the_transfer_with_its_motion_and_the_adjustment_with_its_reason(world):
    report = report_text(world)
    for code, row in ledger_rows().items():
        assert (f"{code} {int(row['quota']):,} 0.000 {hours(row['transferred'])} {hours(row['adjusted'])} "
                f"{hours(row['used'])} 0.000 0.000 {hours(row['balance'])}") in report, code
    giver, receiver, moved = EXPECTED.transfer
    assert f"Motion No. From To GPU-hours {transfer_motion(world)} {giver} {receiver} {hours(moved)}" in report
    code, adjustment = EXPECTED.adjustment
    assert f"{code} {hours(adjustment)} pool B down for three days (incident 42)" in report
    assert "The ledger of 2025 is open" in report


def test_use_is_printed_per_month_and_per_safety_level(world):
    report = report_text(world)
    total = sum(used for _code, used in EXPECTED.used)
    assert sum(used for _level, used in EXPECTED.by_level) == sum(used for _month, used in EXPECTED.monthly) == total
    for month, used in EXPECTED.monthly:
        assert f"{month} {hours(used)} {(100 * used / total).quantize(Decimal('0.01'))}%" in report, month
    levels = " ".join(f"{level} {hours(used)} {(100 * used / total).quantize(Decimal('0.01'))}%"
                      for level, used in EXPECTED.by_level)
    assert f"Safety level GPU-hours Share of use {levels} Total {hours(total)} 100.00%" in report


def test_closing_shows_what_each_member_carried_and_forfeited(world):
    set_carry_over(world)
    compute.close_compute_year(2025, "2026-01-15", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(world))
    report = report_text(world)
    for code, row in ledger_rows().items():
        # "up to 10 %" caps the carry at a tenth of the year's quota (README, Compute rules)
        carried = min(row["balance"], (Decimal(row["quota"]) / 10).quantize(THOUSANDTH, rounding=ROUND_FLOOR))
        forfeited = row["balance"] - carried
        assert (f"{code} {int(row['quota']):,} 0.000 {hours(row['transferred'])} {hours(row['adjusted'])} "
                f"{hours(row['used'])} {hours(carried)} {hours(forfeited)} 0.000") in report, code
    assert "carry-over setting: up to 10 %" in report and "The ledger of 2025 is closed." in report


def test_the_ledger_rows_of_the_record_add_up_to_their_balances(world):
    with world.connect() as connection:
        record = build_annual_report(connection, 2025, TODAY)
    section = next(section for section in record.sections if section.title == "Compute 2025")
    ledger = next(block for block in section.blocks if isinstance(block, Table) and block.caption.startswith("GPU-hour ledger"))
    assert ledger.total_row and ledger.header[0] == "Code"
    for code, quota, carried_in, transferred, adjusted, used, carried_out, forfeited, balance in ledger.rows:
        figures = [Decimal(cell.replace(",", "")) for cell in (quota, carried_in, transferred, adjusted, used, carried_out, forfeited, balance)]
        assert figures[0] + figures[1] + figures[2] + figures[3] - figures[4] - figures[5] - figures[6] == figures[7], code
    assert [row[0] for row in ledger.rows] == [*sorted(NAMES), "Total"]


def test_the_same_ledger_gives_the_same_bytes(world):
    with world.connect() as connection:
        first = render_annual_report(build_annual_report(connection, 2025, TODAY))
    with world.connect() as connection:
        assert render_annual_report(build_annual_report(connection, 2025, TODAY)) == first


def test_a_year_without_a_capacity_plan_says_so_in_one_line(engine):
    build_facility(engine)
    report = report_text(engine, 2024)
    assert "Compute 2024 No capacity plan was recorded for 2024, so no GPU-hours were allocated. Journal checkpoint" in report
    assert "reference GPU-hours" not in report


def test_a_closed_year_keeps_its_compute_as_it_closed(world):
    compute.close_compute_year(2025, "2026-01-15", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(world))
    contributions.close_year(2025, "Board, March 2026", "2026-03-15", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(world))
    before = report_text(world)
    # A job of 2025 ingested after the year closed debits 2025 (the overdraft shows in the ledger), not its report.
    late = [EXPORT[0], "9|aurora|deu-llm|2025-06-01T00:00:00|2025-06-01T00:00:00|2025-06-01T01:00:00|3600|COMPLETED|gres/gpu=1|late\n"]
    assert ingest_usage(late, as_of=datetime(2026, 4, 1, tzinfo=UTC), actor=SECRETARIAT, engine=world).ingested == 1
    assert report_text(world) == before


def test_compute_as_of_an_earlier_entry_leaves_out_the_assessments_made_after_it(engine):
    """A report taken at a journal entry (a closed year's) shares use against the assessments made by then only."""
    for code in MEMBERS:
        admit_member(code, None, "member", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    proposal = contributions.propose_scale(2025, 2025, INCOMES, ceiling="", floor="", precision="0.001", associate_factor="10",
                                     uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="test incomes", decision="Board 2024", adopted_on="2024-11-01", today=TODAY,
                        actor=SECRETARIAT, uow=UnitOfWork(engine))
    contributions.open_year(2025, "2025-03-31", "1000000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
    plan(engine)
    for project in PROJECTS:
        compute.register_project(*project, actor=SECRETARIAT, uow=UnitOfWork(engine))
    ingest_usage(EXPORT, as_of=datetime(2025, 6, 1, tzinfo=UTC), actor=SECRETARIAT, engine=engine)
    with engine.connect() as connection:
        before_assessing = head(connection).seq
    contributions.adopt_budget(2025, "Board", "2024-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    with engine.connect() as connection:
        then = compute_year(connection, 2025, before_assessing)
        now = compute_year(connection, 2025)
    assert [(member.code, member.contribution_share, member.ratio) for member in then.members] == [
        (code, Decimal(0), None) for code, _used in EXPECTED.used
    ]
    assert {member.code: member.contribution_share for member in now.members} == {
        code: Decimal(INCOMES[code]) for code, _used in EXPECTED.used
    }
