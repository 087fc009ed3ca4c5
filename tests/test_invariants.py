"""The declared invariants `ledger verify` checks (DESIGN.md, Journal and verification), on SQLite
and PostgreSQL: a ledger in use breaks none; each direct change to the database that breaks one
is reported by it, naming the year, member, motion or row."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.db.uow import UnitOfWork
from ledger.domain.invariants import INVARIANTS
from ledger.services import compute
from ledger.services.verification import verify_ledger
from tests.compute_world import SECRETARIAT, TODAY, allocate, build_compute_world, build_facility, pay_everything, plan, set_carry_over


def close_2025(engine) -> None:
    set_carry_over(engine)
    compute.close_compute_year(2025, "2026-01-05", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))


@pytest.fixture
def closed_world(engine):
    """The shared compute world (budgets, a scale, quotas, usage, an adopted transfer) with 2025 closed."""
    build_compute_world(engine)
    close_2025(engine)
    report = verify_ledger(engine)
    assert report.ok, [str(problem) for problem in (*report.problems, *report.invariant_problems)]
    return engine


def broken(engine, *statements: str) -> list[str]:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    return [str(problem) for problem in verify_ledger(engine).invariant_problems]


def motion_id(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT id FROM motion WHERE kind = 'quota_transfer'")).scalar_one()


def scale_id(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT id FROM scale")).scalar_one()


FACT = "INSERT INTO member_status_change (member_code, status, effective, journal_seq) VALUES ('AUT', '{}', '{}', 1)"


@pytest.mark.parametrize(
    "statements, expected",
    [
        (["UPDATE scale_line SET share_pct = '41.000' WHERE member_code = 'DEU'"],
         "shares_sum_to_100: scale {scale} (2023-2026): the shares sum to 101 %, not 100 %"),
        (["UPDATE assessment SET share_pct = '39.5' WHERE year = 2025 AND member_code = 'DEU'"],
         "shares_sum_to_100: 2025: the shares sum to 99.5 %, not 100 %"),
        (["UPDATE assessment SET amount_minor = amount_minor + 1 WHERE year = 2024 AND member_code = 'DEU'"],
         "assessments_sum_to_the_budget: 2024: the assessments sum to 1000000.01 EUR, the budget is 1000000.00 EUR"),
        (["UPDATE quota_entry SET amount_ms = amount_ms + 3600000 WHERE reserve = 'open_calls'"],
         "reserves_and_quotas_make_the_capacity: 2025: reserves and quotas credit 1,533,001.000 GPU-hours"),
        ([FACT.format("withdrawn", "2026-01-01")],
         "assessed_only_while_paying: 2026 AUT: assessed 100000.00 EUR but neither a member nor an associate on any day of 2026"),
        (["UPDATE quota_entry SET amount_ms = amount_ms + 3600000 WHERE kind = 'carry_in' AND member_code = 'DEU'"],
         "balances_are_the_sum_of_their_lines: 2025 DEU: carried 52,122.000 GPU-hours out of 2025 but 52,123.000 into 2026"),
        (["UPDATE quota_entry SET amount_ms = amount_ms - 3600000 WHERE kind = 'forfeit' AND member_code = 'FRA'"],
         "balances_are_the_sum_of_their_lines: 2025 FRA: the balance after closing is -1.000 GPU-hours, not 0"),
        # AUT withdrawn for three weeks around the vote of 12 June 2025, still paying most of 2025
        ([FACT.format("withdrawn", "2025-06-01"), FACT.format("member", "2025-06-20")],
         "counted_ballots_were_entitled: motion #{motion} AUT: its ballot was counted but on 2025-06-12 its status was withdrawn"),
        (["""UPDATE motion_event SET snapshot_json = replace(snapshot_json, '"ineligible":{}', '"ineligible":{"AUT":"arrears of 2023"}')"""],
         "counted_ballots_were_entitled: motion #{motion} AUT: its ballot was counted but its vote was suspended without a waiver"),
        # a number no motion has: the databases of a run are emptied between tests, not their id sequences
        (["UPDATE fiscal_year_event SET decision = 'motion #2000000000 (Budget 2025)' WHERE year = 2025 AND event = 'adopted'"],
         "effects_cite_adopted_motions: fiscal_year_event {event} (2025 adopted): cites motion #2000000000, which does not exist or was never closed"),
        (["UPDATE motion_event SET outcome = 'rejected' WHERE event = 'closed'"],
         "effects_cite_adopted_motions: quota_entry {transfer} (2025 DEU transfer_out): written by motion #{motion}, which was rejected"),
    ],
    ids=["scale-shares", "year-shares", "budget", "capacity", "paying", "carry", "closed-balance", "ballot-member", "ballot-suspended",
         "citation", "effect"],
)
def test_a_direct_change_that_breaks_an_invariant_is_reported_naming_what_it_is_about(closed_world, statements, expected):
    """Each invariant is its rule's check (see ledger.domain.invariants for the sources)."""
    with closed_world.connect() as connection:
        ids = {
            "motion": motion_id(closed_world),
            "event": connection.execute(text("SELECT id FROM fiscal_year_event WHERE year = 2025 AND event = 'adopted'")).scalar_one(),
            "transfer": connection.execute(text("SELECT id FROM quota_entry WHERE kind = 'transfer_out'")).scalar_one(),
            "scale": scale_id(closed_world),
        }
    problems = broken(closed_world, *statements)
    assert any(problem.startswith(expected.format(**ids)) for problem in problems), problems


def test_a_frozen_quota_carried_into_the_next_year_is_reported(engine):
    """Frozen hours are forfeited at closing, never carried (quota_suspension "frozen": kept but
    not usable; README, Compute rules). A closing that carried them is named."""
    build_facility(engine)
    pay_everything(engine, ("AUT", "BEL", "FRA"))  # DEU suspended in June 2025: frozen
    plan(engine)
    allocate(engine, on_date="2025-06-30")
    close_2025(engine)
    assert verify_ledger(engine).ok  # on the old closing, 52,122 frozen hours were carried into 2026
    problems = broken(engine, "UPDATE quota_entry SET kind = 'carry_out' WHERE kind = 'forfeit' AND member_code = 'DEU'")
    assert any(problem.startswith(
        "no_frozen_hours_made_usable: 2025 DEU: carried 521,220.000 GPU-hours out of 2025 but only 0.000 were usable"
    ) for problem in problems), problems


def test_verify_prints_every_invariant_problem_and_exits_non_zero(closed_world, monkeypatch):
    """Users see every problem at once (beancount's validations), with a failing exit status."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", closed_world.url.render_as_string(hide_password=False))
    runner = CliRunner()
    fine = runner.invoke(cli, ["verify"])
    assert fine.exit_code == 0 and f"{len(INVARIANTS)} invariants hold" in fine.output
    broken(closed_world, "UPDATE assessment SET amount_minor = amount_minor + 1 WHERE member_code = 'DEU'",
           "UPDATE scale_line SET share_pct = '41.000' WHERE member_code = 'DEU'")
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert "invariant problem(s)" in result.output
    for year in (2023, 2024, 2025, 2026):
        assert f"assessments_sum_to_the_budget: {year}:" in result.output
    assert f"shares_sum_to_100: scale {scale_id(closed_world)} (2023-2026)" in result.output
