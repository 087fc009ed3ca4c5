"""Every route of the app, for the public and for each role: a new route cannot be forgotten."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Role, system_actor
from ledger.services.compute import record_compute_plan
from ledger.services.contributions import adopt_budget, adopt_scale, open_year, propose_scale
from tests.conftest import csrf_token, sign_in

EVERYONE = frozenset(Role)
PUBLIC = None  # no sign-in needed

# endpoint -> (sample URL, roles allowed; PUBLIC for everyone including anonymous)
ROUTES: dict[str, tuple[str, frozenset | None]] = {
    "static": ("/static/ledger.css", PUBLIC),
    "public.home": ("/", PUBLIC),
    "public.feed": ("/feed.atom", PUBLIC),
    "public.reports": ("/reports/", PUBLIC),
    "public.annual_report": ("/reports/annual/2025.pdf", PUBLIC),
    "public.member_statement": ("/reports/statements/2025/DEU.pdf", PUBLIC),
    "auth.login": ("/login", PUBLIC),
    "workspace.home": ("/office/", EVERYONE),
    "auth.change_password": ("/office/password", EVERYONE),
    "auth.enrol_second_factor": ("/office/second-factor", EVERYONE),
    "auth.users": ("/office/users", frozenset({Role.SECRETARIAT})),
    "members.members": ("/office/members", frozenset({Role.SECRETARIAT, Role.AUDITOR})),
    "members.admit": ("/office/members/new", frozenset({Role.SECRETARIAT})),
    "members.change_status": ("/office/members/FRA/status", frozenset({Role.SECRETARIAT})),
    "journal.browse": ("/office/journal", frozenset({Role.AUDITOR})),
    "contributions.index": ("/office/contributions/", frozenset({Role.SECRETARIAT, Role.TREASURER, Role.AUDITOR})),
    "contributions.open_year": ("/office/contributions/years/new", frozenset({Role.SECRETARIAT})),
    "contributions.new_scale": ("/office/contributions/scales/new", frozenset({Role.SECRETARIAT})),
    "contributions.grant_waiver": ("/office/contributions/waivers/new", frozenset({Role.SECRETARIAT})),
    "contributions.change_setting": ("/office/contributions/settings", frozenset({Role.SECRETARIAT})),
    "contributions.record_payment": ("/office/contributions/payments/new", frozenset({Role.TREASURER})),
    "contributions.reverse_payment": ("/office/contributions/payments/reverse", frozenset({Role.TREASURER})),
    "contributions.pending_bookings": ("/office/contributions/pending", frozenset({Role.SECRETARIAT, Role.TREASURER, Role.AUDITOR})),
    "contributions.pledge_in_kind": ("/office/contributions/in-kind/new", frozenset({Role.TREASURER})),
    "governance.index": ("/office/governance/", frozenset({Role.SECRETARIAT, Role.DELEGATE, Role.AUDITOR})),
    "governance.schedule_meeting": ("/office/governance/meetings/new", frozenset({Role.SECRETARIAT})),
    "governance.propose_motion": ("/office/governance/motions/new", frozenset({Role.SECRETARIAT})),
    "governance.ballots": ("/office/governance/ballots", frozenset({Role.DELEGATE})),
    "compute.index": ("/office/compute/", frozenset({Role.SECRETARIAT, Role.AUDITOR})),
    "compute.year": ("/office/compute/years/2025", frozenset({Role.SECRETARIAT, Role.AUDITOR})),
    "compute.register_project": ("/office/compute/projects/new", frozenset({Role.SECRETARIAT})),
    "compute.record_plan": ("/office/compute/plans/new", frozenset({Role.SECRETARIAT})),
    "compute.allocate_quotas": ("/office/compute/allocate", frozenset({Role.SECRETARIAT})),
    "compute.adjust_quota": ("/office/compute/adjust", frozenset({Role.SECRETARIAT})),
    "compute.close_year": ("/office/compute/close", frozenset({Role.SECRETARIAT})),
    "api.members": ("/api/v1/members", PUBLIC),
    "api.journal_head": ("/api/v1/journal/head", PUBLIC),
    "api.journal": ("/api/v1/journal", PUBLIC),
    "api.openapi": ("/api/v1/openapi.json", PUBLIC),
    "api.years": ("/api/v1/years", PUBLIC),
    "api.contributions": ("/api/v1/years/2025/contributions", PUBLIC),
    "api.scales": ("/api/v1/scales", PUBLIC),
    "api.motions": ("/api/v1/motions", PUBLIC),
    "api.projects": ("/api/v1/projects", PUBLIC),
    "api.compute": ("/api/v1/years/2025/compute", PUBLIC),
    "api.compute_monthly": ("/api/v1/years/2025/compute/monthly?member=DEU", PUBLIC),
    "api.compute_levels": ("/api/v1/years/2025/compute/levels", PUBLIC),
    "tlog_api.checkpoint": ("/api/v1/checkpoint", PUBLIC),
    "journal.entry": ("/journal/1", PUBLIC),
    "journal.public_browse": ("/journal/?kind=member.admitted&member=DEU&since=2000-01-01", PUBLIC),
    "catalogue.index": ("/data/", PUBLIC),
    "catalogue.datapackage": ("/data/datapackage.json", PUBLIC),
    "catalogue.ledger_data_zip": ("/data/ledger-data.zip", PUBLIC),
    "catalogue.api_reference": ("/data/api", PUBLIC),
    "methodology.methodology": ("/methodology", PUBLIC),
    "tlog_api.checkpoint_key": ("/api/v1/checkpoint/key", PUBLIC),
    "tlog_api.checkpoints": ("/api/v1/checkpoints", PUBLIC),
    "tlog_api.inclusion_proof": ("/api/v1/proof/inclusion?seq=1&size=2", PUBLIC),
    "tlog_api.consistency_proof": ("/api/v1/proof/consistency?from=1&to=2", PUBLIC),
    "/dashboards/": ("/dashboards/", PUBLIC),
    "/dashboards/<path:path>": ("/dashboards/members", PUBLIC),
    "/dashboards/_dash-layout": ("/dashboards/_dash-layout", PUBLIC),
    "/dashboards/_dash-dependencies": ("/dashboards/_dash-dependencies", PUBLIC),
    "/dashboards/_reload-hash": ("/dashboards/_reload-hash", PUBLIC),
    "/dashboards/_favicon.ico": ("/dashboards/_favicon.ico", PUBLIC),
}
# Routes whose sample answers something other than 200 to those allowed, or that take POST only.
SPECIAL = {
    "auth.logout",  # POST only: tested in test_officials
    "auth.second_factor",  # the second sign-in step, after a right password only: tested below and in test_security
    "auth.change_user",  # POST only: tested below
    "workspace.moved",  # the old addresses of the contributions and governance pages: tests/test_moved_addresses.py
    "contributions.approve_booking",  # POST only: tested below
    "_dashboards_dash_assets.static",  # the Dash assets folder is empty: 404 for everyone, tested below
    "/dashboards/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",  # tested below
    "/dashboards/_dash-update-component",  # POST only, tested below
    "governance_api.simulate",  # POST only and public: tested in test_voting_api, anonymously and without a CSRF token
    "api.motion",  # needs a motion: tested in test_governance for the public
    # A year's pages need a fiscal year (404 here): tested per role in test_office_contributions.
    "contributions.year", "contributions.set_budget", "contributions.adopt_budget", "contributions.close_year", "contributions.advance_in_kind",
    # A meeting's or a motion's pages need one (404 here), and a ballot is POST only: tested per role in test_office_board.
    "governance.meeting", "governance.motion", "governance.record_presence", "governance.record_proxy", "governance.open_motion", "governance.close_motion", "governance.cast_ballot",
}
FORMS = ("members.admit", "members.change_status",
         "contributions.open_year", "contributions.new_scale", "contributions.grant_waiver", "contributions.change_setting",
         "contributions.record_payment", "contributions.reverse_payment", "contributions.pledge_in_kind",
         "governance.schedule_meeting", "governance.propose_motion",
         "compute.register_project", "compute.record_plan", "compute.allocate_quotas", "compute.adjust_quota", "compute.close_year")
VIEWERS = [None, *Role]


@pytest.fixture
def fiscal_year(engine, officials):
    """A fiscal year 2025 with its budget adopted and a capacity plan, so routes naming a year have one to show."""
    actor, today = system_actor("test"), date.today()
    incomes = {"DEU": "40", "FRA": "30", "CAN": "25", "KOR": "10"}
    proposal = propose_scale(2025, 2025, incomes, ceiling="", floor="", precision="0.01", associate_factor="10", uow=UnitOfWork(engine))
    adopt_scale(proposal, income_measure="test incomes",
                decision="Board, 2024", adopted_on="2024-12-01", today=today, actor=actor, uow=UnitOfWork(engine))
    open_year(2025, "2025-03-31, 2025-09-30", "1000000.00", actor=actor, uow=UnitOfWork(engine))
    adopt_budget(2025, "Board, 2024", "2024-12-10", today=today, actor=actor, uow=UnitOfWork(engine))
    record_compute_plan(2025, [{"type": "h100", "count": "8", "availability": "1", "factor": "2"}], {}, "Board, 2024",
                        actor=actor, uow=UnitOfWork(engine))
    return 2025


def test_every_route_is_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ROUTES.keys() - SPECIAL == set(), "add the new route to ROUTES with who may use it"
    assert ROUTES.keys() - endpoints == set()


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.value if v else "anonymous")
def test_get_access(client, officials, fiscal_year, viewer):
    if viewer:
        sign_in(client, viewer)
    failures = []
    for endpoint, (url, allowed) in ROUTES.items():
        response = client.get(url)
        response.close()  # static files are streamed from an open file
        if allowed is PUBLIC or viewer in allowed:
            expected = 200
        else:
            expected = 302 if viewer is None else 403
        if response.status_code != expected:
            failures.append(f"{viewer} GET {url}: {response.status_code}, expected {expected}")
        if expected == 302 and not response.headers["Location"].startswith("/login"):
            failures.append(f"{viewer} GET {url}: redirected to {response.headers['Location']}, not /login")
    assert failures == []


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.value if v else "anonymous")
def test_form_posts_are_refused_to_those_without_the_right(client, officials, engine, viewer):
    if viewer:
        sign_in(client, viewer)
    token = csrf_token(client, "/login")
    for endpoint in FORMS:
        url, allowed = ROUTES[endpoint]
        if viewer in allowed:
            continue
        response = client.post(url, data={"csrf_token": token, "code": "ITA", "status": "withdrawn", "joined": "2025-01-01", "effective": "2025-01-01", "confirm": "y"})
        assert response.status_code == (302 if viewer is None else 403), (viewer, url)
    from ledger.services.verification import verify_ledger

    assert verify_ledger(engine).entries == 9  # five members and four officials: nothing new


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.value if v else "anonymous")
def test_dash_internals_are_public_and_refuse_malformed_callbacks(client, officials, viewer):
    if viewer:
        sign_in(client, viewer)
    page = client.get("/dashboards/").get_data(as_text=True)
    script = re.search(r'src="(/dashboards/_dash-component-suites/[^"]+)"', page).group(1)
    with client.get(script) as response:
        assert response.status_code == 200
    assert client.get("/dashboards/assets/missing.css").status_code == 404
    refused = client.post("/dashboards/_dash-update-component", json={"nothing": 1})
    assert refused.status_code == 400
    assert "output" in refused.get_data(as_text=True)


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.value if v else "anonymous")
def test_account_changes_are_the_secretariats_and_the_second_step_needs_a_password_first(client, officials, engine, viewer):
    """Only the secretariat changes accounts (MANAGE_USERS); /login/second-factor without a right
    password first sends anyone back to /login."""
    if viewer:
        sign_in(client, viewer)
    second_step = client.get("/login/second-factor")
    assert second_step.status_code == 302 and second_step.headers["Location"].startswith("/login")
    token = csrf_token(client, "/login")
    with engine.connect() as connection:
        auditor = connection.execute(text("SELECT id FROM app_user WHERE role = 'auditor'")).scalar()
    for action, data in (("reset", {"password": "temporary password 3"}), ("role", {"role": "treasurer"}), ("deactivate", {})):
        response = client.post(f"/office/users/{auditor}/{action}", data={"csrf_token": token, **data})
        expected = 302 if viewer in (None, Role.SECRETARIAT) else 403
        assert response.status_code == expected, (viewer, action, response.status_code)
    assert client.post("/office/users/999999/deactivate", data={"csrf_token": token}).status_code == (
        404 if viewer is Role.SECRETARIAT else 302 if viewer is None else 403)


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.value if v else "anonymous")
def test_approving_a_pending_booking_is_for_treasurers_and_the_secretariat(client, officials, viewer):
    """APPROVE_BOOKINGS: a second treasurer or the secretariat; the others are refused before any lookup."""
    if viewer:
        sign_in(client, viewer)
    token = csrf_token(client, "/login")
    response = client.post("/office/contributions/pending/1/approve", data={"csrf_token": token})
    expected = {None: 302, Role.SECRETARIAT: 404, Role.TREASURER: 404}.get(viewer, 403)
    assert response.status_code == expected, (viewer, response.status_code)

