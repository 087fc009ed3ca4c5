"""Adopting a budget or a scale cites the board's adopted motion once the ledger holds the board's
decisions (issue 13 item 8, last sentence), on SQLite and PostgreSQL.

The rule (ledger.services.contributions.cite_board_decision): from the day of the first meeting
the ledger records, an adoption cites the adopted motion of its kind whose effect is exactly
this adoption; before that day (a decision taken before the ledger held the board's) free text
cites it. Source: DESIGN.md Governance (an adopted motion applies its effect and cites it);
INTOSAI-P 12 / COSO (every entry traceable to the authorising decision).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.services import contributions
from ledger.services.verification import verify_ledger
from tests.test_governance import DAY, MEMBERS, SECRETARIAT, TODAY, close, council, motion, vote  # noqa: F401 - the board's scene


def adopt_2025(engine, decision="Board, June 2025", adopted_on=DAY.isoformat(), motion_id=None):
    return contributions.adopt_budget(2025, decision, adopted_on, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine), motion=motion_id)


def refusal(call) -> str:
    with pytest.raises(ValidationFailed) as refused:
        call()
    assert [problem.field for problem in refused.value.problems] == ["motion"]
    return refused.value.problems[0].message


@pytest.fixture
def years(engine, council):
    """A scale adopted before the first meeting (free text), and 2025 and 2026 in draft."""
    proposal = contributions.propose_scale(2025, 2026, dict.fromkeys(MEMBERS, "100"), ceiling="", floor="", precision="0.001",
                                     associate_factor="10", uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="test incomes", decision="Board, November 2024", adopted_on="2024-11-20",
                        today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for year in (2025, 2026):
        contributions.open_year(year, f"{year}-09-30", "700000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
    return council


def test_free_text_cites_only_a_decision_taken_before_the_first_recorded_meeting(engine, years):
    message = refusal(lambda: adopt_2025(engine))  # on the day of the first meeting
    assert message.startswith(f"the ledger holds the board's decisions since its first meeting ({DAY})")
    assert adopt_2025(engine, adopted_on="2025-06-11") == len(MEMBERS)  # the day before: free text
    with engine.connect() as connection:
        assert connection.execute(text("SELECT decision FROM fiscal_year_event WHERE year = 2025")).scalar() == "Board, June 2025"


def test_a_budget_motion_adopts_its_budget_citing_itself(engine, years):
    number = motion(engine, years, rule="simple_majority", kind="budget", effect={"year": 2026})
    vote(engine, number, dict.fromkeys(MEMBERS[:-1], "yes"))
    assert close(engine, number) == "adopted"
    with engine.connect() as connection:
        cited = connection.execute(text("SELECT decision FROM fiscal_year_event WHERE year = 2026 AND event = 'adopted'")).scalar()
    assert cited == f"motion #{number} (A motion)"
    # Cited again for another year, its figures differ; for its own year, the budget is adopted already.
    assert "adopted other figures" in refusal(lambda: adopt_2025(engine, motion_id=number))
    with pytest.raises(Conflict, match="already adopted"):
        contributions.adopt_budget(2026, "", DAY.isoformat(), today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine), motion=number)
    assert verify_ledger(engine).ok


def test_a_cited_motion_must_exist_be_adopted_and_of_the_matching_kind(engine, years):
    general = motion(engine, years, rule="simple_majority")
    vote(engine, general, dict.fromkeys(MEMBERS[:-1], "yes"))
    close(engine, general)
    rejected = motion(engine, years, rule="simple_majority", kind="budget", effect={"year": 2025})
    vote(engine, rejected, dict.fromkeys(MEMBERS[:-1], "no"))
    close(engine, rejected)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()
    assert refusal(lambda: adopt_2025(engine, motion_id="999")) == "no motion #999; cite the adopted budget motion by its number"
    assert "is a general motion" in refusal(lambda: adopt_2025(engine, motion_id=str(general)))
    assert f"motion #{rejected} is rejected" in refusal(lambda: adopt_2025(engine, motion_id=rejected))
    assert "motion" in refusal(lambda: adopt_2025(engine, motion_id="twelve"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM journal_entry")).scalar() == before  # nothing stored on refusal


def test_a_scale_after_the_first_meeting_cites_its_adopted_scale_motion(engine, years):
    proposal = contributions.propose_scale(2027, 2028, dict.fromkeys(MEMBERS, "100"), ceiling="", floor="", precision="0.001",
                                     associate_factor="10", uow=UnitOfWork(engine))
    assert "cites the adopted scale motion" in refusal(lambda: contributions.adopt_scale(
        proposal, income_measure="test incomes", decision="Board", adopted_on=DAY.isoformat(), today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine)))
    effect = {"first_year": 2027, "last_year": 2028, "incomes": dict.fromkeys(MEMBERS, "100"), "ceiling": "", "floor": "",
              "precision": "0.001", "associate_factor": "10", "income_measure": "test incomes"}
    number = motion(engine, years, rule="simple_majority", kind="scale", effect=effect)
    vote(engine, number, dict.fromkeys(MEMBERS[:-1], "yes"))
    assert close(engine, number) == "adopted"
    with engine.connect() as connection:
        cited = connection.execute(text("SELECT decision FROM scale WHERE first_year = 2027")).scalar()
    assert cited == f"motion #{number} (A motion)"
    other = contributions.propose_scale(2027, 2028, dict.fromkeys(MEMBERS, "200") | {"AUT": "300"}, ceiling="", floor="", precision="0.001",
                                  associate_factor="10", uow=UnitOfWork(engine))
    assert "adopted other figures" in refusal(lambda: contributions.adopt_scale(
        other, income_measure="test incomes", decision="", adopted_on=DAY.isoformat(), today=TODAY, actor=SECRETARIAT,
        uow=UnitOfWork(engine), motion=number))
