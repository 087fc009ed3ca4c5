"""The facts the declared invariants check (ledger.domain.invariants), each one grouped query.

Sums are computed by the database; shares, stored as decimal text, are summed as whole
billionths of a percent so that SQLite and PostgreSQL give the same integer. Only the
closed motions' snapshots, the positive assessments and the status facts are read row by
row, since the rules over them (the membership timeline, the snapshot) are the domain's.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Connection, Numeric, String, and_, case, cast, func, literal, or_, select, union_all

from ledger.db.tables import (
    AssessmentTable,
    Ballot,
    Budget,
    ComputePlan,
    ContributionScale,
    FiscalYear,
    LedgerSetting,
    MemberStatusChange,
    Motion,
    MotionEvent,
    QuotaLedgerEntry,
    ScaleLine,
    StandingWaiver,
    UsageMonth,
    YearEvent,
)
from ledger.domain.compute import CLOSED, EntryKind
from ledger.domain.invariants import (
    SHARE_UNITS_PER_PERCENT,
    AllocationTotal,
    AssessedMember,
    Carry,
    Citation,
    ClosedMotion,
    EffectRow,
    LedgerFacts,
    MemberClosing,
    ShareTotal,
    TransferTotal,
    YearTotals,
    cited_motions,
)
from ledger.queries.members import membership_timelines
from ledger.queries.sql import total_or_zero

assessments = AssessmentTable.__table__
budgets = Budget.__table__
plans = ComputePlan.__table__
scales = ContributionScale.__table__
years = FiscalYear.__table__
settings = LedgerSetting.__table__
status_facts = MemberStatusChange.__table__
motions = Motion.__table__
ballots = Ballot.__table__
motion_events = MotionEvent.__table__
entries = QuotaLedgerEntry.__table__
scale_lines = ScaleLine.__table__
waivers = StandingWaiver.__table__
months = UsageMonth.__table__
year_events = YearEvent.__table__

_TRANSFERS = (EntryKind.TRANSFER_IN.value, EntryKind.TRANSFER_OUT.value)


def _share_units(column):
    return total_or_zero(cast(func.round(cast(column, Numeric(30, 12)) * SHARE_UNITS_PER_PERCENT), BigInteger))


def _closings_of_motions():
    """Each closed motion's journal entry, kind and outcome."""
    return (
        select(motion_events.c.motion_id, motion_events.c.journal_seq, motion_events.c.outcome, motions.c.kind)
        .join(motions, motions.c.id == motion_events.c.motion_id)
        .where(motion_events.c.event == "closed")
        .subquery("closings")
    )


def ledger_facts(connection: Connection) -> LedgerFacts:
    """Every aggregate the invariants compare, read in one transaction."""
    voters: dict[int, tuple[str, ...]] = {}
    for motion_id, code in connection.execute(
        select(ballots.c.motion_id, ballots.c.member_code).distinct().order_by(ballots.c.motion_id, ballots.c.member_code)
    ):
        voters[motion_id] = (*voters.get(motion_id, ()), code)
    return LedgerFacts(
        scale_shares=tuple(
            ShareTotal(f"scale {scale_id} ({first}-{last})", int(total))
            for scale_id, first, last, total in connection.execute(
                select(scales.c.id, scales.c.first_year, scales.c.last_year, _share_units(scale_lines.c.share_pct))
                .join(scale_lines, scale_lines.c.scale_id == scales.c.id)
                .group_by(scales.c.id, scales.c.first_year, scales.c.last_year).order_by(scales.c.id)
            )
        ),
        year_shares=tuple(
            ShareTotal(str(year), int(total))
            for year, total in connection.execute(
                select(assessments.c.year, _share_units(assessments.c.share_pct)).group_by(assessments.c.year).order_by(assessments.c.year)
            )
        ),
        year_totals=_year_totals(connection),
        allocations=tuple(
            AllocationTotal(year, plan_id, capacity, int(credited))
            for year, plan_id, capacity, credited in connection.execute(
                select(plans.c.year, plans.c.id, plans.c.capacity_gpu_hours, total_or_zero(entries.c.amount_ms))
                .join(entries, entries.c.plan_id == plans.c.id)
                .where(entries.c.kind == EntryKind.CREDIT.value)
                .group_by(plans.c.year, plans.c.id, plans.c.capacity_gpu_hours).order_by(plans.c.year)
            )
        ),
        assessed=tuple(
            AssessedMember(*row)
            for row in connection.execute(
                select(assessments.c.year, assessments.c.member_code, assessments.c.amount_minor, years.c.currency,
                       years.c.starts_on, years.c.ends_on)
                .join(years, years.c.year == assessments.c.year)
                .where(assessments.c.amount_minor > 0).order_by(assessments.c.year, assessments.c.member_code)
            )
        ),
        timelines=tuple(membership_timelines(connection).values()),
        closings=_closings(connection),
        carries=_carries(connection),
        transfers=tuple(
            TransferTotal(motion_id, lines, int(total))
            for motion_id, lines, total in connection.execute(
                select(entries.c.motion_id, func.count(), total_or_zero(entries.c.amount_ms))
                .where(entries.c.kind.in_(_TRANSFERS)).group_by(entries.c.motion_id).order_by(entries.c.motion_id)
            )
        ),
        closed_motions=tuple(
            ClosedMotion(*row, voters=voters.get(row.motion_id, ()))
            for row in connection.execute(
                select(motion_events.c.motion_id, motions.c.kind, motion_events.c.on_date, motion_events.c.outcome,
                       motion_events.c.snapshot_json)
                .join(motions, motions.c.id == motion_events.c.motion_id)
                .where(motion_events.c.event == "closed").order_by(motion_events.c.motion_id)
            )
        ),
        effect_rows=_effect_rows(connection),
        citations=_citations(connection),
    )


def _year_totals(connection: Connection) -> tuple[YearTotals, ...]:
    latest = select(budgets.c.year, func.max(budgets.c.id).label("id")).group_by(budgets.c.year).subquery("latest")
    assessed = (
        select(assessments.c.year, total_or_zero(assessments.c.amount_minor).label("minor"))
        .group_by(assessments.c.year).subquery("assessed")
    )
    query = (
        select(year_events.c.year, years.c.currency, budgets.c.amount_minor, func.coalesce(assessed.c.minor, 0))
        .join(years, years.c.year == year_events.c.year)
        .join(latest, latest.c.year == year_events.c.year)
        .join(budgets, budgets.c.id == latest.c.id)
        .outerjoin(assessed, assessed.c.year == year_events.c.year)
        .where(year_events.c.event == "adopted").order_by(year_events.c.year)
    )
    return tuple(YearTotals(year, currency, budget, int(minor)) for year, currency, budget, minor in connection.execute(query))


def _closings(connection: Connection) -> tuple[MemberClosing, ...]:
    """Per member of each closed year: its usable lines, what the closing carried out and its
    balance, with usage journaled up to the closing (later usage debits a closed year by design)."""
    closed = select(year_events.c.year, year_events.c.journal_seq).where(year_events.c.event == CLOSED).subquery("closed")
    closing_kinds = (EntryKind.CARRY_OUT.value, EntryKind.FORFEIT.value)
    lines = (
        select(
            entries.c.year, entries.c.member_code,
            total_or_zero(case((and_(entries.c.frozen.is_(False), entries.c.kind.not_in(closing_kinds)), entries.c.amount_ms), else_=0)).label("usable"),
            total_or_zero(case((entries.c.kind == EntryKind.CARRY_OUT.value, -entries.c.amount_ms), else_=0)).label("carried_out"),
            total_or_zero(entries.c.amount_ms).label("lines"),
        )
        .join(closed, closed.c.year == entries.c.year)
        .where(entries.c.member_code.is_not(None))
        .group_by(entries.c.year, entries.c.member_code)
        .subquery("lines")
    )
    used = (
        select(months.c.year, months.c.member_code, total_or_zero(months.c.delta_ms).label("used"))
        .join(closed, and_(closed.c.year == months.c.year, months.c.journal_seq <= closed.c.journal_seq))
        .group_by(months.c.year, months.c.member_code)
        .subquery("used")
    )
    usage = func.coalesce(used.c.used, 0)
    query = (
        select(lines.c.year, lines.c.member_code, lines.c.usable - usage, lines.c.carried_out, lines.c.lines - usage)
        .outerjoin(used, and_(used.c.year == lines.c.year, used.c.member_code == lines.c.member_code))
        .order_by(lines.c.year, lines.c.member_code)
    )
    return tuple(MemberClosing(year, code, int(usable), int(out), int(balance)) for year, code, usable, out, balance in connection.execute(query))


def _carries(connection: Connection) -> tuple[Carry, ...]:
    """Carry-out lines of year Y beside the carry-in lines of year Y + 1, per member."""
    out_kind, in_kind = EntryKind.CARRY_OUT.value, EntryKind.CARRY_IN.value
    from_year = case((entries.c.kind == in_kind, entries.c.year - 1), else_=entries.c.year)
    query = (
        select(
            from_year.label("from_year"), entries.c.member_code,
            total_or_zero(case((entries.c.kind == out_kind, -entries.c.amount_ms), else_=0)),
            total_or_zero(case((entries.c.kind == in_kind, entries.c.amount_ms), else_=0)),
        )
        .where(entries.c.kind.in_((out_kind, in_kind)))
        .group_by(from_year, entries.c.member_code).order_by(from_year, entries.c.member_code)
    )
    return tuple(Carry(year, code, int(out), int(carried_in)) for year, code, out, carried_in in connection.execute(query))


def _effect_rows(connection: Connection) -> tuple[EffectRow, ...]:
    """Rows written in the journal entry of a motion's closing (an effect applies in the motion's
    transaction), and the quota transfer lines with the motion they name."""
    closings = _closings_of_motions()

    def written_by_closing(table, what, *where):
        return (
            select(literal(table.name, String).label("tbl"), table.c.id, what.label("what"), closings.c.motion_id,
                   closings.c.kind, closings.c.outcome)
            .join(closings, closings.c.journal_seq == table.c.journal_seq)
            .where(*where)
        )

    transfer_lines = (
        select(literal(entries.name, String), entries.c.id,
               cast(entries.c.year, String) + literal(" ", String) + func.coalesce(entries.c.member_code, "") + literal(" ", String) + entries.c.kind,
               entries.c.motion_id, closings.c.kind, closings.c.outcome)
        .outerjoin(closings, closings.c.motion_id == entries.c.motion_id)
        .where(or_(entries.c.kind.in_(_TRANSFERS), entries.c.motion_id.is_not(None)))
    )
    query = union_all(
        written_by_closing(year_events, cast(year_events.c.year, String) + literal(" budget adopted", String), year_events.c.event == "adopted"),
        written_by_closing(scales, literal("scale ", String) + cast(scales.c.first_year, String) + literal("-", String) + cast(scales.c.last_year, String)),
        written_by_closing(status_facts, status_facts.c.member_code + literal(" ", String) + status_facts.c.status),
        written_by_closing(waivers, waivers.c.member_code + literal(" waiver", String)),
        written_by_closing(settings, literal("setting ", String) + settings.c.key),
        transfer_lines,
    )
    return tuple(EffectRow(*row) for row in connection.execute(query))


def _citations(connection: Connection) -> tuple[Citation, ...]:
    """Decision texts that name a motion ("motion #N"), with that motion's kind and closing outcome.

    A text citing several motions (a compute plan citing two reserves' decisions) gives one
    citation per motion; the motions' outcomes are one more query, joined by id here.
    """
    def citing(table, what, decision):
        return select(literal(table.name, String).label("tbl"), table.c.id, what.label("what"), decision.label("decision")).where(
            decision.like("%motion #%")
        )

    texts = union_all(
        citing(year_events, cast(year_events.c.year, String) + literal(" ", String) + year_events.c.event, year_events.c.decision),
        citing(scales, literal("scale ", String) + cast(scales.c.first_year, String), scales.c.decision),
        citing(waivers, waivers.c.member_code + literal(" waiver", String), waivers.c.decision),
        citing(plans, literal("plan of ", String) + cast(plans.c.year, String), plans.c.decision),
        citing(settings, settings.c.key, settings.c.decision),
    ).subquery("texts")
    rows = connection.execute(select(texts).order_by(texts.c.tbl, texts.c.id)).all()
    outcomes = {
        motion_id: (kind, outcome)
        for motion_id, kind, outcome in connection.execute(
            select(motions.c.id, motions.c.kind, motion_events.c.outcome)
            .outerjoin(motion_events, and_(motion_events.c.motion_id == motions.c.id, motion_events.c.event == "closed"))
        )
    }
    return tuple(
        Citation(table, row_id, what, cited, *outcomes.get(cited, (None, None)))
        for table, row_id, what, decision in rows
        for cited in cited_motions(decision)
    )
