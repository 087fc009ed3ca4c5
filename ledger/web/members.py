"""The members pages of the workspace: /office/members/... (the register, admissions, status changes)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField

from ledger.domain.access import Permission
from ledger.domain.errors import NotFound
from ledger.domain.members import ADMISSION_STATUSES, MemberStatus
from ledger.queries import members as member_queries
from ledger.services.members import admit_member, change_member_status
from ledger.web.forms import DATE_HINT, confirm_field, handle_form, text_field
from ledger.web.guard import current_actor, requires
from ledger.web.state import connect

blueprint = Blueprint("members", __name__, url_prefix="/office/members")


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


@blueprint.route("")
@requires(Permission.VIEW_MEMBERS)
def members():
    with connect() as connection:
        rows = member_queries.list_members(connection)
    return render_template("members/members.html", title="Members", members=rows, can_manage=current_actor().can(Permission.MANAGE_MEMBERS))


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def admit():
    form = AdmissionForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")[:3]
    return handle_form(
        form, "members/admit.html",
        lambda uow: admit_member(form.code.data, form.name.data, form.status.data, form.joined.data, actor=current_actor(), uow=uow),
        lambda admission: (f"{'Readmitted' if admission.readmission else 'Admitted'} {admission.name} ({admission.code}).", url_for(".members")),
        page={"title": "Admit a member"},
    )


@blueprint.route("/<code>/status", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def change_status(code: str):
    with connect() as connection:
        member = member_queries.find_member(connection, code.upper())
    if member is None:
        raise NotFound(f"No member with code {code}.")
    form = StatusChangeForm()
    return handle_form(
        form, "members/status.html",
        lambda uow: change_member_status(member.code, form.status.data, form.effective.data, actor=current_actor(), uow=uow),
        lambda _result: (f"Recorded: {member.name} is {form.status.data} from {form.effective.data}.", url_for(".members")),
        page={"title": f"Change the status of {member.name}", "member": member},
    )
