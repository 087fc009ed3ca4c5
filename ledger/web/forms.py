"""Running a use case from a submitted form, shared by every workspace blueprint."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from ledger.db.uow import UnitOfWork
from ledger.queries import members as member_queries
from ledger.domain.errors import DomainError, NotFound, Problem, ValidationFailed
from ledger.state import engine

CONFIRMATION = "tick the box to confirm: the journal keeps this for good"
DATE_HINT = "YYYY-MM-DD"


def text_field(label: str) -> StringField:
    """A text input; the use case, not the form, validates what is typed."""
    return StringField(label, default="")


def confirm_field(label: str) -> BooleanField:
    """The box that turns a dry run into the act itself."""
    return BooleanField(f"{label}; the journal keeps it for good")


def member_choices(connection, statuses: Collection[str] | None = None) -> list[tuple[str, str]]:
    """A member select's choices: every member, or those holding one of `statuses` today."""
    chosen = [m for m in member_queries.list_members(connection) if statuses is None or m.status in statuses]
    return [("", "Choose a member"), *((m.code, f"{m.name} ({m.code}), {m.status}") for m in chosen)]


def show_problems(form: FlaskForm, problems: Iterable[Problem], field_for: Callable[[str], str] = str) -> None:
    """Put each problem beside the field it names (`field_for` maps a domain field to the form's), else above the form."""
    for problem in problems:
        name = field_for(problem.field)
        (form[name].errors if name in form else form.form_errors).append(problem.message)


def run_form(
    form: FlaskForm, use_case, *, field_for: Callable[[str], str] = str, missing: str | None = None
) -> DomainError | None:
    """Run `use_case(uow)` from a submitted form; return the domain error for the page to show.

    A form with a `confirm` box is for an act that cannot be undone: without the box ticked
    the use case runs dry, so the official sees every problem of the form at once and nothing
    is stored. A form without one runs at once. `missing` names the field that looks a thing
    up (a payment's reference, say): a NotFound is shown beside it, keeping its 404.
    """
    confirmed = "confirm" not in form or bool(form.confirm.data)
    unconfirmed = [] if confirmed else [Problem("confirm", CONFIRMATION)]
    try:
        use_case(UnitOfWork(engine(), dry_run=not confirmed))
    except ValidationFailed as failed:
        problems = [*failed.problems, *unconfirmed]
    except NotFound as error:
        (form[missing].errors if missing in form else form.form_errors).append(str(error))
        return error
    except DomainError as error:
        form.form_errors.append(str(error))
        return error
    else:
        if confirmed:
            return None
        problems = unconfirmed
    show_problems(form, problems, field_for)
    return ValidationFailed(problems)


def handle_form(form: FlaskForm, template: str, use_case, done: Callable, *, page: dict, **options):
    """GET shows the form; POST runs the use case and, once it is stored, flashes done(result) and redirects."""
    if not form.validate_on_submit():
        return render_template(template, form=form, **page)
    results = []
    error = run_form(form, lambda uow: results.append(use_case(uow)), **options)
    if error is not None:
        return render_template(template, form=form, **page), error.status
    message, target = done(results[0])
    flash(message)
    return redirect(target)


def pending_message(booked, waiting: str) -> tuple[str, str] | None:
    """The flash message of a booking kept pending for a second official, with the list's address; None when it was done."""
    if not booked.pending:
        return None
    again = "was proposed already and" if not booked.created else "is proposed and"
    return f"{waiting} {again} awaits a second official's approval (pending booking #{booked.id}): it counts in no figure until then.", url_for("contributions.pending_bookings")
