"""Members end to end: admission and status facts through the service, the forms and the API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ledger.queries.members import list_members
from ledger.services.members import admit_member, change_member_status
from tests.conftest import csrf_token, sign_in

CLI = system_actor("test")


def journal_length(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()


def current(engine, code):
    with engine.connect() as connection:
        return next(m for m in list_members(connection) if m.code == code)


def test_status_changes_are_new_facts_and_history_is_kept(engine, members):
    change_member_status("KOR", "member", "2025-01-01", actor=CLI, uow=UnitOfWork(engine))
    change_member_status("KOR", "withdrawn", "2026-06-30", actor=CLI, uow=UnitOfWork(engine))
    korea = current(engine, "KOR")
    assert (korea.status, korea.joined, korea.left) == ("withdrawn", date(2023, 7, 1), date(2026, 6, 30))
    with engine.connect() as connection:
        facts = connection.execute(text("SELECT status FROM member_status_change WHERE member_code = 'KOR' ORDER BY effective")).scalars().all()
    assert facts == ["associate", "member", "withdrawn"]


@pytest.mark.parametrize(
    "code, status, joined, field, phrase",
    [
        ("XYZ", "member", "2024-01-01", "code", "not an ISO 3166-1 alpha-3"),
        ("DE", "member", "2024-01-01", "code", "three letters"),
        ("12A", "member", "2024-01-01", "code", "three letters"),
        ("ITA", "president", "2024-01-01", "status", "accepted: member, associate, observer"),
        ("ITA", "withdrawn", "2024-01-01", "status", "accepted: member, associate, observer"),
        ("ITA", "member", "01/02/2024", "joined", "YYYY-MM-DD"),
    ],
)
def test_bad_admissions_are_refused_and_nothing_is_stored(engine, members, code, status, joined, field, phrase):
    before = journal_length(engine)
    with pytest.raises(ValidationFailed) as caught:
        admit_member(code, None, status, joined, actor=CLI, uow=UnitOfWork(engine))
    assert any(p.field == field and phrase in p.message for p in caught.value.problems), caught.value.problems
    assert journal_length(engine) == before
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM member")).scalar() == len(members)


def test_every_problem_is_reported_at_once(engine):
    with pytest.raises(ValidationFailed) as caught:
        admit_member("XX", None, "chair", "soon", actor=CLI, uow=UnitOfWork(engine))
    assert {p.field for p in caught.value.problems} == {"code", "status", "joined"}


def test_duplicate_member_is_a_conflict(engine, members):
    before = journal_length(engine)
    with pytest.raises(Conflict, match="DEU is already a member"):
        admit_member("deu", None, "member", "2024-01-01", actor=CLI, uow=UnitOfWork(engine))
    assert journal_length(engine) == before


@pytest.mark.parametrize(
    "code, status, effective, error, phrase",
    [
        ("CAN", "withdrawn", "2023-01-01", ValidationFailed, "before the member joined on 2023-03-15"),
        ("CAN", "member", "2024-01-01", ValidationFailed, "already member"),
        ("CAN", "retired", "2024-01-01", ValidationFailed, "accepted: member, associate, observer, withdrawn"),
        ("ITA", "withdrawn", "2024-01-01", NotFound, "no member with code ITA"),
    ],
)
def test_bad_status_changes_are_refused(engine, members, code, status, effective, error, phrase):
    before = journal_length(engine)
    with pytest.raises(error, match=phrase):
        change_member_status(code, status, effective, actor=CLI, uow=UnitOfWork(engine))
    assert journal_length(engine) == before


def test_a_withdrawn_member_cannot_change_status(engine, members):
    change_member_status("JPN", "withdrawn", "2025-01-01", actor=CLI, uow=UnitOfWork(engine))
    with pytest.raises(Conflict, match="a return is a new accession"):
        change_member_status("JPN", "member", "2026-01-01", actor=CLI, uow=UnitOfWork(engine))


def test_only_the_secretariat_manages_members(engine, members):
    treasurer = Actor(ref="user:9", role=Role.TREASURER)
    with pytest.raises(Forbidden, match="treasurer role may not admit members"):
        admit_member("ITA", None, "member", "2024-01-01", actor=treasurer, uow=UnitOfWork(engine))


def test_secretariat_admits_a_member_through_the_form(client, officials, engine):
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/members/new")
    response = client.post("/office/members/new", data={"csrf_token": token, "code": "ita", "name": "", "status": "member", "joined": "2025-02-01", "confirm": "y"})
    assert response.status_code == 302
    italy = current(engine, "ITA")
    assert (italy.name, italy.status, italy.joined) == ("Italy", "member", date(2025, 2, 1))
    with engine.connect() as connection:
        actor = connection.execute(text("SELECT actor FROM journal_entry ORDER BY seq DESC LIMIT 1")).scalar()
    assert actor == f"user:{officials[Role.SECRETARIAT].id}"


def test_form_shows_every_problem_inline_and_stores_nothing(client, officials, engine):
    sign_in(client, Role.SECRETARIAT)
    before = journal_length(engine)
    token = csrf_token(client, "/office/members/new")
    response = client.post("/office/members/new", data={"csrf_token": token, "code": "XYZ", "status": "member", "joined": "tomorrow"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "XYZ is not an ISO 3166-1 alpha-3 country code" in page
    assert "give it as YYYY-MM-DD" in page
    assert "tick the box to confirm" in page
    assert 'aria-invalid="true"' in page
    assert journal_length(engine) == before


def test_withdrawal_through_the_form_and_refusal_of_an_early_date(client, officials, engine):
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/members/CAN/status")
    early = client.post("/office/members/CAN/status", data={"csrf_token": token, "status": "withdrawn", "effective": "2022-12-31", "confirm": "y"})
    assert early.status_code == 400
    assert "before the member joined on 2023-03-15" in early.get_data(as_text=True)
    done = client.post("/office/members/CAN/status", data={"csrf_token": token, "status": "withdrawn", "effective": "2026-06-30", "confirm": "y"})
    assert done.status_code == 302
    assert current(engine, "CAN").left == date(2026, 6, 30)
    assert client.get("/office/members/ITA/status").status_code == 404


def test_duplicate_through_the_form_is_409(client, officials):
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/members/new")
    response = client.post("/office/members/new", data={"csrf_token": token, "code": "FRA", "status": "member", "joined": "2025-01-01", "confirm": "y"})
    assert response.status_code == 409
    assert "FRA is already a member" in response.get_data(as_text=True)


def test_api_members_json_and_csv(client, engine, members):
    change_member_status("JPN", "withdrawn", "2025-03-31", actor=CLI, uow=UnitOfWork(engine))
    body = client.get("/api/v1/members").get_json()
    by_code = {m["code"]: m for m in body["members"]}
    assert set(by_code) == set(members)
    assert by_code["JPN"] == {"code": "JPN", "name": "Japan", "status": "withdrawn", "joined": "2024-01-01", "left": "2025-03-31"}
    assert by_code["KOR"]["status"] == "associate" and by_code["KOR"]["left"] is None
    csv_response = client.get("/api/v1/members?format=csv")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).splitlines()
    assert lines[0] == "code,name,status,joined,left"
    assert "JPN,Japan,withdrawn,2024-01-01,2025-03-31" in lines
    assert len(lines) == len(members) + 1


def test_auditor_browses_the_journal_by_actor_kind_and_date(client, officials, engine):
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/members/new")
    client.post("/office/members/new", data={"csrf_token": token, "code": "ITA", "status": "member", "joined": "2025-02-01", "confirm": "y"})
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, Role.AUDITOR)
    by_actor = client.get("/office/journal?actor=secretariat@test").get_data(as_text=True)
    assert "Admitted Italy (ITA)" in by_actor and "Admitted Germany" not in by_actor
    assert "secretariat@test.example" in by_actor  # the auditor sees who did it
    by_kind = client.get("/office/journal?kind=official.added").get_data(as_text=True)
    assert "4 entries" in by_kind
    today = date.today().isoformat()
    assert "10 entries" in client.get(f"/office/journal?since={today}&until={today}").get_data(as_text=True)
    assert "0 entries" in client.get("/office/journal?until=2000-01-01").get_data(as_text=True)
    bad = client.get("/office/journal?since=yesterday")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)


def test_a_withdrawn_member_is_readmitted_through_the_admission_form(client, officials, engine):
    """A return after withdrawal is a new accession (CERN Convention Art. III), made with the
    admission form and journalled as a readmission; the member list links to it, and the
    timeline has the member paying again from its return."""
    from ledger.queries.members import membership_timeline

    change_member_status("CAN", "withdrawn", "2025-06-30", actor=CLI, uow=UnitOfWork(engine))
    sign_in(client, Role.SECRETARIAT)
    assert "/office/members/new?code=CAN" in client.get("/office/members").get_data(as_text=True)
    page = client.get("/office/members/new?code=CAN").get_data(as_text=True)
    assert 'name="code" type="text" value="CAN"' in page
    token = csrf_token(client, "/office/members/new")
    before = journal_length(engine)
    early = client.post("/office/members/new", data={"csrf_token": token, "code": "CAN", "status": "member", "joined": "2025-06-30", "confirm": "y"})
    assert early.status_code == 400 and "a day after the withdrawal on 2025-06-30" in early.get_data(as_text=True)
    assert journal_length(engine) == before
    response = client.post("/office/members/new", data={"csrf_token": token, "code": "can", "name": "", "status": "associate", "joined": "2026-04-01", "confirm": "y"})
    assert response.status_code == 302
    assert "Readmitted Canada (CAN)." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert journal_length(engine) == before + 1
    with engine.connect() as connection:
        kind = connection.execute(text("SELECT kind FROM journal_entry ORDER BY seq DESC LIMIT 1")).scalar()
        timeline = membership_timeline(connection, "CAN")
    assert kind == "member.readmitted"
    assert [s.status.value for s in timeline.stints] == ["member", "withdrawn", "associate"]
    assert timeline.paying_days(date(2026, 1, 1), date(2026, 12, 31)) == 275
    canada = current(engine, "CAN")
    assert (canada.status, canada.joined, canada.left) == ("associate", date(2023, 3, 15), None)


def test_journal_page_numbers_are_bounded(client, officials, engine):
    """Issue 9: a page number beyond what OFFSET can take is refused with the accepted range."""
    sign_in(client, Role.AUDITOR)
    for page in (str(2**63), "9" * 40, "0", "²", "000000000000000000001"):
        response = client.get(f"/office/journal?page={page}")
        assert response.status_code == 400 and "give a page number from 1 to 20,000,000" in response.get_data(as_text=True), page
