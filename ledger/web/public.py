"""The public pages: the home page (the front door), its Atom feed, the reports and their PDFs."""

from __future__ import annotations


from flask import Blueprint, Response, render_template, request

from ledger.api.tlog import tlog_state
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries.home import front_door
from ledger.reports.annual import available_reports, build_annual_report, build_member_statement
from ledger.reports.i18n import parse_language
from ledger.reports.render import render_annual_report, render_member_statement
from ledger.services.signed_reports import published_annual_report
from ledger.state import connect, engine, today
from ledger.web.feed import atom_feed

FEED_DECISIONS = 50

blueprint = Blueprint("public", __name__)


@blueprint.route("/")
def home():
    with connect() as connection:
        door = front_door(connection, today())
    return render_template("index.html", title="Member Ledger", door=door)


@blueprint.route("/feed.atom")
def feed():
    with connect() as connection:
        decisions = governance_queries.latest_decisions(connection, FEED_DECISIONS)
        years = contribution_queries.closed_years(connection)
        facility = contribution_queries.settings_at(connection).texts["facility_name"]
    return Response(atom_feed(request.url_root, decisions, years, facility), mimetype="application/atom+xml")


@blueprint.route("/reports/")
def reports():
    with connect() as connection:
        listed = available_reports(connection)
        assessed = {year.year: contribution_queries.assessed_members(connection, year.year) for year, _link in listed}
    return render_template("reports.html", title="Reports", reports=listed, assessed=assessed)


@blueprint.route("/reports/annual/<int:year>.pdf")
def annual_report(year: int):
    lang = parse_language(request.args.get("lang"))
    with connect() as connection:
        report = build_annual_report(connection, year, today(), lang)
    state = tlog_state()
    pdf = published_annual_report(engine(), state.signer, report, render_annual_report, witnesses=state.witnesses)
    return _pdf(pdf, f"annual-report-{year}{_suffix(lang)}.pdf")


@blueprint.route("/reports/statements/<int:year>/<code>.pdf")
def member_statement(year: int, code: str):
    lang = parse_language(request.args.get("lang"))
    with connect() as connection:
        statement = build_member_statement(connection, year, code.upper(), today(), lang)
    return _pdf(render_member_statement(statement), f"statement-{year}-{code.upper()}{_suffix(lang)}.pdf")


def _suffix(lang: str) -> str:
    return "" if lang == "en" else f"-{lang}"


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})
