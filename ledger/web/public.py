"""The public pages: the home page and the list of reports."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.reports import available_reports

blueprint = Blueprint("public", __name__)


@blueprint.route("/")
def home():
    with current_app.extensions["ledger"].engine.connect() as connection:
        counts = member_queries.count_by_status(connection)
        head = journal_queries.head(connection)
    return render_template("index.html", title="Member Ledger", counts=counts, head=head)


@blueprint.route("/reports/")
def reports():
    return render_template("reports.html", title="Reports", reports=available_reports())
