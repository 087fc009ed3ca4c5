"""A closed secret ballot publishes its outcome and the check against each threshold, nothing
that names a voter or a total (issue 13 item 9), on every surface, on SQLite and PostgreSQL.

The rule (ledger.domain.governance.rules.published_snapshot): a roll-call publishes each ballot, who voted
and the totals (Council of the EU Rules of Procedure, Decision 2009/937/EU, Art. 9: results
and members' votes made public); a secret ballot only the outcome and, per threshold, whether it
was met (Venice Commission Code of Good Practice in Electoral Matters I.4: secrecy of the vote).
The scene is the issue's: DEU 40 %, FRA 30 %, ITA 30 % of the weight; DEU votes yes, FRA and
ITA no. A published "40 % of the weight for" would leave one possible split.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.governance.publication import published_snapshot
from ledger.queries import governance as governance_queries
from ledger.services import governance as board
from ledger.services.members import admit_member
from ledger.services.verification import verify_ledger
from tests.test_governance import DAY, SECRETARIAT, TODAY, delegate

WEIGHTED_MAJORITY = json.dumps({"weights": "weighted", "base": "cast", "abstention": "not_cast",
                                "weight_threshold": {"op": "more_than", "fraction": "1/2"}})
VOTES = {"DEU": "yes", "FRA": "no", "ITA": "no"}
# Every number a published total could carry in this scene: 40 (%) for, 60 against, 1 of 3, 2 of 3.
TELLTALES = ("40 %", "60 %", "40/1", "60/1", "1 of 3", "2 of 3", "in_favour", "against\"")


@pytest.fixture
def closed(engine):
    """A weighted secret ballot and the same motion by roll call, both closed (rejected: 40 % for)."""
    for code in VOTES:
        admit_member(code, None, "member", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.record_weights("shares", "the issue's example", {"DEU": "40", "FRA": "30", "ITA": "30"}, actor=SECRETARIAT, uow=UnitOfWork(engine))
    meeting = board.schedule_meeting("Board, June 2025", DAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.record_presence(meeting, list(VOTES), actor=SECRETARIAT, uow=UnitOfWork(engine))
    numbers = {}
    for ballot in ("secret", "roll_call"):
        number = board.propose_motion(meeting, f"A {ballot} motion", "The board decides.", "general", WEIGHTED_MAJORITY,
                                      "weight_set:shares", ballot, {}, actor=SECRETARIAT, uow=UnitOfWork(engine))
        board.open_motion(number, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
        for code, choice in VOTES.items():
            board.cast_ballot(number, code, choice, today=DAY, actor=delegate(code), uow=UnitOfWork(engine))
        assert board.close_motion(number, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine)) == "rejected"
        numbers[ballot] = number
    return numbers


def test_the_api_publishes_a_secret_ballots_outcome_and_threshold_check_only(client, closed):
    secret = client.get(f"/api/v1/motions/{closed['secret']}").get_json()
    assert (secret["outcome"], secret["ballots"], secret["voted"], secret["proxies"]) == ("rejected", None, None, None)
    assert secret["tally"]["members"] is None and secret["tally"]["weight"] is None
    assert secret["tally"]["checks"] == [{"measure": "weight", "threshold": {"op": "more_than", "fraction": "1/2"}, "met": False, "deemed_met": False}]
    assert secret["explanation"] == "Rejected by secret ballot: the weight threshold (more than half (50 %) of the weight cast) not met."
    assert not [word for word in TELLTALES if word in json.dumps(secret)]
    # The roll-call of the same vote publishes everything: the rule differs by ballot only.
    roll_call = client.get(f"/api/v1/motions/{closed['roll_call']}").get_json()
    assert roll_call["ballots"] == VOTES and roll_call["voted"] == sorted(VOTES)
    assert roll_call["tally"]["weight"]["in_favour"] == "40/1" and "40 %" in roll_call["explanation"]


def test_the_public_journal_of_the_closing_carries_no_total_and_no_voter(client, closed):
    entries = client.get("/api/v1/journal?limit=1000").get_json()["entries"]
    closing = next(entry for entry in entries if entry["kind"] == "motion.closed" and f"Motion #{closed['secret']} " in entry["payload"])
    assert not [word for word in (*TELLTALES, "DEU yes", "\\\"votes\\\"", "\\\"voted\\\"") if word in closing["payload"]]
    csv = client.get("/api/v1/journal?limit=1000&format=csv").get_data(as_text=True)
    line = next(row for row in csv.splitlines() if f"Motion #{closed['secret']} rejected" in row)
    assert "40 %" not in line and "in_favour" not in line


def test_verify_still_checks_every_ballot_row_of_a_secret_ballot(engine, closed):
    assert verify_ledger(engine).ok
    with engine.begin() as connection:  # a secret vote changed behind the ledger's back is still found
        connection.execute(text("UPDATE ballot SET vote = 'yes' WHERE member_code = 'FRA' AND motion_id = :m"), {"m": closed["secret"]})
    problems = verify_ledger(engine).problems
    assert problems and "private_digest" in str(problems[0])


def test_the_dashboard_and_the_annual_report_read_the_same_published_form(engine, closed):
    from dashboards.governance import read, tables
    from ledger.reports.annual import _Words, _board_sections

    with engine.connect() as connection:
        decided = governance_queries.closed_motions(connection, DAY.year)
        motions = [read.ClosedMotion.from_snapshot(row, snapshot) for row, snapshot in decided]
        sections = _board_sections(connection, DAY.year, decided, _Words.of("en"))
    secret = next(motion for motion in motions if motion.ballot == "secret")
    assert secret.tally is None and secret.voted == frozenset() and tables.tally_text(secret) == "secret ballot: outcome and thresholds only"
    assert [motion.ballot for motion in read.roll_call_motions(motions)] == ["roll_call"]
    sentences = {block.text.partition(",")[0]: block.text for section in sections for block in section.blocks if hasattr(block, "text")}
    assert sentences[f"Motion {closed['secret']}"].endswith(
        "A secret motion: Rejected by secret ballot: the weight threshold (more than half (50 %) of the weight cast) not met.")
    assert "40 %" in sentences[f"Motion {closed['roll_call']}"]  # the roll-call's sentence keeps its figures


def test_a_snapshot_stored_before_the_rule_is_published_by_it_too():
    """A secret ballot closed before this rule stored its totals: reading it applies the rule."""
    stored = {
        "ballot": "secret", "rule": json.loads(WEIGHTED_MAJORITY), "voted": ["DEU", "FRA", "ITA"], "votes": None,
        "by_proxy": [], "set_aside": {}, "proxies": {}, "weights": {"DEU": "40", "FRA": "30", "ITA": "30"},
        "decision": {"outcome": "rejected", "members": {"in_favour": 1}, "weight": {"in_favour": "40/1"}, "quorum": None,
                     "eligible": ["DEU", "FRA", "ITA"], "present": ["DEU", "FRA", "ITA"], "explanation": "Rejected: 40 % of the weight voted yes",
                     "checks": [{"measure": "weight", "threshold": {"op": "more_than", "fraction": "1/2"}, "count": "40/1", "base": "100/1",
                                 "met": False, "deemed_met": False}]},
    }
    published = published_snapshot(stored)
    assert published_snapshot(published) == published  # applying it twice changes nothing
    assert "voted" not in published and published["decision"]["weight"] is None and "count" not in published["decision"]["checks"][0]
    assert "40 %" not in json.dumps(published) and published["weights"] == stored["weights"]  # weights are public data
    roll_call = {**stored, "ballot": "roll_call"}
    assert published_snapshot(roll_call) == roll_call


def test_the_annual_report_pdf_prints_the_secret_ballot_without_its_figures(engine, closed, client):
    """Read back from the PDF itself (the report is built from closed_motions, so from the rule)."""
    from ledger.services import contributions
    from tests.test_contributions import pdf_text

    proposal = contributions.propose_scale(2025, 2025, {"DEU": "40", "FRA": "30", "ITA": "30"}, ceiling="", floor="", precision="0.001",
                                     associate_factor="10", uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="test incomes", decision="Board, 2024", adopted_on="2024-11-01", today=TODAY,
                        actor=SECRETARIAT, uow=UnitOfWork(engine))
    contributions.open_year(2025, "2025-09-30", "1000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
    contributions.adopt_budget(2025, "Board, 2024", "2024-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    report = " ".join(pdf_text(client.get("/reports/annual/2025.pdf").data).split())
    secret = report.split(f"Motion {closed['secret']}, A secret motion:")[1].split(f"Motion {closed['roll_call']},")[0]
    assert secret.strip().startswith("Rejected by secret ballot: the weight threshold") and "40 %" not in secret
    assert "40 %" in report.split(f"Motion {closed['roll_call']}, A roll_call motion:")[1]
