"""Compute as published: projects, a year's capacity and reserves, and per member its GPU-hour ledger.

Every figure is a SUM in SQL: a member's ledger lines grouped by kind (quota_entry), its
usage (usage_month, the debits) and its assessment for the year (the contribution share),
so a request costs a few index reads however many jobs were ingested.

Units: the ledger is exact in reference GPU-milliseconds; GPU-hours are shown to a
thousandth (`ledger.domain.compute.gpu_hours`), quotas and capacity in whole GPU-hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, case, func, select, union

from ledger.db.tables import (
    AssessmentTable,
    ComputePlan,
    ComputeReserve,
    GpuPool,
    Member,
    Project,
    QuotaLedgerEntry,
    UsageMonth,
    YearEvent,
)
from ledger.domain.compute import ALLOCATED, CLOSED, REFERENCE_GPU_MS_PER_GPU_HOUR, EntryKind, fairness, gpu_hours
from ledger.queries.sql import NO_LIMIT, total_or_zero

plans = ComputePlan.__table__
pools_t = GpuPool.__table__
reserves_t = ComputeReserve.__table__
entries = QuotaLedgerEntry.__table__
months = UsageMonth.__table__
projects_t = Project.__table__
members_t = Member.__table__
assessments = AssessmentTable.__table__
events = YearEvent.__table__



def _sum_of_kind(*kinds: EntryKind):
    return total_or_zero(case((entries.c.kind.in_([kind.value for kind in kinds]), entries.c.amount_ms), else_=0))


@dataclass(frozen=True, slots=True)
class ProjectRow:
    account: str
    member: str
    member_name: str
    title: str
    safety_level: str
    code: str
    """The project's own code (its account in upper case for a project registered before codes)."""


def list_projects(connection: Connection) -> list[ProjectRow]:
    """Every registered project, by the Slurm account it was registered with."""
    query = (
        select(projects_t.c.account, projects_t.c.member_code, members_t.c.name, projects_t.c.title, projects_t.c.safety_level,
               func.coalesce(projects_t.c.code, func.upper(projects_t.c.account)))
        .join(members_t, members_t.c.code == projects_t.c.member_code)
        .order_by(projects_t.c.account)
    )
    return [ProjectRow(*row) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class PoolRow:
    gpu_type: str
    count: int
    availability: Decimal
    factor: Decimal


@dataclass(frozen=True, slots=True)
class ReserveRow:
    name: str
    percent: Decimal
    gpu_hours: int
    """Whole GPU-hours credited to the reserve (0 until quotas are allocated)."""


@dataclass(frozen=True, slots=True)
class MemberCompute:
    """A member's GPU-hour ledger of a year, summed by kind; amounts in reference GPU-ms.

    quota_ms: the allocation credit. transferred_ms: transfers in minus out. adjusted_ms:
    adjustments. carried_in_ms / carried_out_ms / forfeited_ms: the year-end lines.
    balance_ms: every line minus usage. contribution_share and usage_share are percentages
    of the year's assessments and usage; ratio is usage share / contribution share.
    """

    code: str
    name: str
    quota_ms: int
    frozen: bool
    used_ms: int
    transferred_ms: int
    adjusted_ms: int
    carried_in_ms: int
    carried_out_ms: int
    forfeited_ms: int
    balance_ms: int
    contribution_share: Decimal
    usage_share: Decimal
    ratio: Decimal | None

    @property
    def quota_gpu_hours(self) -> int:
        return self.quota_ms // REFERENCE_GPU_MS_PER_GPU_HOUR

    @property
    def used_gpu_hours(self) -> Decimal:
        return gpu_hours(self.used_ms)

    @property
    def transferred_gpu_hours(self) -> Decimal:
        return gpu_hours(self.transferred_ms)

    @property
    def balance_gpu_hours(self) -> Decimal:
        return gpu_hours(self.balance_ms)


@dataclass(frozen=True, slots=True)
class ComputeYear:
    """A year's capacity, reserves and member ledgers, as recorded in its latest plan."""

    year: int
    hours_in_year: int
    capacity_gpu_hours: int
    decision: str
    allocated: bool
    closed: bool
    pools: tuple[PoolRow, ...]
    reserves: tuple[ReserveRow, ...]
    members: tuple[MemberCompute, ...]

    @property
    def gpus(self) -> int:
        return sum(pool.count for pool in self.pools)

    @property
    def reserved_gpu_hours(self) -> int:
        return sum(reserve.gpu_hours for reserve in self.reserves)

    @property
    def used_ms(self) -> int:
        return sum(member.used_ms for member in self.members)

    @property
    def utilisation(self) -> Decimal:
        """Usage as a share of capacity, in percent (0 with no capacity)."""
        if not self.capacity_gpu_hours:
            return Decimal(0)
        return Decimal(100 * self.used_ms) / (self.capacity_gpu_hours * REFERENCE_GPU_MS_PER_GPU_HOUR)


def compute_years(connection: Connection) -> list[int]:
    """The years with a capacity plan, newest first."""
    return list(connection.execute(select(plans.c.year).distinct().order_by(plans.c.year.desc())).scalars())


def compute_year(connection: Connection, year: int, through_seq: int = NO_LIMIT) -> ComputeYear | None:
    """The year's compute as published up to a journal entry, or None when it has no capacity plan."""
    plan = connection.execute(
        select(plans).where(plans.c.year == year, plans.c.journal_seq <= through_seq).order_by(plans.c.id.desc()).limit(1)
    ).first()
    if plan is None:
        return None
    year_events = set(connection.execute(
        select(events.c.event).where(events.c.year == year, events.c.journal_seq <= through_seq)
    ).scalars())
    pools = tuple(
        PoolRow(gpu_type, count, Decimal(availability), Decimal(factor))
        for gpu_type, count, availability, factor in connection.execute(
            select(pools_t.c.gpu_type, pools_t.c.count, pools_t.c.availability, pools_t.c.factor)
            .where(pools_t.c.plan_id == plan.id).order_by(pools_t.c.gpu_type)
        )
    )
    credited = dict(connection.execute(
        select(entries.c.reserve, total_or_zero(entries.c.amount_ms))
        .where(entries.c.year == year, entries.c.reserve.is_not(None), entries.c.journal_seq <= through_seq)
        .group_by(entries.c.reserve)
    ).all())
    reserves = tuple(
        ReserveRow(name, Decimal(percent), int(credited.pop(name, 0)) // REFERENCE_GPU_MS_PER_GPU_HOUR)
        for name, percent in connection.execute(
            select(reserves_t.c.name, reserves_t.c.percent).where(reserves_t.c.plan_id == plan.id).order_by(reserves_t.c.name)
        )
    ) + tuple(  # a reserve that only received hours freed by a suspension
        ReserveRow(name, Decimal(0), int(amount) // REFERENCE_GPU_MS_PER_GPU_HOUR) for name, amount in sorted(credited.items())
    )
    return ComputeYear(
        year=year,
        hours_in_year=plan.hours_in_year,
        capacity_gpu_hours=plan.capacity_gpu_hours,
        decision=plan.decision,
        allocated=ALLOCATED in year_events,
        closed=CLOSED in year_events,
        pools=pools,
        reserves=reserves,
        members=tuple(_member_ledgers(connection, year, through_seq)),
    )


def _member_ledgers(connection: Connection, year: int, through_seq: int) -> list[MemberCompute]:
    """Every member with ledger lines or usage in the year, in one statement: its lines summed by
    kind, its usage and its assessment, each a grouped subquery, beside the year's totals."""
    ledger = (
        select(
            entries.c.member_code.label("code"),
            _sum_of_kind(EntryKind.CREDIT).label("quota"),
            func.max(case((entries.c.frozen, 1), else_=0)).label("frozen"),
            _sum_of_kind(EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT).label("transferred"),
            _sum_of_kind(EntryKind.ADJUSTMENT).label("adjusted"),
            _sum_of_kind(EntryKind.CARRY_IN).label("carried_in"),
            _sum_of_kind(EntryKind.CARRY_OUT).label("carried_out"),
            _sum_of_kind(EntryKind.FORFEIT).label("forfeited"),
            total_or_zero(entries.c.amount_ms).label("lines"),
        )
        .where(entries.c.year == year, entries.c.member_code.is_not(None), entries.c.journal_seq <= through_seq)
        .group_by(entries.c.member_code)
        .subquery("ledger")
    )
    used_in_year = (months.c.year == year, months.c.journal_seq <= through_seq)
    assessed_in_year = (assessments.c.year == year, assessments.c.journal_seq <= through_seq)
    used = (
        select(months.c.member_code.label("code"), total_or_zero(months.c.delta_ms).label("used_ms"))
        .where(*used_in_year).group_by(months.c.member_code).subquery("used")
    )
    assessed = (
        select(assessments.c.member_code.label("code"), total_or_zero(assessments.c.amount_minor).label("assessed"))
        .where(*assessed_in_year).group_by(assessments.c.member_code).subquery("assessed")
    )
    codes = union(select(ledger.c.code), select(used.c.code).where(used.c.used_ms != 0)).subquery("codes")
    lines, used_ms = _or_zero(ledger.c.lines), _or_zero(used.c.used_ms)
    rows = connection.execute(
        select(
            codes.c.code,
            members_t.c.name,
            *(_or_zero(ledger.c[kind]).label(kind) for kind in ("quota", "frozen", "transferred", "adjusted", "carried_in", "carried_out", "forfeited")),
            used_ms.label("used_ms"),
            (lines - used_ms).label("balance_ms"),
            _or_zero(assessed.c.assessed).label("assessed"),
            select(total_or_zero(months.c.delta_ms)).where(*used_in_year).scalar_subquery().label("year_used"),
            select(total_or_zero(assessments.c.amount_minor)).where(*assessed_in_year).scalar_subquery().label("year_assessed"),
        )
        .select_from(codes)
        .join(members_t, members_t.c.code == codes.c.code)
        .outerjoin(ledger, ledger.c.code == codes.c.code)
        .outerjoin(used, used.c.code == codes.c.code)
        .outerjoin(assessed, assessed.c.code == codes.c.code)
        .order_by(codes.c.code)
    )
    result = []
    for row in rows:
        contribution_share = Decimal(100 * row.assessed) / row.year_assessed if row.year_assessed else Decimal(0)
        usage_share = Decimal(100 * row.used_ms) / row.year_used if row.year_used else Decimal(0)
        result.append(
            MemberCompute(
                code=row.code,
                name=row.name,
                quota_ms=row.quota,
                frozen=bool(row.frozen),
                used_ms=row.used_ms,
                transferred_ms=row.transferred,
                adjusted_ms=row.adjusted,
                carried_in_ms=row.carried_in,
                carried_out_ms=row.carried_out,
                forfeited_ms=row.forfeited,
                balance_ms=row.balance_ms,
                contribution_share=contribution_share,
                usage_share=usage_share,
                ratio=fairness(usage_share, contribution_share) if row.year_used else None,
            )
        )
    return result


def _or_zero(column):
    """A left-joined figure, 0 where the member has no row."""
    return func.coalesce(column, 0)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One line of a year's GPU-hour ledger as published (usage is summed by month instead)."""

    id: int
    member: str | None
    reserve: str | None
    kind: str
    amount_ms: int
    counterparty: str | None
    motion_id: int | None
    reason: str | None
    journal_seq: int

    @property
    def gpu_hours(self) -> Decimal:
        return gpu_hours(self.amount_ms)


def ledger_lines(
    connection: Connection, year: int, kinds: tuple[EntryKind, ...] | None = None, through_seq: int = NO_LIMIT
) -> list[LedgerLine]:
    """The year's ledger lines up to a journal entry in the order they were written, optionally of some kinds only."""
    query = select(
        entries.c.id, entries.c.member_code, entries.c.reserve, entries.c.kind, entries.c.amount_ms,
        entries.c.counterparty, entries.c.motion_id, entries.c.reason, entries.c.journal_seq,
    ).where(entries.c.year == year, entries.c.journal_seq <= through_seq).order_by(entries.c.id)
    if kinds is not None:
        query = query.where(entries.c.kind.in_([kind.value for kind in kinds]))
    return [LedgerLine(*row) for row in connection.execute(query)]
