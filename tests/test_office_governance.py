"""The board pages of the workspace, end to end through the web client on both databases.

Each form: the happy path stores what was typed with one journal entry; each bad input is
refused with the field named on the page (or the reason said), the right 4xx, and nothing
journalled. A full vote runs from scheduling to the adopted motion's effect.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.governance.presets import PRESETS
from ledger.queries import governance as queries
from ledger.queries import members as member_queries
from ledger.services import contributions
from ledger.services import governance as board
from tests.conftest import csrf_token
from tests.office_helpers import accessibility_problems, error_of, journal_length, last_kind

CLI = system_actor("test")
TODAY = date.today()
PAST = TODAY.year - 1
BOARD = "/office/governance"
VIEWERS = frozenset({Role.SECRETARIAT, Role.DELEGATE, Role.AUDITOR})


# --------------------------------------------------------------------------- helpers and fixtures


def motion_detail(engine, motion_id: int) -> queries.MotionDetail:
    with engine.connect() as connection:
        return queries.find_motion(connection, motion_id)


def motions(engine) -> list[queries.MotionRow]:
    with engine.connect() as connection:
        return queries.list_motions(connection)


def member_row(engine, code: str) -> member_queries.MemberRow | None:
    with engine.connect() as connection:
        return member_queries.find_member(connection, code)


def delegate(member: str) -> Actor:
    """A delegate acting outside the web (to set the scene)."""
    return Actor(f"system:delegate-{member}", Role.DELEGATE, member)


@pytest.fixture
def signed_in(signed_in, members):
    """conftest's `signed_in`, with the members a delegate belongs to."""
    return signed_in


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, f"{BOARD}/")})


@pytest.fixture
def meeting(engine, members):
    """A meeting today with DEU, FRA and CAN present and CAN's proxy carried by DEU's delegate."""
    meeting_id = board.schedule_meeting("Autumn session", TODAY.isoformat(), actor=CLI, uow=UnitOfWork(engine))
    board.record_presence(meeting_id, ["DEU", "FRA", "CAN"], actor=CLI, uow=UnitOfWork(engine))
    board.record_proxy(meeting_id, "CAN", "DEU", actor=CLI, uow=UnitOfWork(engine))
    return meeting_id


def propose(engine, meeting_id: int, title: str = "General motion", ballot: str = "roll_call", rule: str = "simple_majority") -> int:
    return board.propose_motion(meeting_id, title, "The board resolves.", "general", rule, "equal", ballot, {}, actor=CLI, uow=UnitOfWork(engine))


def opened(engine, meeting_id: int, **options) -> int:
    motion_id = propose(engine, meeting_id, **options)
    board.open_motion(motion_id, TODAY.isoformat(), today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    return motion_id


MOTION = {
    "title": "Admission of Italy", "text": "The board admits Italy as a member.", "kind": "accession", "rule": "simple_majority",
    "rule_json": "", "weights": "equal", "weight_set": "", "ballot": "roll_call",
    "effect_code": "ITA", "effect_name": "", "effect_status": "member", "effect_joined": TODAY.isoformat(),
}


# --------------------------------------------------------------------------- the full vote


def test_a_full_vote_from_scheduling_to_the_adopted_accession(client, engine, signed_in):
    token = signed_in(Role.SECRETARIAT)
    count = journal_length(engine)

    def stored_once(response, kind: str) -> str:
        nonlocal count
        assert response.status_code == 302, response.get_data(as_text=True)
        assert journal_length(engine) == count + 1 and last_kind(engine) == kind
        count += 1
        return client.get(response.headers["Location"]).get_data(as_text=True)

    page = stored_once(client.post(f"{BOARD}/meetings/new", data={"csrf_token": token, "title": "Autumn session", "held_on": TODAY.isoformat()}),
                       "meeting.scheduled")
    meeting_id = int(re.search(r"Scheduled meeting #(\d+)", page).group(1))
    assert f"Meeting #{meeting_id}: Autumn session" in page and "No presence recorded yet" in page

    presence = {"csrf_token": token, "members": ["DEU", "FRA", "CAN"]}
    unconfirmed = client.post(f"{BOARD}/meetings/{meeting_id}/presence", data=presence)
    assert unconfirmed.status_code == 400 and "tick the box" in error_of(unconfirmed.get_data(as_text=True), "confirm")
    assert journal_length(engine) == count
    page = stored_once(client.post(f"{BOARD}/meetings/{meeting_id}/presence", data={**presence, "confirm": "y"}), "meeting.presence")
    assert "3 members present" in page and "Germany (DEU)" in page and "Canada (CAN)" in page

    page = stored_once(client.post(f"{BOARD}/meetings/{meeting_id}/proxies", data={"csrf_token": token, "member": "CAN", "holder": "DEU", "confirm": "y"}),
                       "meeting.proxy")
    assert re.search(r"Canada \(CAN\)</th><td>Germany \(DEU\)</td>", page)

    chooser = client.get(f"{BOARD}/motions/new?meeting={meeting_id}").get_data(as_text=True)
    assert 'name="kind"' in chooser and 'name="title"' not in chooser  # the kind first: it decides the effect's fields
    form = client.get(f"{BOARD}/motions/new?kind=accession&meeting={meeting_id}").get_data(as_text=True)
    assert f'<option selected value="{meeting_id}">' in form
    assert json.dumps(PRESETS["simple_majority"].to_json(), indent=2) in html.unescape(form)  # the JSON box starts as the preset
    data = {**MOTION, "csrf_token": token, "meeting": str(meeting_id)}
    dry = client.post(f"{BOARD}/motions/new", data=data)
    assert dry.status_code == 400 and "tick the box" in error_of(dry.get_data(as_text=True), "confirm")
    assert journal_length(engine) == count
    page = stored_once(client.post(f"{BOARD}/motions/new", data={**data, "confirm": "y"}), "motion.proposed")
    [row] = [r for r in motions(engine) if r.meeting_id == meeting_id]
    detail = motion_detail(engine, row.id)
    assert (row.title, row.kind, row.status, row.rule_name, row.ballot) == ("Admission of Italy", "accession", "draft", "simple_majority", "roll_call")
    assert detail.effect == {"code": "ITA", "name": "Italy", "status": "member", "joined": TODAY.isoformat()}
    assert detail.rule == PRESETS["simple_majority"].to_json() and detail.weights_basis == "equal"
    assert "Open the vote" in page and "one vote per member" in page

    page = stored_once(client.post(f"{BOARD}/motions/{row.id}/open", data={"csrf_token": token, "on_date": TODAY.isoformat(), "confirm": "y"}),
                       "motion.opened")
    assert "Close the vote" in page and "No ballot yet." in page
    sign_out(client)

    token = signed_in(Role.DELEGATE)
    count = journal_length(engine)  # the new official is journalled too
    ballots = client.get(f"{BOARD}/ballots").get_data(as_text=True)
    assert "Ballot of Germany (DEU) on" in ballots and "Ballot of Canada (CAN), by proxy on" in ballots
    assert "<legend>" in ballots and f'id="vote-{row.id}-CAN-abstain"' in ballots
    for member, vote in (("DEU", "no"), ("CAN", "yes"), ("DEU", "yes")):  # DEU changes its mind: the latest counts
        response = client.post(f"{BOARD}/motions/{row.id}/ballot", data={"csrf_token": token, "member": member, "vote": vote})
        page = stored_once(response, "ballot.cast")
        assert f"Recorded the ballot of {member} on motion #{row.id}: {vote}" in page
    assert "Your current ballot for DEU: <strong>yes</strong>" in page and "(ballots recorded for DEU: 2)" in page
    assert "Your current ballot for CAN: <strong>yes</strong>" in page  # the proxied member's, as its holder cast it
    sign_out(client)
    token = signed_in(Role.DELEGATE, "FRA")
    count = journal_length(engine)
    assert "Ballot of Canada" not in client.get(f"{BOARD}/ballots").get_data(as_text=True)
    stored_once(client.post(f"{BOARD}/motions/{row.id}/ballot", data={"csrf_token": token, "member": "FRA", "vote": "no"}), "ballot.cast")
    assert "3 members have a ballot recorded so far" in client.get(f"{BOARD}/motions/{row.id}").get_data(as_text=True)
    sign_out(client)

    token = signed_in(Role.SECRETARIAT)
    page = client.get(f"{BOARD}/motions/{row.id}").get_data(as_text=True)
    assert re.search(r"Germany \(DEU\)</th><td>by its delegate \(user:\d+\)</td>\s*<td>2</td>", page)
    assert re.search(r"Canada \(CAN\)</th><td>by proxy", page)
    assert ">yes<" not in page and ">no<" not in page  # nobody sees a vote before the motion closes
    closing = {"csrf_token": token, "on_date": TODAY.isoformat()}
    unconfirmed = client.post(f"{BOARD}/motions/{row.id}/close", data=closing)
    assert unconfirmed.status_code == 400 and journal_length(engine) == count
    assert "its effect applies now" in unconfirmed.get_data(as_text=True)
    page = stored_once(client.post(f"{BOARD}/motions/{row.id}/close", data={**closing, "confirm": "y"}), "motion.closed")
    assert f"Closed motion #{row.id}: adopted." in page and "Outcome: adopted" in page
    assert re.search(r"Members</th><td>2</td><td>1</td><td>0</td><td>0</td><td>3</td>", page)
    assert re.search(r"France \(FRA\)</th><td>no</td>", page) and re.search(r"Canada \(CAN\)</th><td>yes</td>", page)
    detail = motion_detail(engine, row.id)
    assert detail.row.outcome == "adopted" and detail.explanation in html.unescape(page)
    assert detail.snapshot["votes"] == {"CAN": "yes", "DEU": "yes", "FRA": "no"} and detail.snapshot["proxies"] == {"CAN": "DEU"}
    assert detail.snapshot["decision"]["present"] == ["CAN", "DEU", "FRA"]
    italy = member_row(engine, "ITA")
    assert (italy.name, italy.status, italy.joined) == ("Italy", "member", TODAY)
    index = client.get(f"{BOARD}/").get_data(as_text=True)
    assert f"#{row.id} Admission of Italy</a>: closed, adopted" in index


# --------------------------------------------------------------------------- secretariat's forms refuse bad input


def test_scheduling_names_every_bad_field(client, engine, signed_in):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    bad = client.post(f"{BOARD}/meetings/new", data={"csrf_token": token, "title": "x", "held_on": "next week"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "3 to 200 characters" in error_of(page, "title") and "YYYY-MM-DD" in error_of(page, "held_on")
    assert journal_length(engine) == before
    assert client.get(f"{BOARD}/meetings/999").status_code == 404
    assert client.get(f"{BOARD}/meetings/999/presence").status_code == 404


def test_presence_and_proxies_refuse_what_the_rules_forbid(client, engine, signed_in, meeting):
    token = signed_in(Role.SECRETARIAT)
    form = client.get(f"{BOARD}/meetings/{meeting}/presence").get_data(as_text=True)
    assert "<legend>Members present" in form and 'value="KOR"' in form and 'value="DEU"' not in form  # DEU is recorded already
    before = journal_length(engine)
    unknown = client.post(f"{BOARD}/meetings/{meeting}/presence", data={"csrf_token": token, "members": ["XYZ"], "confirm": "y"})
    assert unknown.status_code == 400 and "XYZ" in error_of(unknown.get_data(as_text=True), "members")
    proxy = {"csrf_token": token, "member": "FRA", "holder": "DEU", "confirm": "y"}
    over = client.post(f"{BOARD}/meetings/{meeting}/proxies", data=proxy)
    assert over.status_code == 409 and "carries 1 proxy already, the most allowed (TFEU Art. 239)" in over.get_data(as_text=True)
    itself = client.post(f"{BOARD}/meetings/{meeting}/proxies", data={**proxy, "holder": "FRA"})
    assert itself.status_code == 400 and "cannot be its own proxy" in error_of(itself.get_data(as_text=True), "holder")
    missing = client.post(f"{BOARD}/meetings/{meeting}/proxies", data={**proxy, "member": ""})
    assert missing.status_code == 400 and error_of(missing.get_data(as_text=True), "member")
    assert journal_length(engine) == before


def custom(rule: dict, **changes) -> str:
    return json.dumps({**rule, **changes})


def test_a_custom_rule_is_stored_and_a_bad_one_named_field_by_field(client, engine, signed_in, meeting):
    token = signed_in(Role.SECRETARIAT)
    base = {**MOTION, "csrf_token": token, "meeting": str(meeting), "kind": "general", "rule": "custom", "confirm": "y"}
    majority = PRESETS["simple_majority"].to_json()
    before = journal_length(engine)
    for rule_json, phrase in (
        (custom(majority, members_threshold={"op": "more_than", "fraction": "3/2"}), "rule.members_threshold.fraction: '3/2' is above 1"),
        (custom(majority, members_threshold={"op": "most", "fraction": "1/2"}), "rule.members_threshold.op: 'most' is not accepted"),
        ("{not json", "a preset (simple_majority"),
    ):
        response = client.post(f"{BOARD}/motions/new", data={**base, "rule_json": rule_json})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, rule_json
        assert phrase.split(": ")[-1] in error_of(page, "rule_json"), (rule_json, error_of(page, "rule_json"))
    weighted = client.post(f"{BOARD}/motions/new", data={**base, "rule": "eu_qualified_majority", "weights": "weight_set", "weight_set": "population"})
    assert weighted.status_code == 400 and "no weights named 'population'" in error_of(weighted.get_data(as_text=True), "weight_set")
    mismatch = client.post(f"{BOARD}/motions/new", data={**base, "rule": "simple_majority", "weights": "contribution"})
    assert mismatch.status_code == 400 and "equal" in error_of(mismatch.get_data(as_text=True), "weights")
    untitled = client.post(f"{BOARD}/motions/new", data={**base, "rule": "simple_majority", "title": ""})
    assert untitled.status_code == 400 and "3 to 200 characters" in error_of(untitled.get_data(as_text=True), "title")
    budget = client.post(f"{BOARD}/motions/new", data={**base, "rule": "simple_majority", "kind": "budget", "effect_year": "20x7"})
    assert budget.status_code == 400 and "a year from 2000 to 2100" in error_of(budget.get_data(as_text=True), "effect_year")
    scale = client.post(f"{BOARD}/motions/new", data={**base, "rule": "simple_majority", "kind": "scale", "effect_first_year": "2030",
                                                     "effect_last_year": "2029", "effect_precision": "0.001", "effect_associate_factor": "10",
                                                     "effect_incomes": "DEU 4000\nDEU 5"})
    assert scale.status_code == 400 and "DEU is given twice" in error_of(scale.get_data(as_text=True), "effect_incomes")
    assert journal_length(engine) == before

    two_thirds = custom(majority, members_threshold={"op": "at_least", "fraction": "2/3"})
    assert client.post(f"{BOARD}/motions/new", data={**base, "rule_json": two_thirds}).status_code == 302
    assert journal_length(engine) == before + 1
    newest = max(motions(engine), key=lambda r: r.id)
    assert newest.rule_name == "custom" and motion_detail(engine, newest.id).rule["members_threshold"] == {"op": "at_least", "fraction": "2/3"}
    page = client.get(f"{BOARD}/motions/{newest.id}").get_data(as_text=True)
    assert "Rule: custom" in page and "at least 2/3 (66.67%) of the members (the votes cast)" in page


def test_open_and_close_only_in_turn(client, engine, signed_in, meeting):
    draft = propose(engine, meeting)
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    step = {"csrf_token": token, "on_date": TODAY.isoformat(), "confirm": "y"}
    early = client.post(f"{BOARD}/motions/{draft}/close", data=step)
    assert early.status_code == 409 and "only an open motion can be closed" in early.get_data(as_text=True)
    assert client.post(f"{BOARD}/motions/{draft}/open", data={**step, "on_date": "soon"}).status_code == 400
    assert client.post(f"{BOARD}/motions/{draft}/open", data=step).status_code == 302
    again = client.post(f"{BOARD}/motions/{draft}/open", data=step)
    assert again.status_code == 409 and "only a draft can be opened" in again.get_data(as_text=True)
    future = client.post(f"{BOARD}/motions/{draft}/close", data={**step, "on_date": (TODAY + timedelta(days=1)).isoformat()})
    assert future.status_code == 400 and "or earlier" in error_of(future.get_data(as_text=True), "on_date")
    assert client.post(f"{BOARD}/motions/{draft}/close", data=step).status_code == 302
    assert (motion_detail(engine, draft).row.status, motion_detail(engine, draft).row.outcome) == ("closed", "rejected")  # nobody voted
    assert journal_length(engine) == before + 2
    assert client.get(f"{BOARD}/motions/999/open").status_code == 404


# --------------------------------------------------------------------------- ballots refused


def test_ballots_are_refused_with_the_reason(client, engine, signed_in, meeting):
    draft = propose(engine, meeting, title="Still a draft")
    open_one = opened(engine, meeting)
    closed = opened(engine, meeting, title="Already decided")
    board.close_motion(closed, TODAY.isoformat(), today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    token = signed_in(Role.DELEGATE)
    before = journal_length(engine)

    def post(motion_id: int, member: str, vote: str):
        response = client.post(f"{BOARD}/motions/{motion_id}/ballot", data={"csrf_token": token, "member": member, "vote": vote})
        return response.status_code, html.unescape(response.get_data(as_text=True))

    status, page = post(open_one, "FRA", "yes")
    assert status == 403 and "for another member only with its proxy for this meeting" in page
    status, page = post(draft, "DEU", "yes")
    assert status == 409 and f"motion #{draft} is draft: ballots are taken only while it is open" in page
    status, page = post(closed, "DEU", "yes")
    assert status == 409 and f"motion #{closed} is closed" in page
    status, page = post(open_one, "DEU", "maybe")
    assert status == 400 and "yes, no or abstain" in page and f'id="vote-{open_one}-DEU-error"' in page
    status, page = post(open_one, "KOR", "yes")
    assert status == 403
    assert post(999, "DEU", "yes")[0] == 404
    assert journal_length(engine) == before


def test_a_suspended_member_is_refused_naming_the_rule(client, engine, signed_in, meeting):
    # Two adopted years and nothing paid: the arrears exceed what CERN's rule counts.
    proposal = contributions.propose_scale(PAST - 1, PAST, {"DEU": "4", "FRA": "3", "CAN": "2", "KOR": "1"}, ceiling="", floor="", precision="0.001",
                                     associate_factor="50", uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="GNI test", decision="Board", adopted_on=f"{PAST - 1}-01-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    for year in (PAST - 1, PAST):
        contributions.open_year(year, f"{year}-03-31", "1000.00", actor=CLI, uow=UnitOfWork(engine))
        contributions.adopt_budget(year, "Board", f"{year}-01-02", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    motion_id = opened(engine, meeting)
    token = signed_in(Role.DELEGATE)
    before = journal_length(engine)
    response = client.post(f"{BOARD}/motions/{motion_id}/ballot", data={"csrf_token": token, "member": "DEU", "vote": "yes"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "DEU's vote is suspended" in page and "(CERN Convention Art. V.8)" in page
    assert journal_length(engine) == before


# --------------------------------------------------------------------------- who sees what


def test_a_secret_ballot_shows_who_voted_never_how(client, engine, signed_in, meeting):
    motion_id = opened(engine, meeting, ballot="secret")
    board.cast_ballot(motion_id, "FRA", "no", today=TODAY, actor=delegate("FRA"), uow=UnitOfWork(engine))
    board.cast_ballot(motion_id, "DEU", "yes", today=TODAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    url = f"{BOARD}/motions/{motion_id}"
    signed_in(Role.AUDITOR)
    page = client.get(url).get_data(as_text=True)
    assert "France (FRA)</th>" in page and "Germany (DEU)</th>" in page and "how anyone voted is never shown" in page
    assert ">yes<" not in page and ">no<" not in page
    sign_out(client)
    signed_in(Role.DELEGATE)
    page = client.get(url).get_data(as_text=True)
    assert "2 members have a ballot recorded so far" in page and "France (FRA)" not in page
    board.close_motion(motion_id, TODAY.isoformat(), today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    page = client.get(url).get_data(as_text=True)
    assert "Outcome: rejected" in page  # one yes, one no: no majority
    # Closed, a secret ballot shows its outcome and thresholds only (ledger.domain.governance.rules.published_snapshot).
    assert "no total and no voter" in page and "DEU, FRA" not in page and "Roll call" not in page and "In favour" not in page
    assert ">yes<" not in page and ">no<" not in page
    assert client.get(f"{BOARD}/motions/999").status_code == 404


# The pages that name a meeting or a motion (SPECIAL in test_access, which has neither).
MANAGERS = frozenset({Role.SECRETARIAT})
PAGES = {
    "governance.meeting": ("/meetings/{meeting}", VIEWERS),
    "governance.motion": ("/motions/{motion}", VIEWERS),
    "governance.record_presence": ("/meetings/{meeting}/presence", MANAGERS),
    "governance.record_proxy": ("/meetings/{meeting}/proxies", MANAGERS),
    "governance.open_motion": ("/motions/{draft}/open", MANAGERS),
    "governance.close_motion": ("/motions/{motion}/close", MANAGERS),
}


@pytest.mark.parametrize("viewer", [None, *Role], ids=lambda v: v.value if v else "anonymous")
def test_meeting_and_motion_pages_are_open_only_to_the_roles_that_may_use_them(client, engine, signed_in, meeting, viewer):
    ids = {"meeting": meeting, "motion": opened(engine, meeting), "draft": propose(engine, meeting)}
    token = signed_in(viewer) if viewer else csrf_token(client, "/login")
    before = journal_length(engine)
    failures = []
    for pattern, allowed in PAGES.values():
        url = BOARD + pattern.format(**ids)
        expected = 200 if viewer in allowed else 403 if viewer else 302
        got = client.get(url)
        if got.status_code != expected or (expected == 302 and not got.headers["Location"].startswith("/login")):
            failures.append(f"GET {url}: {got.status_code}, expected {expected}")
        if allowed is MANAGERS and viewer not in allowed:
            posted = client.post(url, data={"csrf_token": token, "members": ["KOR"], "member": "FRA", "holder": "CAN",
                                            "on_date": TODAY.isoformat(), "confirm": "y"})
            if posted.status_code != expected:
                failures.append(f"POST {url}: {posted.status_code}, expected {expected}")
    ballot = client.post(f"{BOARD}/motions/{ids['motion']}/ballot", data={"csrf_token": token, "member": "DEU", "vote": "yes"})
    expected = 302 if viewer in (None, Role.DELEGATE) else 403
    if ballot.status_code != expected:
        failures.append(f"POST ballot: {ballot.status_code}, expected {expected}")
    assert failures == []
    assert journal_length(engine) == before + (viewer is Role.DELEGATE)


def test_each_role_sees_the_actions_it_may_take(client, engine, signed_in, meeting):
    motion_id = opened(engine, meeting)
    signed_in(Role.AUDITOR)
    index = client.get(f"{BOARD}/").get_data(as_text=True)
    assert f"#{meeting} Autumn session" in index and "open" in index
    assert "Schedule a meeting" not in index and "Cast ballots" not in index
    page = client.get(f"{BOARD}/meetings/{meeting}").get_data(as_text=True)
    assert "Record presence" not in page and "3 members present" in page
    assert "Close the vote" not in client.get(f"{BOARD}/motions/{motion_id}").get_data(as_text=True)
    sign_out(client)
    signed_in(Role.DELEGATE)
    assert "Cast ballots on open motions" in client.get(f"{BOARD}/").get_data(as_text=True)
    assert "Cast or change your ballot" in client.get(f"{BOARD}/motions/{motion_id}").get_data(as_text=True)


# --------------------------------------------------------------------------- accessibility


def test_every_board_page_labels_its_inputs_and_captions_its_tables(client, engine, signed_in, meeting):
    motion_id = opened(engine, meeting)
    closed = opened(engine, meeting, title="Decided", ballot="secret")
    board.cast_ballot(closed, "DEU", "yes", today=TODAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    board.close_motion(closed, TODAY.isoformat(), today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    draft = propose(engine, meeting, title="Draft")
    token = signed_in(Role.SECRETARIAT)
    problems = []
    pages = ["/", f"/meetings/{meeting}", f"/motions/{motion_id}", f"/motions/{closed}", f"/motions/{draft}", "/meetings/new",
             f"/meetings/{meeting}/presence", f"/meetings/{meeting}/proxies", "/motions/new", f"/motions/{draft}/open", f"/motions/{motion_id}/close"]
    for url in pages:
        response = client.get(BOARD + url)
        assert response.status_code == 200, url
        problems += accessibility_problems(url, response.get_data(as_text=True))
    custom_list = {**MOTION, "csrf_token": token, "meeting": str(meeting), "rule": "custom", "rule_json": "[]", "confirm": "y"}
    refused = client.post(f"{BOARD}/motions/new", data=custom_list)
    assert refused.status_code == 400
    problems += accessibility_problems("motion with errors", refused.get_data(as_text=True))
    sign_out(client)
    token = signed_in(Role.DELEGATE)
    problems += accessibility_problems("ballots", client.get(f"{BOARD}/ballots").get_data(as_text=True))
    refused = client.post(f"{BOARD}/motions/{motion_id}/ballot", data={"csrf_token": token, "member": "DEU", "vote": "maybe"})
    page = refused.get_data(as_text=True)
    assert f'aria-describedby="vote-{motion_id}-DEU-error"' in page
    problems += accessibility_problems("ballot with errors", page)
    assert problems == []


# --------------------------------------------------------------------------- the motion form follows the declared effect schema


def test_the_kind_is_chosen_first_and_the_form_shows_only_its_effect_without_scripts(client, engine, signed_in, meeting):
    """Defect 10. One declared effect schema (ledger.services.governance.EFFECTS) drives the form: the kind is chosen
    by a GET, then only that kind's fields are shown; the content security policy forbids inline scripts."""
    signed_in(Role.SECRETARIAT)
    budget = client.get(f"{BOARD}/motions/new?kind=budget&meeting={meeting}").get_data(as_text=True)
    assert 'name="effect_year"' in budget and 'name="effect_incomes"' not in budget and 'name="effect_code"' not in budget
    general = client.get(f"{BOARD}/motions/new?kind=general").get_data(as_text=True)
    assert "has no effect to fill in" in general and 'name="effect_' not in general
    for page in (budget, general, client.get(f"{BOARD}/motions/new").get_data(as_text=True)):
        assert "<script" not in page
    for kind in board.EFFECTS:
        assert client.get(f"{BOARD}/motions/new?kind={kind}").status_code == 200, kind
    unknown = client.get(f"{BOARD}/motions/new?kind=coup")
    assert unknown.status_code == 400 and "'coup' is not a kind of motion; accepted: budget" in error_of(unknown.get_data(as_text=True), "kind")


def test_a_quota_transfer_can_be_proposed_from_the_workspace(client, engine, signed_in, meeting):
    """Defect 10: quota-transfer motions (DESIGN.md, Governance: an adopted motion transfers quota) have their fields
    in the form; the service's check speaks beside them (here: 2031 has no capacity plan, so no quotas)."""
    token = signed_in(Role.SECRETARIAT)
    form = client.get(f"{BOARD}/motions/new?kind=quota_transfer&meeting={meeting}").get_data(as_text=True)
    assert "not yet possible" not in form
    for name in ("effect_year", "effect_from", "effect_to", "effect_gpu_hours"):
        assert f'name="{name}"' in form
    count = journal_length(engine)
    data = {**MOTION, "kind": "quota_transfer", "csrf_token": token, "meeting": str(meeting), "confirm": "y",
            "effect_year": "2031", "effect_from": "DEU", "effect_to": "DEU", "effect_gpu_hours": str(2**63)}
    refused = client.post(f"{BOARD}/motions/new?kind=quota_transfer", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "whole GPU-hours" in error_of(page, "effect_gpu_hours")
    assert journal_length(engine) == count


@pytest.mark.parametrize("number", [2**31, 2**63])
def test_a_record_number_past_what_the_database_stores_is_a_4xx_never_a_500(client, engine, signed_in, meeting, number):
    """Issue 9: ids in a URL or a form are bounded (1 to 2^31 - 1) before they reach SQLite or PostgreSQL."""
    token = signed_in(Role.SECRETARIAT)
    count = journal_length(engine)
    assert client.get(f"{BOARD}/motions/{number}").status_code == 404
    assert client.get(f"{BOARD}/meetings/{number}").status_code == 404
    assert client.get(f"/api/v1/motions/{number}").status_code == 404
    for action in ("open", "close"):
        posted = client.post(f"{BOARD}/motions/{number}/{action}", data={"csrf_token": token, "on_date": TODAY.isoformat(), "confirm": "y"})
        assert posted.status_code == 404, action
    data = {**MOTION, "csrf_token": token, "meeting": str(number), "confirm": "y"}
    refused = client.post(f"{BOARD}/motions/new?kind=accession", data=data)
    assert refused.status_code == 400 and "a meeting number from 1 to 2,147,483,647" in error_of(refused.get_data(as_text=True), "meeting")
    assert journal_length(engine) == count
    sign_out(client)
    token = signed_in(Role.DELEGATE)
    count = journal_length(engine)  # the new official is journalled too
    ballot = client.post(f"{BOARD}/motions/{number}/ballot", data={"csrf_token": token, "member": "DEU", "vote": "yes"})
    assert ballot.status_code in (400, 404)
    assert journal_length(engine) == count


def test_a_delegate_sees_the_ballot_it_cast_for_its_member_and_the_proxied_one(client, engine, signed_in, meeting):
    """Defect 10: a delegate who has voted sees which option it chose, for its own member and for the member whose
    proxy it carries; never anyone else's."""
    motion_id = opened(engine, meeting)
    board.cast_ballot(motion_id, "FRA", "no", today=TODAY, actor=delegate("FRA"), uow=UnitOfWork(engine))
    token = signed_in(Role.DELEGATE)
    for member, vote in (("DEU", "abstain"), ("CAN", "no")):
        client.post(f"{BOARD}/motions/{motion_id}/ballot", data={"csrf_token": token, "member": member, "vote": vote})
    page = client.get(f"{BOARD}/ballots").get_data(as_text=True)
    assert "Your current ballot for DEU: <strong>abstain</strong>" in page and "Your current ballot for CAN: <strong>no</strong>" in page
    assert f'id="vote-{motion_id}-DEU-abstain" name="vote" value="abstain" checked' in page
    assert "FRA" not in page


def test_ballots_and_decisions_link_to_their_receipts(client, engine, signed_in, meeting):
    """Issue 12 item 7 ("every ... ballot and decision shown in the office links to its journal
    entry"): the motion page links each member's latest ballot, the delegate's ballots page
    its own, the closed motion and the board's index the decision; the receipt of a ballot
    names neither the member nor the vote (it is sealed)."""
    from sqlalchemy import text

    motion_id = opened(engine, meeting)
    board.cast_ballot(motion_id, "DEU", "no", today=TODAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    board.cast_ballot(motion_id, "DEU", "yes", today=TODAY, actor=delegate("DEU"), uow=UnitOfWork(engine))
    board.cast_ballot(motion_id, "FRA", "yes", today=TODAY, actor=delegate("FRA"), uow=UnitOfWork(engine))

    def latest_ballot(member: str) -> int:
        with engine.connect() as connection:
            return connection.execute(text("SELECT max(journal_seq) FROM ballot WHERE member_code = :m"), {"m": member}).scalar_one()

    signed_in(Role.SECRETARIAT)
    page = client.get(f"{BOARD}/motions/{motion_id}").get_data(as_text=True)
    for member in ("DEU", "FRA"):
        seq = latest_ballot(member)
        row = re.search(rf"\({member}\)</th>.*?</tr>", page, re.S).group(0)
        assert f'<a href="/journal/{seq}">Receipt #{seq}</a>' in row
    receipt = client.get(f"/journal/{latest_ballot('DEU')}").get_data(as_text=True)
    assert f"A sealed ballot on motion #{motion_id}" in receipt and "DEU" not in receipt
    sign_out(client)
    signed_in(Role.DELEGATE)
    ballots = client.get(f"{BOARD}/ballots").get_data(as_text=True)
    assert f'<a href="/journal/{latest_ballot("DEU")}">Receipt #{latest_ballot("DEU")}</a>' in ballots
    sign_out(client)
    board.close_motion(motion_id, TODAY.isoformat(), today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    with engine.connect() as connection:
        decision = connection.execute(text("SELECT journal_seq FROM motion_event WHERE event = 'closed'")).scalar_one()
        assert connection.execute(text("SELECT kind FROM journal_entry WHERE seq = :s"), {"s": decision}).scalar_one() == "motion.closed"
    signed_in(Role.AUDITOR)
    link = f'<a href="/journal/{decision}">Receipt #{decision}</a>'
    assert f"journaled in {link}" in client.get(f"{BOARD}/motions/{motion_id}").get_data(as_text=True)
    assert f"closed, adopted ({link})" in client.get(f"{BOARD}/").get_data(as_text=True)
