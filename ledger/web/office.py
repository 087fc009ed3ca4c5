"""The officials' workspace: /office/... (members, the journal)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField

from ledger.domain.access import Permission
from ledger.domain.errors import NotFound, Problem
from ledger.domain.members import ADMISSION_STATUSES, MemberStatus, parse_date
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.services.members import admit_member, change_member_status
from ledger.web.forms import DATE_HINT, confirm_field, handle_form, text_field
from ledger.web.guard import current_actor, requires
from ledger.web.state import connect

blueprint = Blueprint("office", __name__, url_prefix="/office")

JOURNAL_PAGE = 50
MAX_JOURNAL_PAGE = 10**9 // JOURNAL_PAGE  # keeps OFFSET far inside a 64-bit integer


class AdmissionForm(FlaskForm):
    code = text_field("Country code (ISO 3166-1 alpha-3)")
    name = text_field("Name (leave empty for the ISO name)")
    status = SelectField("Status", choices=[s.value for s in ADMISSION_STATUSES], validate_choice=False)
    joined = text_field(f"Joined on ({DATE_HINT})")
    confirm = confirm_field("I confirm this admission")


class StatusChangeForm(FlaskForm):
    status = SelectField("New status", choices=[s.value for s in MemberStatus], validate_choice=False)
    effective = text_field(f"From ({DATE_HINT}; for a withdrawal, the date of leaving)")
    confirm = confirm_field("I confirm this status change")


@blueprint.route("/")
@requires(Permission.ENTER_OFFICE)
def home():
    return render_template("office/home.html", title="Officials' workspace")


@blueprint.route("/members")
@requires(Permission.VIEW_MEMBERS)
def members():
    with connect() as connection:
        rows = member_queries.list_members(connection)
    return render_template("office/members.html", title="Members", members=rows, can_manage=current_actor().can(Permission.MANAGE_MEMBERS))


@blueprint.route("/members/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def admit():
    form = AdmissionForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")[:3]
    return handle_form(
        form, "office/admit.html",
        lambda uow: admit_member(form.code.data, form.name.data, form.status.data, form.joined.data, actor=current_actor(), uow=uow),
        lambda admission: (f"{'Readmitted' if admission.readmission else 'Admitted'} {admission.name} ({admission.code}).", url_for(".members")),
        page={"title": "Admit a member"},
    )


@blueprint.route("/members/<code>/status", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def change_status(code: str):
    with connect() as connection:
        member = member_queries.find_member(connection, code.upper())
    if member is None:
        raise NotFound(f"No member with code {code}.")
    form = StatusChangeForm()
    return handle_form(
        form, "office/status.html",
        lambda uow: change_member_status(member.code, form.status.data, form.effective.data, actor=current_actor(), uow=uow),
        lambda _result: (f"Recorded: {member.name} is {form.status.data} from {form.effective.data}.", url_for(".members")),
        page={"title": f"Change the status of {member.name}", "member": member},
    )


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
    if not (page_number.isascii() and page_number.isdigit() and len(page_number) <= 12 and 1 <= int(page_number) <= MAX_JOURNAL_PAGE):
        problems.append(Problem("page", f"give a page number from 1 to {MAX_JOURNAL_PAGE:,}"))
        page_number = "1"
    where = journal_queries.JournalFilter(actor=args.get("actor", "").strip(), kind=args.get("kind", "").strip(), since=since, until=until)
    if problems:
        return render_template("office/journal.html", title="Journal", where=where, entries=[], total=0, page=1, pages=1, problems=problems), 400
    page = int(page_number)
    with connect() as connection:
        total, entries = journal_queries.browse(connection, where, limit=JOURNAL_PAGE, offset=(page - 1) * JOURNAL_PAGE)
    pages = max(1, -(-total // JOURNAL_PAGE))
    return render_template("office/journal.html", title="Journal", where=where, entries=entries, total=total, page=page, pages=pages, problems=[])
