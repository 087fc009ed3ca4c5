"""Board governance on a real database: votes, proxies, refusals, snapshots, effects, publication."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.errors import Conflict, Forbidden, ValidationFailed
from ledger.queries.members import find_member
from ledger.services import contributions as finance
from ledger.services import governance as board
from ledger.services.verification import verify_ledger

SECRETARIAT = system_actor("test")
TODAY = date.today()
MEMBERS = ("AUT", "BEL", "DEU", "ESP", "FRA", "ITA", "NLD")
DAY = date(2025, 6, 12)


def delegate(code: str) -> Actor:
    return Actor(f"user:{code}", Role.DELEGATE, code)


def entries(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()


@pytest.fixture
def council(engine):
    """Seven members since 2020 and a meeting with all present."""
    from ledger.services.members import admit_member

    for code in MEMBERS:
        admit_member(code, None, "member", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    admit_member("NOR", None, "observer", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    meeting = board.schedule_meeting("Board, June 2025", DAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.record_presence(meeting, list(MEMBERS[:-1]), actor=SECRETARIAT, uow=UnitOfWork(engine))
    return meeting


def motion(engine, meeting, *, rule="two_thirds_of_votes_cast", kind="general", ballot="roll_call", effect=None, weights="equal"):
    number = board.propose_motion(meeting, "A motion", "The board decides.", kind, rule, weights, ballot, effect, actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.open_motion(number, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    return number


def vote(engine, number, votes: dict[str, str]):
    for code, choice in votes.items():
        board.cast_ballot(number, code, choice, today=DAY, actor=delegate(code), uow=UnitOfWork(engine))


def close(engine, number) -> str:
    return board.close_motion(number, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))


def test_a_roll_call_is_decided_snapshotted_and_published(engine, council, client):
    number = motion(engine, council)
    vote(engine, number, {"AUT": "yes", "BEL": "yes", "DEU": "no", "ESP": "yes", "FRA": "yes", "ITA": "abstain"})
    vote(engine, number, {"DEU": "yes"})  # changeable until close: the latest ballot counts
    assert close(engine, number) == "adopted"
    published = client.get(f"/api/v1/motions/{number}").get_json()
    assert published["ballots"] == {"AUT": "yes", "BEL": "yes", "DEU": "yes", "ESP": "yes", "FRA": "yes", "ITA": "abstain"}
    assert published["tally"]["members"] == {"in_favour": 5, "against": 0, "abstaining": 1, "absent": 1, "base": 5}
    assert published["explanation"].startswith("Adopted: 5 of 5 members voted yes")
    listed = client.get("/api/v1/motions").get_json()["motions"]
    assert listed == [{"id": number, "title": "A motion", "kind": "general", "status": "closed", "outcome": "adopted", "closed_at": DAY.isoformat()}]
    assert client.get("/api/v1/motions/999").status_code == 404
    assert verify_ledger(engine).ok


def test_a_secret_ballot_publishes_its_outcome_only_and_the_journal_keeps_it_secret(engine, council, client):
    number = motion(engine, council, rule="simple_majority", ballot="secret")
    vote(engine, number, {"AUT": "no", "BEL": "yes", "DEU": "yes"})
    close(engine, number)
    published = client.get(f"/api/v1/motions/{number}").get_json()
    assert published["ballots"] is None and published["voted"] is None
    assert published["tally"]["members"] is None and published["tally"]["checks"][0]["met"] is True
    journal = client.get("/api/v1/journal?limit=100000").get_data(as_text=True)
    assert '\\"vote\\"' not in journal and '"vote":' not in journal
    with engine.begin() as connection:  # a secret vote changed behind the ledger's back is still found
        connection.execute(text("UPDATE ballot SET vote = 'yes' WHERE member_code = 'AUT'"))
    problems = verify_ledger(engine).problems
    assert problems and "private_digest" in str(problems[0])


def test_proxies_are_limited_and_carried_by_the_holders_delegate(engine, council):
    board.record_proxy(council, "NLD", "FRA", actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="carries 1 proxy already"):
        board.record_proxy(council, "ITA", "FRA", actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="cannot be passed on"):
        board.record_proxy(council, "AUT", "NLD", actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = motion(engine, council)
    board.cast_ballot(number, "NLD", "yes", today=DAY, actor=delegate("FRA"), uow=UnitOfWork(engine))
    with pytest.raises(Forbidden, match="only with its proxy"):
        board.cast_ballot(number, "ITA", "yes", today=DAY, actor=delegate("FRA"), uow=UnitOfWork(engine))
    close(engine, number)
    with engine.connect() as connection:
        snapshot = json.loads(connection.execute(text("SELECT snapshot_json FROM motion_event WHERE event = 'closed'")).scalar())
    assert snapshot["proxies"] == {"NLD": "FRA"} and snapshot["votes"] == {"NLD": "yes"}


def test_ballots_are_taken_only_while_open_and_only_from_members(engine, council):
    draft = board.propose_motion(council, "Draft", "Not yet open.", "general", "simple_majority", "equal", "roll_call", None, actor=SECRETARIAT, uow=UnitOfWork(engine))
    before = entries(engine)
    with pytest.raises(Conflict, match="is draft: ballots are taken only while it is open"):
        board.cast_ballot(draft, "DEU", "yes", today=DAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    number = motion(engine, council)
    with pytest.raises(ValidationFailed, match="yes, no or abstain"):
        board.cast_ballot(number, "DEU", "maybe", today=DAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="NOR has no vote .* its status is observer"):
        board.cast_ballot(number, "NOR", "yes", today=DAY, actor=delegate("NOR"), uow=UnitOfWork(engine))
    close(engine, number)
    with pytest.raises(Conflict, match="is closed"):
        board.cast_ballot(number, "DEU", "yes", today=DAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="only an open motion can be closed"):
        close(engine, number)
    assert entries(engine) == before + 3  # the draft's refusal stored nothing: proposed, opened, closed


def test_a_suspended_member_is_refused_saying_why_and_under_which_rule(engine, council):
    incomes = {code: "10" for code in MEMBERS}
    proposal = finance.propose_scale(2023, 2025, incomes, ceiling="", floor="", precision="0.001", associate_factor="10", uow=UnitOfWork(engine))
    finance.adopt_scale(proposal, income_measure="equal", decision="Board 2022", adopted_on="2022-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for year in (2023, 2024):
        finance.open_year(year, f"{year}-03-31", "1000000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
        finance.adopt_budget(year, "Board", f"{year - 1}-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    # Nobody paid 2023 or 2024: in June 2025 arrears exceed the contributions due for 2025 and 2024.
    number = motion(engine, council)
    with pytest.raises(Conflict, match=r"DEU's vote is suspended: .*CERN Convention Art\. V\.8"):
        board.cast_ballot(number, "DEU", "yes", today=DAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    close(engine, number)
    with engine.connect() as connection:
        snapshot = json.loads(connection.execute(text("SELECT snapshot_json FROM motion_event WHERE event = 'closed'")).scalar())
    assert set(snapshot["ineligible"]) == set(MEMBERS) and "suspended" in snapshot["ineligible"]["DEU"]


@pytest.mark.parametrize(
    "rule, field",
    [
        ({"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "more_than", "fraction": "3/2"}}, "rule.members_threshold.fraction"),
        ({"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "nearly", "fraction": "1/2"}}, "rule.members_threshold.op"),
        ({"weights": "equal", "basic_votes_share": "1/20", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "more_than", "fraction": "1/2"}}, "rule.basic_votes_share"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(engine, council, rule, field):
    before = entries(engine)
    with pytest.raises(ValidationFailed) as caught:
        board.propose_motion(council, "Custom", "A custom rule.", "general", json.dumps(rule), "equal", "roll_call", None, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert field in {p.field for p in caught.value.problems}, caught.value.problems
    assert entries(engine) == before


def test_an_adopted_accession_admits_the_member_citing_the_motion(engine, council):
    number = motion(engine, council, rule="unanimity", kind="accession", effect={"code": "isl", "joined": "2025-07-01"})
    vote(engine, number, {code: "yes" for code in MEMBERS[:-1]})
    assert close(engine, number) == "adopted"
    with engine.connect() as connection:
        iceland = find_member(connection, "ISL")
        summary = connection.execute(text("SELECT summary FROM journal_entry ORDER BY seq DESC LIMIT 1")).scalar()
    assert (iceland.name, iceland.status, iceland.joined) == ("Iceland", "member", date(2025, 7, 1))
    assert summary.startswith(f"Motion #{number} adopted") and "Effect: Admitted Iceland (ISL)" in summary


def test_a_rejected_motion_has_no_effect(engine, council):
    number = motion(engine, council, rule="unanimity", kind="withdrawal", effect={"code": "BEL", "left": "2025-12-31"})
    vote(engine, number, {"AUT": "yes", "BEL": "no", "DEU": "yes", "ESP": "yes", "FRA": "yes", "ITA": "yes"})
    assert close(engine, number) == "rejected"
    with engine.connect() as connection:
        assert find_member(connection, "BEL").status == "member"


def test_a_budget_motion_adopts_the_budget_and_a_waiver_motion_records_the_waiver(engine, council):
    incomes = {code: str(10 + index) for index, code in enumerate(MEMBERS)}
    scale = board.propose_motion(council, "Scale 2026", "Adopt the scale.", "scale", "two_thirds_of_all_members", "equal", "roll_call",
                                 {"first_year": 2026, "last_year": 2026, "incomes": incomes, "ceiling": "", "floor": "", "precision": "0.01",
                                  "associate_factor": "10", "income_measure": "test incomes"}, actor=SECRETARIAT, uow=UnitOfWork(engine))
    finance.open_year(2026, "2026-03-31", "700000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
    budget = board.propose_motion(council, "Budget 2026", "Adopt the budget.", "budget", "cern_budget", "equal", "roll_call", {"year": 2026},
                                  actor=SECRETARIAT, uow=UnitOfWork(engine))
    waiver = board.propose_motion(council, "Waiver", "Keep Italy's vote.", "arrears_waiver", "simple_majority", "equal", "roll_call",
                                  {"code": "ITA", "from": "2025-06-12", "to": "2025-12-31"}, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for number in (scale, budget, waiver):
        board.open_motion(number, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
        vote(engine, number, {code: "yes" for code in MEMBERS[:-1]})
        assert close(engine, number) == "adopted"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT decision FROM scale")).scalar() == f"motion #{scale} (Scale 2026)"
        assert connection.execute(text("SELECT count(*), sum(amount_minor) FROM assessment WHERE year = 2026")).one() == (7, 70_000_000)
        assert connection.execute(text("SELECT decision FROM fiscal_year_event WHERE event = 'adopted'")).scalar() == f"motion #{budget} (Budget 2026)"
        assert connection.execute(text("SELECT decision FROM standing_waiver")).scalar() == f"motion #{waiver} (Waiver)"
    assert verify_ledger(engine).ok


def test_a_contribution_weighted_vote_uses_the_scale_and_keeps_its_snapshot(engine, council, client):
    incomes = {"AUT": "5", "BEL": "5", "DEU": "60", "ESP": "10", "FRA": "10", "ITA": "5", "NLD": "5"}
    proposal = finance.propose_scale(2025, 2025, incomes, ceiling="", floor="", precision="0.01", associate_factor="10", uow=UnitOfWork(engine))
    finance.adopt_scale(proposal, income_measure="test", decision="Board", adopted_on="2024-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = motion(engine, council, rule="skao_budget", weights="contribution")
    vote(engine, number, {"AUT": "yes", "BEL": "yes", "ESP": "yes", "FRA": "yes", "ITA": "yes", "DEU": "no"})
    assert close(engine, number) == "rejected"  # five of six members, but only 35 % of the weight
    published = client.get(f"/api/v1/motions/{number}").get_json()
    assert "weight" in published["explanation"]
    # The outcome is stored, not recomputed: a later scale changes nothing published.
    later = finance.propose_scale(2025, 2025, {**incomes, "DEU": "5"}, ceiling="", floor="", precision="0.01", associate_factor="10", uow=UnitOfWork(engine))
    finance.adopt_scale(later, income_measure="test 2", decision="Board", adopted_on="2025-01-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert client.get(f"/api/v1/motions/{number}").get_json() == published
    assert Decimal(json.loads(json.dumps(published))["tally"]["weight"]["in_favour"].split("/")[0]) > 0


def test_a_quota_transfer_needs_the_years_quotas_allocated(engine, council):
    with pytest.raises(ValidationFailed, match="effect.year"):
        board.propose_motion(council, "Transfer", "Move hours.", "quota_transfer", "simple_majority", "equal", "roll_call",
                             {"from": "DEU", "to": "FRA", "gpu_hours": 1000}, actor=SECRETARIAT, uow=UnitOfWork(engine))


def test_the_annual_report_lists_the_years_decisions_with_roll_calls(engine, council, client):
    import io
    import re

    from pypdf import PdfReader

    incomes = {code: "10" for code in MEMBERS}
    proposal = finance.propose_scale(2025, 2025, incomes, ceiling="", floor="", precision="0.01", associate_factor="10", uow=UnitOfWork(engine))
    finance.adopt_scale(proposal, income_measure="test", decision="Board", adopted_on="2024-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    finance.open_year(2025, "2025-03-31", "700000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
    finance.adopt_budget(2025, "Board", "2024-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = motion(engine, council)
    vote(engine, number, {"AUT": "yes", "BEL": "no", "DEU": "abstain"})
    close(engine, number)
    report = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(client.get("/reports/annual/2025.pdf").data)).pages)
    assert "Board decisions 2025" in report and "Two-thirds of" in report and "two_thirds_of_votes_cast" not in report
    assert "Adopted: 1 of 2 members voted yes" not in report  # 1 of 2 is short of two-thirds
    assert f"Motion {number}, A motion: Rejected" in report
    for member, cell in (("Austria", "Y"), ("Belgium", "N"), ("Germany", "A"), ("Spain", "-")):
        assert re.search(rf"{member}\s+{re.escape(cell)}\s", report), member
