"""Usage ingestion on a generated 1,000,000-line sacct export, against a raw bulk insert.

    .venv/bin/python bench/ingest.py [--lines 1000000] [--workers N] [--postgres URL] [--skip-sqlite] [--skip-postgres]
    .venv/bin/python bench/ingest.py --growth 1000000,4000000,20000000 [--skip-sqlite]

Each figure is printed beside its baseline from the same run (the raw bulk insert of the
same rows) and beside the target of issue 10 (PostgreSQL: 150,000 stored job rows/s and 0.5
of a raw COPY; SQLite: 80,000 rows/s; peak memory under 300 MB). `--growth` ingests
exports of each size into one fresh database per size and prints rows/s per size, so a
slowdown with size shows (`--workers` worker processes parse; 0, the default, parses in the ingesting one).

The export is written to a temporary file first with the project's generator, so the
figures cover reading and parsing the file, deduplicating, rolling up by month, digesting,
writing and journaling. Each database is fresh (PostgreSQL: created and dropped here);
members and projects are registered through the use cases. Beside each ingestion, the
same parsed rows are bulk-inserted raw into another fresh database by the same
`ledger.db.bulk` call (binary COPY on PostgreSQL, executemany on SQLite), parsed beforehand
so only the insert is timed, and the ratio of the two is printed: ingestion rows/s ÷ raw
rows/s over the same stored rows, i.e. raw seconds ÷ ingestion seconds. Peak memory is
the process's ru_maxrss after the ingestions, taken before the raw runs load their rows.
A second ingestion of the same file and `verify_ledger` are timed too.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.db import partitions
from ledger.db.bulk import bulk_insert
from ledger.db.engine import make_engine
from ledger.db.schema import upgrade
from ledger.db.tables import UsageJob
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.sacct import ParsedRow, parse_rows
from ledger.domain.sacct_generator import ExportSpec, write_export
from ledger.services.compute import register_project
from ledger.services.members import admit_member
from ledger.services.usage import ingest_usage
from ledger.services.verification import verify_ledger

FACTORS = {"h100": Decimal("2.5"), "a100": Decimal("1"), "mi300x": Decimal("1.875")}
MEMBERS = ("DEU", "FRA", "ITA", "ESP", "NLD", "BEL", "CHE", "AUT", "SWE", "NOR",
           "FIN", "DNK", "POL", "CZE", "PRT", "GRC", "IRL", "CAN", "JPN", "KOR")
ACCOUNTS = tuple(f"{code.lower()}-project-{index:02d}" for code in MEMBERS for index in range(10))
# About 1.9 lines per job (steps, requeues); a few more jobs than needed, cut at --lines.
JOBS_PER_LINE = 0.56
ACTOR = system_actor("bench")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def spec_for(lines: int) -> ExportSpec:
    return ExportSpec(accounts=ACCOUNTS, year=2025, gpu_types=tuple(FACTORS), jobs=int(lines * JOBS_PER_LINE) + 100, seed=2025)


TARGET_ROWS_PER_SECOND = {"sqlite": 80_000, "postgresql": 150_000}
TARGET_RAW_RATIO = {"postgresql": 0.5}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def growth(sizes: list[int], arguments) -> None:
    """rows/s of ingestion at each size, one fresh database per size and backend."""
    backends = [name for name, skip in (("sqlite", arguments.skip_sqlite), ("postgresql", arguments.skip_postgres)) if not skip]
    print(f"workers: {arguments.workers}")
    print(f"{'lines':>12} {'backend':>10} {'rows':>12} {'seconds':>9} {'rows/s':>9} {'target':>9} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as directory:
        for size in sizes:
            spec = spec_for(size)
            path = str(Path(directory) / f"export-{size}.sacct")
            with open(path, "w", encoding="utf-8") as export:
                write_export(spec, export)
            for backend in backends:
                database = Database(backend, Path(directory), arguments.postgres)
                try:
                    register_accounts(database.engine)
                    seconds, summary = ingest(database.engine, path, spec, size)
                finally:
                    database.close()
                print(f"{size:>12,} {backend:>10} {summary.ingested:>12,} {seconds:>9.1f} {summary.ingested / seconds:>9,.0f} "
                      f"{TARGET_ROWS_PER_SECOND[backend]:>9,} {max(peak_mb(), children_peak_mb()):>8.0f}", flush=True)
            Path(path).unlink()


class Database:
    """A fresh, migrated database on SQLite (a temporary file) or PostgreSQL (dropped after)."""

    def __init__(self, backend: str, directory: Path, postgres: str):
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{directory / f'bench-{uuid.uuid4().hex[:8]}.sqlite'}"
            self.admin = None
        else:
            self.admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
            self.name = f"ledger_bench_{uuid.uuid4().hex[:8]}"
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = make_url(postgres).set(database=self.name).render_as_string(hide_password=False)
        self.engine = make_engine(self.url)
        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        if self.admin is not None:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


def on_each_database(postgres: str, run: Callable[[str, Database], None]) -> None:
    """`run(label, database)` on a fresh SQLite database, then on a fresh PostgreSQL one where
    the server can be reached (said so where not), each closed after its run."""
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as directory:
        for backend, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
            try:
                database = Database(backend, Path(directory), postgres)
            except Exception as error:  # no server (or no driver): report it and stop there
                if backend == "sqlite":
                    raise
                print(f"{label}: skipped ({error.__class__.__name__}: {error})")
                return
            try:
                run(label, database)
            finally:
                database.close()


def register_accounts(engine) -> None:
    for code in MEMBERS:
        admit_member(code, None, "member", "2022-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    for account in ACCOUNTS:
        register_project(account[:3].upper(), f"Bench project {account}", account, "SL-2", actor=ACTOR, uow=UnitOfWork(engine))


WORKERS = [1]


def ingest(engine, path: str, spec: ExportSpec, lines: int):
    with open(path, encoding="utf-8", errors="replace") as export:
        began = time.perf_counter()
        summary = ingest_usage(
            itertools.islice(export, lines), gpu_factors=FACTORS, as_of=spec.as_of.replace(tzinfo=UTC),
            actor=ACTOR, engine=engine, workers=WORKERS[0],
        )
        return time.perf_counter() - began, summary


def usage_rows(export, spec: ExportSpec, lines: int):
    """The rows the ingestion stores, as plain usage_job tuples: no dedup, rollup or journal."""
    results = parse_rows(itertools.islice(export, lines), default_cluster=None, gpu_factors=FACTORS,
                         as_of=spec.as_of.replace(tzinfo=UTC))
    project = {account: index for index, account in enumerate(ACCOUNTS, start=1)}
    return (
        (row_id, r.cluster, int(r.job_id), r.submit, 0, None, r.account, project[r.account], r.state,
         r.start, r.end, r.gpus, r.reference_gpu_ms, r.provisional, r.line, 1)
        for row_id, r in enumerate((r for r in results if type(r) is ParsedRow), start=1)
    )


def raw_insert(engine, rows) -> float:
    """Seconds to bulk-insert `rows` in one transaction (a list: the insert alone; a generator
    reading the file: the simplest possible loader)."""
    columns = tuple(column.name for column in UsageJob.__table__.columns)
    with engine.connect() as connection:
        with connection.begin():  # the monthly partitions the rows need (PostgreSQL), made before timing
            partitions.ensure(connection, "usage_job", [(2024, 12)] + [(2025, month) for month in range(1, 13)] + [(2026, 1)], set())
        began = time.perf_counter()
        with connection.begin():
            bulk_insert(connection, UsageJob.__table__, columns, rows)
        return time.perf_counter() - began


def loader_seconds(engine, path: str, spec: ExportSpec, lines: int) -> float:
    with open(path, encoding="utf-8") as export:
        return raw_insert(engine, usage_rows(export, spec, lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=POSTGRES, help="server URL; a database is created and dropped on it")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes parsing (default 0: none, as `ledger ingest-usage`; on 2 shared cores "
                             "one worker halved the ratio to raw COPY, 0.16 against 0.27)")
    parser.add_argument("--growth", default=None, metavar="N,N,...", help="line counts to ingest, one fresh database each")
    arguments = parser.parse_args()
    WORKERS[0] = arguments.workers
    if arguments.growth:
        growth([int(n) for n in arguments.growth.split(",")], arguments)
        return
    backends = [name for name, skip in (("sqlite", arguments.skip_sqlite), ("postgresql", arguments.skip_postgres)) if not skip]
    spec = spec_for(arguments.lines)

    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as directory:
        path = str(Path(directory) / "export.sacct")
        began = time.perf_counter()
        with open(path, "w", encoding="utf-8") as export:
            written = write_export(spec, export)
        print(f"export: {written:,} lines generated in {time.perf_counter() - began:.1f} s; "
              f"ingesting the first {arguments.lines:,}", flush=True)
        if written < arguments.lines:
            raise SystemExit(f"the export has only {written:,} lines; raise JOBS_PER_LINE")

        results = {}
        for backend in backends:
            database = Database(backend, Path(directory), arguments.postgres)
            try:
                register_accounts(database.engine)
                seconds, summary = ingest(database.engine, path, spec, arguments.lines)
                again, repeat = ingest(database.engine, path, spec, arguments.lines)
                began = time.perf_counter()
                report = verify_ledger(database.engine)
                verify_seconds = time.perf_counter() - began
            finally:
                database.close()
            assert repeat.ingested == 0 and repeat.duplicates == summary.ingested, repeat
            assert report.ok, report.problems[:3]
            results[backend] = (seconds, summary, again, verify_seconds, report)
            print(f"{backend}: ingested {summary.ingested:,} job rows from {summary.rows_read:,} lines in {seconds:.2f} s "
                  f"({len(summary.entries)} journal entries); peak so far {peak_mb():.0f} MB", flush=True)
        peak = peak_mb()

        with open(path, encoding="utf-8") as export:
            rows = list(usage_rows(export, spec, arguments.lines))
        print(f"\nworkers: {arguments.workers}")
        print(f"{'':10} {'lines/s':>9} {'rows/s':>9} {'target':>9} | {'raw rows/s':>10} {'ratio':>6} {'target':>6} | {'loader':>9} {'ratio':>6} | {'again':>6} {'verify':>6}")
        for backend in backends:
            seconds, summary, again, verify_seconds, report = results[backend]
            assert len(rows) == summary.ingested, (len(rows), summary.ingested)
            timings = []
            for load in (lambda engine: raw_insert(engine, rows), lambda engine: loader_seconds(engine, path, spec, arguments.lines)):
                database = Database(backend, Path(directory), arguments.postgres)
                try:
                    timings.append(load(database.engine))
                finally:
                    database.close()
            raw_seconds, loader = timings
            rows_per_second = summary.ingested / seconds
            target = TARGET_ROWS_PER_SECOND[backend]
            print(
                f"{backend:10} {summary.rows_read / seconds:>9,.0f} {rows_per_second:>9,.0f} {target:>9,} | "
                f"{len(rows) / raw_seconds:>10,.0f} {raw_seconds / seconds:>6.2f} "
                f"{TARGET_RAW_RATIO.get(backend, ''):>6} | "
                f"{len(rows) / loader:>9,.0f} {loader / seconds:>6.2f} | {again:>5.1f}s {verify_seconds:>5.1f}s"
            )
        print(
            f"\nlines/s: export lines read per second of ingestion; rows/s: job rows stored per second of the "
            f"same run. raw: the same {len(rows):,} rows, parsed beforehand, bulk-inserted alone; ratio = ingestion "
            "rows/s / raw rows/s. loader: parse the file and bulk-insert its rows, nothing else (no dedup, rollup, "
            "digest or journal); ratio likewise. again: the same file ingested a second time (all duplicates); "
            "verify: `ledger verify` of the whole ledger.\n"
            f"peak memory during the ingestions: {peak:.0f} MB in the ingesting process, {children_peak_mb():.0f} MB in "
            f"the largest worker (ru_maxrss; target under 300 MB)"
        )


if __name__ == "__main__":
    main()
