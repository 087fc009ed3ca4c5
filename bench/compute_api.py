"""The public compute API over HTTP with 10,000,000 usage rows, on SQLite and PostgreSQL.

    .venv/bin/python bench/compute_api.py [--rows 10000000] [--requests 300] [--quick]
                                          [--postgres URL] [--skip-sqlite] [--skip-postgres]

`--quick` is a check in seconds: 100,000 rows and 100 requests.

Each database is fresh (PostgreSQL: created and dropped here) and gets, through the use
cases, 20 members with 200 projects (bench/ingest.py's), their 2025 assessments, a 2025
capacity plan of 100,000 GPUs in three pools and allocated quotas. Usage is then
bulk-generated rather than ingested, to reach 10 million rows in minutes: the project's
export generator (`generate_runs`) gives the jobs, each run that started with GPUs becomes one
`usage_job` row, and every `BATCH_ROWS` rows get the `usage_month` rows the ingestion would
append for that batch (one per project and month touched, jobs split at month ends), both
written with `ledger.db.bulk` (binary COPY on PostgreSQL). What this skips is what the
ingestion adds on top (deduplication, digests, one journal entry per batch), none of which
a public request reads. Both databases are filled from the same generated batches; then,
as autovacuum would after a bulk load, PostgreSQL is vacuumed and both are analysed.

Measured from a local server over HTTP (bench/reports.py's `api_latencies`), p50 and p95 of
`--requests` GETs of GET /api/v1/years/2025/compute, its monthly use for all members and for
the largest member: with the journal-head cache, and with a cache that keeps nothing, so
every request runs the queries. Goal: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from bench.ingest import ACCOUNTS, FACTORS, MEMBERS, POSTGRES, Database, register_accounts
from bench.reports import api_latencies, percentiles
from ledger.db.bulk import bulk_insert
from ledger.db.tables import Project, UsageJob, UsageMonth
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.compute import reference_gpu_ms_per_second
from ledger.domain.sacct_times import split_by_month
from ledger.domain.sacct_generator import ExportSpec, generate_runs
from ledger.queries.journal import head
from ledger.services import compute
from ledger.services import contributions
from ledger.services.usage import BATCH_ROWS

ACTOR = system_actor("bench")
YEAR = 2025
TODAY = date(2026, 1, 15)
POOLS = [
    {"type": "h100", "count": "50000", "availability": "0.95", "factor": str(FACTORS["h100"])},
    {"type": "a100", "count": "30000", "availability": "0.95", "factor": str(FACTORS["a100"])},
    {"type": "mi300x", "count": "20000", "availability": "0.95", "factor": str(FACTORS["mi300x"])},
]
RESERVES = {"open_calls": "10", "safety_labs": "5"}
STORED_RUNS = 0.955
"""Share of generated runs that become usage rows (the rest never started or hold no GPU)."""
QUICK_ROWS, QUICK_REQUESTS = 100_000, 100

_JOB_COLUMNS = tuple(column.name for column in UsageJob.__table__.columns)
_MONTH_COLUMNS = tuple(column.name for column in UsageMonth.__table__.columns)


def build_ledger(engine) -> None:
    """Members, projects, assessed 2025, a capacity plan and allocated quotas, through the use cases."""
    register_accounts(engine)
    incomes = {code: str(100 + 7 * index) for index, code in enumerate(MEMBERS)}
    proposal = contributions.propose_scale(YEAR, YEAR, incomes, ceiling="", floor="", precision="0.001", associate_factor="10",
                                     uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="bench incomes", decision="bench", adopted_on=f"{YEAR - 1}-11-01",
                        today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    contributions.open_year(YEAR, f"{YEAR}-03-31", "2400000000.00", actor=ACTOR, uow=UnitOfWork(engine))
    contributions.adopt_budget(YEAR, "bench", f"{YEAR - 1}-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    compute.record_compute_plan(YEAR, POOLS, RESERVES, "bench", actor=ACTOR, uow=UnitOfWork(engine))
    compute.allocate_quotas(YEAR, f"{YEAR}-01-02", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))


def usage_batches(rows: int, projects: dict[str, tuple[int, str]], journal_seq: int):
    """`rows` usage_job rows from generated runs, in batches, each with its usage_month rows.

    Yields (job rows, month rows) as plain tuples in table column order; ids count from 1.
    """
    spec = ExportSpec(accounts=ACCOUNTS, year=YEAR, gpu_types=tuple(FACTORS), jobs=int(rows / STORED_RUNS) + 100, seed=YEAR)
    as_of = spec.as_of.replace(tzinfo=UTC)
    per_second = {gpu_type: reference_gpu_ms_per_second(factor) for gpu_type, factor in FACTORS.items()}
    untyped = reference_gpu_ms_per_second(Decimal(1))  # a run naming no GPU type counts at factor 1
    member_of = {project_id: member for project_id, member in projects.values()}
    jobs: list[tuple] = []
    months: Counter = Counter()
    job_id = month_id = 0
    for run in generate_runs(spec):
        if run.start is None or run.gpus == 0:
            continue
        project_id, _ = projects[run.account]
        start = run.start.replace(tzinfo=UTC)
        end = as_of if run.end is None else run.end.replace(tzinfo=UTC)
        usage = run.gpus * per_second.get(run.gpu_type, untyped) * int((end - start).total_seconds())
        job_id += 1
        jobs.append((
            job_id, spec.cluster, run.job_id, run.submit.replace(tzinfo=UTC), 0, None, run.account, project_id,
            run.state.partition(" ")[0], start, end, run.gpus, usage, run.end is None, job_id + 1, journal_seq,
        ))
        for month, part in split_by_month(start, end, usage):
            months[(project_id, int(month[:4]), int(month[5:]))] += part
        if len(jobs) == BATCH_ROWS or job_id == rows:
            month_rows = []
            for (project_id, year, month), delta in sorted(months.items()):
                month_id += 1
                month_rows.append((month_id, year, month, member_of[project_id], project_id, delta, journal_seq))
            yield jobs, month_rows
            jobs, months = [], Counter()
            if job_id == rows:
                return
    raise SystemExit(f"the generator gave only {job_id:,} usage rows; lower STORED_RUNS")


def load_usage(databases: dict[str, Database], rows: int) -> tuple[int, int]:
    """Fill every database from the same generated batches; return (job rows, month rows)."""
    any_engine = next(iter(databases.values())).engine
    with any_engine.connect() as connection:
        projects = {account: (project_id, member) for project_id, account, member in connection.execute(
            select(Project.__table__.c.id, Project.__table__.c.account, Project.__table__.c.member_code))}
        seq = head(connection).seq  # the rows cite the allocation's entry: no entry of their own
    job_rows = month_rows = 0
    started = time.perf_counter()
    for jobs, months in usage_batches(rows, projects, seq):
        for database in databases.values():
            with database.engine.begin() as connection:
                bulk_insert(connection, UsageJob.__table__, _JOB_COLUMNS, jobs)
                bulk_insert(connection, UsageMonth.__table__, _MONTH_COLUMNS, months)
        job_rows += len(jobs)
        month_rows += len(months)
        if job_rows % 1_000_000 < BATCH_ROWS:
            print(f"  {job_rows:,} usage rows loaded in {time.perf_counter() - started:.0f} s", flush=True)
    for backend, database in databases.items():
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if backend == "postgresql":
                connection.execute(text("VACUUM ANALYZE usage_job"))
                connection.execute(text("VACUUM ANALYZE usage_month"))
            else:
                connection.execute(text("ANALYZE"))
    return job_rows, month_rows


def measure(label: str, database: Database, requests: int) -> None:
    with database.engine.connect() as connection:
        largest = connection.execute(
            select(UsageMonth.__table__.c.member_code).where(UsageMonth.__table__.c.year == YEAR)
            .group_by(UsageMonth.__table__.c.member_code).order_by(func.sum(UsageMonth.__table__.c.delta_ms).desc()).limit(1)
        ).scalar_one()
    paths = (f"/api/v1/years/{YEAR}/compute", f"/api/v1/years/{YEAR}/compute/monthly",
             f"/api/v1/years/{YEAR}/compute/monthly?member={largest}")
    for path in paths:
        for cached in (True, False):
            times = api_latencies(database.engine, database.url, path, requests, cached=cached)
            how = "cached by journal head" if cached else "computed every time"
            print(f"{label}: GET {path} x {requests} ({how}): {percentiles(times)}", flush=True)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="usage_job rows to load")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows and {QUICK_REQUESTS} requests")
    parser.add_argument("--postgres", default=POSTGRES, help="server URL; a database is created and dropped on it")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    rows, requests = (QUICK_ROWS, QUICK_REQUESTS) if arguments.quick else (arguments.rows, arguments.requests)
    backends = [name for name, skip in (("sqlite", arguments.skip_sqlite), ("postgresql", arguments.skip_postgres)) if not skip]

    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as directory:
        databases: dict[str, Database] = {}
        try:
            for backend in backends:
                databases[backend] = Database(backend, Path(directory), arguments.postgres)
                build_ledger(databases[backend].engine)
                # one request before the long load, so a route that cannot answer fails in seconds
                api_latencies(databases[backend].engine, databases[backend].url, f"/api/v1/years/{YEAR}/compute", 1, cached=True)
            started = time.perf_counter()
            job_rows, month_rows = load_usage(databases, rows)
            print(f"loaded {job_rows:,} usage_job rows and {month_rows:,} usage_month rows into "
                  f"{', '.join(backends)} in {time.perf_counter() - started:.0f} s", flush=True)
            for backend, database in databases.items():
                measure(backend, database, requests)
        finally:
            for database in databases.values():
                database.close()


if __name__ == "__main__":
    main()
