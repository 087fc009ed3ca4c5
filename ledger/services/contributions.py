"""Contributions use cases: fiscal years and budgets, scales, assessments, payments, in-kind, waivers.

Long because the fiscal year's use cases share its validation and journaling helpers; the split
(years and scales, bookings, in kind) waits for the motions work now changing this file.

The secretariat prepares years, budgets and scales and records the board's decisions; the
treasurer books what members pay, in money or in kind, and corrects a booking only by a
reversal with its reason. Each use case validates everything before it writes, and writes
all its rows with one journal entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ledger.db.tables import (
    AssessmentTable,
    Budget,
    ContributionScale,
    FiscalYear,
    InKindPledge,
    InKindStep,
    InstalmentTable,
    LedgerSetting,
    Meeting,
    Motion,
    MotionEvent,
    PaymentReversal,
    PaymentTable,
    ScaleLine,
    StandingWaiver,
    YearEvent,
)
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.contribution_inputs import (
    PERCENT_PLACES,
    PaymentEntry,
    check_payer,
    parse_day,
    parse_decimal,
    parse_incomes,
    parse_row_id,
    parse_text,
    parse_year,
    validate_payment,
    validate_year,
)
from ledger.domain.contributions import (
    InKindContribution,
    InKindState,
    Scale,
    accept_in_kind,
    assess,
    contribution_scale,
    credit_in_kind,
    pro_rata_accession,
    split_instalments,
    value_in_kind,
)
from ledger.domain.errors import Conflict, NotFound, Problem, ValidationFailed, collect, raise_if_any
from ledger.domain.members import MemberStatus, check_country_code
from ledger.domain.money import currency_exponent, format_minor, parse_amount
from ledger.domain.settings import Settings, parse_setting
from ledger.queries.contributions import owed_on, settings_at
from ledger.queries.members import membership_timeline, membership_timelines
from ledger.queries.sql import total_or_zero
from ledger.services import four_eyes
from ledger.services.members import member_code

# --------------------------------------------------------------------------- reading state


def current_settings(uow: UnitOfWork) -> Settings:
    """The settings in force: the latest value of each key, else its default."""
    return settings_at(uow.session.connection())


def year_status(uow: UnitOfWork, year: int) -> str:
    """draft, adopted or closed; NotFound when the year does not exist."""
    if uow.session.get(FiscalYear, year) is None:
        raise NotFound(f"no fiscal year {year}; create it first")
    events = set(uow.session.execute(select(YearEvent.event).where(YearEvent.year == year)).scalars())
    return "closed" if "closed" in events else "adopted" if "adopted" in events else "draft"


def _latest_budget(uow: UnitOfWork, year: int) -> int | None:
    return uow.session.execute(
        select(Budget.amount_minor).where(Budget.year == year).order_by(Budget.id.desc()).limit(1)
    ).scalar()


def scale_for_year(uow: UnitOfWork, year: int) -> ContributionScale | None:
    """The scale in force for a year: the latest adopted one whose period covers it."""
    return uow.session.execute(
        select(ContributionScale)
        .where(ContributionScale.first_year <= year, ContributionScale.last_year >= year)
        .order_by(ContributionScale.id.desc())
        .limit(1)
    ).scalar()


def parse_decision(raw: object, field: str = "decision") -> str:
    """The board decision a change cites."""
    return parse_text(raw, field, 3, 300, "cite the board decision, e.g. 'Board, 12 December 2026, item 4'")


def cite_board_decision(
    uow: UnitOfWork, motion: object, decision: object, on_date: date | None, *, kind: str, adopts: Callable[[dict], bool], what: str,
) -> str:
    """The citation of the board's decision behind an adoption (a budget, a scale, a setting).

    The ledger holds the board's decisions from the day of the first meeting it records: an
    adoption on or after that day cites the motion that decided it (field `motion`, its number),
    which must be closed as adopted, of the matching `kind`, and whose effect `adopts` exactly
    this; it is cited as "motion #N (title)". An adoption dated before the first recorded
    meeting (a decision taken before the ledger held the board's, e.g. before the ledger
    existed) cites the decision as free text (field `decision`); an undated one (`on_date`
    None) does so only while the ledger records no meeting at all.
    """
    if motion not in (None, ""):
        number = parse_row_id(motion, "motion", "a motion")
        row = uow.session.get(Motion, number)
        if row is None:
            raise ValidationFailed.single("motion", f"no motion #{number}; cite the adopted {kind} motion by its number")
        outcome = uow.session.execute(
            select(MotionEvent.outcome).where(MotionEvent.motion_id == number, MotionEvent.event == "closed")
        ).scalar()
        if outcome != "adopted":
            raise ValidationFailed.single("motion", f"motion #{number} is {outcome or 'not closed'}: cite an adopted motion")
        if row.kind != kind:
            raise ValidationFailed.single("motion", f"motion #{number} is a {row.kind} motion: {what} cites an adopted {kind} motion")
        if not adopts(json.loads(row.effect_json)):
            raise ValidationFailed.single("motion", f"motion #{number} adopted other figures than these: cite the motion that adopted {what}")
        return motion_citation(row)
    first_meeting = uow.session.execute(select(func.min(Meeting.held_on))).scalar()
    if first_meeting is not None and (on_date is None or on_date >= first_meeting):
        dated = f" on {on_date}" if on_date is not None else ""
        raise ValidationFailed.single(
            "motion", f"the ledger holds the board's decisions since its first meeting ({first_meeting}): {what}{dated} "
            f"cites the adopted {kind} motion by its number; free text cites only a decision taken before then")
    return parse_decision(decision)


def motion_citation(motion: Motion) -> str:
    """How a decision the ledger holds is cited: "motion #N (title)" (ledger.domain.invariants reads it back)."""
    return f"motion #{motion.id} ({motion.title})"


def parse_income_measure(raw: object, field: str = "income_measure") -> str:
    """The income measure a scale is computed from, with its source."""
    return parse_text(raw, field, 3, 300, "name the income measure and its source, e.g. 'GNI 2021-2023, World Bank'")


# --------------------------------------------------------------------------- settings


def change_setting(
    key: str, value: str, decision: str, *, actor: Actor, uow: UnitOfWork, motion: object = None, decided_on: object = None,
    today: date | None = None,
) -> str:
    """Change a setting that affects figures (standing rule, in-kind cap), citing the board's
    decision (cite_board_decision): once the ledger records meetings, the adopted setting motion
    that set this key to this value; free text only for a decision taken (`decided_on`) before
    the first recorded meeting. The value is checked by the key's one parser (parse_setting)."""
    require(actor, Permission.MANAGE_BUDGETS)
    problems: list[Problem] = []
    parsed = collect(problems, parse_setting, key, value)
    day = collect(problems, parse_day, decided_on, "decided_on", not_after=today) if decided_on not in (None, "") else None
    raise_if_any(problems)
    with uow:
        cited = cite_board_decision(
            uow, motion, decision, day, kind="setting", what=f"the setting {key} = {parsed}",
            adopts=lambda effect: (effect.get("key"), effect.get("value")) == (key, parsed),  # stored as parse_setting wrote it
        )
        if key == "base_currency" and uow.session.execute(select(FiscalYear.year).limit(1)).first():
            raise Conflict("the base currency is fixed once a fiscal year exists: every stored amount is in it")
        uow.add(LedgerSetting(key=key, value=parsed, decision=cited, journal_seq=0))
        uow.commit(actor=actor, kind="setting.changed", summary=f"Setting {key} set to {parsed} ({cited})")
    return parsed


# --------------------------------------------------------------------------- years and budgets


def open_year(year: object, due_dates: str, budget: str | None, *, actor: Actor, uow: UnitOfWork) -> int:
    """Create a fiscal year in the base currency, with its instalment due dates and, optionally, a draft budget."""
    require(actor, Permission.MANAGE_BUDGETS)
    with uow:
        currency = current_settings(uow).base_currency
        problems: list[Problem] = []
        plan = collect(problems, validate_year, year, currency, due_dates)
        amount = collect(problems, parse_amount, budget, currency, "budget") if budget not in (None, "") else None
        raise_if_any(problems)
        if uow.session.get(FiscalYear, plan.year) is not None:
            raise Conflict(f"the fiscal year {plan.year} exists already")
        uow.add(
            FiscalYear(
                year=plan.year,
                currency=plan.currency,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                due_dates=",".join(day.isoformat() for day in plan.due_dates),
                journal_seq=0,
            )
        )
        if amount is not None:
            uow.add(Budget(year=plan.year, amount_minor=amount, journal_seq=0))
        figure = f" with a draft budget of {format_minor(amount, currency)} {currency}" if amount is not None else ""
        uow.commit(actor=actor, kind="year.opened", summary=f"Opened fiscal year {plan.year}{figure}")
    return plan.year


def set_budget(year: object, amount: str, *, actor: Actor, uow: UnitOfWork) -> int:
    """Set the budget of a draft year; an adopted or closed year's budget is final."""
    require(actor, Permission.MANAGE_BUDGETS)
    number = parse_year(year)
    with uow:
        status = year_status(uow, number)
        if status != "draft":
            raise Conflict(f"the fiscal year {number} is {status}: its budget can no longer change")
        currency = uow.session.get(FiscalYear, number).currency
        minor = parse_amount(amount, currency, "budget")
        uow.add(Budget(year=number, amount_minor=minor, journal_seq=0))
        uow.commit(actor=actor, kind="budget.set", summary=f"Draft budget {number}: {format_minor(minor, currency)} {currency}")
    return minor


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True, slots=True)
class ScaleProposal:
    """A scale as computed from the inputs, before or after its adoption.

    incomes: the incomes as entered; scale.members carry the counted ones (an associate's
    after the associate factor).
    """

    first_year: int
    last_year: int
    associate_factor_pct: Decimal
    incomes: tuple[tuple[str, Decimal], ...]
    scale: Scale


def paying_members(uow: UnitOfWork, first_year: int, last_year: int) -> dict[str, str]:
    """Members and associates on some day of the period, each with the paying status it held
    last in it (for one that withdrew during the period, the one it held before leaving), from
    the membership timeline. Observers, and members paying only outside the period, are left out."""
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    held = {code: timeline.paying_status_in(start, end) for code, timeline in membership_timelines(uow.session.connection()).items()}
    return {code: status.value for code, status in held.items() if status is not None}


def propose_scale(
    first_year: object,
    last_year: object,
    incomes: Mapping[str, object],
    *,
    ceiling: object,
    floor: object,
    precision: object,
    associate_factor: object,
    uow: UnitOfWork,
) -> ScaleProposal:
    """Compute a scale from income inputs without storing it: the preview officials compare."""
    problems: list[Problem] = []
    years = [collect(problems, parse_year, raw, field) for field, raw in (("first_year", first_year), ("last_year", last_year))]
    if None not in years and years[1] < years[0]:
        problems.append(Problem("last_year", f"{years[0]} or later: the period runs from first_year to last_year"))
    limits = {}
    for field, raw in (("ceiling", ceiling), ("floor", floor)):
        if raw in (None, ""):
            limits[field] = None
            continue
        limits[field], found = parse_decimal(raw, field, minimum=Decimal(0), maximum=Decimal(100), places=PERCENT_PLACES, example="25")
        problems += found
    step, found = parse_decimal(precision, "precision", minimum=Decimal("0.000001"), maximum=Decimal(100), places=PERCENT_PLACES, example="0.001")
    problems += found
    factor, found = parse_decimal(associate_factor, "associate_factor", minimum=Decimal(0), maximum=Decimal(100), places=PERCENT_PLACES,
                                  example="10 (the part of its income an associate is assessed on, in percent)")
    problems += found
    raise_if_any(problems)
    with uow:
        members = paying_members(uow, years[0], years[1])
    parsed = parse_incomes(incomes, members)
    weighted = {
        code: income * factor / 100 if members[code] == MemberStatus.ASSOCIATE.value else income
        for code, income in parsed.items()
    }
    scale = contribution_scale(weighted, ceiling=limits["ceiling"], floor=limits["floor"], precision=step)
    return ScaleProposal(years[0], years[1], factor, tuple(sorted(parsed.items())), scale)


def adopt_scale(
    proposal: ScaleProposal,
    *,
    income_measure: str,
    decision: str,
    adopted_on: object,
    today: date,
    actor: Actor,
    uow: UnitOfWork,
    motion: object = None,
) -> int:
    """Store a computed scale with its inputs, citing the board's decision (cite_board_decision);
    it is never edited afterwards."""
    require(actor, Permission.MANAGE_BUDGETS)
    problems: list[Problem] = []
    measure = collect(problems, parse_income_measure, income_measure)
    day = collect(problems, parse_day, adopted_on, "adopted_on", not_after=today)
    if day is None and motion in (None, ""):
        # Whether free text may cite the decision depends on the day; its form is reported with the other problems.
        collect(problems, parse_decision, decision)
    raise_if_any(problems)
    incomes = dict(proposal.incomes)
    with uow:
        cited = cite_board_decision(
            uow, motion, decision, day, kind="scale", what=f"the scale of {proposal.first_year}-{proposal.last_year}",
            adopts=lambda effect: parse_income_measure(effect.get("income_measure")) == measure and scale_proposal_of(effect, uow) == proposal,
        )
        assessed = uow.session.execute(
            select(AssessmentTable.year).where(AssessmentTable.year.between(proposal.first_year, proposal.last_year)).distinct()
        ).scalars().all()
        if assessed:
            raise Conflict(
                f"the budgets of {', '.join(map(str, sorted(assessed)))} are adopted and assessed on an earlier scale; "
                "a new scale can cover only years not yet adopted"
            )
        scale_row = uow.add(
            ContributionScale(
                first_year=proposal.first_year,
                last_year=proposal.last_year,
                ceiling_pct=None if proposal.scale.ceiling is None else str(proposal.scale.ceiling),
                floor_pct=None if proposal.scale.floor is None else str(proposal.scale.floor),
                precision_pct=str(proposal.scale.precision),
                associate_factor_pct=str(proposal.associate_factor_pct),
                income_measure=measure,
                decision=cited,
                adopted_on=day,
                journal_seq=0,
            )
        )
        for line in proposal.scale.members:
            uow.add(
                ScaleLine(
                    scale_id=scale_row.id,
                    member_code=line.member,
                    income=str(incomes[line.member]),
                    counted_income=str(line.income),
                    share_pct=str(line.share),
                    bound=line.bound.value,
                    journal_seq=0,
                )
            )
        uow.commit(
            actor=actor,
            kind="scale.adopted",
            summary=f"Adopted the scale of contributions for {proposal.first_year}-{proposal.last_year} ({cited})",
        )
    return scale_row.id


# --------------------------------------------------------------------------- adoption and closing


def scale_proposal_of(effect: dict, uow: UnitOfWork) -> ScaleProposal:
    """The scale a scale motion's effect computes."""
    return propose_scale(
        effect["first_year"], effect["last_year"], effect["incomes"], ceiling=effect.get("ceiling", ""), floor=effect.get("floor", ""),
        precision=effect["precision"], associate_factor=effect["associate_factor"], uow=uow,
    )


def adopt_budget(year: object, decision: str, adopted_on: object, *, today: date, actor: Actor, uow: UnitOfWork, motion: object = None) -> int:
    """Adopt a draft year's budget: assess the members of the scale that pay on some day of the year.

    From the membership timeline: a member paying from the first day of the year (also one
    that withdraws during it) is assessed its full share. CERN Convention Art. XII: a member
    withdrawing remains liable for its contribution to the financial year in which its
    withdrawal takes effect (ESA Convention Art. XXIV likewise), so the year of leaving is
    assessed in full and no later year at all. One that becomes paying during the year (a
    newcomer, an observer turned member or associate, a member readmitted after withdrawing)
    pays pro rata temporis from that day, and the others are credited that amount (CERN)."""
    require(actor, Permission.MANAGE_BUDGETS)
    number = parse_year(year)
    day = parse_day(adopted_on, "adopted_on", not_after=today)
    with uow:
        status = year_status(uow, number)
        if status != "draft":
            raise Conflict(f"the budget of {number} is already {status}")
        cited = cite_board_decision(uow, motion, decision, day, kind="budget", what=f"the budget of {number}",
                                    adopts=lambda effect: effect.get("year") == number)
        fiscal = uow.session.get(FiscalYear, number)
        budget = _latest_budget(uow, number)
        if budget is None:
            raise Conflict(f"the fiscal year {number} has no budget yet; set one first")
        scale = scale_for_year(uow, number)
        if scale is None:
            raise Conflict(f"no adopted scale of contributions covers {number}; adopt one first")
        counted = {
            code: Decimal(income)
            for code, income in uow.session.execute(
                select(ScaleLine.member_code, ScaleLine.counted_income).where(ScaleLine.scale_id == scale.id)
            ).all()
        }
        timelines = membership_timelines(uow.session.connection(), counted)
        paying_from = {code: timelines[code].first_paying_day(fiscal.starts_on, fiscal.ends_on) for code in counted}
        present = [code for code in counted if paying_from[code] is not None]
        if not present:
            raise Conflict(f"no member on the scale in force pays in {number}: there is nobody to assess")
        # The first to pay in the year (normally from 1 January) share the whole budget.
        first_day = min(paying_from[code] for code in present)
        newcomers = sorted((code for code in present if paying_from[code] > first_day), key=lambda code: (paying_from[code], code))
        year_shares = _scale_of(scale, counted, present).shares
        full_year = {a.member: a for a in assess(budget, year_shares)}
        # The members there from the start share the whole budget; a newcomer pays its
        # full-year share pro rata temporis, and that amount is credited to the members
        # paying before it (not to those that become paying on the same day).
        founders = [code for code in present if code not in newcomers]
        assessed = [replace(a, share=year_shares[a.member]) for a in assess(budget, _scale_of(scale, counted, founders).shares)]
        full_year.update({a.member: a for a in assessed})
        for code in newcomers:
            since = paying_from[code]
            credited = [a for a in assessed if paying_from[a.member] < since]
            accession = pro_rata_accession(credited, full_year[code], joined_on=since, year_start=fiscal.starts_on, year_end=fiscal.ends_on)
            assessed = [*accession.assessments, *(a for a in assessed if paying_from[a.member] == since)]
        due_dates = [date.fromisoformat(text) for text in fiscal.due_dates.split(",")]
        uow.add(YearEvent(year=number, event="adopted", on_date=day, decision=cited, journal_seq=0))
        for assessment in assessed:
            row = uow.add(
                AssessmentTable(
                    year=number,
                    member_code=assessment.member,
                    scale_id=scale.id,
                    share_pct=str(assessment.share),
                    full_year_minor=full_year[assessment.member].amount_minor,
                    amount_minor=assessment.amount_minor,
                    journal_seq=0,
                )
            )
            for part in split_instalments(assessment.amount_minor, due_dates):
                uow.add(InstalmentTable(assessment_id=row.id, number=part.number, due_on=part.due_date, amount_minor=part.amount_minor, journal_seq=0))
        uow.commit(
            actor=actor,
            kind="budget.adopted",
            summary=f"Adopted the budget of {number}: {format_minor(budget, fiscal.currency)} {fiscal.currency} assessed on {len(assessed)} members ({cited})",
        )
    return len(assessed)


def _scale_of(scale: ContributionScale, counted: Mapping[str, Decimal], members: list[str]) -> Scale:
    """The scale's rule applied to some of its members: members on it that have not joined
    in a year leave it, and ceiling and floor still hold for the others."""
    return contribution_scale(
        {code: counted[code] for code in members},
        ceiling=None if scale.ceiling_pct is None else Decimal(scale.ceiling_pct),
        floor=None if scale.floor_pct is None else Decimal(scale.floor_pct),
        precision=Decimal(scale.precision_pct),
    )


def close_year(year: object, decision: str, closed_on: object, *, today: date, actor: Actor, uow: UnitOfWork) -> int:
    """Close an adopted year after its end; its figures are final and its report fixed at this entry."""
    require(actor, Permission.MANAGE_BUDGETS)
    number = parse_year(year)
    cited = parse_decision(decision)
    day = parse_day(closed_on, "closed_on", not_after=today)
    with uow:
        status = year_status(uow, number)
        if status != "adopted":
            raise Conflict(f"the fiscal year {number} is {status}; only an adopted year can be closed")
        if day <= uow.session.get(FiscalYear, number).ends_on:
            raise ValidationFailed.single("closed_on", f"a date after the end of {number}; the year closes once it is over")
        uow.add(YearEvent(year=number, event="closed", on_date=day, decision=cited, journal_seq=0))
        entry = uow.commit(actor=actor, kind="year.closed", summary=f"Closed the fiscal year {number} ({cited})")
    return entry.seq if entry else 0


# --------------------------------------------------------------------------- payments


@dataclass(frozen=True, slots=True)
class BookedPayment:
    """A payment as booked; `created` is False when the same payment had been booked (or
    proposed) before; `pending` when it waits for a second official's approval (`id` is then
    the proposal's)."""

    id: int
    entry: PaymentEntry
    created: bool
    pending: bool = False


def record_payment(
    member: str,
    paid_on: object,
    currency: str,
    amount: str,
    rate: object,
    rate_date: object,
    rate_source: str,
    reference: str,
    *,
    today: date,
    actor: Actor,
    uow: UnitOfWork,
) -> BookedPayment:
    """Book money received. The same payment sent twice (same reference, same figures) is booked once."""
    require(actor, Permission.RECORD_PAYMENTS)
    code, problems = check_country_code(member, field="member")
    raise_if_any(problems)
    with uow:
        settings = current_settings(uow)
        base = settings.base_currency
        entry = validate_payment(
            member_code=code,
            paid_on=paid_on,
            currency=currency,
            amount=amount,
            rate=rate,
            rate_date=rate_date,
            rate_source=rate_source,
            reference=reference,
            base_currency=base,
            today=today,
        )
        # Under the journal lock, so that of racing resubmissions the later ones see the first
        # booking and are answered "already booked" rather than failing on the unique reference.
        uow.reserve()
        existing = uow.session.execute(select(PaymentTable).where(PaymentTable.reference == entry.reference)).scalar()
        if existing is not None:
            if _payment_entry(existing) == entry:
                return BookedPayment(existing.id, entry, created=False)
            raise Conflict(f"the reference {entry.reference} is already booked for another payment ({existing.member_code}, {existing.paid_on}); check the bank statement")
        _check_payer(uow, entry)
        booked = four_eyes.book(
            PAYMENT_BOOKING, _payment_params(entry), value=entry.base_minor, subject=entry.reference, settings=settings,
            summary=f"Payment from {code} on {entry.paid_on}: {format_minor(entry.base_minor, base)} {base} (ref. {entry.reference})",
            actor=actor, uow=uow,
        )
    return BookedPayment(booked.id, entry, created=booked.created, pending=booked.pending)


def money_threshold(settings: Settings) -> int | None:
    """The `four_eyes_threshold` setting in minor units of the base currency: a payment, a
    reversal or an in-kind credit worth more needs a second official (ledger.services.four_eyes)."""
    if settings.four_eyes_threshold is None:
        return None
    return int(settings.four_eyes_threshold * 10 ** currency_exponent(settings.base_currency))


def _check_payer(uow: UnitOfWork, entry: PaymentEntry) -> None:
    connection = uow.session.connection()
    check_payer(entry.member_code, membership_timeline(connection, entry.member_code), entry.paid_on,
                owed_on(connection, entry.member_code, entry.paid_on))


def _book_payment(params: dict, uow: UnitOfWork) -> tuple[int, str]:
    """Book a payment now (at once, or as its approval): the payer is checked again, as the
    membership may have changed while it waited."""
    entry = _payment_entry(params)
    _check_payer(uow, entry)
    row = uow.add(PaymentTable(**_payment_fields(entry), journal_seq=0))
    base = current_settings(uow).base_currency
    return row.id, (f"Payment from {entry.member_code} on {entry.paid_on}: {format_minor(entry.amount_minor, entry.currency)} {entry.currency}"
                    f" at {entry.rate} = {format_minor(entry.base_minor, base)} {base} (ref. {entry.reference})")


PAYMENT_BOOKING = four_eyes.register(four_eyes.BookingKind("payment", "payment", "payment.recorded", money_threshold, _book_payment))


def _payment_fields(entry: PaymentEntry) -> dict:
    return {
        "member_code": entry.member_code, "paid_on": entry.paid_on, "currency": entry.currency,
        "amount_minor": entry.amount_minor, "rate": str(entry.rate), "rate_date": entry.rate_date,
        "rate_source": entry.rate_source, "base_minor": entry.base_minor, "reference": entry.reference,
    }


def _payment_params(entry: PaymentEntry) -> dict:
    """A payment's fields as a pending booking keeps them (days as ISO text)."""
    fields = _payment_fields(entry)
    return {**fields, "paid_on": entry.paid_on.isoformat(), "rate_date": entry.rate_date.isoformat()}


def _payment_entry(row: PaymentTable | dict) -> PaymentEntry:
    fields = row if isinstance(row, dict) else _payment_fields(row)
    day = (lambda value: value if isinstance(value, date) else date.fromisoformat(value))
    return PaymentEntry(
        member_code=fields["member_code"],
        paid_on=day(fields["paid_on"]),
        currency=fields["currency"],
        amount_minor=fields["amount_minor"],
        rate=Decimal(fields["rate"]),
        rate_date=day(fields["rate_date"]),
        rate_source=fields["rate_source"],
        base_minor=fields["base_minor"],
        reference=fields["reference"],
    )


def reverse_payment(reference: str, reason: str, reversed_on: object, *, today: date, actor: Actor, uow: UnitOfWork) -> four_eyes.Booked:
    """Take back a booked payment with the reason; the payment itself stays in the ledger.
    A reversal of a payment worth more than the four-eyes threshold waits for a second official."""
    require(actor, Permission.RECORD_PAYMENTS)
    problems: list[Problem] = []
    why = collect(problems, parse_text, reason, "reason", 3, 300, "say why the booking is wrong")
    day = collect(problems, parse_day, reversed_on, "reversed_on", not_after=today)
    raise_if_any(problems)
    params = {"reference": (reference or "").strip(), "reason": why, "reversed_on": day.isoformat()}
    with uow:
        payment = _reversible(uow, params)
        return four_eyes.book(
            REVERSAL_BOOKING, params, value=payment.base_minor, subject=payment.reference, settings=current_settings(uow),
            summary=f"Reversal of payment {payment.reference} of {payment.member_code}: {why}", actor=actor, uow=uow,
        )


def _reversible(uow: UnitOfWork, params: dict) -> PaymentTable:
    """The payment a reversal takes back, refused when there is none, it is reversed already, or it was paid later."""
    payment = uow.session.execute(select(PaymentTable).where(PaymentTable.reference == params["reference"])).scalar()
    if payment is None:
        raise NotFound(f"no payment with the reference {params['reference']!r}")
    if uow.session.execute(select(PaymentReversal.id).where(PaymentReversal.payment_id == payment.id)).first():
        raise Conflict(f"the payment {payment.reference} was reversed already; book a new payment if money came in")
    if date.fromisoformat(params["reversed_on"]) < payment.paid_on:
        raise ValidationFailed.single("reversed_on", f"{payment.paid_on} or later: the payment was booked for that day")
    return payment


def _book_reversal(params: dict, uow: UnitOfWork) -> tuple[int, str]:
    payment = _reversible(uow, params)
    uow.add(PaymentReversal(payment_id=payment.id, reversed_on=date.fromisoformat(params["reversed_on"]), reason=params["reason"], journal_seq=0))
    return payment.id, f"Reversed payment {payment.reference} of {payment.member_code}: {params['reason']}"


REVERSAL_BOOKING = four_eyes.register(four_eyes.BookingKind("payment_reversal", "payment reversal", "payment.reversed", money_threshold, _book_reversal))


# --------------------------------------------------------------------------- in kind


def pledge_in_kind(member: str, year: object, description: str, pledged_on: object, *, today: date, actor: Actor, uow: UnitOfWork) -> int:
    """Record a pledge of a contribution in kind against a year's assessment."""
    require(actor, Permission.RECORD_PAYMENTS)
    problems: list[Problem] = []
    text = collect(problems, parse_text, description, "description", 3, 300, "what is contributed")
    day = collect(problems, parse_day, pledged_on, "pledged_on", not_after=today)
    number = collect(problems, parse_year, year)
    with uow:
        code = collect(problems, member_code, uow, member, "member")
        raise_if_any(problems)
        if year_status(uow, number) == "closed":
            raise Conflict(f"the fiscal year {number} is closed")
        row = uow.add(InKindPledge(member_code=code, year=number, description=text, pledged_on=day, journal_seq=0))
        uow.commit(actor=actor, kind="in_kind.pledged", summary=f"In-kind pledge #{row.id} by {code} for {number}: {text}")
    return row.id


def advance_in_kind(pledge_id: object, state: str, on_date: object, amount: str | None, *, today: date, actor: Actor, uow: UnitOfWork) -> four_eyes.Booked:
    """Move a pledge one step: valued (with the agreed amount), accepted, or credited (up to the
    cap). A credit worth more than the four-eyes threshold waits for a second official."""
    require(actor, Permission.RECORD_PAYMENTS)
    try:
        wanted = InKindState((state or "").strip().lower())
    except ValueError:
        raise ValidationFailed.single("state", "one of valued, accepted, credited") from None
    day = parse_day(on_date, "on_date", not_after=today)
    number = parse_row_id(pledge_id, "pledge", "an in-kind pledge")
    with uow:
        pledge, contribution, currency = _open_pledge(uow, number)
        if wanted is InKindState.CREDITED:
            credit = _in_kind_credit(uow, pledge, contribution, day)
            return four_eyes.book(
                IN_KIND_CREDIT_BOOKING, {"pledge": pledge.id, "on_date": day.isoformat()}, value=credit.credited_minor,
                subject=f"in-kind pledge #{pledge.id}", settings=current_settings(uow),
                summary=f"In-kind pledge #{pledge.id} of {pledge.member_code} credited: {format_minor(credit.credited_minor, currency)} {currency}",
                actor=actor, uow=uow,
            )
        if wanted is InKindState.VALUED:
            advanced = value_in_kind(contribution, parse_amount(amount or "", currency, "amount"))
            recorded = advanced.value_minor
        elif wanted is InKindState.ACCEPTED:
            accept_in_kind(contribution)
            recorded = None
        else:
            raise ValidationFailed.single("state", "one of valued, accepted, credited; a pledge is made with its own form")
        step = uow.add(InKindStep(in_kind_id=pledge.id, state=wanted.value, on_date=day, amount_minor=recorded, journal_seq=0))
        figure = f": {format_minor(recorded, currency)} {currency}" if recorded is not None else ""
        uow.commit(actor=actor, kind=f"in_kind.{wanted.value}", summary=f"In-kind pledge #{pledge.id} of {pledge.member_code} {wanted.value}{figure}")
    return four_eyes.Booked(step.id, pending=False)


def _open_pledge(uow: UnitOfWork, number: int) -> tuple[InKindPledge, InKindContribution, str]:
    """A pledge of a year not closed, its state, and the year's currency."""
    pledge = uow.session.get(InKindPledge, number)
    if pledge is None:
        raise NotFound(f"no in-kind pledge #{number}")
    if year_status(uow, pledge.year) == "closed":
        raise Conflict(f"the fiscal year {pledge.year} is closed")
    return pledge, _in_kind_state(uow, pledge), uow.session.get(FiscalYear, pledge.year).currency


def _in_kind_credit(uow: UnitOfWork, pledge: InKindPledge, contribution: InKindContribution, day: date) -> InKindContribution:
    """The pledge credited on a day against its member's assessment, up to the in-kind cap (not stored)."""
    assessed = uow.session.execute(
        select(AssessmentTable.amount_minor).where(AssessmentTable.year == pledge.year, AssessmentTable.member_code == pledge.member_code)
    ).scalar()
    if assessed is None:
        raise Conflict(f"{pledge.member_code} has no assessment for {pledge.year} yet: adopt the budget first")
    already = uow.session.execute(
        select(total_or_zero(InKindStep.amount_minor))
        .join(InKindPledge, InKindPledge.id == InKindStep.in_kind_id)
        .where(InKindPledge.member_code == pledge.member_code, InKindPledge.year == pledge.year, InKindStep.state == "credited")
    ).scalar()
    return credit_in_kind(
        contribution, credited_on=day, assessment_minor=assessed, already_credited_minor=already,
        cap_percent=current_settings(uow).in_kind_cap_pct,
    )


def _book_in_kind_credit(params: dict, uow: UnitOfWork) -> tuple[int, str]:
    """Credit a pledge now; as an approval, against the assessment, the cap and the credits of that day."""
    pledge, contribution, currency = _open_pledge(uow, params["pledge"])
    credit = _in_kind_credit(uow, pledge, contribution, date.fromisoformat(params["on_date"]))
    step = uow.add(InKindStep(in_kind_id=pledge.id, state="credited", on_date=credit.credited_on, amount_minor=credit.credited_minor, journal_seq=0))
    return step.id, f"In-kind pledge #{pledge.id} of {pledge.member_code} credited: {format_minor(credit.credited_minor, currency)} {currency}"


IN_KIND_CREDIT_BOOKING = four_eyes.register(
    four_eyes.BookingKind("in_kind_credit", "in-kind credit", "in_kind.credited", money_threshold, _book_in_kind_credit))


def _in_kind_state(uow: UnitOfWork, pledge: InKindPledge) -> InKindContribution:
    steps = {step.state: step for step in uow.session.execute(select(InKindStep).where(InKindStep.in_kind_id == pledge.id)).scalars()}
    state = next((s for s in (InKindState.CREDITED, InKindState.ACCEPTED, InKindState.VALUED) if s.value in steps), InKindState.PLEDGED)
    valued = steps.get("valued")
    credited = steps.get("credited")
    return InKindContribution(
        reference=str(pledge.id),
        member=pledge.member_code,
        assessment=str(pledge.year),
        description=pledge.description,
        pledged_on=pledge.pledged_on,
        state=state,
        value_minor=valued.amount_minor if valued else None,
        credited_minor=credited.amount_minor if credited else None,
        credited_on=credited.on_date if credited else None,
    )


# --------------------------------------------------------------------------- waivers


def grant_waiver(member: str, starts_on: object, ends_on: object, decision: str, *, actor: Actor, uow: UnitOfWork) -> int:
    """Record the board's waiver of a member's suspension for a period (no end: until revoked)."""
    require(actor, Permission.MANAGE_BUDGETS)
    problems: list[Problem] = []
    start = collect(problems, parse_day, starts_on, "starts_on")
    end = collect(problems, parse_day, ends_on, "ends_on") if ends_on not in (None, "") else None
    if start and end and end < start:
        problems.append(Problem("ends_on", f"{start} or later, or empty for no end"))
    cited = collect(problems, parse_decision, decision)
    with uow:
        code = collect(problems, member_code, uow, member, "member")
        raise_if_any(problems)
        row = uow.add(StandingWaiver(member_code=code, starts_on=start, ends_on=end, decision=cited, journal_seq=0))
        uow.commit(actor=actor, kind="waiver.granted", summary=f"Waiver of suspension for {code} from {start}{' to ' + str(end) if end else ''} ({cited})")
    return row.id
