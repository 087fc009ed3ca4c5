"""The board's rules at their edges, on both databases: proxies, presence, quorum, precedence, dates.

Each test names the rule's source: TFEU Art. 238(4) and 239, DESIGN.md (Members: the voting
right from the membership timeline; Governance: proxies, the member's own ballot first).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.queries import governance as queries
from ledger.services import contributions
from ledger.services import governance as board
from ledger.services.members import admit_member, change_member_status

SECRETARIAT = system_actor("test")
EIGHT = ("AUT", "BEL", "DEU", "ESP", "FRA", "ITA", "NLD", "PRT")
DAY = date(2025, 6, 12)
TODAY = date(2025, 6, 30)


def delegate(code: str) -> Actor:
    return Actor(f"user:{code}", Role.DELEGATE, code)


def entries(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()


def snapshot(engine, number: int) -> dict:
    with engine.connect() as connection:
        return queries.find_motion(connection, number).snapshot


@pytest.fixture
def council(engine):
    """Eight members and an observer (NOR) since 2020; a meeting on DAY with the first four present."""
    for code in EIGHT:
        admit_member(code, None, "member", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    admit_member("NOR", None, "observer", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    meeting = board.schedule_meeting("Board, June 2025", DAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.record_presence(meeting, list(EIGHT[:4]), actor=SECRETARIAT, uow=UnitOfWork(engine))
    return meeting


def opened(engine, meeting: int, rule: str = "unanimity") -> int:
    number = board.propose_motion(meeting, "A motion", "The board decides.", "general", rule, "equal", "roll_call", {},
                                  actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.open_motion(number, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    return number


def cast(engine, number: int, member: str, vote: str, by: str | None = None, day: date = DAY) -> None:
    board.cast_ballot(number, member, vote, today=day, actor=delegate(by or member), uow=UnitOfWork(engine))


def close(engine, number: int, day: date = DAY) -> str:
    return board.close_motion(number, day, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))


# --------------------------------------------------------------------------- proxies and quorum


def test_an_absent_member_cannot_carry_a_proxy_nor_make_quorum_with_it(engine, council):
    """Defect 4. DESIGN.md, Governance: a delegate may carry a proxy only while it is present itself. Four of eight
    present, FRA absent and given ITA's proxy: the proxy is refused and the vote has no quorum (4 of 8 is no majority,
    Council's Rules of Procedure Art. 11(4)); before, it was "Adopted ... quorum met (5 of 8 present)"."""
    before = entries(engine)
    with pytest.raises(Conflict, match="FRA is not recorded present .* only while present itself"):
        board.record_proxy(council, "ITA", "FRA", actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before
    number = opened(engine, council)
    for code in EIGHT[:4]:
        cast(engine, number, code, "yes")
    assert close(engine, number) == "no_quorum"
    assert snapshot(engine, number)["decision"]["explanation"].startswith("No quorum: 4 of 8 members entitled to vote were present")


def test_a_member_represented_by_a_present_holder_counts_for_quorum(engine, council):
    """TFEU Art. 238(4), members "present in person or represented": ITA's proxy carried by DEU, present, makes the
    fifth of eight present, and the holder's ballot for ITA counts."""
    board.record_proxy(council, "ITA", "DEU", actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = opened(engine, council)
    for code in EIGHT[:4]:
        cast(engine, number, code, "yes")
    cast(engine, number, "ITA", "yes", by="DEU")
    assert close(engine, number) == "adopted"
    stored = snapshot(engine, number)
    assert "quorum met (5 of 8 members entitled to vote present)" in stored["decision"]["explanation"]
    assert stored["proxies"] == {"ITA": "DEU"} and stored["by_proxy"] == ["ITA"]


@pytest.mark.parametrize("member, holder, field", [("AUT", "NOR", "holder"), ("NOR", "AUT", "member")])
def test_an_observer_neither_holds_nor_gives_a_proxy(engine, council, member, holder, field):
    """Defect 5. TFEU Art. 239: "any member of the Council may also act on behalf of not more than one other
    member": proxies pass only between members entitled to vote; an observer has no vote (DESIGN.md, Members)."""
    board.record_presence(council, ["NOR"], actor=SECRETARIAT, uow=UnitOfWork(engine))
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        board.record_proxy(council, member, holder, actor=SECRETARIAT, uow=UnitOfWork(engine))
    [problem] = refused.value.problems
    assert problem.field == field and "NOR has no vote on 2025-06-12: its status is observer" in problem.message
    assert entries(engine) == before


def test_a_suspended_member_neither_holds_nor_gives_a_proxy(engine, council):
    """TFEU Art. 239 and CERN Convention Art. V.8: a member whose vote is suspended for arrears is not entitled to
    vote, so it can neither act for another member nor have one act for it."""
    incomes = {code: "10" for code in EIGHT}
    proposal = contributions.propose_scale(2023, 2025, incomes, ceiling="", floor="", precision="0.001", associate_factor="10", uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="equal", decision="Board 2022", adopted_on="2022-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for year in (2023, 2024):
        contributions.open_year(year, f"{year}-03-31", "1000000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
        contributions.adopt_budget(year, "Board", f"{year - 1}-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    # nobody paid: on DAY every member is suspended
    with pytest.raises(ValidationFailed) as refused:
        board.record_proxy(council, "ITA", "DEU", actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert [p.field for p in refused.value.problems] == ["member", "holder"]
    assert "vote is suspended" in refused.value.problems[1].message


def test_the_members_own_ballot_takes_precedence_over_its_proxy_holders(engine, council):
    """Defect 6. DESIGN.md, Governance (assemblies' rule): a proxy acts only while the member does not vote itself;
    the member's own delegate's ballot takes precedence, whenever cast. Before, the latest ballot won."""
    board.record_proxy(council, "ITA", "DEU", actor=SECRETARIAT, uow=UnitOfWork(engine))
    first_own = opened(engine, council, "simple_majority")
    cast(engine, first_own, "ITA", "no")
    before = entries(engine)
    with pytest.raises(Conflict, match="ITA's own delegate has voted .* takes precedence"):
        cast(engine, first_own, "ITA", "yes", by="DEU")
    assert entries(engine) == before
    first_proxy = opened(engine, council, "simple_majority")
    cast(engine, first_proxy, "ITA", "yes", by="DEU")
    cast(engine, first_proxy, "ITA", "no")  # the member votes itself after its holder did
    for number in (first_own, first_proxy):
        cast(engine, number, "AUT", "yes")
        close(engine, number)
        stored = snapshot(engine, number)
        assert stored["votes"] == {"AUT": "yes", "ITA": "no"} and stored["by_proxy"] == []
    assert "takes precedence" in snapshot(engine, first_proxy)["set_aside"]["ITA"]


def test_a_proxy_holder_may_change_the_ballot_it_cast(engine, council):
    """DESIGN.md, Governance: ballots may be changed until the motion closes; the holder's latest counts."""
    board.record_proxy(council, "ITA", "DEU", actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = opened(engine, council, "simple_majority")
    cast(engine, number, "ITA", "yes", by="DEU")
    cast(engine, number, "ITA", "no", by="DEU")
    close(engine, number)
    assert snapshot(engine, number)["votes"] == {"ITA": "no"}


def test_quorum_without_proxies_counts_those_present(engine, council):
    """Council's Rules of Procedure Art. 11(4): a majority of the members entitled to vote must be present; the roll
    call counts, ballot or not (a member present without a ballot abstains)."""
    board.record_presence(council, ["FRA"], actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = opened(engine, council)
    cast(engine, number, "AUT", "yes")
    assert close(engine, number) == "adopted"
    assert snapshot(engine, number)["decision"]["present"] == ["AUT", "BEL", "DEU", "ESP", "FRA"]


# --------------------------------------------------------------------------- the workflow follows the meeting's date


def test_a_motion_opens_and_closes_on_or_after_its_meetings_date(engine, council):
    """Defect 10. A meeting's motions are voted at the meeting: a motion of a meeting on 2026-12-10 cannot be opened on
    2026-12-03, nor closed before it opened; nothing is stored when refused."""
    later = board.schedule_meeting("Board, December 2026", "2026-12-10", actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = board.propose_motion(later, "Budget talk", "The board decides.", "general", "simple_majority", "equal", "roll_call", {},
                                  actor=SECRETARIAT, uow=UnitOfWork(engine))
    before = entries(engine)
    with pytest.raises(ValidationFailed) as early:
        board.open_motion(number, "2026-12-03", today=date(2026, 12, 3), actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert early.value.problems[0].field == "on_date" and "held on 2026-12-10" in early.value.problems[0].message
    with pytest.raises(ValidationFailed, match="today"):
        board.open_motion(number, "2026-12-10", today=date(2026, 12, 3), actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before
    board.open_motion(number, "2026-12-10", today=date(2026, 12, 10), actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(ValidationFailed, match="opened on 2026-12-10"):
        board.close_motion(number, "2026-12-09", today=date(2026, 12, 10), actor=SECRETARIAT, uow=UnitOfWork(engine))


def test_a_vote_closes_only_once_presence_is_recorded(engine, council):
    """Defect 10. The quorum and the base "present" need the roll call: closing without presence recorded is refused."""
    empty = board.schedule_meeting("Board, late June 2025", "2025-06-26", actor=SECRETARIAT, uow=UnitOfWork(engine))
    number = board.propose_motion(empty, "A motion", "The board decides.", "general", "simple_majority", "equal", "roll_call", {},
                                  actor=SECRETARIAT, uow=UnitOfWork(engine))
    board.open_motion(number, "2025-06-26", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    before = entries(engine)
    with pytest.raises(Conflict, match="no presence is recorded at meeting"):
        board.close_motion(number, "2025-06-26", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before


def test_eligibility_is_judged_on_the_closing_day(engine, council):
    """Defect 10, DESIGN.md, Members: the voting right on a day comes from the membership timeline; a vote is
    decided on the day it closes. ESP voted, then became an observer before the close: its ballot does not count."""
    number = opened(engine, council, "simple_majority")
    cast(engine, number, "ESP", "no")
    cast(engine, number, "AUT", "yes")
    change_member_status("ESP", "observer", "2025-06-15", actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert close(engine, number, date(2025, 6, 20)) == "adopted"
    stored = snapshot(engine, number)
    assert stored["judged_on"] == "2025-06-20" and "ESP" not in stored["decision"]["eligible"]
    assert stored["votes"] == {"AUT": "yes"} and "no vote" in stored["set_aside"]["ESP"]


# --------------------------------------------------------------------------- one declared effect schema


def test_every_kind_of_motion_has_its_effect_declared_once():
    """DESIGN.md, Governance: an adopted motion applies its effect. One schema per kind drives the form and the check."""
    from ledger.web.governance import KIND_LABELS, MOTION_FORMS

    assert board.MOTION_KINDS == tuple(board.EFFECTS) == tuple(KIND_LABELS) == tuple(MOTION_FORMS)
    assert "not yet possible" not in KIND_LABELS["quota_transfer"]
    for kind, effect in board.EFFECTS.items():
        form_fields = {name.removeprefix("effect_") for name in MOTION_FORMS[kind].__dict__ if name.startswith("effect_")}
        assert form_fields == {field.name for field in effect.fields}, kind


def test_an_effect_parameter_the_kind_does_not_declare_is_refused(engine, council):
    """The effect schema: a parameter another kind has, or none has, is refused naming it; nothing is journalled."""
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        board.propose_motion(council, "A motion", "The board decides.", "budget", "simple_majority", "equal", "roll_call",
                             {"year": 2026, "code": "DEU"}, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert [(p.field, p.message) for p in refused.value.problems] == [("effect.code", "not a parameter; accepted for a budget motion: year")]
    with pytest.raises(ValidationFailed, match="effect.colour: not a parameter; a general motion has no effect"):
        board.propose_motion(council, "A motion", "The board decides.", "general", "simple_majority", "equal", "roll_call",
                             {"colour": "red"}, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert entries(engine) == before


# --------------------------------------------------------------------------- bad input never reaches the database


@pytest.mark.parametrize("raw", [2**31, 2**63, "9" * 40, "1e308", "-1", "0", "#1", "١"])
def test_a_record_number_outside_what_the_databases_store_is_refused_naming_the_field(engine, council, raw):
    """Issue 9: every id a governance form or URL takes is bounded (1 to 2^31 - 1, an INTEGER on PostgreSQL and SQLite)."""
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        board.propose_motion(raw, "A motion", "The board decides.", "general", "simple_majority", "equal", "roll_call", {},
                             actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert refused.value.problems[0].field == "meeting" and "from 1 to 2,147,483,647" in refused.value.problems[0].message
    for use_case in (board.record_presence, ):
        with pytest.raises(ValidationFailed, match="meeting"):
            use_case(raw, ["AUT"], actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(ValidationFailed, match="motion"):
        board.open_motion(raw, DAY, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    with pytest.raises(ValidationFailed, match="motion"):
        board.cast_ballot(raw, "AUT", "yes", today=DAY, actor=delegate("AUT"), uow=UnitOfWork(engine))
    assert entries(engine) == before


@pytest.mark.parametrize(
    "rule, field",
    [
        ("[" * 50_000 + "]" * 50_000, "rule"),
        ("[" * 9_000 + "]" * 9_000, "rule"),
        ('{"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "at_least", "fraction": "%s"}}' % ("9" * 40 + "/" + "9" * 41), "rule.members_threshold.fraction"),
        ('{"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "at_least", "fraction": "1/%s"}}' % ("9" * 5000), "rule.members_threshold.fraction"),
        ('{"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "at_least", "fraction": 1e308}}', "rule.members_threshold.fraction"),
        ('{"weights": "weighted", "base": "cast", "abstention": "not_cast", "weight_threshold": {"op": "at_least", "fraction": "1/2"}, "blocking_minority_min_members": %d}' % 2**63, "rule.blocking_minority_min_members"),
        ('{"weights": "weighted", "base": "cast", "abstention": "not_cast", "weight_threshold": {"op": "at_least", "fraction": "1/2"}, "basic_votes_share": "1"}', "rule.basic_votes_share"),
    ],
    ids=["50000-deep", "9000-deep", "forty-9s", "5000-digit", "1e308", "2^63", "share-of-1"],
)
def test_a_rule_the_ledger_cannot_hold_is_refused_naming_the_field(engine, council, rule, field):
    """Issue 9: a custom rule is bounded (its text, each fraction's digits, the blocking minority, the basic votes'
    share); nothing is journalled."""
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        board.propose_motion(council, "A motion", "The board decides.", "general", rule, "equal", "roll_call", {},
                             actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert field in [p.field for p in refused.value.problems]
    assert entries(engine) == before


@pytest.mark.parametrize("weight", ["1e308", "9" * 40, str(2**63), "0.0000001", "-1", "NaN"])
def test_a_weight_the_engine_cannot_use_is_refused_naming_the_member(engine, council, weight):
    """Issue 9: weights are bounded (0 to 10^15, to a millionth) before they are stored; nothing is journalled."""
    before = entries(engine)
    with pytest.raises(ValidationFailed) as refused:
        board.record_weights("Population 2024", "Eurostat", {"AUT": "9100000", "BEL": weight}, actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert [p.field for p in refused.value.problems] == ["weights.BEL"]
    assert entries(engine) == before
