"""Contributions as published: years, scales, and per member what was assessed, paid and owed.

Long because settlement is one SQL statement with its rule stated beside it (below), and the
years, scales and arrears that read it share its building blocks.

Settlement is computed here, in SQL, and nowhere else; it is the rule:
- In-kind credited for a year settles that year's own instalments, oldest first: an in-kind
  contribution is accepted and credited against the assessment it was pledged for, within
  the cap (ESO practice: in-kind contributions are credited against the member's
  contribution of the agreed year, at most 25 % of it).
- Cash then settles every instalment of the member, oldest due date first, whatever year
  the money was meant for (UN Financial Regulations, Article V, on payments: they are
  credited first to the Working Capital Fund and then to the contributions due "in the
  order in which the Member was assessed"; this ledger has no working capital fund), so the cash paid towards an instalment is
      least(cash due, greatest(0, total cash paid - cash due on all earlier instalments))
  with window sums over the member's instalments.
Arrears on a day are the unpaid cash of the instalments the standing rule counts
(ArrearsCounted: past their due date, or of the years before the current one). Every figure
can be taken as of a date and as of a journal entry: a closed year is always shown as the
ledger stood when it closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Connection, Integer, String, and_, case, cast, func, literal, select, union_all

from ledger.db.tables import (
    AssessmentTable,
    BookingApproval,
    Budget,
    ContributionScale,
    FiscalYear,
    InKindPledge,
    InKindStep,
    InstalmentTable,
    JournalEntry,
    LedgerSetting,
    Member,
    PaymentReversal,
    PaymentTable,
    PendingBooking,
    ScaleLine,
    StandingWaiver,
    YearEvent,
)
from ledger.domain.contributions import (
    ArrearsCounted,
    MemberStanding,
    Standing,
    StandingRule,
    Waiver,
    count_standings,
    judge_standing,
    standing_years,
)
from ledger.domain.settings import Settings
from ledger.queries.sql import NO_LIMIT, greatest, least, running_total, total, total_or_zero

LAST_YEAR = 9999

years_t = FiscalYear.__table__
budgets = Budget.__table__
events = YearEvent.__table__
assessments = AssessmentTable.__table__
instalments = InstalmentTable.__table__
payments = PaymentTable.__table__
reversals = PaymentReversal.__table__
pledges = InKindPledge.__table__
steps = InKindStep.__table__
members_t = Member.__table__
journal_t = JournalEntry.__table__
scales = ContributionScale.__table__
scale_lines = ScaleLine.__table__
waivers = StandingWaiver.__table__
settings_t = LedgerSetting.__table__


@dataclass(frozen=True, slots=True)
class View:
    """Which state of the ledger to show: as of a date, and up to a journal entry."""

    as_of: date
    through_seq: int = NO_LIMIT


# --------------------------------------------------------------------------- years


@dataclass(frozen=True, slots=True)
class YearRow:
    year: int
    budget_minor: int | None
    currency: str
    status: str
    adopted_on: date | None
    closed_on: date | None
    closed_seq: int | None


def list_years(connection: Connection) -> list[YearRow]:
    """Every fiscal year with its current budget and status."""
    latest_budget = (
        select(budgets.c.year, budgets.c.amount_minor, func.row_number().over(partition_by=budgets.c.year, order_by=budgets.c.id.desc()).label("rank"))
    ).subquery()
    adopted = events.alias("adopted")
    closed = events.alias("closed")
    rows = connection.execute(
        select(
            years_t.c.year,
            latest_budget.c.amount_minor,
            years_t.c.currency,
            case((closed.c.id.is_not(None), "closed"), (adopted.c.id.is_not(None), "adopted"), else_="draft"),
            adopted.c.on_date,
            closed.c.on_date,
            closed.c.journal_seq,
        )
        .select_from(years_t)
        .outerjoin(latest_budget, and_(latest_budget.c.year == years_t.c.year, latest_budget.c.rank == 1))
        .outerjoin(adopted, and_(adopted.c.year == years_t.c.year, adopted.c.event == "adopted"))
        .outerjoin(closed, and_(closed.c.year == years_t.c.year, closed.c.event == "closed"))
        .order_by(years_t.c.year)
    )
    return [YearRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class ClosedYear:
    """A closed fiscal year and the journal entry that closed it."""

    year: int
    closed_on: date
    journal_seq: int
    recorded_at: datetime


def closed_years(connection: Connection) -> list[ClosedYear]:
    """Every closed fiscal year, the latest first, with the entry that closed it."""
    rows = connection.execute(
        select(events.c.year, events.c.on_date, events.c.journal_seq, journal_t.c.recorded_at)
        .join(journal_t, journal_t.c.seq == events.c.journal_seq)
        .where(events.c.event == "closed")
        .order_by(events.c.year.desc())
    ).all()
    return [ClosedYear(*row) for row in rows]


def find_year(connection: Connection, year: int) -> YearRow | None:
    return next((row for row in list_years(connection) if row.year == year), None)


def view_of(year: YearRow, today: date) -> View:
    """A closed year as it stood at its closing entry; any other year as of today."""
    if year.status == "closed":
        return View(as_of=year.closed_on, through_seq=year.closed_seq)
    return View(as_of=today)


def settings_at(connection: Connection, through_seq: int = NO_LIMIT) -> Settings:
    """The settings in force up to a journal entry."""
    latest = (
        select(settings_t.c.key, func.max(settings_t.c.id).label("id"))
        .where(settings_t.c.journal_seq <= through_seq)
        .group_by(settings_t.c.key)
        .subquery()
    )
    values = connection.execute(select(settings_t.c.key, settings_t.c.value).join(latest, settings_t.c.id == latest.c.id)).all()
    return Settings.from_values(dict(values))


# --------------------------------------------------------------------------- settlement


def _valid_payments(view: View):
    """Payments booked and not reversed as of the view."""
    reversed_ids = select(reversals.c.payment_id).where(reversals.c.reversed_on <= view.as_of, reversals.c.journal_seq <= view.through_seq)
    return select(payments).where(
        payments.c.paid_on <= view.as_of,
        payments.c.journal_seq <= view.through_seq,
        payments.c.id.not_in(reversed_ids),
    )


def _settled_instalments(view: View, through_year: int | None = None, member_code: str | None = None):
    """Every instalment (of the years up to `through_year`, of one member or all) with the
    in-kind and the cash that settle it as of the view."""
    credited = (
        select(pledges.c.member_code, pledges.c.year, total(steps.c.amount_minor).label("credited"))
        .join(pledges, pledges.c.id == steps.c.in_kind_id)
        .where(steps.c.state == "credited", steps.c.on_date <= view.as_of, steps.c.journal_seq <= view.through_seq)
        .group_by(pledges.c.member_code, pledges.c.year)
        .subquery()
    )
    valid = _valid_payments(view).subquery()
    paid = select(valid.c.member_code, total(valid.c.base_minor).label("paid")).group_by(valid.c.member_code).subquery()
    base = (
        select(
            instalments.c.id,
            assessments.c.member_code,
            assessments.c.year,
            instalments.c.number,
            instalments.c.due_on,
            instalments.c.amount_minor,
            func.coalesce(credited.c.credited, 0).label("credited"),
            func.coalesce(paid.c.paid, 0).label("paid"),
            (
                running_total(
                    instalments.c.amount_minor,
                    partition_by=(assessments.c.member_code, assessments.c.year),
                    order_by=(instalments.c.due_on, instalments.c.number),
                )
                - instalments.c.amount_minor
            ).label("before_in_year"),
        )
        .join(assessments, assessments.c.id == instalments.c.assessment_id)
        .outerjoin(credited, and_(credited.c.member_code == assessments.c.member_code, credited.c.year == assessments.c.year))
        .outerjoin(paid, paid.c.member_code == assessments.c.member_code)
        .where(
            instalments.c.journal_seq <= view.through_seq,
            assessments.c.year <= (through_year or LAST_YEAR),
            assessments.c.member_code == member_code if member_code else literal(True),
        )
    ).subquery()
    in_kind = least(base.c.amount_minor, greatest(literal(0), base.c.credited - base.c.before_in_year))
    with_in_kind = select(base, in_kind.label("in_kind")).subquery()
    cash_due = with_in_kind.c.amount_minor - with_in_kind.c.in_kind
    with_cash = select(
        with_in_kind,
        cash_due.label("cash_due"),
        (
            running_total(
                cash_due,
                partition_by=with_in_kind.c.member_code,
                order_by=(with_in_kind.c.due_on, with_in_kind.c.year, with_in_kind.c.number),
            )
            - cash_due
        ).label("cash_before"),
    ).subquery()
    return select(
        with_cash.c.id,
        with_cash.c.member_code,
        with_cash.c.year,
        with_cash.c.number,
        with_cash.c.due_on,
        with_cash.c.amount_minor,
        with_cash.c.in_kind,
        with_cash.c.cash_due,
        with_cash.c.paid,
        least(with_cash.c.cash_due, greatest(literal(0), with_cash.c.paid - with_cash.c.cash_before)).label("cash_paid"),
    ).subquery()


def _standing_figures(settled, rule: StandingRule, day: date):
    """The arrears the rule counts on `day` and the contributions it compares them with, as
    two aggregate columns over settled instalments grouped by member."""
    if rule.arrears is ArrearsCounted.EARLIER_YEARS:
        counted = settled.c.year < day.year
    else:
        counted = settled.c.due_on <= day
    threshold_years = standing_years(rule, day.year)
    return (
        total(case((counted, settled.c.cash_due - settled.c.cash_paid), else_=0)).label("arrears"),
        total(case((settled.c.year.in_(threshold_years), settled.c.amount_minor), else_=0)).label("threshold"),
    )


@dataclass(frozen=True, slots=True)
class SettledInstalment:
    member_code: str
    year: int
    number: int
    due_on: date
    amount_minor: int
    in_kind_minor: int
    cash_paid_minor: int


def settled_instalments(connection: Connection, view: View, member_code: str | None = None) -> list[SettledInstalment]:
    """Each instalment and what settled it, for one member or all."""
    settled = _settled_instalments(view)
    query = select(
        settled.c.member_code, settled.c.year, settled.c.number, settled.c.due_on, settled.c.amount_minor, settled.c.in_kind, settled.c.cash_paid
    ).order_by(settled.c.member_code, settled.c.due_on, settled.c.year, settled.c.number)
    if member_code:
        query = query.where(settled.c.member_code == member_code)
    return [SettledInstalment(*row) for row in connection.execute(query)]


# --------------------------------------------------------------------------- contributions of a year


@dataclass(frozen=True, slots=True)
class ContributionRow:
    code: str
    name: str
    share_pct: Decimal
    assessed_minor: int
    paid_minor: int
    in_kind_minor: int
    outstanding_minor: int
    arrears_minor: int
    standing: MemberStanding


@dataclass(frozen=True, slots=True)
class YearContributions:
    year: YearRow
    view: View
    settings: Settings
    rows: list[ContributionRow]

    @property
    def totals(self) -> dict[str, int]:
        return {
            name: sum(getattr(row, f"{name}_minor") for row in self.rows)
            for name in ("assessed", "paid", "in_kind", "outstanding", "arrears")
        }

    @property
    def standing_counts(self) -> Mapping[Standing, int]:
        """How many members are in good standing, in arrears and suspended on the view's date (count_standings)."""
        return count_standings(row.standing.standing for row in self.rows)


def year_contributions(connection: Connection, year: YearRow, view: View, member_code: str | None = None) -> YearContributions:
    """Per member (or for one): the year's assessment, what settled it, what is outstanding; arrears and standing on the view's date.

    One pass over the settlement gives every figure; years after both the year shown and
    the view's date are left out, since an instalment falls due in its own year and cash
    settles the oldest first, so later years change nothing here.
    """
    settings = settings_at(connection, view.through_seq)
    counted_years = standing_years(settings.standing_rule, view.as_of.year)
    settled = _settled_instalments(view, through_year=max(year.year, view.as_of.year), member_code=member_code)

    def of_year(value):
        return total(case((settled.c.year == year.year, value), else_=0))

    per_member = (
        select(
            settled.c.member_code,
            of_year(settled.c.amount_minor).label("assessed"),
            of_year(settled.c.cash_paid).label("paid"),
            of_year(settled.c.in_kind).label("in_kind"),
            *_standing_figures(settled, settings.standing_rule, view.as_of),
        )
        .group_by(settled.c.member_code)
        .subquery()
    )
    rows = connection.execute(
        select(
            assessments.c.member_code,
            members_t.c.name,
            assessments.c.share_pct,
            per_member.c.assessed,
            per_member.c.paid,
            per_member.c.in_kind,
            per_member.c.arrears,
            per_member.c.threshold,
        )
        .join(members_t, members_t.c.code == assessments.c.member_code)
        .join(per_member, per_member.c.member_code == assessments.c.member_code)
        .where(
            assessments.c.year == year.year,
            assessments.c.journal_seq <= view.through_seq,
            assessments.c.member_code == member_code if member_code else literal(True),
        )
        .order_by(members_t.c.name)
    ).all()
    waivers_by_member = _waivers(connection, view)
    return YearContributions(
        year=year,
        view=view,
        settings=settings,
        rows=[
            ContributionRow(
                code=code,
                name=name,
                share_pct=Decimal(share),
                assessed_minor=assessed,
                paid_minor=paid,
                in_kind_minor=in_kind,
                outstanding_minor=assessed - paid - in_kind,
                arrears_minor=owed,
                standing=judge_standing(
                    view.as_of, owed, limit, counted_years, settings.standing_rule, waivers_by_member.get(code, ()), year.currency
                ),
            )
            for code, name, share, assessed, paid, in_kind, owed, limit in rows
        ],
    )


def standings_on(connection: Connection, day: date, member_code: str | None = None) -> dict[str, MemberStanding]:
    """Every assessed member's standing on a day under the rule in force (or one member's), in one grouped query."""
    settings = settings_at(connection)
    counted_years = standing_years(settings.standing_rule, day.year)
    settled = _settled_instalments(View(as_of=day), through_year=day.year, member_code=member_code)
    rows = connection.execute(
        select(settled.c.member_code, *_standing_figures(settled, settings.standing_rule, day)).group_by(settled.c.member_code)
    ).all()
    waivers = _waivers(connection, View(as_of=day))
    return {
        code: judge_standing(day, arrears, threshold, counted_years, settings.standing_rule, waivers.get(code, ()), settings.base_currency)
        for code, arrears, threshold in rows
    }


def standing_on(connection: Connection, code: str, day: date) -> MemberStanding | None:
    """One member's standing on a day under the rule in force (None when it was never assessed)."""
    return standings_on(connection, day, code).get(code)


def owed_on(connection: Connection, code: str, day: date) -> int:
    """What a member owes on a day for every instalment assessed, due yet or not: the cash
    the settlement leaves unpaid."""
    settled = _settled_instalments(View(as_of=day), member_code=code)
    return connection.execute(select(total_or_zero(settled.c.cash_due - settled.c.cash_paid))).scalar_one()


def _waivers(connection: Connection, view: View) -> dict[str, tuple[Waiver, ...]]:
    found: dict[str, list[Waiver]] = {}
    for code, starts_on, ends_on, decision in connection.execute(
        select(waivers.c.member_code, waivers.c.starts_on, waivers.c.ends_on, waivers.c.decision).where(waivers.c.journal_seq <= view.through_seq)
    ):
        found.setdefault(code, []).append(Waiver(decision, starts_on, ends_on))
    return {code: tuple(items) for code, items in found.items()}


# --------------------------------------------------------------------------- payments and in kind of a year


@dataclass(frozen=True, slots=True)
class PaymentRow:
    code: str
    paid_on: date
    currency: str
    amount_minor: int
    rate: Decimal
    rate_date: date
    rate_source: str
    base_minor: int
    reference: str
    reversed_on: date | None
    reversal_reason: str | None
    journal_seq: int  # the entry that booked it: its receipt
    reversal_seq: int | None


def payments_between(connection: Connection, first: date, last: date, view: View, member_code: str | None = None) -> list[PaymentRow]:
    """Payments dated in a period, with their reversal where one was booked by the view."""
    reversal = select(reversals).where(reversals.c.reversed_on <= view.as_of, reversals.c.journal_seq <= view.through_seq).subquery()
    query = (
        select(
            payments.c.member_code, payments.c.paid_on, payments.c.currency, payments.c.amount_minor, payments.c.rate,
            payments.c.rate_date, payments.c.rate_source, payments.c.base_minor, payments.c.reference,
            reversal.c.reversed_on, reversal.c.reason, payments.c.journal_seq, reversal.c.journal_seq,
        )
        .outerjoin(reversal, reversal.c.payment_id == payments.c.id)
        .where(payments.c.paid_on.between(first, min(last, view.as_of)), payments.c.journal_seq <= view.through_seq)
        .order_by(payments.c.paid_on, payments.c.reference)
    )
    if member_code:
        query = query.where(payments.c.member_code == member_code)
    return [PaymentRow(*row[:4], Decimal(row[4]), *row[5:]) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class InKindRow:
    id: int
    code: str
    description: str
    pledged_on: date
    state: str
    valued_minor: int | None
    credited_minor: int | None


def in_kind_of_year(connection: Connection, year: int, view: View) -> list[InKindRow]:
    """Every in-kind pledge against a year's assessments, with its latest state."""
    visible = select(steps).where(steps.c.on_date <= view.as_of, steps.c.journal_seq <= view.through_seq).subquery()
    valued = visible.alias("valued")
    accepted = visible.alias("accepted")
    credited = visible.alias("credited")
    state = case(
        (credited.c.id.is_not(None), "credited"), (accepted.c.id.is_not(None), "accepted"), (valued.c.id.is_not(None), "valued"), else_="pledged"
    )
    rows = connection.execute(
        select(pledges.c.id, pledges.c.member_code, pledges.c.description, pledges.c.pledged_on, state, valued.c.amount_minor, credited.c.amount_minor)
        .outerjoin(valued, and_(valued.c.in_kind_id == pledges.c.id, valued.c.state == "valued"))
        .outerjoin(accepted, and_(accepted.c.in_kind_id == pledges.c.id, accepted.c.state == "accepted"))
        .outerjoin(credited, and_(credited.c.in_kind_id == pledges.c.id, credited.c.state == "credited"))
        .where(pledges.c.year == year, pledges.c.pledged_on <= view.as_of, pledges.c.journal_seq <= view.through_seq)
        .order_by(pledges.c.member_code, pledges.c.id)
    )
    return [InKindRow(*row) for row in rows]


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True, slots=True)
class ScaleLineRow:
    code: str
    name: str
    income: Decimal
    share_pct: Decimal
    bound: str


@dataclass(frozen=True, slots=True)
class ScaleRow:
    id: int
    first_year: int
    last_year: int
    ceiling_pct: Decimal | None
    floor_pct: Decimal | None
    precision_pct: Decimal
    associate_factor_pct: Decimal
    income_measure: str
    decision: str
    adopted_on: date
    lines: tuple[ScaleLineRow, ...]


def list_scales(connection: Connection, through_seq: int = NO_LIMIT) -> list[ScaleRow]:
    """Every adopted scale, oldest first, with its inputs and shares."""
    lines: dict[int, list[ScaleLineRow]] = {}
    for scale_id, code, name, income, share, bound in connection.execute(
        select(scale_lines.c.scale_id, scale_lines.c.member_code, members_t.c.name, scale_lines.c.income, scale_lines.c.share_pct, scale_lines.c.bound)
        .join(members_t, members_t.c.code == scale_lines.c.member_code)
        .where(scale_lines.c.journal_seq <= through_seq)
        .order_by(scale_lines.c.scale_id, members_t.c.name)
    ):
        lines.setdefault(scale_id, []).append(ScaleLineRow(code, name, Decimal(income), Decimal(share), bound))
    return [
        ScaleRow(
            row.id, row.first_year, row.last_year,
            _decimal(row.ceiling_pct), _decimal(row.floor_pct), Decimal(row.precision_pct), Decimal(row.associate_factor_pct),
            row.income_measure, row.decision, row.adopted_on, tuple(lines.get(row.id, ())),
        )
        for row in connection.execute(select(scales).where(scales.c.journal_seq <= through_seq).order_by(scales.c.id))
    ]


def scale_of_year(connection: Connection, year: int, through_seq: int = NO_LIMIT) -> ScaleRow | None:
    """The scale the year's assessments were made on (or, before adoption, the one in force)."""
    assessed_on = connection.execute(select(assessments.c.scale_id).where(assessments.c.year == year).limit(1)).scalar()
    covering = [s for s in list_scales(connection, through_seq) if s.first_year <= year <= s.last_year]
    return next((s for s in covering if s.id == assessed_on), covering[-1] if covering else None)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# --------------------------------------------------------------------------- trends and honour roll


@dataclass(frozen=True, slots=True)
class YearTotals:
    year: int
    budget_minor: int
    assessed_minor: int
    paid_minor: int
    in_kind_minor: int


def totals_by_year(connection: Connection, view: View) -> list[YearTotals]:
    """Assessed, paid and in kind per adopted year, as of one view: the trend across years."""
    settled = _settled_instalments(view)
    rows = connection.execute(
        select(
            settled.c.year,
            total(settled.c.amount_minor),
            total(settled.c.cash_paid),
            total(settled.c.in_kind),
        )
        .group_by(settled.c.year)
        .order_by(settled.c.year)
    ).all()
    budgets_by_year = {row.year: row.budget_minor for row in list_years(connection)}
    return [YearTotals(year, budgets_by_year.get(year) or 0, assessed, paid, in_kind) for year, assessed, paid, in_kind in rows]


def honour_roll(connection: Connection, year: int, view: View) -> list[tuple[str, str]]:
    """Members who had settled each of the year's instalments in full by its due date."""
    settled_by_due = []
    # An instalment is paid on time when, on its due date, the member owed nothing then due.
    for due_on in connection.execute(
        select(instalments.c.due_on).join(assessments, assessments.c.id == instalments.c.assessment_id)
        .where(assessments.c.year == year).distinct().order_by(instalments.c.due_on)
    ).scalars():
        as_due = _settled_instalments(View(as_of=min(due_on, view.as_of), through_seq=view.through_seq))
        late = select(as_due.c.member_code).where(as_due.c.due_on <= due_on, as_due.c.cash_paid < as_due.c.cash_due)
        settled_by_due.append(late)
    if not settled_by_due:
        return []
    rows = connection.execute(
        select(assessments.c.member_code, members_t.c.name)
        .join(members_t, members_t.c.code == assessments.c.member_code)
        .where(assessments.c.year == year, assessments.c.journal_seq <= view.through_seq, *(assessments.c.member_code.not_in(late) for late in settled_by_due))
        .order_by(members_t.c.name)
    )
    return [tuple(row) for row in rows]


# --------------------------------------------------------------------------- statements of account


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One dated movement on a member's account: a charge (instalment, reversal) or a payment (cash, in kind)."""

    on: date
    kind: str
    charge_minor: int
    payment_minor: int
    year: int | None
    number: int | None
    reference: str | None
    currency: str | None
    amount_minor: int | None
    rate: str | None
    note: str | None


def _account_movements(code: str, view: View):
    """Every movement on a member's account as of the view, as one UNION ALL."""
    zero, none = literal(0), literal(None)
    charged = (
        select(
            instalments.c.due_on.label("on"), literal("instalment").label("kind"), instalments.c.amount_minor.label("charge"),
            zero.label("payment"), assessments.c.year.label("year"), instalments.c.number.label("number"),
            cast(none, String).label("reference"), cast(none, String).label("currency"), cast(none, BigInteger).label("amount"),
            cast(none, String).label("rate"), cast(none, String).label("note"),
        )
        .join(assessments, assessments.c.id == instalments.c.assessment_id)
        .where(assessments.c.member_code == code, instalments.c.journal_seq <= view.through_seq)
    )
    paid = select(
        payments.c.paid_on, literal("payment"), zero, payments.c.base_minor, cast(none, Integer), cast(none, Integer),
        payments.c.reference, payments.c.currency, payments.c.amount_minor, payments.c.rate, cast(none, String),
    ).where(payments.c.member_code == code, payments.c.paid_on <= view.as_of, payments.c.journal_seq <= view.through_seq)
    taken_back = (
        select(
            reversals.c.reversed_on, literal("reversal"), payments.c.base_minor, zero, cast(none, Integer), cast(none, Integer),
            payments.c.reference, payments.c.currency, payments.c.amount_minor, payments.c.rate, reversals.c.reason,
        )
        .join(payments, payments.c.id == reversals.c.payment_id)
        .where(payments.c.member_code == code, reversals.c.reversed_on <= view.as_of, reversals.c.journal_seq <= view.through_seq)
    )
    in_kind = (
        select(
            steps.c.on_date, literal("in_kind"), zero, steps.c.amount_minor, pledges.c.year, cast(none, Integer),
            cast(none, String), cast(none, String), cast(none, BigInteger), cast(none, String), pledges.c.description,
        )
        .join(pledges, pledges.c.id == steps.c.in_kind_id)
        .where(pledges.c.member_code == code, steps.c.state == "credited", steps.c.on_date <= view.as_of, steps.c.journal_seq <= view.through_seq)
    )
    return union_all(charged, paid, taken_back, in_kind).subquery()


def statement_entries(connection: Connection, code: str, first: date, last: date, view: View) -> list[StatementEntry]:
    """The movements dated in a period, oldest first (charges before payments on the same day)."""
    moves = _account_movements(code, view)
    rows = connection.execute(
        select(moves)
        .where(moves.c.on.between(first, last))
        .order_by(moves.c.on, case((moves.c.kind.in_(("instalment", "reversal")), 0), else_=1), moves.c.year, moves.c.number, moves.c.reference)
    )
    return [StatementEntry(*row) for row in rows]


def balance_before(connection: Connection, code: str, day: date, view: View) -> int:
    """What the member owed before a day (charges less payments); negative when in credit."""
    moves = _account_movements(code, view)
    return connection.execute(
        select(total_or_zero(moves.c.charge - moves.c.payment)).where(moves.c.on < day)
    ).scalar_one()


def assessed_members(connection: Connection, year: int) -> list[tuple[str, str]]:
    """(code, name) of the members assessed for a year, by name."""
    return [
        tuple(row)
        for row in connection.execute(
            select(assessments.c.member_code, members_t.c.name)
            .join(members_t, members_t.c.code == assessments.c.member_code)
            .where(assessments.c.year == year)
            .order_by(members_t.c.name)
        )
    ]


def pending_bookings(connection: Connection) -> list:
    """Bookings above a four-eyes threshold no second official has approved yet, oldest first
    (ledger.services.four_eyes): they count in no figure."""
    approved = select(BookingApproval.booking_id)
    return list(connection.execute(
        select(PendingBooking.__table__).where(PendingBooking.id.not_in(approved)).order_by(PendingBooking.id)
    ).mappings())
