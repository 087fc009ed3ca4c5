"""The compute pages of the workspace: /office/compute/... (projects, capacity plans, GPU-hour ledgers).

The secretariat registers projects, records each year's capacity plan citing the board's
decision, allocates the year's quotas, adjusts a member's GPU-hours with a reason and
closes the year's ledger; the auditor reads. Each view parses the form, calls one use case
of ledger.services.compute and renders; the rules, and every refusal, live in the service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from flask import Blueprint, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ledger.domain.access import Permission
from ledger.domain.compute import SafetyLevel
from ledger.domain.errors import NotFound, ValidationFailed
from ledger.queries import compute as compute_queries
from ledger.queries.contributions import settings_at
from ledger.services import compute as compute_service
from ledger.web.forms import DATE_HINT, confirm_field, handle_form, member_choices, pending_message, text_field
from ledger.web.guard import current_actor, requires
from ledger.state import cached, connect, today

blueprint = Blueprint("compute", __name__, url_prefix="/office/compute")

# A plan has a few pools (one per GPU type) and reserves: rows enough for them and one more,
# blank rows ignored, so the form takes 1..N of each without scripts.
POOL_ROWS = 4
RESERVE_ROWS = 3
POOL_COLUMNS = {
    "type": "GPU type, as Slurm's gres names it (e.g. h100)",
    "count": "Number of GPUs",
    "availability": "Availability: the share of the year the pool runs (e.g. 0.95)",
    "factor": "Factor: reference GPU-hours per hour of one of its GPUs (e.g. 2.5)",
}
RESERVE_COLUMNS = {
    "name": "Name (lower-case letters, digits and _, e.g. open_calls)",
    "percent": "Percentage of capacity (e.g. 10)",
}
_POOL_PROBLEM = re.compile(r"pools\[(\d+)\]\.(\w+)")


# --------------------------------------------------------------------------- forms


class ProjectForm(FlaskForm):
    member = SelectField("Member", validate_choice=False)
    title = text_field("Title")
    account = text_field("Slurm account, as the site named it (e.g. ac10000); case does not matter")
    code = text_field("Project code (optional; default: the account in upper case)")
    safety_level = SelectField("Safety level", choices={"": "Choose a level", **{level.value: level.value for level in SafetyLevel}},
                               validate_choice=False)
    confirm = confirm_field("I confirm this project; its Slurm account is never renamed")


class PlanForm(FlaskForm):
    """The year and decision of a plan; `_plan_form` adds the rows of pools and reserves."""

    year = text_field("Year (e.g. 2027)")
    decision = text_field("Board decision (e.g. Board, 12 December 2026, item 7)")
    confirm = confirm_field("I confirm this capacity plan; it replaces any earlier plan of the year until quotas are allocated")


class AllocationForm(FlaskForm):
    year = text_field("Year")
    on_date = text_field(f"Allocated on ({DATE_HINT}; today or earlier: standing is taken on this day)")
    confirm = confirm_field("I confirm allocating the year's quotas: they are credited to every member once")


class AdjustmentForm(FlaskForm):
    year = text_field("Year")
    member = SelectField("Member", validate_choice=False)
    gpu_hours = text_field("GPU-hours, to at most three decimals; negative to take hours off (e.g. -120.5)")
    reason = text_field("Reason (e.g. pool B down 3 days in March, incident 42)")
    confirm = confirm_field("I confirm this adjustment")


class ClosingForm(FlaskForm):
    year = text_field("Year")
    on_date = text_field(f"Closed on ({DATE_HINT}; after the end of the year)")
    confirm = confirm_field("I confirm closing the year's GPU-hour ledger: unused hours are carried or forfeited now")


# --------------------------------------------------------------------------- helpers


def _year_from(form: FlaskForm) -> int:
    """The year of a form the use case accepted."""
    return int(form.year.data.strip())


def _with_year(form: FlaskForm) -> None:
    """A year's actions link to their forms with ?year=; the form starts from it."""
    if request.method == "GET":
        form.year.data = request.args.get("year", "")


def _settings():
    with connect() as connection:
        return settings_at(connection)


# --------------------------------------------------------------------------- reading


@blueprint.route("/")
@requires(Permission.VIEW_COMPUTE)
def index():
    with connect() as connection:
        years = cached(connection, "office.compute.years", lambda: [
            compute_queries.compute_year(connection, number) for number in compute_queries.compute_years(connection)
        ])
        projects = compute_queries.list_projects(connection)
    return render_template("compute/index.html", title="Compute: capacity, quotas and projects", years=years, projects=projects)


@blueprint.route("/years/<int:year>")
@requires(Permission.VIEW_COMPUTE)
def year(year: int):
    with connect() as connection:
        found = compute_queries.compute_year(connection, year)
        if found is None:
            raise NotFound(f"{year} has no capacity plan; the secretariat records one")
        lines = compute_queries.ledger_lines(connection, year)
    return render_template("compute/year.html", title=f"Compute in {year}", year=found, lines=lines)


# --------------------------------------------------------------------------- secretariat: projects


@blueprint.route("/projects/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PROJECTS)
def register_project():
    form = ProjectForm()
    with connect() as connection:
        form.member.choices = member_choices(connection)
    return handle_form(
        form, "contributions/form.html",
        lambda uow: compute_service.register_project(form.member.data, form.title.data, form.account.data, form.safety_level.data,
                                                     code=form.code.data or None, actor=current_actor(), uow=uow),
        lambda project: ((f"Registered project {compute_service.project_code(project)} {project.title!r} of {project.member_code}, "
                          f"Slurm account {project.account}, "
                         f"{project.safety_level}."), url_for(".index")),
        page={"title": "Register a project", "submit": "Register the project", "back": url_for(".index"),
              "intro": [("Usage exports are charged to a project by its Slurm accounts, named as the site named them. "
                        "More accounts, and moves of an account to another project or member from a date, are added with "
                        "`ledger projects account` or `ledger projects import`."),
                        "The safety level says how strictly the work is contained, like biosafety levels: SL-1 least, SL-4 most."]},
        missing="member",
    )


# --------------------------------------------------------------------------- secretariat: capacity plans


def _plan_form(previous: compute_queries.ComputeYear | None) -> PlanForm:
    """The plan form with rows for the pools and reserves of the latest plan and one more; on GET filled from it."""
    pools = [{"type": p.gpu_type, "count": p.count, "availability": p.availability, "factor": p.factor} for p in previous.pools] if previous else []
    # a reserve at 0 % only received hours a suspension freed: not part of the plan
    reserves = [{"name": r.name, "percent": r.percent} for r in previous.reserves if r.percent] if previous else []

    class PlanInputs(PlanForm):
        row_counts: ClassVar[dict[str, int]] = {"pool": max(POOL_ROWS, len(pools) + 1), "reserve": max(RESERVE_ROWS, len(reserves) + 1)}

    for prefix, columns in (("pool", POOL_COLUMNS), ("reserve", RESERVE_COLUMNS)):
        for row in range(1, PlanInputs.row_counts[prefix] + 1):
            for column, label in columns.items():
                setattr(PlanInputs, f"{prefix}_{row}_{column}", StringField(label, default=""))
    form = PlanInputs()
    if request.method == "GET":
        for prefix, rows in (("pool", pools), ("reserve", reserves)):
            for row, values in enumerate(rows, start=1):
                for column, value in values.items():
                    form[f"{prefix}_{row}_{column}"].data = str(value)
    return form


def _rows_of(form: PlanForm, prefix: str, columns: dict[str, str]) -> dict[int, dict[str, StringField]]:
    """The form's rows of pools or reserves, by row number."""
    return {row: {column: form[f"{prefix}_{row}_{column}"] for column in columns} for row in range(1, form.row_counts[prefix] + 1)}


def _filled_rows(form: PlanForm, prefix: str, columns: dict[str, str]) -> dict[int, dict[str, str]]:
    """The rows the official filled in, by row number; a blank row is ignored."""
    rows = {row: {column: (field.data or "").strip() for column, field in fields.items()} for row, fields in _rows_of(form, prefix, columns).items()}
    return {row: values for row, values in rows.items() if any(values.values())}


def _reserves_by_name(rows: dict[int, dict[str, str]]) -> dict[str, str]:
    """Reserve rows -> {name: percent}; a name given twice is refused at its second row."""
    reserves: dict[str, str] = {}
    for row, values in rows.items():
        name = values["name"].lower()
        if name in reserves:
            raise ValidationFailed.single(f"reserve_{row}_name", f"each reserve once; {values['name']!r} is named in another row too")
        reserves[name] = values["percent"]
    return reserves


def _plan_field(pool_rows: list[int], reserve_rows: dict[int, dict[str, str]]) -> Callable[[str], str]:
    """Where a problem the service names goes: pools[k] is the k-th pool row filled in, reserves.NAME the row naming it."""
    reserve_row = {values["name"].lower(): row for row, values in reserve_rows.items()}

    def field_for(name: str) -> str:
        pool = _POOL_PROBLEM.fullmatch(name)
        if pool:
            return f"pool_{pool_rows[int(pool[1]) - 1]}_{pool[2]}"
        if name.startswith("reserves.") and name.removeprefix("reserves.") in reserve_row:
            return f"reserve_{reserve_row[name.removeprefix('reserves.')]}_percent"
        return name

    return field_for


@blueprint.route("/plans/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_COMPUTE)
def record_plan():
    with connect() as connection:
        latest = compute_queries.compute_years(connection)
        previous = compute_queries.compute_year(connection, latest[0]) if latest else None
    form = _plan_form(previous)
    _with_year(form)
    pools = _filled_rows(form, "pool", POOL_COLUMNS)
    reserves = _filled_rows(form, "reserve", RESERVE_COLUMNS)
    intro = [("The year's capacity is the sum over its pools of GPUs × hours in the year × availability × factor, in reference "
             "GPU-hours; a job whose usage names no GPU type counts at factor 1. A GPU type keeps one factor in every plan."),
             ("Reserves (open calls, AI safety labs) are taken first, as the board decided; the rest is shared among the members "
             "in proportion to their assessments. A later plan replaces an earlier one until the quotas are allocated."),
             "Blank rows are ignored." + (f" The rows start from the plan of {previous.year}." if previous else "")]
    return handle_form(
        form, "compute/plan.html",
        lambda uow: compute_service.record_compute_plan(form.year.data, list(pools.values()), _reserves_by_name(reserves), form.decision.data,
                                                        actor=current_actor(), uow=uow),
        lambda plan_id: (f"Recorded capacity plan #{plan_id} for {_year_from(form)}.", url_for(".year", year=_year_from(form))),
        page={"title": "Record a capacity plan", "submit": "Record the plan", "back": url_for(".index"), "intro": intro,
              "pool_rows": _rows_of(form, "pool", POOL_COLUMNS), "reserve_rows": _rows_of(form, "reserve", RESERVE_COLUMNS)},
        field_for=_plan_field(list(pools), reserves), missing="year",
    )


# --------------------------------------------------------------------------- secretariat: quotas and the ledger


@blueprint.route("/allocate", methods=["GET", "POST"])
@requires(Permission.MANAGE_COMPUTE)
def allocate_quotas():
    form = AllocationForm()
    _with_year(form)
    if request.method == "GET":
        form.on_date.data = today().isoformat()
    policy = _settings().texts["quota_suspension"]
    return handle_form(
        form, "contributions/form.html",
        lambda uow: compute_service.allocate_quotas(form.year.data, form.on_date.data, today=today(), actor=current_actor(), uow=uow),
        lambda count: (f"Allocated the GPU-hour quotas of {_year_from(form)} to {count} members.", url_for(".year", year=_year_from(form))),
        page={"title": "Allocate a year's quotas", "submit": "Allocate the quotas", "back": url_for(".index"),
              "intro": [("The reserves of the year's plan are credited first; the rest goes to the members in proportion to what each "
                        "was assessed for the year, by largest remainder in whole GPU-hours. Quotas are allocated once; "
                        "afterwards they change by adjustments and transfers the board adopts."),
                        f"A member suspended on the allocation day is treated by the quota_suspension setting in force: {policy}."]},
        missing="year",
    )


@blueprint.route("/adjust", methods=["GET", "POST"])
@requires(Permission.MANAGE_COMPUTE)
def adjust_quota():
    form = AdjustmentForm()
    with connect() as connection:
        form.member.choices = member_choices(connection)
    _with_year(form)
    return handle_form(
        form, "contributions/form.html",
        lambda uow: compute_service.adjust_quota(form.year.data, form.member.data, form.gpu_hours.data, form.reason.data,
                                                 actor=current_actor(), uow=uow),
        lambda booked: pending_message(booked, f"The adjustment of {form.member.data.strip().upper()}'s GPU-hours")
        or (f"Adjusted the GPU-hours of {form.member.data.strip().upper()} in {_year_from(form)} by {form.gpu_hours.data.strip()}.",
            url_for(".year", year=_year_from(form))),
        page={"title": "Adjust a member's GPU-hours", "submit": "Record the adjustment", "back": url_for(".index"),
              "intro": [("An adjustment is a line of the member's GPU-hour ledger with its reason; the ledger is append-only, "
                        "so a wrong adjustment is corrected by another one. GPU-hours move between members only by a "
                        "quota-transfer motion the board adopts.")]},
        missing="year",
    )


@blueprint.route("/close", methods=["GET", "POST"])
@requires(Permission.MANAGE_COMPUTE)
def close_year():
    form = ClosingForm()
    _with_year(form)
    if request.method == "GET":
        form.on_date.data = today().isoformat()
    rule = _settings().quota_carry_over
    return handle_form(
        form, "contributions/form.html",
        lambda uow: compute_service.close_compute_year(form.year.data, form.on_date.data, today=today(), actor=current_actor(), uow=uow),
        lambda count: (f"Closed the GPU-hour ledger of {_year_from(form)}: the balances of {count} members carried or forfeited.",
                       url_for(".year", year=_year_from(form))),
        page={"title": "Close a year's GPU-hour ledger", "submit": "Close the ledger", "back": url_for(".index"),
              "intro": [(f"Each member's unused GPU-hours are carried into the next year or forfeited by the quota_carry_over "
                        f"setting in force: {rule}. An overdrawn balance is carried in full, as owed."),
                        "The ledger closes after the year has ended; usage ingested later still debits the closed year."]},
        missing="year",
    )
