"""The demo's compute: capacity plans, quotas, projects, Slurm usage, a closing and a transfer.

Dated acts replayed through the officials' use cases after the finances, whose assessments
the quotas follow and whose board motions the plans cite. Each part is added only when it
is missing, so running the demo again changes nothing.

Decisions
- **Plans.** 100,000 GPUs a year in three pools (data/demo/gpu_pools.csv); each reserve
  cites the board motion of the June before that set it (data/demo/compute_reserves.csv).
- **Allocation in early January.** No member is suspended then (Slovenia's suspension
  begins in November 2026), so the `quota_suspension` policy, left at its default, changes
  no quota; the allocation's line says which members it froze or reduced, if any.
- **Usage.** One generated sacct export a year from one cluster, job ids rising across the
  years: 2025's taken on 8 January 2026, 2026's at the start of the demo's `today` (it holds
  the jobs submitted by then). Each is written to a file and ingested by `ingest_usage`, as
  `ledger ingest-usage` does. A year whose export's first charged job is stored is left as
  it is: a demo run on a later day does not catch up, like the finances. The exports are
  samples (tens of thousands of jobs, for a demo that loads in seconds), so utilisation is
  well under 1 % of the capacity.
- **Closing.** 2025 closes on 31 January 2026 under `quota_carry_over` "up to 10 %",
  set citing the December 2025 work programme, so 2026 shows carried-in hours.
- **Transfer.** A September 2026 board meeting adopts one quota-transfer motion.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from ledger.db.tables import UsageJob
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor
from ledger.domain.compute import EntryKind, gpu_hours
from ledger.domain.errors import Conflict
from ledger.domain.sacct_generator import ExportSpec, generate_runs, write_export
from ledger.queries.compute import compute_year, ledger_lines
from ledger.queries.contributions import settings_at
from ledger.queries.governance import MotionRow, list_motions
from ledger.services import compute
from ledger.demo.contributions import Event, demo_rows, replay
from ledger.demo.governance import WORK_PROGRAMME_SETTINGS, BoardDemo, MotionPlan
from ledger.services.usage import ingest_usage

CLUSTER = "aurora"
JOBS_PER_YEAR = 50_000
"""Jobs submitted in a year of the demo's exports."""

ALLOCATED_ON = {2025: date(2025, 1, 2), 2026: date(2026, 1, 5)}
"""The years the demo plans, and the day each one's quotas are allocated."""

CARRY_OVER_DECISION = "Work programme 2026"
"""The setting motion whose adoption sets the carry-over the closing follows."""
CARRY_OVER = WORK_PROGRAMME_SETTINGS[2026]["value"]

CLOSED_YEAR, CLOSED_ON = 2025, date(2026, 1, 31)

TRANSFER_MEETING, TRANSFER_DAY = "Board, September 2026", date(2026, 9, 17)
TRANSFER = {"year": 2026, "from": "FIN", "to": "EST", "gpu_hours": 2_000_000}
TRANSFER_TITLE = "GPU-hours of 2026 from Finland to Estonia"


def usage_exports(folder: Path, today: date) -> list[ExportSpec]:
    """The demo's sacct exports, one a year begun by `today`: all projects' accounts, the pools' GPU types."""
    accounts = tuple(row["account"] for row in demo_rows(folder, "projects.csv"))
    gpu_types = tuple(dict.fromkeys(row["type"] for row in demo_rows(folder, "gpu_pools.csv")))
    taken = datetime.combine(today, time())
    exports = []
    for index, year in enumerate(ALLOCATED_ON):
        spec = ExportSpec(accounts, year, gpu_types, JOBS_PER_YEAR, seed=year, cluster=CLUSTER,
                          first_job_id=1_000_001 + index * JOBS_PER_YEAR)
        if date(year, 1, 1) < today:
            exports.append(replace(spec, taken_at=taken) if taken < spec.as_of else spec)
    return exports


def _ingested(connection: Connection, spec: ExportSpec) -> bool:
    """Whether the export's first charged job is stored (job ids are unique per cluster)."""
    first = next(run for run in generate_runs(spec) if run.start is not None and run.gpus)
    found = connection.execute(
        select(UsageJob.id).where(UsageJob.cluster == spec.cluster, UsageJob.job_id == first.job_id).limit(1)
    ).first()
    return found is not None


def _adopted(motions: dict[str, MotionRow], title: str) -> MotionRow:
    motion = motions.get(title)
    if motion is None or motion.outcome != "adopted":
        raise Conflict(f"the demo's compute cites the board motion {title!r}, which is not adopted in this ledger")
    return motion


class ComputeDemo:
    """Builds the timeline of the demo's compute from what is missing and replays it."""

    def __init__(self, engine: Engine, actor: Actor, folder: Path, today: date, say: Callable[[str], None]):
        self.engine = engine
        self.actor = actor
        self.folder = folder
        self.today = today
        self.say = say
        self.board = BoardDemo(engine, actor, today)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def events(self) -> list[Event]:
        exports = usage_exports(self.folder, self.today)
        with self.engine.connect() as connection:
            years = {year: compute_year(connection, year) for year in ALLOCATED_ON}
            accounts = set(compute.account_timelines(connection))
            motions = {row.title: row for row in list_motions(connection)}
            pending = [spec for spec in exports if not _ingested(connection, spec)]
        events = []
        for year, day in ALLOCATED_ON.items():
            if years[year] is None:
                events.append(Event(date(year - 1, 12, 16), 1, lambda y=year: self.record_plan(y, motions)))
            if years[year] is None or not years[year].allocated:
                events.append(Event(day, 2, lambda y=year, d=day: self.allocate(y, d)))
        projects = [row for row in demo_rows(self.folder, "projects.csv") if row["account"].lower() not in accounts]
        if projects:
            events.append(Event(date(2025, 1, 6), 3, lambda: self.register(projects)))
        events += [Event(spec.as_of.date(), 4, lambda s=spec: self.ingest(s)) for spec in pending]
        if years[CLOSED_YEAR] is None or not years[CLOSED_YEAR].closed:
            events.append(Event(CLOSED_ON, 5, self.close))
        if TRANSFER_TITLE not in motions:
            events.append(Event(TRANSFER_DAY, 6, self.transfer))
        return events

    def run(self) -> int:
        """Replay what is missing, saying a line as each act is done; return the acts replayed."""
        return replay(self.events(), self.today)

    def record_plan(self, year: int, motions: dict[str, MotionRow]) -> None:
        pools = [row for row in demo_rows(self.folder, "gpu_pools.csv") if row["year"] == str(year)]
        reserves = [row for row in demo_rows(self.folder, "compute_reserves.csv") if row["year"] == str(year)]
        decision = "; ".join(
            f"{motion.meeting_title}, motion #{motion.id} {motion.title!r} ({row['name']} {row['percent']} %)"
            for row, motion in ((row, _adopted(motions, row["motion"])) for row in reserves)
        )
        compute.record_compute_plan(year, pools, {row["name"]: row["percent"] for row in reserves}, decision,
                                    actor=self.actor, uow=self.uow())
        with self.engine.connect() as connection:
            plan = compute_year(connection, year)
        self.say(f"Compute {year}: {plan.gpus:,} GPUs in {len(plan.pools)} pools, "
                         f"{plan.capacity_gpu_hours:,} reference GPU-hours ({decision}).")

    def allocate(self, year: int, day: date) -> None:
        members = compute.allocate_quotas(year, day, today=self.today, actor=self.actor, uow=self.uow())
        with self.engine.connect() as connection:
            plan = compute_year(connection, year)
            policy = settings_at(connection).quota_suspension.kind
            # Only a frozen or reduced quota's credit line gives a reason.
            touched = [line.member for line in ledger_lines(connection, year, (EntryKind.CREDIT,)) if line.member and line.reason]
        self.say(
            f"Quotas {year}: allocated on {day} to {members} members, {plan.reserved_gpu_hours:,} GPU-hours to reserves; "
            + (f"quota_suspension ({policy}) applied to {', '.join(touched)}." if touched
               else f"quota_suspension ({policy}) froze or reduced no quota.")
        )

    def register(self, projects: list[dict[str, str]]) -> None:
        """Import the projects as `ledger projects import` does: accounts named as real sites name them."""
        registered, added = compute.import_projects(projects, actor=self.actor, uow=self.uow())
        self.say(
            f"Projects: {registered} registered with {registered + added} Slurm accounts "
            f"for {len({row['member'] for row in projects})} members "
            f"at levels {', '.join(sorted({row['safety_level'] for row in projects}))}."
        )

    def ingest(self, spec: ExportSpec) -> None:
        """Write the export to a file and ingest the file, as `ledger ingest-usage` does."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{spec.cluster}-{spec.year}.sacct"
            with open(path, "w", encoding="utf-8") as export:
                lines = write_export(spec, export)
            with open(path, encoding="utf-8") as export:
                summary = ingest_usage(export, as_of=spec.as_of.replace(tzinfo=UTC), actor=self.actor, engine=self.engine)
        self.say(
            f"Usage {spec.year}: a sacct export of {lines:,} lines taken {spec.as_of:%Y-%m-%d %H:%M} UTC, "
            f"{summary.ingested:,} jobs ingested, {gpu_hours(summary.reference_gpu_ms):,} reference GPU-hours, "
            f"{summary.bad_rows:,} bad rows."
        )

    def close(self) -> None:
        with self.engine.connect() as connection:
            rule = settings_at(connection).quota_carry_over
        if rule != CARRY_OVER:
            raise Conflict(f"the demo closes {CLOSED_YEAR} under quota_carry_over {CARRY_OVER}, which the adopted motion "
                           f"{CARRY_OVER_DECISION!r} sets; this ledger has {rule}")
        compute.close_compute_year(CLOSED_YEAR, CLOSED_ON, today=self.today, actor=self.actor, uow=self.uow())
        with self.engine.connect() as connection:
            closed = compute_year(connection, CLOSED_YEAR)
        carried = sum(member.carried_out_ms for member in closed.members)
        self.say(f"Compute {CLOSED_YEAR} closed on {CLOSED_ON} under quota_carry_over {CARRY_OVER}: "
                         f"{gpu_hours(-carried):,} GPU-hours carried into {CLOSED_YEAR + 1}.")

    def transfer(self) -> None:
        hours = TRANSFER["gpu_hours"]
        self.board.meeting(TRANSFER_MEETING, TRANSFER_DAY, [MotionPlan(
            TRANSFER_TITLE,
            f"Finland gives {hours:,} GPU-hours of its 2026 quota to Estonia for the joint Nordic-Baltic weather model.",
            "quota_transfer", "simple_majority", "equal", "roll_call", TRANSFER, 90,
        )])
        with self.engine.connect() as connection:
            outcome = next(row.outcome for row in list_motions(connection, TRANSFER_DAY.year) if row.title == TRANSFER_TITLE)
        self.say(f"{TRANSFER_MEETING}: the board {outcome} the transfer of {hours:,} GPU-hours of "
                         f"{TRANSFER['year']} from {TRANSFER['from']} to {TRANSFER['to']}.")
