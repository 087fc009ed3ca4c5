"""Adopting a budget, a scale or a setting cites the board's adopted motion once the ledger holds
the board's decisions (issue 13 item 8, last sentence), on SQLite and PostgreSQL.

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
from ledger.domain.access import Role
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.domain.settings import parse_setting
from ledger.queries.contributions import settings_at
from ledger.services import contributions, governance
from ledger.services.verification import verify_ledger
from tests.office_helpers import error_of, journal_length
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


# --------------------------------------------------------------------------- settings


def set_carry_over(engine, value="up to 10 %", decision="Board, June 2025", **citation):
    return contributions.change_setting("quota_carry_over", value, decision, actor=SECRETARIAT, uow=UnitOfWork(engine), today=TODAY, **citation)


def carry_over(engine) -> str:
    with engine.connect() as connection:
        return settings_at(connection).quota_carry_over


def adopted_setting_motion(engine, meeting, key="quota_carry_over", value="UP TO 10%", outcome="yes") -> int:
    number = motion(engine, meeting, rule="simple_majority", kind="setting", effect={"key": key, "value": value})
    vote(engine, number, dict.fromkeys(MEMBERS[:-1], outcome))
    close(engine, number)
    return number


def test_an_adopted_setting_motion_applies_its_setting_citing_itself_in_its_closing_entry(engine, years):
    number = adopted_setting_motion(engine, years)
    assert carry_over(engine) == "up to 10 %"  # as the setting's parser writes it
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT value, decision, journal_seq FROM ledger_setting WHERE key = 'quota_carry_over'")).all()
        closing = connection.execute(text("SELECT kind FROM journal_entry WHERE seq = :seq"), {"seq": rows[0][2]}).scalar()
        changes = connection.execute(text("SELECT count(*) FROM journal_entry WHERE kind = 'setting.changed'")).scalar()
    assert [tuple(row[:2]) for row in rows] == [("up to 10 %", f"motion #{number} (A motion)")]
    assert (closing, changes) == ("motion.closed", 0)  # journaled with the closing that applies it
    assert verify_ledger(engine).ok


def test_a_rejected_setting_motion_changes_nothing(engine, years):
    adopted_setting_motion(engine, years, outcome="no")
    assert carry_over(engine) == "none"


def test_a_setting_motion_is_checked_by_the_settings_parser_when_proposed(engine, years):
    before = journal_length(engine)
    for key, value in (("in_kind_cap_pct", "150"), ("colour", "blue"), ("quota_carry_over", "all of it")):
        with pytest.raises(ValidationFailed) as refused:
            governance.propose_motion(years, "A motion", "The board decides.", "setting", "simple_majority", "equal", "roll_call",
                                      {"key": key, "value": value}, actor=SECRETARIAT, uow=UnitOfWork(engine))
        with pytest.raises(ValidationFailed) as by_the_form:
            parse_setting(key, value)
        assert [(p.field, p.message) for p in refused.value.problems] == [(f"effect.{p.field}", p.message) for p in by_the_form.value.problems]
    assert journal_length(engine) == before


def test_changing_a_setting_cites_the_adopted_setting_motion_that_decided_it(engine, years):
    general = motion(engine, years, rule="simple_majority")
    vote(engine, general, dict.fromkeys(MEMBERS[:-1], "yes"))
    close(engine, general)
    rejected = adopted_setting_motion(engine, years, outcome="no")
    other_key = adopted_setting_motion(engine, years, key="quota_suspension", value="none")
    with engine.connect() as connection:
        before = (connection.execute(text("SELECT count(*) FROM journal_entry")).scalar(),
                  connection.execute(text("SELECT count(*) FROM ledger_setting")).scalar())
    assert "cites the adopted setting motion" in refusal(lambda: set_carry_over(engine))  # undated free text
    assert "on 2025-06-12 cites the adopted setting motion" in refusal(lambda: set_carry_over(engine, decided_on=DAY.isoformat()))
    assert refusal(lambda: set_carry_over(engine, motion="999")) == "no motion #999; cite the adopted setting motion by its number"
    assert "is a general motion" in refusal(lambda: set_carry_over(engine, motion=str(general)))
    assert f"motion #{rejected} is rejected" in refusal(lambda: set_carry_over(engine, motion=rejected))
    assert "adopted other figures" in refusal(lambda: set_carry_over(engine, motion=other_key))
    with engine.connect() as connection:
        after = (connection.execute(text("SELECT count(*) FROM journal_entry")).scalar(),
                 connection.execute(text("SELECT count(*) FROM ledger_setting")).scalar())
    assert after == before and carry_over(engine) == "none"  # nothing stored or journaled on refusal
    # A decision taken the day before the first recorded meeting is cited as free text.
    assert set_carry_over(engine, decided_on="2025-06-11") == "up to 10 %"
    number = adopted_setting_motion(engine, years, value="up to 20 %")
    assert "adopted other figures" in refusal(lambda: set_carry_over(engine, motion=number))
    assert set_carry_over(engine, "up to 20 %", motion=number) == "up to 20 %"


def test_the_settings_form_cites_the_adopted_setting_motion(client, engine, signed_in, years):
    token = signed_in(Role.SECRETARIAT)
    data = {"csrf_token": token, "key": "quota_carry_over", "value": "up to 10 %", "decision": "Board, June 2025", "confirm": "y"}
    before = journal_length(engine)
    for changes in ({}, {"decided_on": DAY.isoformat()}, {"motion": "999"}, {"motion": "twelve"}):
        response = client.post("/office/contributions/settings", data={**data, **changes})
        assert response.status_code == 400 and error_of(response.get_data(as_text=True), "motion"), changes
    assert journal_length(engine) == before and carry_over(engine) == "none"
    page = client.get("/office/governance/motions/new?kind=setting").get_data(as_text=True)
    assert 'name="effect_key"' in page and '<option value="quota_carry_over">' in page
    proposal = {"csrf_token": token, "meeting": str(years), "title": "Carry-over", "text": "The board sets the carry-over.", "rule": "simple_majority",
                "rule_json": "", "weights": "equal", "weight_set": "", "ballot": "roll_call", "confirm": "y",
                "effect_key": "quota_carry_over", "effect_value": "all of it"}
    refused = client.post("/office/governance/motions/new?kind=setting", data=proposal)
    assert refused.status_code == 400 and "up to P %" in error_of(refused.get_data(as_text=True), "effect_value")
    assert journal_length(engine) == before
    number = adopted_setting_motion(engine, years)
    assert client.post("/office/contributions/settings", data={**data, "decision": "", "motion": str(number)}).status_code == 302
    with engine.connect() as connection:
        assert connection.execute(text("SELECT decision FROM ledger_setting ORDER BY id DESC LIMIT 1")).scalar() == f"motion #{number} (A motion)"
