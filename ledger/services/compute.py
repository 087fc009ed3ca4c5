"""Compute use cases: projects, capacity plans, quotas and the GPU-hour ledger.

Long because a year's compute is four use cases in sequence (below) plus projects and
adjustments, each validating, writing and journaling in the same unit of work.

The secretariat registers each project under one member with a safety level; its Slurm
account is how usage exports are charged to it, so an account belongs to one project only
and is never renamed (a new project is registered instead).

A year's compute runs in four steps, each one journal entry:
1. `record_compute_plan`: the pools and reserves, citing the board decision. A later plan
   replaces an earlier one until quotas are allocated.
2. `allocate_quotas`: reserves first, then members in proportion to what each was assessed
   for the year (their contribution share), by largest remainder in whole GPU-hours; a
   member suspended on the allocation day is treated by the `quota_suspension` setting.
   Each share becomes a credit line of the year's GPU-hour ledger.
3. During the year: usage debits (the usage_month rows ingestion appends), transfers as the
   effect of an adopted board motion, and adjustments with a reason.
4. `close_compute_year`: each member's unused balance is carried into the next year or
   forfeited by the `quota_carry_over` setting, which brings every member's balance of the
   closed year to zero.

Decisions
- **Contribution share = the year's assessment.** Quotas are proportional to the amounts
  assessed (a member that joined mid-year was assessed pro rata, and so gets a pro rata
  quota), which are exact integers: no rounded percentage enters the split.
- **A GPU type keeps one factor.** Ingestion converts GPU-seconds with one factor per GPU
  type, so a plan may not give a type another factor than an earlier plan did; a
  re-benchmarked generation is a new type name in Slurm's gres configuration.
- **Usage after closing.** A job ingested after its year was closed still debits that
  year; the closed year then shows the overdraft, and nothing is recomputed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, func, select

from ledger.db.tables import (
    AssessmentTable,
    ComputePlan,
    ComputeReserve,
    FiscalYear,
    GpuPool,
    Member,
    MotionEvent,
    Project,
    ProjectAccount,
    QuotaLedgerEntry,
    UsageJob,
    UsageMonth,
    YearEvent,
)
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.compute import (
    ALLOCATED,
    CLOSED,
    MAX_CAPACITY_GPU_HOURS,
    REFERENCE_GPU_MS_PER_GPU_HOUR,
    EntryKind,
    Pool,
    AccountCharge,
    ProjectDraft,
    capacity_gpu_hours,
    carry_over,
    transfer,
    normal_account,
    normal_project_code,
    quota_allocation,
    validate_project,
)
from ledger.domain.contribution_inputs import parse_day, parse_text, parse_year
from ledger.domain.errors import Conflict, NotFound, Problem, ValidationFailed, collect, raise_if_any
from ledger.domain.members import MemberStatus, is_member_code
from ledger.domain.settings import Settings
from ledger.queries.contributions import standings_on
from ledger.queries.sql import total_or_zero
from ledger.services import four_eyes
from ledger.services.contributions import current_settings, parse_decision
from ledger.queries.members import membership_timeline
from ledger.services.members import member_code

MAX_POOLS = 20
MAX_GPUS = 10_000_000
RESERVE_DECIMAL_PLACES = 3
_GPU_TYPE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
_RESERVE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def register_project(
    member: str, title: str, account: str, safety_level: str, *, code: str | None = None, actor: Actor, uow: UnitOfWork
) -> Project:
    """Register a project of `member` charged through the Slurm `account` (as the site named it),
    at a safety level; `code` is the project's own code (default: the account in upper case)."""
    require(actor, Permission.MANAGE_PROJECTS)
    draft: ProjectDraft = validate_project(member, title, account, safety_level, code)
    with uow:
        project = _register(uow, draft)
        uow.commit(
            actor=actor,
            kind="project.registered",
            summary=f"Registered project {draft.code} {draft.title!r} of {draft.member_code}, "
            f"Slurm account {draft.account}, safety level {draft.safety_level.value}",
        )
    return project


def _register(uow: UnitOfWork, draft: ProjectDraft) -> Project:
    timeline = membership_timeline(uow.session.connection(), draft.member_code)
    if timeline is None:
        raise NotFound(f"no member with code {draft.member_code}; admit it first")
    if timeline.stints[-1].status is MemberStatus.WITHDRAWN:
        raise Conflict(f"{draft.member_code} has withdrawn; its projects can no longer be registered")
    _account_free(uow, draft.account)
    if _project_by_code(uow, draft.code) is not None:
        raise Conflict(f"a project with code {draft.code} exists already; choose another code or add the account to it")
    return uow.add(
        Project(
            member_code=draft.member_code,
            title=draft.title,
            account=draft.account,
            safety_level=draft.safety_level.value,
            code=draft.code,
            journal_seq=0,
        )
    )


def _account_free(uow: UnitOfWork, account: str) -> None:
    taken = uow.session.execute(select(Project.id).where(Project.account == account)).first()
    if taken is None:
        taken = uow.session.execute(select(ProjectAccount.project_id).where(ProjectAccount.account == account)).first()
    if taken is not None:
        raise Conflict(f"the Slurm account {account} belongs to project {taken[0]} already; move it from a date instead")


def _project_by_code(uow: UnitOfWork, code: str) -> Project | None:
    """The project with this code; a project without one is known by its account in upper case."""
    found = uow.session.execute(select(Project).where(Project.code == code)).scalar()
    if found is None:
        found = uow.session.execute(
            select(Project).where(Project.code.is_(None), func.upper(Project.account) == code)
        ).scalar()
    return found


def project_code(project: Project) -> str:
    """A project's code: its own, or its account in upper case for one registered before codes."""
    return project.code or project.account.upper()


def assign_account(
    account: str, project: str, valid_from: str | None = None, member: str | None = None, *, actor: Actor, uow: UnitOfWork
) -> ProjectAccount:
    """Charge the Slurm `account` to `project` (its code) and `member` (default: the project's)
    from `valid_from` on (YYYY-MM-DD), as a journaled fact.

    An account no project has yet is added to the project, from the beginning when no date is
    given. A registered account moves from the date, which must follow its last fact and the
    start of every job already ingested on it, so published usage never changes afterwards.
    """
    require(actor, Permission.MANAGE_PROJECTS)
    with uow:
        fact = _assign(uow, account, project, valid_from, member)
        uow.commit(
            actor=actor,
            kind="project.account_assigned",
            summary=f"Slurm account {fact.account} charged to project {project.strip().upper()} of {fact.member_code} "
            + (f"from {fact.valid_from.isoformat()}" if fact.valid_from else "from the beginning"),
        )
    return fact


def _assign(uow: UnitOfWork, raw_account: str, raw_project: str, raw_from: str | None, raw_member: str | None) -> ProjectAccount:
    problems: list[Problem] = []
    account = collect(problems, normal_account, raw_account)
    code = collect(problems, normal_project_code, raw_project)
    since = collect(problems, parse_day, raw_from, "valid_from") if raw_from not in (None, "") else None
    member = None
    if raw_member not in (None, ""):
        member = raw_member.strip().upper() if isinstance(raw_member, str) else ""
        if not is_member_code(member):
            problems.append(Problem("member", f"an ISO 3166-1 alpha-3 code such as DEU; not {raw_member!r}"))
    raise_if_any(problems)
    target = _project_by_code(uow, code)
    if target is None:
        raise NotFound(f"no project with code {code}; register it first")
    member = member or target.member_code
    if uow.session.get(Member, member) is None:
        raise NotFound(f"no member with code {member}; admit it first")
    zone = current_settings(uow).reporting_time_zone
    timeline = account_timelines(uow, [account], zone).get(account, [])
    if timeline:
        if since is None:
            raise ValidationFailed.single("valid_from", f"the account {account} is charged already; give the date it moves from")
        last = max((fact.since for fact in timeline if fact.since is not None), default=None)
        last_day = last.astimezone(zone).date() if last is not None else None
        if last_day is not None and since <= last_day:
            raise Conflict(f"the account {account} already has a fact from {last_day.isoformat()}; a move must be later")
        # Only a job started on or after the move's first moment refuses it, and the latest of
        # those is the latest of all: on PostgreSQL the BRIN index on started_at (migration
        # 0012) reads only recent blocks for it.
        moves_at = _day_start(since, zone)
        latest_start = uow.session.execute(
            select(func.max(UsageJob.started_at)).where(UsageJob.account == account, UsageJob.started_at >= moves_at)
        ).scalar()
        if latest_start is not None:
            raise Conflict(
                f"usage of account {account} was ingested up to a job started {_aware(latest_start):%Y-%m-%d %H:%M} UTC; "
                "a move must be dated after it, so published usage never changes"
            )
        current = timeline[-1]
        if (current.project_id, current.member_code) == (target.id, member):
            raise Conflict(f"the account {account} is charged to project {code} of {member} already")
    return uow.add(ProjectAccount(account=account, project_id=target.id, member_code=member, valid_from=since, journal_seq=0))


def _day_start(day: date, zone: tzinfo = UTC) -> datetime:
    """Midnight at the start of `day` in the reporting time zone, in UTC: when a dated fact takes effect."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def account_timelines(source, accounts=None, zone: tzinfo = UTC) -> dict[str, list[AccountCharge]]:
    """Every account's (or those of `accounts`') charges in time order, by account: the project
    registered with it from the beginning, then its facts, each from midnight in `zone`."""
    execute = source.session.execute if isinstance(source, UnitOfWork) else source.execute
    projects = select(Project.account, Project.id, Project.member_code)
    facts = select(ProjectAccount.account, ProjectAccount.valid_from, ProjectAccount.project_id,
                   ProjectAccount.member_code).order_by(ProjectAccount.id)
    if accounts is not None:
        projects = projects.where(Project.account.in_(list(accounts)))
        facts = facts.where(ProjectAccount.account.in_(list(accounts)))
    timelines: dict[str, list[AccountCharge]] = {}
    for account, project_id, member in execute(projects).all():
        timelines.setdefault(account, []).append(AccountCharge(None, project_id, member))
    for account, valid_from, project_id, member in execute(facts).all():
        since = _day_start(valid_from, zone) if valid_from is not None else None
        timelines.setdefault(account, []).append(AccountCharge(since, project_id, member))
    return {
        account: sorted(charges, key=lambda charge: (charge.since is not None, charge.since or datetime.min.replace(tzinfo=UTC)))
        for account, charges in timelines.items()
    }


IMPORT_COLUMNS = ("account", "member", "project", "safety_level")
"""Columns a projects CSV needs; `title` is optional (default: "Project CODE")."""


def import_projects(rows: Sequence[Mapping[str, str]], *, actor: Actor, uow: UnitOfWork) -> tuple[int, int]:
    """Register the projects and accounts of a CSV's rows (account, member, project, safety_level
    and optionally title and valid_from) in one entry; return (projects registered, accounts added).

    A row whose project exists adds its account to it (or moves the account from valid_from);
    a row naming a new project registers it with the row's account. Every row is checked, each
    problem named with its row number, and nothing is stored if any row is bad.
    """
    require(actor, Permission.MANAGE_PROJECTS)
    if not rows:
        raise ValidationFailed.single("file", f"no rows; a CSV with a header line {','.join(IMPORT_COLUMNS)}[,title] is expected")
    missing = [column for column in IMPORT_COLUMNS if column not in rows[0]]
    if missing:
        raise ValidationFailed.single("header", f"missing {', '.join(missing)}; the columns are {','.join(IMPORT_COLUMNS)}[,title][,valid_from]")
    problems: list[Problem] = []
    registered = added = 0
    with uow:
        uow.reserve()  # the journal lock first, outside the rows' savepoints
        for number, row in enumerate(rows, start=2):
            try:
                with uow.session.begin_nested():
                    code = normal_project_code(row.get("project"), "project")
                    if _project_by_code(uow, code) is None:
                        draft = validate_project(row.get("member"), row.get("title") or f"Project {code}", row.get("account"),
                                                 row.get("safety_level"), code)
                        _register(uow, draft)
                        registered += 1
                    else:
                        _assign(uow, row.get("account"), code, row.get("valid_from"), row.get("member"))
                        added += 1
            except ValidationFailed as failed:
                problems.extend(Problem(f"row {number}.{p.field}", p.message) for p in failed.problems)
            except (Conflict, NotFound) as refused:
                problems.append(Problem(f"row {number}", str(refused)))
        raise_if_any(problems)
        uow.commit(actor=actor, kind="projects.imported",
                   summary=f"Imported {len(rows)} account rows: {registered} projects registered, {added} accounts added or moved")
    return registered, added


# --------------------------------------------------------------------------- state


def _year(uow: UnitOfWork, raw: object, field: str = "year") -> FiscalYear:
    number = parse_year(raw, field)
    found = uow.session.get(FiscalYear, number)
    if found is None:
        raise NotFound(f"no fiscal year {number}; create it first")
    return found


def _events(uow: UnitOfWork, year: int) -> set[str]:
    return set(uow.session.execute(select(YearEvent.event).where(YearEvent.year == year)).scalars())


def latest_plan(uow: UnitOfWork, year: int) -> ComputePlan | None:
    """The plan in force for a year: the latest one recorded."""
    return uow.session.execute(
        select(ComputePlan).where(ComputePlan.year == year).order_by(ComputePlan.id.desc()).limit(1)
    ).scalar()


def _open_ledger(uow: UnitOfWork, year: int) -> None:
    """Refuse unless the year's quotas are allocated and its ledger is not closed."""
    events = _events(uow, year)
    if ALLOCATED not in events:
        raise Conflict(f"the quotas of {year} are not allocated yet; allocate them first")
    if CLOSED in events:
        raise Conflict(f"the GPU-hour ledger of {year} is closed")


def member_balances(uow: UnitOfWork, year: int, codes: Collection[str] | None = None) -> dict[str, int]:
    """Each member's balance in reference GPU-ms (of `codes` only, when given): its ledger lines
    minus its usage, two grouped sums in SQL. A member with neither lines nor usage is left out."""
    lines = (
        select(QuotaLedgerEntry.member_code, total_or_zero(QuotaLedgerEntry.amount_ms))
        .where(QuotaLedgerEntry.year == year, QuotaLedgerEntry.member_code.is_not(None))
        .group_by(QuotaLedgerEntry.member_code)
    )
    used = (
        select(UsageMonth.member_code, total_or_zero(UsageMonth.delta_ms))
        .where(UsageMonth.year == year)
        .group_by(UsageMonth.member_code)
    )
    if codes is not None:
        lines = lines.where(QuotaLedgerEntry.member_code.in_(codes))
        used = used.where(UsageMonth.member_code.in_(codes))
    balances = {code: int(amount) for code, amount in uow.session.execute(lines).all()}
    for code, amount in uow.session.execute(used).all():
        balances[code] = balances.get(code, 0) - int(amount)
    return balances


def credits_and_frozen(uow: UnitOfWork, year: int, codes: Collection[str] | None = None) -> dict[str, tuple[int, int]]:
    """Each member's (allocation credit, frozen credit) of a year in reference GPU-ms, one grouped sum in SQL."""
    credit = QuotaLedgerEntry.kind == EntryKind.CREDIT.value
    query = (
        select(
            QuotaLedgerEntry.member_code,
            total_or_zero(case((credit, QuotaLedgerEntry.amount_ms), else_=0)),
            total_or_zero(case((QuotaLedgerEntry.frozen, QuotaLedgerEntry.amount_ms), else_=0)),
        )
        .where(QuotaLedgerEntry.year == year, QuotaLedgerEntry.member_code.is_not(None))
        .group_by(QuotaLedgerEntry.member_code)
    )
    if codes is not None:
        query = query.where(QuotaLedgerEntry.member_code.in_(codes))
    return {code: (int(quota), int(frozen)) for code, quota, frozen in uow.session.execute(query).all()}


def member_balance(uow: UnitOfWork, year: int, code: str) -> int:
    """A member's balance in reference GPU-ms: `member_balances` for that member alone."""
    return member_balances(uow, year, [code]).get(code, 0)


def gpu_factors(uow: UnitOfWork) -> dict[str, Decimal]:
    """The normalisation factor of every GPU type any plan records (one per type, by decision)."""
    rows = uow.session.execute(select(GpuPool.gpu_type, GpuPool.factor).distinct()).all()
    return {gpu_type: Decimal(factor) for gpu_type, factor in rows}


# --------------------------------------------------------------------------- capacity


def _pools(raw_pools: Sequence[Mapping[str, object]]) -> tuple[list[Pool], list[Problem]]:
    problems: list[Problem] = []
    pools: list[Pool] = []
    if not 1 <= len(raw_pools) <= MAX_POOLS:
        problems.append(Problem("pools", f"1 to {MAX_POOLS} pools; got {len(raw_pools)}"))
    for index, raw in enumerate(raw_pools):
        field = f"pools[{index + 1}]"
        found: list[Problem] = []
        gpu_type = str(raw.get("type") or "").strip().lower()
        if not _GPU_TYPE.fullmatch(gpu_type):
            found.append(Problem(f"{field}.type", f"the GPU type as Slurm's gres names it, e.g. h100 (letters, digits, '.', '-', '_', at most 32); not {raw.get('type')!r}"))
        try:
            count = int(str(raw.get("count") or "").strip())
        except ValueError:
            count = -1
        if not 1 <= count <= MAX_GPUS:
            found.append(Problem(f"{field}.count", f"a whole number of GPUs from 1 to {MAX_GPUS:,}; not {raw.get('count')!r}"))
        numbers = {}
        for name, example in (("availability", "0.95"), ("factor", "2.5")):
            try:
                numbers[name] = Decimal(str(raw.get(name) or "").strip())
            except InvalidOperation:
                found.append(Problem(f"{field}.{name}", f"a decimal number such as {example}; not {raw.get(name)!r}"))
        if len(numbers) == 2:
            try:  # the pool's own checks, on a stand-in type and count when those are wrong too
                pool = Pool(gpu_type or "unnamed", max(count, 0), numbers["availability"], numbers["factor"])
            except ValidationFailed as failed:
                found += [Problem(f"{field}.{p.field}", p.message) for p in failed.problems]
            else:
                if not found:
                    pools.append(pool)
        problems += found
    return pools, problems


def _reserves(raw_reserves: Mapping[str, object]) -> tuple[dict[str, Decimal], list[Problem]]:
    problems: list[Problem] = []
    reserves: dict[str, Decimal] = {}
    for raw_name, raw_percent in raw_reserves.items():
        name = str(raw_name).strip().lower()
        if not _RESERVE_NAME.fullmatch(name):
            problems.append(Problem("reserves", f"a reserve name of lower-case letters, digits and '_', e.g. open_calls; not {raw_name!r}"))
            continue
        try:
            percent = Decimal(str(raw_percent).strip())
        except InvalidOperation:
            percent = Decimal(-1)
        if not percent.is_finite() or not 0 <= percent <= 100:
            problems.append(Problem(f"reserves.{name}", f"a percentage of capacity from 0 to 100, e.g. 10; not {raw_percent!r}"))
            continue
        if percent.as_tuple().exponent < -RESERVE_DECIMAL_PLACES:
            problems.append(Problem(f"reserves.{name}", f"a percentage with at most {RESERVE_DECIMAL_PLACES} decimal places, e.g. 12.5; not {raw_percent!r}"))
            continue
        reserves[name] = percent
    if not problems and sum(reserves.values(), Decimal(0)) > 100:
        problems.append(Problem("reserves", f"sum to {sum(reserves.values())} %; at most 100 % is accepted"))
    return reserves, problems


def record_compute_plan(
    year: object,
    pools: Sequence[Mapping[str, object]],
    reserves: Mapping[str, object],
    decision: str,
    *,
    actor: Actor,
    uow: UnitOfWork,
) -> int:
    """Record a year's accelerator pools and reserves, citing the board decision; return the plan id.

    pools: each with type, count, availability in (0, 1] and factor (reference GPU-hours per
    hour, at most 3 decimals). reserves: name -> percentage of capacity.
    """
    require(actor, Permission.MANAGE_COMPUTE)
    problems: list[Problem] = []
    number = collect(problems, parse_year, year)
    checked_pools, found = _pools(pools)
    problems += found
    checked_reserves, found = _reserves(reserves)
    problems += found
    cited = collect(problems, parse_decision, decision)
    raise_if_any(problems)
    with uow:
        fiscal_year = _year(uow, number)
        if ALLOCATED in _events(uow, number):
            raise Conflict(f"the quotas of {number} are allocated already; change them by adjustments, not a new plan")
        known = gpu_factors(uow)
        changed = [f"{pool.type} counts {known[pool.type]} elsewhere, not {pool.factor}" for pool in checked_pools
                   if pool.type in known and known[pool.type] != pool.factor]
        if changed:
            raise Conflict(f"a GPU type keeps one normalisation factor in every plan: {'; '.join(changed)}")
        hours = ((fiscal_year.ends_on - fiscal_year.starts_on).days + 1) * 24
        capacity = capacity_gpu_hours(checked_pools, hours)
        plan = uow.add(ComputePlan(year=number, hours_in_year=hours, capacity_gpu_hours=capacity, decision=cited, journal_seq=0))
        for pool in checked_pools:
            # Fixed-point text ("0.95", never "9.5E-1"): bounded above, it fits the 12-character columns.
            uow.add(GpuPool(plan_id=plan.id, gpu_type=pool.type, count=pool.count, availability=f"{pool.availability:f}",
                            factor=f"{pool.factor:f}", journal_seq=0))
        for name, percent in sorted(checked_reserves.items()):
            uow.add(ComputeReserve(plan_id=plan.id, name=name, percent=f"{percent:f}", journal_seq=0))
        uow.commit(
            actor=actor,
            kind="compute.plan_recorded",
            summary=f"Capacity plan for {number}: {sum(p.count for p in checked_pools):,} GPUs in "
            f"{len(checked_pools)} pools, {capacity:,} reference GPU-hours; reserves "
            f"{', '.join(f'{n} {p} %' for n, p in sorted(checked_reserves.items())) or 'none'} ({cited})",
        )
    return plan.id


# --------------------------------------------------------------------------- quotas


def allocate_quotas(year: object, on_date: object, *, today: date, actor: Actor, uow: UnitOfWork) -> int:
    """Credit the year's reserves and member quotas from its plan; return how many members got one.

    Members share in proportion to their assessments for the year; a member suspended on
    `on_date` is treated by the `quota_suspension` setting in force.
    """
    require(actor, Permission.MANAGE_COMPUTE)
    day = parse_day(on_date, "on_date", not_after=today)
    with uow:
        fiscal_year = _year(uow, year)
        number = fiscal_year.year
        if ALLOCATED in _events(uow, number):
            raise Conflict(f"the quotas of {number} are allocated already")
        plan = latest_plan(uow, number)
        if plan is None:
            raise Conflict(f"{number} has no capacity plan; record its pools and reserves first")
        assessed = dict(uow.session.execute(
            select(AssessmentTable.member_code, AssessmentTable.amount_minor).where(AssessmentTable.year == number)
        ).all())
        if not any(assessed.values()):
            raise Conflict(f"no member is assessed for {number}; quotas follow contributions, so adopt its budget first")
        suspended = {
            code for code, standing in standings_on(uow.session.connection(), day).items()
            if code in assessed and standing.standing.value == "suspended"
        }
        policy = current_settings(uow).quota_suspension
        reserves = dict(uow.session.execute(
            select(ComputeReserve.name, ComputeReserve.percent).where(ComputeReserve.plan_id == plan.id)
        ).all())
        allocation = quota_allocation(
            plan.capacity_gpu_hours,
            {name: Decimal(percent) for name, percent in reserves.items()},
            {code: Decimal(amount) for code, amount in assessed.items()},
            suspended,
            policy,
        )
        for name, hours in allocation.reserves:
            uow.add(QuotaLedgerEntry(year=number, reserve=name, kind=EntryKind.CREDIT.value,
                                     amount_ms=hours * REFERENCE_GPU_MS_PER_GPU_HOUR, plan_id=plan.id, journal_seq=0))
        for quota in allocation.members:
            reason = None
            if quota.frozen:
                reason = f"frozen: suspended on {day} (quota_suspension: frozen)"
            elif quota.hours != quota.proportional_hours:
                reason = (f"reduced from {quota.proportional_hours:,} GPU-hours: suspended on {day} "
                          f"(quota_suspension: reduced {policy.reduction_percent} %, to {policy.freed_to})")
            uow.add(QuotaLedgerEntry(year=number, member_code=quota.code, kind=EntryKind.CREDIT.value,
                                     amount_ms=quota.hours * REFERENCE_GPU_MS_PER_GPU_HOUR, frozen=quota.frozen,
                                     plan_id=plan.id, reason=reason, journal_seq=0))
        uow.add(YearEvent(year=number, event=ALLOCATED, on_date=day, decision=plan.decision, journal_seq=0))
        uow.commit(
            actor=actor,
            kind="compute.quotas_allocated",
            summary=f"Allocated {plan.capacity_gpu_hours:,} GPU-hours of {number}: "
            f"{sum(h for _, h in allocation.reserves):,} to reserves, {sum(m.hours for m in allocation.members):,} "
            f"to {len(allocation.members)} members"
            + (f"; suspended: {', '.join(sorted(suspended))} ({policy.kind})" if suspended else ""),
        )
    return len(allocation.members)


def parse_gpu_hours(
    raw: object, field: str, *, whole: bool = False, positive: bool = False, at_most: int = MAX_CAPACITY_GPU_HOURS
) -> int:
    """GPU-hours as given (to a thousandth, or whole), at most `at_most` either way, in reference
    GPU-ms, or ValidationFailed naming `field` and the accepted range."""
    try:
        hours = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        hours = None
    places = 0 if whole else 3
    # The bound first: quantizing forty digits or 1e308 would itself fail.
    accepted = (
        hours is not None and hours.is_finite() and abs(hours) <= at_most
        and hours == hours.quantize(Decimal(1).scaleb(-places)) and (hours > 0 if positive else hours != 0)
    )
    if not accepted:
        what = "whole GPU-hours" if whole else "GPU-hours to at most three decimals"
        sign = f"from 1 to {at_most:,}" if positive else f"not 0 and at most {at_most:,} either way, negative to take hours off"
        raise ValidationFailed.single(field, f"{what}, {sign}, e.g. {'5000' if positive else '-120.5'}; not {raw!r}")
    return int(hours * REFERENCE_GPU_MS_PER_GPU_HOUR)


def adjust_quota(year: object, member: object, hours: object, reason: str, *, actor: Actor, uow: UnitOfWork) -> four_eyes.Booked:
    """Add a signed adjustment with its reason to a member's ledger of a year. One of more than
    the `four_eyes_gpu_hours` setting either way waits for a second official (ledger.services.four_eyes)."""
    require(actor, Permission.MANAGE_COMPUTE)
    with uow:
        number = _year(uow, year).year
        _open_ledger(uow, number)
        # An adjustment corrects a quota: never by more than the year's capacity, nor beyond it.
        capacity = latest_plan(uow, number).capacity_gpu_hours
        problems: list[Problem] = []
        amount = collect(problems, parse_gpu_hours, hours, "gpu_hours", at_most=capacity)
        text = collect(problems, parse_text, " ".join(str(reason or "").split()), "reason", 3, 300,
                       "say why, e.g. 'pool B down 3 days in March (incident 42)'")
        raise_if_any(problems)
        params = {"year": number, "member": member_code(uow, member, "member"), "amount_ms": amount, "reason": text}
        _within_capacity(uow, params)
        return four_eyes.book(
            GPU_ADJUSTMENT_BOOKING, params, value=amount, subject=None, settings=current_settings(uow),
            summary=_adjustment_summary(params), actor=actor, uow=uow,
        )


def _adjustment_summary(params: dict) -> str:
    return (f"Adjusted {params['member']}'s GPU-hours of {params['year']} by "
            f"{Decimal(params['amount_ms']) / REFERENCE_GPU_MS_PER_GPU_HOUR:,} ({params['reason']})")


def _within_capacity(uow: UnitOfWork, params: dict) -> None:
    """A balance stays within the year's capacity either way after an adjustment."""
    capacity = latest_plan(uow, params["year"]).capacity_gpu_hours
    after = member_balance(uow, params["year"], params["member"]) + params["amount_ms"]
    if abs(after) > capacity * REFERENCE_GPU_MS_PER_GPU_HOUR:
        raise ValidationFailed.single(
            "gpu_hours", f"would take {params['member']}'s balance of {params['year']} to {Decimal(after) / REFERENCE_GPU_MS_PER_GPU_HOUR:,} "
            f"GPU-hours; a balance stays within {capacity:,} either way (the year's capacity)"
        )


def _book_adjustment(params: dict, uow: UnitOfWork) -> tuple[int, str]:
    """Write an adjustment now; as an approval, while the year's ledger is open and within its capacity."""
    _open_ledger(uow, params["year"])
    _within_capacity(uow, params)
    entry = uow.add(QuotaLedgerEntry(year=params["year"], member_code=params["member"], kind=EntryKind.ADJUSTMENT.value,
                                     amount_ms=params["amount_ms"], reason=params["reason"], journal_seq=0))
    return entry.id, _adjustment_summary(params)


def _gpu_threshold(settings: Settings) -> int | None:
    """The `four_eyes_gpu_hours` setting in reference GPU-ms."""
    return None if settings.four_eyes_gpu_hours is None else settings.four_eyes_gpu_hours * REFERENCE_GPU_MS_PER_GPU_HOUR


GPU_ADJUSTMENT_BOOKING = four_eyes.register(
    four_eyes.BookingKind("gpu_adjustment", "GPU-hour adjustment", "compute.adjusted", _gpu_threshold, _book_adjustment))


def close_compute_year(year: object, on_date: object, *, today: date, actor: Actor, uow: UnitOfWork) -> int:
    """Carry each member's unused GPU-hours into the next year or forfeit them; return the members closed.

    Refused before the fiscal year has ended. Under `quota_carry_over` "up to P %", the
    unused hours are carried up to P % of the member's quota for the year (a carry_out line
    here, a carry_in line in the next year) and the rest forfeited; frozen hours are
    forfeited, never carried; an overdrawn balance is carried in full, as owed
    (`ledger.domain.compute.carry_over`).
    """
    require(actor, Permission.MANAGE_COMPUTE)
    day = parse_day(on_date, "on_date", not_after=today)
    with uow:
        fiscal_year = _year(uow, year)
        number = fiscal_year.year
        _open_ledger(uow, number)
        if day <= fiscal_year.ends_on:
            raise Conflict(f"{number} ends on {fiscal_year.ends_on}; its GPU-hour ledger closes after that")
        rule = current_settings(uow).quota_carry_over
        credits = credits_and_frozen(uow, number)
        balances = member_balances(uow, number)
        closing = {code: carry_over(balances[code], rule, quota, frozen) for code, (quota, frozen) in sorted(credits.items())}
        if any(carried for carried, _ in closing.values()) and uow.session.get(FiscalYear, number + 1) is None:
            raise Conflict(f"balances of {number} carry into {number + 1}, which does not exist yet; open it first")
        reason = f"closing {number} (quota_carry_over: {rule})"
        for code, (carried, forfeited) in closing.items():
            if forfeited:
                uow.add(QuotaLedgerEntry(year=number, member_code=code, kind=EntryKind.FORFEIT.value,
                                         amount_ms=-forfeited, reason=reason, journal_seq=0))
            if carried:
                uow.add(QuotaLedgerEntry(year=number, member_code=code, kind=EntryKind.CARRY_OUT.value,
                                         amount_ms=-carried, reason=reason, journal_seq=0))
                uow.add(QuotaLedgerEntry(year=number + 1, member_code=code, kind=EntryKind.CARRY_IN.value,
                                         amount_ms=carried, reason=f"carried from {number} (quota_carry_over: {rule})",
                                         journal_seq=0))
        uow.add(YearEvent(year=number, event=CLOSED, on_date=day, decision=reason, journal_seq=0))
        uow.commit(
            actor=actor,
            kind="compute.closed",
            summary=f"Closed the GPU-hour ledger of {number} under quota_carry_over {rule!r}: "
            f"{sum(c for c, _ in closing.values()) / REFERENCE_GPU_MS_PER_GPU_HOUR:,.3f} GPU-hours carried, "
            f"{sum(f for _, f in closing.values()) / REFERENCE_GPU_MS_PER_GPU_HOUR:,.3f} forfeited",
        )
    return len(closing)


# --------------------------------------------------------------------------- transfers


def check_quota_transfer(effect: Mapping[str, object], uow: UnitOfWork) -> dict:
    """The parameters of a quota-transfer motion, checked when it is proposed: year, from, to, gpu_hours.

    The giver's balance must cover the hours now; it is checked again when the motion is adopted.
    """
    problems: list[Problem] = []
    checked: dict[str, object] = {
        "year": collect(problems, parse_year, effect.get("year"), "effect.year"),
        "from": collect(problems, member_code, uow, effect.get("from"), "effect.from"),
        "to": collect(problems, member_code, uow, effect.get("to"), "effect.to"),
        "gpu_hours": collect(problems, parse_gpu_hours, effect.get("gpu_hours"), "effect.gpu_hours", whole=True, positive=True),
    }
    if not problems:
        checked["gpu_hours"] //= REFERENCE_GPU_MS_PER_GPU_HOUR
    if not problems and checked["from"] == checked["to"]:
        problems.append(Problem("effect.to", "another member than the giver"))
    raise_if_any(problems)
    _year(uow, checked["year"], "effect.year")
    _open_ledger(uow, checked["year"])
    _covered(uow, checked)
    return checked


def _covered(uow: UnitOfWork, effect: Mapping[str, object]) -> tuple:
    """The amount and the giver's usable balance: its balance less its frozen credit, since
    frozen hours are not usable and giving them away would make them usable to another."""
    amount = int(effect["gpu_hours"]) * REFERENCE_GPU_MS_PER_GPU_HOUR
    year, giver = int(effect["year"]), str(effect["from"])
    frozen = credits_and_frozen(uow, year, [giver]).get(giver, (0, 0))[1]
    giver_balance = member_balance(uow, year, giver) - frozen
    if amount > giver_balance:
        raise Conflict(
            f"{giver} has {Decimal(giver_balance) / REFERENCE_GPU_MS_PER_GPU_HOUR:,.3f} usable GPU-hours left in "
            f"{year}" + (f" ({frozen // REFERENCE_GPU_MS_PER_GPU_HOUR:,} more are frozen)" if frozen else "")
            + f"; it cannot give {int(effect['gpu_hours']):,}"
        )
    return amount, giver_balance


def apply_quota_transfer(effect: Mapping[str, object], motion_id: int, *, actor: Actor, uow: UnitOfWork) -> None:
    """Move GPU-hours between members as the effect of an adopted motion, in the motion's transaction."""
    require(actor, Permission.MANAGE_COMPUTE)
    with uow:
        adopted = uow.session.execute(
            select(MotionEvent.id).where(MotionEvent.motion_id == motion_id, MotionEvent.event == "closed",
                                         MotionEvent.outcome == "adopted")
        ).first()
        if adopted is None:
            raise Conflict(f"motion #{motion_id} is not adopted; GPU-hours move only by an adopted motion")
        year = int(effect["year"])
        _open_ledger(uow, year)
        amount, giver_balance = _covered(uow, effect)
        for entry in transfer(str(effect["from"]), str(effect["to"]), amount, motion_id=str(motion_id),
                              giver_balance=giver_balance):
            uow.add(QuotaLedgerEntry(year=year, member_code=entry.member, kind=entry.kind.value, amount_ms=entry.amount,
                                     counterparty=entry.counterparty, motion_id=motion_id, journal_seq=0))
        uow.commit(actor=actor, kind="compute.transferred",
                   summary=f"Transferred {int(effect['gpu_hours']):,} GPU-hours of {year} from {effect['from']} "
                   f"to {effect['to']} (motion #{motion_id})")
