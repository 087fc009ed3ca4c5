"""The finance pages of the workspace: /office/contributions/... (years, budgets, scales, payments, in kind).

Long because it holds a form and a view for each of the capability's workspace actions (as
web/governance.py does); a split waits for the motions work now changing this file.

The secretariat prepares years, budgets and scales and records the board's decisions; the
treasurer books payments, reversals and contributions in kind; the auditor reads. Each view
parses the form, calls one use case and renders; the rules live in the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Permission
from ledger.domain.contribution_inputs import FIRST_YEAR, LAST_YEAR
from ledger.domain.contributions import InKindState
from ledger.domain.errors import NotFound, ValidationFailed
from ledger.domain.money import format_minor
from ledger.formatting import format_amount
from ledger.domain.settings import SETTINGS
from ledger.queries import contributions as finance_queries
from ledger.queries import members as member_queries
from ledger.services import contributions as contributions_service
from ledger.services import four_eyes
from ledger.web.forms import DATE_HINT, confirm_field, handle_form, member_choices, pending_message, run_form, show_problems, text_field
from ledger.web.guard import current_actor, requires
from ledger.state import connect, engine, today

blueprint = Blueprint("contributions", __name__, url_prefix="/office/contributions")

SCALE_YEARS = 3  # the period of a first scale (CERN: three years); later ones repeat the previous period
SCALE_DEFAULTS = {"ceiling": "25", "floor": "", "precision": "0.001", "associate_factor": "10", "income_measure": ""}


# --------------------------------------------------------------------------- forms


class OpenYearForm(FlaskForm):
    year = text_field("Year (e.g. 2027)")
    due_dates = text_field(f"Instalment due dates ({DATE_HINT}, comma-separated, e.g. 2027-03-31, 2027-09-30)")
    budget = text_field("Draft budget (optional; can be set until the budget is adopted)")
    confirm = confirm_field("I confirm opening this fiscal year")


class BudgetForm(FlaskForm):
    budget = text_field("Draft budget")


class AdoptBudgetForm(FlaskForm):
    motion = text_field("Adopted board motion (its number, e.g. 12): required once the ledger records the board's meetings")
    decision = text_field("Or, for a decision taken before the ledger's first recorded meeting, the decision (e.g. Board, 12 December 2021, item 4)")
    adopted_on = text_field(f"Adopted on ({DATE_HINT})")
    confirm = confirm_field("I confirm the adoption and the assessment of every member")


class CloseYearForm(FlaskForm):
    decision = text_field("Board decision approving the accounts")
    closed_on = text_field(f"Closed on ({DATE_HINT}; after the end of the year)")
    confirm = confirm_field("I confirm closing the year: its figures become final and its annual report fixed")


class ScaleForm(FlaskForm):
    first_year = text_field("First year")
    last_year = text_field("Last year")
    ceiling = text_field("Ceiling in percent (empty for none)")
    floor = text_field("Floor in percent (empty for none)")
    precision = text_field("Precision in percent (the step shares are rounded to, e.g. 0.001)")
    associate_factor = text_field("Associate factor in percent (the part of its income an associate is assessed on)")
    income_measure = text_field("Income measure and its source (e.g. GNI 2022-2024, World Bank)")
    motion = text_field("Adopted board motion (its number, e.g. 12): required once the ledger records the board's meetings")
    decision = text_field("Or, for a decision taken before the ledger's first recorded meeting, the decision adopting the scale")
    adopted_on = text_field(f"Adopted on ({DATE_HINT}; needed to adopt)")
    confirm = confirm_field("I confirm the adoption of this scale; it is never edited afterwards")


class WaiverForm(FlaskForm):
    member = SelectField("Member", validate_choice=False)
    starts_on = text_field(f"Waived from ({DATE_HINT})")
    ends_on = text_field(f"Waived until ({DATE_HINT}; empty: until revoked)")
    decision = text_field("Board decision (the adopted motion)")
    confirm = confirm_field("I confirm this waiver of suspension")


class SettingForm(FlaskForm):
    key = SelectField("Setting", choices=list(SETTINGS), validate_choice=False)
    value = text_field("New value")
    motion = text_field("Adopted setting motion (its number, e.g. 12): required once the ledger records the board's meetings")
    decision = text_field("Or, for a decision taken before the ledger's first recorded meeting, the decision (e.g. Board, 12 December 2021, item 4)")
    decided_on = text_field(f"That decision taken on ({DATE_HINT}; with the decision only)")
    confirm = confirm_field("I confirm this change: figures from now on follow it")


class PaymentForm(FlaskForm):
    member = SelectField("Member", validate_choice=False)
    paid_on = text_field(f"Paid on ({DATE_HINT}; the day the money arrived)")
    currency = text_field("Currency (ISO 4217, e.g. EUR, JPY, KWD)")
    amount = text_field("Amount in that currency (a dot before the decimals, e.g. 1234.50)")
    rate = text_field("Rate to the base currency (base currency per one unit; 1 for the base currency)")
    rate_date = text_field(f"Rate date ({DATE_HINT})")
    rate_source = text_field("Rate source (e.g. ECB euro foreign exchange reference rate)")
    reference = text_field("Bank reference of the transfer")


class ReversalForm(FlaskForm):
    reference = text_field("Bank reference of the payment")
    reason = text_field("Reason (why the booking is wrong)")
    reversed_on = text_field(f"Reversed on ({DATE_HINT})")
    confirm = confirm_field("I confirm this reversal")


class PledgeForm(FlaskForm):
    member = SelectField("Member", validate_choice=False)
    year = text_field("Fiscal year whose assessment it settles")
    description = text_field("What is contributed")
    pledged_on = text_field(f"Pledged on ({DATE_HINT})")
    confirm = confirm_field("I confirm this pledge")


class AdvanceForm(FlaskForm):
    state = SelectField("New state", choices=[s.value for s in InKindState if s is not InKindState.PLEDGED], validate_choice=False)
    amount = text_field("Agreed value (for valued only)")
    on_date = text_field(f"On ({DATE_HINT})")
    confirm = confirm_field("I confirm this step")


# --------------------------------------------------------------------------- helpers


def _find_year(connection, number: int) -> finance_queries.YearRow:
    found = finance_queries.find_year(connection, number)
    if found is None:
        raise NotFound(f"no fiscal year {number}; the secretariat opens years")
    return found


def _base_currency(connection) -> str:
    return finance_queries.settings_at(connection).base_currency


def _year_url(number: int) -> str:
    with connect() as connection:
        known = finance_queries.find_year(connection, number) is not None
    return url_for(".year", year=number) if known else url_for(".index")


# --------------------------------------------------------------------------- reading


@blueprint.route("/")
@requires(Permission.VIEW_FINANCES)
def index():
    with connect() as connection:
        years = finance_queries.list_years(connection)
        scales = finance_queries.list_scales(connection)
    return render_template("contributions/index.html", title="Finances", years=years, scales=scales)


@blueprint.route("/years/<int:year>")
@requires(Permission.VIEW_FINANCES)
def year(year: int):
    with connect() as connection:
        row = _find_year(connection, year)
        view = finance_queries.view_of(row, today())
        contributions = finance_queries.year_contributions(connection, row, view)
        payments = finance_queries.payments_between(connection, date(year, 1, 1), date(year, 12, 31), view)
        in_kind = finance_queries.in_kind_of_year(connection, year, view)
        scale = finance_queries.scale_of_year(connection, year, view.through_seq)
        base = _base_currency(connection)
    return render_template(
        "contributions/year.html", title=f"Fiscal year {year}", year=row, view=view, contributions=contributions,
        payments=payments, in_kind=in_kind, scale=scale, base=base,
    )


# --------------------------------------------------------------------------- secretariat: years and budgets


@blueprint.route("/years/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def open_year():
    form = OpenYearForm()
    with connect() as connection:
        currency = _base_currency(connection)
    form.budget.label.text = f"Draft budget in {currency} (optional; can be set until the budget is adopted)"
    return handle_form(
        form, "contributions/form.html",
        lambda uow: contributions_service.open_year(form.year.data, form.due_dates.data, form.budget.data or None, actor=current_actor(), uow=uow),
        lambda number: (f"Opened the fiscal year {number}.", url_for(".year", year=number)),
        page={"title": "Open a fiscal year", "submit": "Open the year", "back": url_for(".index"),
              "intro": [f"A fiscal year is a calendar year in the base currency, {currency}, with one or more instalment due dates."]},
    )


@blueprint.route("/years/<int:year>/budget", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def set_budget(year: int):
    with connect() as connection:
        row = _find_year(connection, year)
    form = BudgetForm()
    form.budget.label.text = f"Draft budget of {year} in {row.currency} (e.g. 1234.50)"
    if request.method == "GET" and row.budget_minor is not None:
        form.budget.data = format_minor(row.budget_minor, row.currency)
    intro = [f"The budget of {year} is {row.status}."]
    if row.status == "draft":
        intro.append("A draft budget can be set again until the board adopts it; each figure set is kept in the journal.")
    else:
        intro.append("Once adopted, a budget is final: it can no longer change.")
    return handle_form(
        form, "contributions/form.html",
        lambda uow: contributions_service.set_budget(year, form.budget.data, actor=current_actor(), uow=uow),
        lambda minor: (f"Draft budget of {year} set to {format_amount(minor, row.currency)} {row.currency}.", url_for(".year", year=year)),
        page={"title": f"Set the budget of {year}", "submit": "Set the budget", "back": url_for(".year", year=year), "intro": intro},
    )


@dataclass(frozen=True, slots=True)
class ScaleMember:
    """A line of the scale in force, as the adoption page shows it: from which day of the year
    the member pays (None: not at all) and what adoption does with it."""

    code: str
    name: str
    share_pct: Decimal | None
    paying_from: date | None
    note: str


def _adoption_lines(connection, row: finance_queries.YearRow, scale: finance_queries.ScaleRow | None) -> list[ScaleMember]:
    """What adopt_budget will do with each member of the scale, read from the same timelines;
    members paying in the year that the scale leaves out are listed too, as not assessed."""
    if scale is None:
        return []
    timelines = member_queries.membership_timelines(connection)
    start, end = date(row.year, 1, 1), date(row.year, 12, 31)
    lines = []
    for line in scale.lines:
        timeline = timelines.get(line.code)
        day = timeline.first_paying_day(start, end) if timeline else None
        if day is None:
            note = f"not a paying member in {row.year}: not assessed for it"
        elif day > start:
            note = f"pays from {day}: pro rata temporis, and the members paying before are credited the difference"
        elif not timeline.is_paying_on(end):
            note = f"leaves during {row.year}: assessed for the whole year of its withdrawal"
        else:
            note = "assessed for the whole year"
        lines.append(ScaleMember(line.code, line.name, line.share_pct, day, note))
    on_scale = {line.code for line in scale.lines}
    names = {member.code: member.name for member in member_queries.list_members(connection)}
    for code, timeline in sorted(timelines.items(), key=lambda item: names.get(item[0], item[0])):
        day = timeline.first_paying_day(start, end)
        if code not in on_scale and day is not None:
            note = f"pays from {day} but is not on this scale: not assessed until a scale includes it"
            lines.append(ScaleMember(code, names.get(code, code), None, day, note))
    return lines


@blueprint.route("/years/<int:year>/adopt", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def adopt_budget(year: int):
    with connect() as connection:
        row = _find_year(connection, year)
        scale = finance_queries.scale_of_year(connection, year)
        lines = _adoption_lines(connection, row, scale)
    form = AdoptBudgetForm()
    return handle_form(
        form, "contributions/adopt.html",
        lambda uow: contributions_service.adopt_budget(year, form.decision.data, form.adopted_on.data, today=today(), actor=current_actor(),
                                                       uow=uow, motion=form.motion.data),
        lambda count: (f"Adopted the budget of {year}: {count} members assessed.", url_for(".year", year=year)),
        page={"title": f"Adopt the budget of {year}", "submit": "Adopt the budget", "back": url_for(".year", year=year),
              "year": row, "scale": scale, "lines": lines},
    )


@blueprint.route("/years/<int:year>/close", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def close_year(year: int):
    with connect() as connection:
        row = _find_year(connection, year)
    form = CloseYearForm()
    return handle_form(
        form, "contributions/form.html",
        lambda uow: contributions_service.close_year(year, form.decision.data, form.closed_on.data, today=today(), actor=current_actor(), uow=uow),
        lambda seq: (f"Closed the fiscal year {year} at journal entry {seq}.", url_for(".year", year=year)),
        page={"title": f"Close the fiscal year {year}", "submit": "Close the year", "back": url_for(".year", year=year),
              "intro": [f"The year {year} is {row.status}.",
                        "Closing is final: the year's figures become final and its annual report fixed, "
                        "showing the ledger as it stands at the closing entry. Later payments settle later instalments."]},
    )


# --------------------------------------------------------------------------- secretariat: the scale


def _income_field(code: str) -> str:
    return f"income_{code}"


def _scale_field(problem_field: str) -> str:
    """income.DEU (and incomes.DEU) are the per-member income inputs income_DEU."""
    prefix, _, code = problem_field.partition(".")
    return _income_field(code) if prefix in ("income", "incomes") and code else problem_field


def _period(first: object, last: object) -> tuple[int, int] | None:
    """The period typed, when both years are valid and in order."""
    try:
        years = int(str(first).strip()), int(str(last).strip())
    except ValueError:
        return None
    return years if FIRST_YEAR <= years[0] <= years[1] <= LAST_YEAR else None


@dataclass(frozen=True, slots=True)
class ShareComparison:
    code: str
    name: str
    status: str
    income: str
    previous: Decimal | None
    proposed: Decimal
    bound: str

    @property
    def difference(self) -> Decimal | None:
        return None if self.previous is None else self.proposed - self.previous


def _scale_form(previous: finance_queries.ScaleRow | None, period: tuple[int, int], paying: dict[str, str], names: dict[str, str]) -> ScaleForm:
    """The scale form with one income input per paying member; on GET prefilled from the previous scale."""

    class ScaleInputs(ScaleForm):
        pass

    fresh = request.method == "GET"
    incomes = {line.code: str(line.income) for line in previous.lines} if previous and fresh else {}
    for code in paying:
        label = f"{names.get(code, code)} ({code}){', associate' if paying[code] == 'associate' else ''}"
        setattr(ScaleInputs, _income_field(code), StringField(label, default=incomes.get(code, "")))
    form = ScaleInputs()
    if fresh:
        form.first_year.data, form.last_year.data = map(str, period)
        parameters = {
            "ceiling": previous.ceiling_pct, "floor": previous.floor_pct, "precision": previous.precision_pct,
            "associate_factor": previous.associate_factor_pct, "income_measure": previous.income_measure,
        } if previous else SCALE_DEFAULTS
        for name, value in parameters.items():
            form[name].data = "" if value is None else str(value)
    return form


@blueprint.route("/scales/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def new_scale():
    with connect() as connection:
        scales = finance_queries.list_scales(connection)
        names = {m.code: m.name for m in member_queries.list_members(connection)}
    previous = scales[-1] if scales else None
    if previous:
        period = (previous.last_year + 1, 2 * previous.last_year + 1 - previous.first_year)
    else:
        period = (today().year, today().year + SCALE_YEARS - 1)
    if request.method == "POST":
        period = _period(request.form.get("first_year"), request.form.get("last_year")) or period
    with UnitOfWork(engine()) as uow:
        paying = contributions_service.paying_members(uow, *period)
    paying = {code: paying[code] for code in sorted(paying, key=lambda code: names.get(code, code))}
    form = _scale_form(previous, period, paying, names)
    page = {"title": "A new scale of contributions", "previous": previous, "comparison": None,
            "income_fields": [form[_income_field(code)] for code in paying]}
    if not form.validate_on_submit():
        return render_template("contributions/scale.html", form=form, **page)

    incomes = {code: form[_income_field(code)].data for code in paying if (form[_income_field(code)].data or "").strip()}
    proposals = []

    def propose(uow: UnitOfWork):
        proposals.append(contributions_service.propose_scale(
            form.first_year.data, form.last_year.data, incomes, ceiling=form.ceiling.data, floor=form.floor.data,
            precision=form.precision.data, associate_factor=form.associate_factor.data, uow=uow,
        ))
        return proposals[-1]

    def adopt(uow: UnitOfWork):
        return contributions_service.adopt_scale(
            propose(uow), income_measure=form.income_measure.data, decision=form.decision.data, adopted_on=form.adopted_on.data,
            today=today(), actor=current_actor(), uow=uow, motion=form.motion.data,
        )

    adopting = request.form.get("action") == "adopt"
    if adopting:
        error = run_form(form, adopt, field_for=_scale_field)
    else:  # a preview stores nothing, so it asks for no confirmation
        try:
            propose(UnitOfWork(engine()))
            error = None
        except ValidationFailed as failed:
            show_problems(form, failed.problems, _scale_field)
            error = failed
    if proposals:
        page["comparison"] = _compare(proposals[-1], previous, paying, names, incomes)
    if error is not None or not adopting:
        return render_template("contributions/scale.html", form=form, **page), error.status if error else 200
    proposal = proposals[-1]
    flash(f"Adopted the scale of contributions for {proposal.first_year}-{proposal.last_year}.")
    return redirect(url_for(".index"))


def _compare(proposal, previous, paying, names, incomes) -> list[ShareComparison]:
    before = {line.code: line.share_pct for line in previous.lines} if previous else {}
    return [
        ShareComparison(line.member, names.get(line.member, line.member), paying.get(line.member, ""), incomes.get(line.member, ""),
                        before.get(line.member), line.share, line.bound.value)
        for line in sorted(proposal.scale.members, key=lambda line: names.get(line.member, line.member))
    ]


# --------------------------------------------------------------------------- secretariat: waivers and settings


@blueprint.route("/waivers/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def grant_waiver():
    form = WaiverForm()
    with connect() as connection:
        form.member.choices = member_choices(connection)
    return handle_form(
        form, "contributions/form.html",
        lambda uow: contributions_service.grant_waiver(form.member.data, form.starts_on.data, form.ends_on.data, form.decision.data, actor=current_actor(), uow=uow),
        lambda _id: (f"Recorded the waiver of suspension for {form.member.data.strip().upper()} from {form.starts_on.data.strip()}.", url_for(".index")),
        page={"title": "Waive a suspension", "submit": "Record the waiver", "back": url_for(".index"),
              "intro": ["The board may waive the suspension of a member's vote by an adopted motion. The waiver keeps the vote; the arrears stay owed."]},
    )


@blueprint.route("/settings", methods=["GET", "POST"])
@requires(Permission.MANAGE_BUDGETS)
def change_setting():
    form = SettingForm()
    with connect() as connection:
        settings = finance_queries.settings_at(connection)
    rows = [(key, settings.texts[key], meaning) for key, (_default, _parser, meaning) in SETTINGS.items()]
    return handle_form(
        form, "contributions/settings.html",
        lambda uow: contributions_service.change_setting(form.key.data, form.value.data, form.decision.data, actor=current_actor(), uow=uow,
                                                         motion=form.motion.data, decided_on=form.decided_on.data, today=today()),
        lambda value: (f"Setting {form.key.data} is now {value}.", url_for(".change_setting")),
        page={"title": "Settings that change figures", "submit": "Change the setting", "back": url_for(".index"), "settings": rows},
    )


# --------------------------------------------------------------------------- treasurer: payments


@blueprint.route("/payments/new", methods=["GET", "POST"])
@requires(Permission.RECORD_PAYMENTS)
def record_payment():
    form = PaymentForm()
    with connect() as connection:
        form.member.choices = member_choices(connection)
        base = _base_currency(connection)
    if request.method == "GET":
        form.member.data = request.args.get("member", "")
        form.currency.data = base
    form.rate.label.text = f"Rate: {base} per one unit of the currency (1 for {base})"

    def booked(payment):
        entry = payment.entry
        figures = f"{entry.member_code}, {format_amount(entry.amount_minor, entry.currency)} {entry.currency}"
        if payment.pending:
            return pending_message(payment, f"Payment {entry.reference} ({figures})")
        if not payment.created:
            message = f"Payment {entry.reference} ({figures}) is already booked on {entry.paid_on}, not booked twice."
        else:
            message = f"Booked payment {entry.reference} ({figures} = {format_amount(entry.base_minor, base)} {base}) on {entry.paid_on}."
        return message, _year_url(entry.paid_on.year)

    return handle_form(
        form, "contributions/form.html",
        lambda uow: contributions_service.record_payment(
            form.member.data, form.paid_on.data, form.currency.data, form.amount.data, form.rate.data, form.rate_date.data,
            form.rate_source.data, form.reference.data, today=today(), actor=current_actor(), uow=uow,
        ),
        booked,
        page={"title": "Record a payment", "submit": "Book the payment", "back": url_for(".index"),
              "intro": [f"Both amounts are kept: the original one and its value in {base} at the rate given, never converted again. "
                        "Sending the same payment twice books it once; a wrong booking is corrected by a reversal."]},
    )


@blueprint.route("/pending")
@requires(Permission.VIEW_FINANCES)
def pending_bookings():
    """Bookings above a four-eyes threshold waiting for a second official; they count nowhere yet."""
    with connect() as connection:
        pending = finance_queries.pending_bookings(connection)
    return render_template("contributions/pending.html", title="Bookings awaiting a second official", pending=pending,
                           labels={name: kind.label for name, kind in four_eyes.KINDS.items()},
                           can_approve=current_actor().can(Permission.APPROVE_BOOKINGS), form=FlaskForm())


@blueprint.route("/pending/<int:booking_id>/approve", methods=["POST"])
@requires(Permission.APPROVE_BOOKINGS)
def approve_booking(booking_id: int):
    if not FlaskForm().validate_on_submit():
        return redirect(url_for(".pending_bookings"))
    row_id = four_eyes.approve(booking_id, actor=current_actor(), uow=UnitOfWork(engine()))
    flash(f"Approved pending booking #{booking_id}: it is booked (#{row_id}) and counts from now on.")
    return redirect(url_for(".pending_bookings"))


@blueprint.route("/payments/reverse", methods=["GET", "POST"])
@requires(Permission.RECORD_PAYMENTS)
def reverse_payment():
    form = ReversalForm()
    if request.method == "GET":
        form.reference.data = request.args.get("reference", "")

    def reverse(uow: UnitOfWork):
        return contributions_service.reverse_payment(form.reference.data, form.reason.data, form.reversed_on.data, today=today(), actor=current_actor(), uow=uow)

    return handle_form(
        form, "contributions/form.html", reverse,
        lambda booked: pending_message(booked, f"The reversal of payment {form.reference.data.strip()}")
        or (f"Reversed payment {form.reference.data.strip()}.", url_for(".index")),
        page={"title": "Reverse a payment", "submit": "Reverse the payment", "back": url_for(".index"),
              "intro": ["A reversal takes a wrong booking back with its reason; the payment itself stays in the ledger and the journal, marked reversed."]},
        missing="reference",
    )


# --------------------------------------------------------------------------- treasurer: in kind


@blueprint.route("/in-kind/new", methods=["GET", "POST"])
@requires(Permission.RECORD_PAYMENTS)
def pledge_in_kind():
    form = PledgeForm()
    with connect() as connection:
        form.member.choices = member_choices(connection)
    if request.method == "GET":
        form.year.data = request.args.get("year", "")
    return handle_form(
        form, "contributions/form.html",
        lambda uow: contributions_service.pledge_in_kind(form.member.data, form.year.data, form.description.data, form.pledged_on.data, today=today(), actor=current_actor(), uow=uow),
        lambda pledge_id: (f"Recorded in-kind pledge #{pledge_id}.", _year_url(int(form.year.data.strip()))),
        page={"title": "Pledge a contribution in kind", "submit": "Record the pledge", "back": url_for(".index"),
              "intro": ["A pledge is then valued at an agreed amount, accepted, and credited against the year's assessment, up to the in-kind cap."]},
        missing="year",
    )


@blueprint.route("/years/<int:year>/in-kind/<int:pledge_id>", methods=["GET", "POST"])
@requires(Permission.RECORD_PAYMENTS)
def advance_in_kind(year: int, pledge_id: int):
    with connect() as connection:
        row = _find_year(connection, year)
        pledge = next((p for p in finance_queries.in_kind_of_year(connection, year, finance_queries.View(as_of=today())) if p.id == pledge_id), None)
    if pledge is None:
        raise NotFound(f"no in-kind pledge #{pledge_id} for {year}")
    form = AdvanceForm()
    order = [s.value for s in InKindState]
    if request.method == "GET" and pledge.state != InKindState.CREDITED.value:
        form.state.data = order[order.index(pledge.state) + 1]
    form.amount.label.text = f"Agreed value in {row.currency} (for valued only, e.g. 1234.50)"
    return handle_form(
        form, "contributions/advance.html",
        lambda uow: contributions_service.advance_in_kind(pledge_id, form.state.data, form.on_date.data, form.amount.data, today=today(), actor=current_actor(), uow=uow),
        lambda booked: pending_message(booked, f"The credit of in-kind pledge #{pledge_id}")
        or (f"In-kind pledge #{pledge_id} is now {form.state.data.strip().lower()}.", url_for(".year", year=year)),
        page={"title": f"Advance in-kind pledge #{pledge_id}", "submit": "Record the step", "back": url_for(".year", year=year),
              "year": row, "pledge": pledge},
    )
