"""The officials' workspace: /office/... (members, the journal)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from ledger.domain.access import Permission
from ledger.domain.errors import Problem
from ledger.domain.members import ADMISSION_STATUSES, MemberStatus, parse_date
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.services.members import admit_member, change_member_status
from ledger.web.forms import run_form
from ledger.web.guard import current_actor, requires

blueprint = Blueprint("office", __name__, url_prefix="/office")

JOURNAL_PAGE = 50


class AdmissionForm(FlaskForm):
    code = StringField("Country code (ISO 3166-1 alpha-3)")
    name = StringField("Name (leave empty for the ISO name)")
    status = SelectField("Status", choices=[s.value for s in ADMISSION_STATUSES], validate_choice=False)
    joined = StringField("Joined on (YYYY-MM-DD)")
    confirm = BooleanField("I confirm this admission; the journal keeps it for good")


class StatusChangeForm(FlaskForm):
    status = SelectField("New status", choices=[s.value for s in MemberStatus], validate_choice=False)
    effective = StringField("From (YYYY-MM-DD; for a withdrawal, the date of leaving)")
    confirm = BooleanField("I confirm this status change; the journal keeps it for good")


def _engine():
    return current_app.extensions["ledger"].engine


@blueprint.route("/")
@requires(Permission.ENTER_OFFICE)
def home():
    return render_template("office/home.html", title="Officials' workspace", actor=current_actor(), Permission=Permission)


@blueprint.route("/members")
@requires(Permission.VIEW_MEMBERS)
def members():
    with _engine().connect() as connection:
        rows = member_queries.list_members(connection)
    return render_template("office/members.html", title="Members", members=rows, can_manage=current_actor().can(Permission.MANAGE_MEMBERS))


@blueprint.route("/members/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def admit():
    form = AdmissionForm()
    if form.validate_on_submit():
        error = run_form(form, lambda uow: admit_member(
            form.code.data, form.name.data, form.status.data, form.joined.data, actor=current_actor(), uow=uow
        ))
        if error is None:
            flash(f"Admitted {form.code.data.strip().upper()}.")
            return redirect(url_for("office.members"))
        return render_template("office/admit.html", title="Admit a member", form=form), error.status
    return render_template("office/admit.html", title="Admit a member", form=form)


@blueprint.route("/members/<code>/status", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def change_status(code: str):
    with _engine().connect() as connection:
        member = member_queries.find_member(connection, code.upper())
    if member is None:
        return render_template("error.html", title="Not found", message=f"No member with code {code}."), 404
    form = StatusChangeForm()
    page = {"title": f"Change the status of {member.name}", "form": form, "member": member}
    if form.validate_on_submit():
        error = run_form(form, lambda uow: change_member_status(
            member.code, form.status.data, form.effective.data, actor=current_actor(), uow=uow
        ))
        if error is None:
            flash(f"Recorded: {member.name} is {form.status.data} from {form.effective.data}.")
            return redirect(url_for("office.members"))
        return render_template("office/status.html", **page), error.status
    return render_template("office/status.html", **page)


@blueprint.route("/journal")
@requires(Permission.READ_JOURNAL)
def journal():
    args = request.args
    problems: list[Problem] = []
    since, until = None, None
    if args.get("since"):
        since, found = parse_date(args["since"], "since")
        problems += found
    if args.get("until"):
        until, found = parse_date(args["until"], "until")
        problems += found
    page_number = args.get("page", "1")
    if not page_number.isdigit() or int(page_number) < 1:
        problems.append(Problem("page", "give a page number from 1"))
        page_number = "1"
    where = journal_queries.JournalFilter(actor=args.get("actor", "").strip(), kind=args.get("kind", "").strip(), since=since, until=until)
    if problems:
        return render_template("office/journal.html", title="Journal", where=where, entries=[], total=0, page=1, pages=1, problems=problems), 400
    page = int(page_number)
    with _engine().connect() as connection:
        total, entries = journal_queries.browse(connection, where, limit=JOURNAL_PAGE, offset=(page - 1) * JOURNAL_PAGE)
    pages = max(1, -(-total // JOURNAL_PAGE))
    return render_template("office/journal.html", title="Journal", where=where, entries=entries, total=total, page=page, pages=pages, problems=[])
