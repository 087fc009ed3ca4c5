"""Usage ingestion: Slurm sacct exports streamed into the usage ledger in journaled batches.

Long because the decisions below are stated beside the one pipeline they govern, and its stages
(parse in workers, charge each row to its project, write behind in batches) share one tally.

`ingest_usage` reads an export once, line by line, and never holds it: the parser
(`ledger.domain.sacct`) yields one row at a time, accepted rows are gathered into chunks of
`BATCH_ROWS`, and a writer thread writes and commits each chunk while the next one is read,
so at most two chunks are alive and memory stays flat whatever the file's size (about
200 MB at its peak for a million lines).

Decisions
- **One journal entry per batch, by digest.** A batch writes up to 50,000 usage_job rows,
  too many to list in an entry. Its entry records, for usage_job, the row count, the id
  range, the total reference GPU-milliseconds and a SHA-256 over the rows' canonical lines
  (`UsageJob.digest_line`), plus the first and last line of the export it covers. The
  usage_month rows of the batch (one per project and month changed) are few and are listed
  in full, so the published journal alone gives every month's usage. `ledger verify`
  recomputes each batch's digest from the table in one streamed pass and names the entry
  when a row was changed, deleted or inserted.
- **Running jobs are superseded, never overwritten.** A RUNNING (or SUSPENDED) row counts its
  ElapsedRaw from Start (what it had run when sacct was asked) and is flagged provisional. When a later export brings the
  same (cluster, JobIDRaw, Submit) finished, or still running but longer, a new row is
  appended with the next revision and `supersedes_id`, and the batch's usage_month rows
  carry the difference, so the job counts once. A separate, replaced table of running jobs
  was rejected: replacing means deleting, and the ledger never deletes.
- **Deduplication lives in the database.** Each batch looks up the keys it holds (one
  index probe when the batch's job ids are all new) under the journal lock, and a dict of
  the batch's own keys catches repeats within it. A key already stored finished, or stored
  running up to the same or a later end, is a duplicate: ingesting the same file twice, or
  the same jobs in another layout, changes nothing and journals nothing.
- **--strict is one transaction.** The file is still read once (so it may be a pipe): every
  chunk is written inside one transaction with one journal entry, and the first bad row
  rolls all of it back. The journal lock is held until the end, so other writers wait;
  without --strict each batch commits on its own, and re-running an interrupted ingestion
  simply skips what was stored.
- **Bulk writes** go through `ledger.db.bulk`: binary COPY on PostgreSQL, executemany on
  SQLite. Ids are assigned here, under the journal lock, so a batch's ids run without a gap.
- **Speed.** Python's work per row is the limit, not the database: parsing, deduplication,
  the month split and the digest line all hold the GIL. The writer thread overlaps the
  database's share (COPY, index upkeep, commit) with parsing, and the cycle collector is
  paused for the run. Measured CPU of this process per 100,000 stored rows (200,000 lines of
  bench/ingest.py's export): parsing 0.4 s, accepting rows with the reconciliation 0.35 s,
  the writer 0.6 s on PostgreSQL and 1.3 s on SQLite (whose insert runs in this process).
  See bench/ingest.py for the figures.
- **Accounts** are resolved by the job's start on each account's timeline of charges
  (`ledger.services.compute.account_timelines`): the member and project a usage_month row
  carries are those in force when the job started, and a replaced running row gives back to
  the member it was charged to.
- **Months** are those of the `reporting_time_zone` setting (UTC by default); clusters'
  local times are read in their `cluster_time_zones` (see `ledger.domain.sacct`).
- **Dry run** reads and checks the whole file and builds the reconciliation report
  (`ledger.domain.reconciliation`) without a transaction: nothing is stored or journaled.
- **GPU factors** come from the capacity plans: each GPU type has one normalisation factor
  in every plan (`ledger.services.compute`). Untyped ``gres/gpu=N`` always counts at
  factor 1, and a type no plan records is reported on its line and kept out of the totals.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import ARRAY, BigInteger, Connection, Engine, bindparam, func, literal_column, select

from ledger.db import partitions
from ledger.db.bulk import bulk_insert
from ledger.db.journal import record_of
from ledger.db.tables import UsageJob, UsageMonth
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.compute import gpu_hours
from ledger.domain.errors import Problem, ValidationFailed
from ledger.domain.journal import TableDigest
from ledger.domain.compute import AccountCharge, charge_at
from ledger.services.compute import account_timelines, gpu_factors
from ledger.domain.reconciliation import Reconciliation, ReconciliationLine
from ledger.domain.sacct import SKIP_REASONS, Layout, RowProblem, open_export, parse_block, unpack_block
from ledger.domain.sacct_header import DEFAULT_DELIMITER
from ledger.domain.sacct_times import split_by_month, time_zone
from ledger.queries.contributions import settings_at

BATCH_ROWS = 50_000
"""Accepted rows per batch: one transaction and one journal entry each."""

MAX_PROBLEMS = 1_000
"""Bad rows reported in full; any more are counted by reason only (memory stays flat)."""

MAX_LINES_PER_ACCOUNT = 20
"""Line numbers kept per unknown account."""

MAX_UNKNOWN_ACCOUNTS = 1_000
"""Unknown accounts listed by name; rows of any more are counted with the others."""

BLOCK_LINES = 20_000
"""Lines a worker process parses at a time."""

PROGRESS_EVERY = 8_192
"""Lines read between two calls of the progress callback."""

_JOB = UsageJob.__table__
_MONTH = UsageMonth.__table__
_JOB_COLUMNS = tuple(column.name for column in _JOB.columns)
_MONTH_COLUMNS = tuple(column.name for column in _MONTH.columns)
_CLUSTER_MAX = _JOB.c.cluster.type.length
_IN_LIST_SIZE = 10_000  # ids per IN list, well inside SQLite's limit of bound parameters


class IngestRefused(ValidationFailed):
    """The export was refused as a whole: its header, its settings or, with --strict, a bad
    row. Nothing was stored."""


@dataclass(frozen=True, slots=True)
class UnknownAccount:
    """A Slurm account in the export that no registered project has.

    rows: how many rows named it (all kept out of the totals).
    lines: the first `MAX_LINES_PER_ACCOUNT` of their line numbers.
    """

    account: str
    rows: int
    lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What an ingestion did.

    rows_read: non-blank lines after the header.
    ingested: usage_job rows stored (new jobs and replacements of running ones).
    duplicates: rows already stored (or superseded by a later record), left out.
    replaced_running: rows that superseded a running job's provisional row.
    skipped: rows left out by design, by reason (pending, job_step, never_started, no_gpus).
    problem_counts: bad rows by reason (unknown_state, unknown_account, bad_time, ...).
    problems: the first `MAX_PROBLEMS` bad rows, each with its line number, but for
        unknown accounts, which are listed in `unknown_accounts` instead.
    unknown_accounts: accounts no project has, with the lines that named them.
    reference_gpu_ms: net usage added to the monthly rollup.
    entries: the journal entries written, one per batch.
    reconciliation: the export's charged rows per cluster and month, by state and by account
        (`ledger.domain.reconciliation`), rows of unknown accounts included.
    dry_run: True when nothing was stored (`ingest_usage(dry_run=True)`).
    """

    rows_read: int
    ingested: int
    duplicates: int
    replaced_running: int
    skipped: tuple[tuple[str, int], ...]
    problem_counts: tuple[tuple[str, int], ...]
    problems: tuple[RowProblem, ...]
    unknown_accounts: tuple[UnknownAccount, ...]
    reference_gpu_ms: int
    entries: tuple[int, ...]
    reconciliation: tuple[ReconciliationLine, ...] = ()
    dry_run: bool = False

    @property
    def bad_rows(self) -> int:
        return sum(count for _, count in self.problem_counts)

    def report_lines(self, limit: int = 50) -> list[str]:
        """The summary as a person reads it, one fact a line; at most `limit` unknown accounts
        and `limit` other problems are listed (all are counted)."""
        lines = [f"Rows read: {self.rows_read:,}"]
        if self.dry_run:
            lines.append("Dry run: nothing was stored or journaled")
        else:
            lines += [
                f"Ingested: {self.ingested:,} ({self.replaced_running:,} replaced running jobs)",
                f"Duplicates: {self.duplicates:,}",
            ]
        lines += [
            "Skipped: " + (", ".join(f"{reason} {count:,}" for reason, count in self.skipped) or "none"),
            "Problems: " + (", ".join(f"{reason} {count:,}" for reason, count in self.problem_counts) or "none"),
        ]
        if not self.dry_run:
            lines.append(f"Usage added: {gpu_hours(self.reference_gpu_ms):,} reference GPU-hours "
                         f"in {len(self.entries)} journal entr{'y' if len(self.entries) == 1 else 'ies'}")
        for unknown in self.unknown_accounts[:limit]:
            more = ", ..." if unknown.rows > len(unknown.lines) else ""
            lines.append(
                f"  unknown account {unknown.account!r}: {unknown.rows:,} rows, lines "
                f"{', '.join(map(str, unknown.lines))}{more}; register it with `ledger projects add`"
            )
        unknown_rows = dict(self.problem_counts).get("unknown_account", 0)
        listed_rows = sum(unknown.rows for unknown in self.unknown_accounts[:limit])
        if unknown_rows > listed_rows:
            lines.append(f"  ... {unknown_rows - listed_rows:,} more rows of unknown accounts not listed")
        lines += [f"  {problem}" for problem in self.problems[:limit]]
        if self.bad_rows - unknown_rows > len(self.problems[:limit]):
            lines.append(f"  ... {self.bad_rows - unknown_rows - len(self.problems[:limit]):,} more bad rows not listed")
        return lines


@dataclass(slots=True)
class _Tally:
    """The counts of an ingestion in progress (mutable; frozen into an IngestSummary)."""

    strict: bool
    rows_read: int = 0
    ingested: int = 0
    duplicates: int = 0
    replaced_running: int = 0
    reference_gpu_ms: int = 0
    skipped: Counter = field(default_factory=Counter)
    problem_counts: Counter = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    unknown: dict[str, list] = field(default_factory=dict)
    entries: list[int] = field(default_factory=list)
    reconciliation: Reconciliation = field(default_factory=Reconciliation)
    dry_run: bool = False

    def bad(self, problem: RowProblem, *, listed: bool = True) -> None:
        if self.strict:
            raise IngestRefused(
                (Problem(f"line {problem.line}", f"{problem.reason}: {problem.message}; "
                         "--strict refuses the whole file: nothing was stored"),)
            )
        self.problem_counts[problem.reason] += 1
        if listed and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def unknown_account(self, account: str, line: int, job_id: str) -> None:
        # Listed by account with their lines (see `unknown`), not one by one: a file charged
        # to an unregistered account would otherwise crowd every other problem out.
        self.bad(
            RowProblem(
                line,
                "unknown_account",
                f"account {account!r} is not a registered project's; register it with "
                "`ledger projects add` and ingest the file again",
                job_id,
            ),
            listed=False,
        )
        seen = self.unknown.get(account)
        if seen is None and len(self.unknown) < MAX_UNKNOWN_ACCOUNTS:
            seen = self.unknown[account] = [0, []]
        if seen is not None:
            seen[0] += 1
            if len(seen[1]) < MAX_LINES_PER_ACCOUNT:
                seen[1].append(line)

    def summary(self) -> IngestSummary:
        return IngestSummary(
            rows_read=self.rows_read,
            ingested=self.ingested,
            duplicates=self.duplicates,
            replaced_running=self.replaced_running,
            skipped=tuple(sorted(self.skipped.items())),
            problem_counts=tuple(sorted(self.problem_counts.items())),
            problems=tuple(self.problems),
            unknown_accounts=tuple(
                UnknownAccount(account, rows, tuple(lines)) for account, (rows, lines) in sorted(self.unknown.items())
            ),
            reference_gpu_ms=self.reference_gpu_ms,
            entries=tuple(self.entries),
            reconciliation=self.reconciliation.lines(),
            dry_run=self.dry_run,
        )


class _Stored(NamedTuple):
    """The current record of a dedup key: what a replacement must supersede and give back."""

    id: int
    revision: int
    provisional: bool
    started_at: datetime
    ended_at: datetime
    reference_gpu_ms: int
    project_id: int
    account: str


_FINISHED = _Stored(0, 0, False, datetime.min, datetime.min, 0, 0, "")
"""Stands for any finished record of a key: whatever comes later for that key is a duplicate."""


def ingest_usage(
    lines: Iterable[str],
    *,
    cluster: str | None = None,
    strict: bool = False,
    gpu_factors: Mapping[str, Decimal] | None = None,
    as_of: datetime | None = None,
    timezone: str | None = None,
    columns: str | None = None,
    delimiter: str = DEFAULT_DELIMITER,
    dry_run: bool = False,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    actor: Actor,
    engine: Engine,
    batch_rows: int = BATCH_ROWS,
) -> IngestSummary:
    """Ingest a sacct export given as lines; return the summary.

    cluster: the cluster of rows whose Cluster column is empty or missing.
    strict: refuse the whole file on its first bad row (IngestRefused), storing nothing.
    gpu_factors: normalisation factor per GPU type (default: the capacity plans' factors).
    as_of: when sacct was run: only for an export with neither ElapsedRaw nor Elapsed,
        whose running jobs are charged up to it (and which is refused without it).
    timezone: the IANA zone the export's times are in (default: the cluster_time_zones
        setting for each row's cluster, else UTC); times with an offset are taken as written.
    columns: the --format list the site gave sacct, for an export without a header line.
    delimiter: sacct's --delimiter (default "|"); a trailing one (--parsable) is accepted.
    dry_run: read and check everything and return the summary with its reconciliation
        report, storing and journaling nothing.
    workers: worker processes that parse blocks of lines while this process deduplicates,
        rolls up and writes (0: parse here; the results are the same either way).
    progress: called with the number of lines read, every `PROGRESS_EVERY` lines.

    Raises IngestRefused, before anything is stored, for a layout whose columns cannot be
    known (naming the columns needed and the sacct command) and for bad settings.
    """
    require(actor, Permission.MANAGE_PROJECTS)
    try:
        if cluster is not None:
            _check_cluster(cluster, "cluster")
        with engine.connect() as connection:
            settings = settings_at(connection)
        zone = time_zone(timezone) if timezone else settings.cluster_time_zones.get(cluster or "", UTC)
        layout, rows, first_number = open_export(
            lines,
            default_cluster=cluster,
            gpu_factors=_plan_factors(engine) if gpu_factors is None else gpu_factors,
            as_of=as_of,
            zone=zone,
            cluster_zones=None if timezone else settings.cluster_time_zones,
            columns=columns or None,
            delimiter=delimiter,
        )
    except ValidationFailed as refused:
        raise IngestRefused(
            tuple(Problem(p.field, f"{p.message}; nothing was stored") for p in refused.problems)
        ) from refused
    reporting = settings.reporting_time_zone
    charges = _registered_projects(engine, reporting)
    tally = _Tally(strict=strict, reconciliation=Reconciliation(reporting), dry_run=dry_run)
    if workers > 0:
        results = _parsed_in_workers(layout, rows, first_number, workers)
    else:
        results = layout.rows(rows, first_number)
    chunks = _accepted_chunks(results, charges, tally, batch_rows, progress)
    with _cyclic_gc_paused():
        if dry_run:
            for _chunk in chunks:
                pass
        else:
            _write(chunks, strict, engine, charges, tally, actor, reporting)
    return tally.summary()


def _parsed_in_workers(layout: Layout, lines: Iterator[str], first_number: int, workers: int) -> Iterator:
    """The results of `layout.rows(lines)`, in order, parsed by `workers` processes a block of
    `BLOCK_LINES` lines at a time. At most twice as many blocks as workers are in flight, so
    memory stays flat; the processes are started fresh (spawn: no copy of this process's
    database connections or threads) and stopped when the file ends or the caller stops."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        in_flight: deque[Future] = deque()
        number = first_number
        try:
            for block in _blocks(lines, BLOCK_LINES):
                in_flight.append(pool.submit(parse_block, layout, block, number))
                number += len(block)
                if len(in_flight) >= 2 * workers:
                    yield from unpack_block(in_flight.popleft().result())
            while in_flight:
                yield from unpack_block(in_flight.popleft().result())
        finally:
            for future in in_flight:
                future.cancel()


def _blocks(lines: Iterator[str], size: int) -> Iterator[list[str]]:
    while block := list(itertools.islice(lines, size)):
        yield block


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the run. The ingestion makes millions of short-lived
    tuples and datetimes, none in a cycle, so reference counting frees them all; the collector
    would only re-scan each live chunk again and again, a sixth of the run's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write(chunks: Iterator[list[tuple]], strict: bool, engine: Engine, charges, tally: _Tally, actor: Actor,
           zone: tzinfo) -> None:
    """Write the chunks: all in one transaction and entry when strict, else a batch each."""
    if strict:
        with UnitOfWork(engine) as uow:
            batch = _Batch(uow, charges, tally, zone)
            _pipelined(chunks, batch.write)
            batch.commit(actor)
        return

    def write_batch(chunk: list[tuple]) -> None:
        with UnitOfWork(engine) as uow:
            batch = _Batch(uow, charges, tally, zone)
            batch.write(chunk)
            batch.commit(actor)

    _pipelined(chunks, write_batch)


def _pipelined(chunks: Iterator[list[tuple]], write: Callable[[list[tuple]], None]) -> None:
    """Call `write` on each chunk in a second thread while this one reads and parses the next.

    The writer spends much of its time waiting for the database (COPY, index upkeep, commit),
    which releases the GIL, so parsing fills that time. At most two chunks are alive: the
    one being written and the one being read. A writer's error stops the reading; an error
    in the reading (a refused row) waits for the current write to end before propagating,
    so the caller's rollback never races a write.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-writer") as writer:
        pending: Future | None = None
        try:
            for chunk in chunks:
                if pending is not None:
                    pending.result()
                pending = writer.submit(write, chunk)
        except BaseException:
            if pending is not None:
                wait([pending])
            raise
        if pending is not None:
            pending.result()


def _check_cluster(name: str, field_name: str) -> None:
    if not name or "|" in name or len(name) > _CLUSTER_MAX or not name.isprintable():
        raise IngestRefused.single(
            field_name, f"a cluster name of 1 to {_CLUSTER_MAX} printable characters without '|'; not {name!r}"
        )


def _plan_factors(engine: Engine) -> dict[str, Decimal]:
    with UnitOfWork(engine) as uow:
        return gpu_factors(uow)


def _registered_projects(engine: Engine, zone: tzinfo) -> dict[str, list[AccountCharge]]:
    with engine.connect() as connection:
        return account_timelines(connection, zone=zone)


def _charge(timelines: Mapping[str, list[AccountCharge]], account: str, start: datetime) -> AccountCharge | None:
    """Who a job on `account` started at `start` is charged to (accounts compare in lower case)."""
    timeline = timelines.get(account)
    if timeline is None:
        timeline = timelines.get(account.lower())
        if timeline is None:
            return None
    if len(timeline) == 1 and timeline[0].since is None:
        return timeline[0]
    return charge_at(timeline, start)


def _accepted_chunks(
    results: Iterator,
    charges: Mapping[str, list[AccountCharge]],
    tally: _Tally,
    batch_rows: int,
    progress: Callable[[int], None] | None,
) -> Iterator[list[tuple]]:
    """Rows that can be charged, `batch_rows` at a time, as (parsed row, job id, project id).

    Everything else is tallied here: rows skipped by design, bad rows, unknown accounts.
    """
    chunk: list[tuple] = []
    append = chunk.append
    clusters: set[str] = set()
    skipped = tally.skipped
    report = tally.reconciliation.add
    read = 0
    problem_type = RowProblem
    # An account charged to one project from the beginning (most are) needs no timeline walk.
    constant = {account: timeline[0] for account, timeline in charges.items()
                if len(timeline) == 1 and timeline[0].since is None}
    for result in results:
        read += 1
        if progress is not None and not read % PROGRESS_EVERY:
            progress(PROGRESS_EVERY)
        if type(result) is problem_type:
            if result.reason in SKIP_REASONS:
                skipped[result.reason] += 1
            else:
                tally.bad(result)
            continue
        line, cluster, job_id, _, account, start, _, _, _, _, _, _, _ = result
        if not job_id.isdigit():
            tally.bad(RowProblem(line, "bad_job_id", f"JobIDRaw {job_id!r} is not a whole number (an array task "
                                 "or a heterogeneous job's JobID: export JobIDRaw)", job_id))
            continue
        if cluster not in clusters:
            try:
                _check_cluster(cluster, "Cluster")
            except IngestRefused as refused:
                tally.bad(RowProblem(line, "bad_cluster", refused.problems[0].message, job_id))
                continue
            clusters.add(cluster)
        report(result)
        charge = constant.get(account)
        if charge is None:
            charge = _charge(charges, account, start)
            if charge is None:
                tally.unknown_account(account, line, job_id)
                continue
        append((result, int(job_id), charge.project_id, charge.member_code))
        if len(chunk) >= batch_rows:
            tally.rows_read = read
            yield chunk
            chunk = []
            append = chunk.append
    tally.rows_read = read
    if progress is not None:
        progress(read % PROGRESS_EVERY)
    if chunk:
        yield chunk


class _Batch:
    """The rows one journal entry records: job rows written chunk by chunk, months at the end."""

    def __init__(self, uow: UnitOfWork, charges: Mapping[str, list[AccountCharge]], tally: _Tally, zone: tzinfo):
        self.uow = uow
        self.tally = tally
        self.charges = charges
        self.zone = zone
        self.utc_months = zone is UTC
        self.seq = uow.reserve()  # the journal lock: lookups and ids below are race-free
        self.connection: Connection = uow.session.connection()
        self.is_postgresql = self.connection.dialect.name == "postgresql"
        self.partitions = {table: partitions.existing(self.connection, table) for table in (_JOB.name, _MONTH.name)}
        self.next_id = self._next_id(_JOB)
        self.first_id = self.next_id
        self.rows = 0
        self.job_ms = 0
        self.replaced = 0
        self.digest = hashlib.sha256()
        self.months: Counter = Counter()  # (project_id, member, year, month) -> signed ms
        self.first_line: int | None = None
        self.last_line = 0

    def _next_id(self, table) -> int:
        return (self.connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    def write(self, chunk: list[tuple]) -> None:
        """Store a chunk's new records; count its duplicates and replacements."""
        if self.first_line is None:
            self.first_line = chunk[0][0].line
        self.last_line = chunk[-1][0].line
        stored = self._stored(chunk)
        months = self.months
        digest_line = UsageJob.digest_line
        seq = self.seq
        next_id = self.next_id
        zone, utc_months = self.zone, self.utc_months
        rows: list[tuple] = []
        lines: list[str] = []
        duplicates = replaced = job_ms = 0
        # The hot loop (a million rows a file): the parsed row is unpacked once, and the
        # key's time is Unix seconds, which hash much faster than aware datetimes.
        for parsed, job_id, project_id, member in chunk:
            line, cluster, _, submit, account, start, end, state, gpus, _, usage, provisional, _ = parsed
            account = account.lower()
            key = (cluster, job_id, submit.timestamp())
            revision, supersedes = 0, None
            previous = stored.get(key)
            if previous is not None:
                if not previous.provisional or (provisional and end <= previous.ended_at):
                    duplicates += 1
                    continue
                revision, supersedes = previous.revision + 1, previous.id
                replaced += 1
                given_back = _charge(self.charges, previous.account, previous.started_at)
                _charge_months(months, previous.project_id, given_back.member_code if given_back else member,
                               previous.started_at, previous.ended_at, -previous.reference_gpu_ms, zone)
            row = (next_id, cluster, job_id, submit, revision, supersedes, account, project_id, state,
                   start, end, gpus, usage, provisional, line, seq)
            rows.append(row)
            lines.append(digest_line(row))
            if utc_months and start.month == end.month and start.year == end.year:
                months[(project_id, member, start.year, start.month)] += usage
            else:
                _charge_months(months, project_id, member, start, end, usage, zone)
            job_ms += usage
            # A later row of the chunk with the same key repeats this one or, if this one is
            # running, may replace it: only a running row's details are needed for that.
            stored[key] = _Stored(next_id, revision, True, start, end, usage, project_id, account) if provisional else _FINISHED
            next_id += 1
        if rows:
            if self.is_postgresql:
                partitions.ensure(self.connection, _JOB.name, {(row[3].year, row[3].month) for row in rows},
                                  self.partitions[_JOB.name])
            bulk_insert(self.connection, _JOB, _JOB_COLUMNS, rows)
            self.digest.update("".join(lines).encode("utf-8"))
        self.next_id = next_id
        self.rows += len(rows)
        self.job_ms += job_ms
        self.replaced += replaced
        self.tally.duplicates += duplicates

    def _stored(self, chunk: list[tuple]) -> dict[tuple, _Stored]:
        """The current record of every key of the chunk already stored, by key.

        A finished record is all a repeat needs (it is a duplicate), so only a running
        record's details are read, in a second query; running records are few.
        """
        by_cluster: dict[str, list[int]] = {}
        submits: dict[str, list[datetime]] = {}
        for parsed, job_id, _, _ in chunk:
            cluster = parsed[1]
            job_ids = by_cluster.get(cluster)
            if job_ids is None:
                job_ids = by_cluster[cluster] = []
                submits[cluster] = []
            job_ids.append(job_id)
            submits[cluster].append(parsed[3])
        found: dict[tuple, _Stored] = {}
        current: dict[tuple, tuple[int, int, bool]] = {}
        c = _JOB.c
        for cluster, job_ids in by_cluster.items():
            # A stored record of a key has the key's Submit, so the chunk's Submit range bounds
            # the lookup: on PostgreSQL only the months' partitions it spans are read.
            within = (c.cluster == cluster, c.submitted_at.between(min(submits[cluster]), max(submits[cluster])))
            # Exports of new jobs are the common case: one probe over the id range tells.
            anything = self.connection.execute(
                select(c.id).where(*within, c.job_id.between(min(job_ids), max(job_ids))).limit(1)
            ).first()
            if anything is None:
                continue
            query = select(c.job_id, c.submitted_at, c.revision, c.id, c.provisional).where(
                *within, c.job_id.in_(self._id_list(job_ids))
            )
            for job_id, submitted_at, revision, row_id, provisional in self.connection.execute(
                query, {"job_ids": self._id_parameter(job_ids)}
            ):
                key = (cluster, job_id, submitted_at.timestamp())
                seen = current.get(key)
                if seen is None or revision > seen[0]:
                    current[key] = (revision, row_id, provisional)
        running = {row_id: key for key, (_, row_id, provisional) in current.items() if provisional}
        for key, (revision, row_id, provisional) in current.items():
            if not provisional:
                found[key] = _FINISHED
        details = select(c.id, c.revision, c.provisional, c.started_at, c.ended_at, c.reference_gpu_ms, c.project_id, c.account)
        ids = list(running)
        for start in range(0, len(ids), _IN_LIST_SIZE):
            for row in self.connection.execute(details.where(c.id.in_(ids[start : start + _IN_LIST_SIZE]))):
                found[running[row.id]] = _Stored(*row)
        return found

    def _id_list(self, job_ids: list[int]):
        """The job ids as one parameter: an array on PostgreSQL, a JSON array on SQLite."""
        if self.connection.dialect.name == "postgresql":
            return select(func.unnest(bindparam("job_ids", type_=ARRAY(BigInteger))))
        return select(literal_column("value")).select_from(func.json_each(bindparam("job_ids")))

    def _id_parameter(self, job_ids: list[int]):
        if self.connection.dialect.name == "postgresql":
            return job_ids
        return json.dumps(job_ids)

    def commit(self, actor: Actor) -> None:
        """Write the month rows and the entry, and commit; roll back when nothing was stored."""
        if not self.rows:
            return
        month_rows = []
        next_id = self._next_id(_MONTH)
        for (project_id, member, year, month), delta in sorted(self.months.items()):
            if delta:
                month_rows.append((next_id, year, month, member, project_id, delta, self.seq))
                next_id += 1
        partitions.ensure(self.connection, _MONTH.name, {(row[1], row[2]) for row in month_rows},
                          self.partitions[_MONTH.name])
        bulk_insert(self.connection, _MONTH, _MONTH_COLUMNS, month_rows)
        net = sum(row[5] for row in month_rows)
        self.uow.record_bulk(
            records=[record_of(_MONTH, UsageMonth.private_columns, dict(zip(_MONTH_COLUMNS, row))) for row in month_rows],
            digests=[
                TableDigest(
                    table=_JOB.name,
                    rows=self.rows,
                    first_id=self.first_id,
                    last_id=self.next_id - 1,
                    sums=tuple(zip(UsageJob.digest_sums, (self.job_ms,), strict=True)),
                    sha256=self.digest.hexdigest(),
                )
            ],
            details=[("first_line", self.first_line), ("last_line", self.last_line)],
        )
        replaced = f"; {self.replaced:,} running jobs replaced" if self.replaced else ""
        self.uow.commit(
            actor=actor,
            kind="usage.ingested",
            summary=f"Ingested {self.rows:,} Slurm job records (export lines {self.first_line:,} to "
            f"{self.last_line:,}): {gpu_hours(net):,} reference GPU-hours{replaced}",
        )
        self.tally.ingested += self.rows
        self.tally.replaced_running += self.replaced
        self.tally.reference_gpu_ms += net
        self.tally.entries.append(self.seq)


def _charge_months(months: Counter, project_id: int, member: str, start: datetime, end: datetime, usage: int,
                   zone: tzinfo) -> None:
    """Add `usage` (negative to give it back) to the months of `zone` [start, end) touches, by time."""
    sign = -1 if usage < 0 else 1
    for month, part in split_by_month(start, end, abs(usage), zone):
        months[(project_id, member, int(month[:4]), int(month[5:]))] += sign * part
