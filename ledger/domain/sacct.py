"""Streaming parser of Slurm ``sacct`` exports.

Long because the row loop (``_rows``, a million rows a file: bench/sacct_parse.py) binds every
name locally and builds each row inline, and the state and GPU decisions it applies are
stated here beside it, with the diagnosis of a row that failed.

An export is delimiter-separated (``|`` unless told otherwise), one job record a line, as
``sacct --parsable2`` prints it, or ``--parsable`` with a delimiter after the last field,
with a header line first or, for ``--noheader`` exports, the column list given (the
``--format`` list the site gave sacct). The columns used are JobIDRaw (or JobID), Cluster
(or a default cluster), Account, Submit, Start, End, ElapsedRaw or Elapsed, State,
AllocTRES and, optionally, JobName, which may contain the delimiter when it is the last
column. Any other column is ignored. sacct(1) documents every field and state named here.

Usage is counted in reference GPU-milliseconds (see ``ledger.domain.compute``):
``sum(GPUs of each type x 1000 x factor of the type) x elapsed seconds``, an exact integer.

Times (sacct prints local times without an offset; each cluster's time zone says what they
are) are read by ``ledger.domain.sacct_times``, which also splits usage by month; the
header and column list by ``ledger.domain.sacct_header``.

State decisions (sacct(1), "JOB STATE CODES"):
- Counted for the time they ran: COMPLETED, FAILED, TIMEOUT, CANCELLED (also
  "CANCELLED by UID"), NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, DEADLINE, BOOT_FAIL, REVOKED,
  RESIZING (the record of the allocation before a resize), and REQUEUED: with ``sacct -D``
  the run before a requeue is its own record (same JobIDRaw, earlier Submit) and it held
  the GPUs, so it is charged; the requeued run is charged separately.
- Provisional: RUNNING and SUSPENDED. End is "Unknown"; the row is charged its ElapsedRaw
  (or Elapsed), the time it had run when sacct was asked, from Start, and flagged; the
  caller replaces it when the finished row with the same dedup key arrives. Only an export
  with neither column charges a running row up to ``as_of``, which it then requires.
- Skipped (a RowProblem whose ``is_error`` is False): PENDING ("pending"), job steps such
  as ``123.batch``, ``123.extern``, ``123.0`` or ``123_4.batch`` ("job_step", the
  allocation line carries the GPUs), a finished job that never started, e.g. cancelled
  while pending with Start "None" ("never_started"), and a job with no GPU in AllocTRES
  ("no_gpus").
- Any other state is an error with reason "unknown_state".

GPUs. ``gres/gpu=N`` and ``gres/gpu:TYPE=N`` count GPUs; sacct prints both for the same
GPUs (``gres/gpu:a100=4,gres/gpu=4`` is 4 GPUs), so the typed entries win when present and
give the factors. ``gres/gpumem``, ``gres/gpuutil`` and ``billing`` are not GPUs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import NamedTuple

from ledger.domain.compute import reference_gpu_ms_per_second
from ledger.domain.errors import Problem, ValidationFailed, raise_if_any
from ledger.domain.sacct_header import (
    DEFAULT_DELIMITER,
    Header,
    SACCT_COMMAND,
    SACCT_FORMAT,
    looks_like_header,
    parse_columns,
    parse_header,
)
from ledger.domain.sacct_times import (
    AmbiguousTime,
    LOCAL_TIME_LENGTH,
    LocalClock,
    SkippedTime,
    UTC_SUFFIX,
    resolve_fold,
    utc_seconds,
)

COUNTED_STATES = frozenset(
    {
        "COMPLETED",
        "FAILED",
        "TIMEOUT",
        "CANCELLED",
        "NODE_FAIL",
        "OUT_OF_MEMORY",
        "PREEMPTED",
        "DEADLINE",
        "BOOT_FAIL",
        "REVOKED",
        "RESIZING",
        "REQUEUED",
    }
)
"""States of a finished allocation, charged for the time it ran."""

PROVISIONAL_STATES = frozenset({"RUNNING", "SUSPENDED"})
"""States of an allocation still holding its GPUs, charged their elapsed time and replaced later."""

SKIP_REASONS = frozenset({"pending", "job_step", "never_started", "no_gpus"})
"""Reasons a row is left out by design; any other RowProblem reason is an error."""


# sacct prints these instead of a time when there is none.
_NO_TIME = frozenset({"Unknown", "None", ""})

_ONE_SECOND = timedelta(seconds=1)

_ALLOCATION_CACHE_SIZE = 4096

_STEP_MESSAGE = "job step; its allocation line is counted"


class ParsedRow(NamedTuple):
    """One job allocation from an export (a NamedTuple: built a million times per file).

    line: 1-based line number in the export (a header is line 1).
    cluster, job_id, submit: the dedup key; a requeued job repeats job_id with a new submit.
    start, end: when the allocation ran, in UTC; for a provisional row, end is Start plus
        its elapsed time (or ``as_of`` for an export without one).
    state: the Slurm state without its detail ("CANCELLED by 1234" gives "CANCELLED").
    gpus: GPUs allocated, all types together.
    elapsed_seconds: run time charged.
    reference_gpu_ms: usage in reference GPU-milliseconds.
    provisional: True for RUNNING/SUSPENDED rows, to be replaced by the finished row.
    job_name: the JobName column, "" when the export has none.
    """

    line: int
    cluster: str
    job_id: str
    submit: datetime
    account: str
    start: datetime
    end: datetime
    state: str
    gpus: int
    elapsed_seconds: int
    reference_gpu_ms: int
    provisional: bool
    job_name: str

    @property
    def dedup_key(self) -> tuple[str, str, datetime]:
        """(cluster, JobIDRaw, Submit): the same job record in two exports has the same key."""
        return (self.cluster, self.job_id, self.submit)


class RowProblem(NamedTuple):
    """A row left out, with the line it came from.

    line: 1-based line number in the export.
    reason: a short code ("pending", "job_step", "unknown_state", "bad_time", ...).
    message: what was wrong and what is accepted, for the person who made the export.
    job_id: the JobIDRaw when the row had one.
    """

    line: int
    reason: str
    message: str
    job_id: str = ""

    @property
    def is_error(self) -> bool:
        """False for rows skipped by design (pending, job steps, ...), True for bad rows."""
        return self.reason not in SKIP_REASONS

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.message}"


def parse_elapsed(text: str) -> int:
    """Seconds in a sacct Elapsed value: ``[D-]HH:MM:SS`` or ``MM:SS``; ValueError otherwise."""
    days, dash, clock = text.partition("-")
    if not dash:
        days, clock = "0", text
    parts = clock.split(":")
    if len(parts) == 2 and not dash:
        parts.insert(0, "0")
    if len(parts) != 3 or not days.isdigit() or not all(part.isdigit() for part in parts):
        raise ValueError(f"Elapsed {text!r} is not [D-]HH:MM:SS or MM:SS")
    hours, minutes, seconds = (int(part) for part in parts)
    if minutes > 59 or seconds > 59 or (dash and hours > 23):
        raise ValueError(f"Elapsed {text!r} has minutes, seconds or hours out of range")
    return int(days) * 86_400 + hours * 3_600 + minutes * 60 + seconds


def gpu_allocation(alloc_tres: str, weights: Mapping[str, int]) -> tuple[int, int]:
    """(GPU count, reference GPU-ms per second) from an AllocTRES value; ValueError if malformed.

    ``gres/gpu:TYPE=N`` entries are weighted by their type's factor; an untyped
    ``gres/gpu=N`` counts at factor 1 and only when no typed entry is present, because sacct
    prints both for the same GPUs. ``gres/gpumem`` and ``gres/gpuutil`` are not GPUs.
    ``weights`` maps lower-case types to GPU-ms per second.
    """
    untyped = typed_count = typed_weight = 0
    has_typed = False
    first_gpu = alloc_tres.find("gres/gpu")
    if first_gpu < 0:
        return 0, 0
    for item in alloc_tres[first_gpu:].split(","):
        if not item.startswith("gres/gpu"):
            continue
        key, _, value = item.partition("=")
        if len(key) > 8 and key[8] != ":":
            continue  # gres/gpumem, gres/gpuutil: not GPUs
        if not value.isdigit():
            raise ValueError(f"{item!r} needs a whole number of GPUs >= 0")
        count = int(value)
        if len(key) == 8:
            untyped += count
            continue
        gpu_type = key[9:].lower()
        weight = weights.get(gpu_type)
        if weight is None:
            known = ", ".join(sorted(weights)) or "none configured"
            raise ValueError(f"GPU type {gpu_type!r} has no pool factor; known types: {known}")
        has_typed = True
        typed_count += count
        typed_weight += count * weight
    if has_typed:
        return typed_count, typed_weight
    return untyped, untyped * 1000


def _gpu_weights(gpu_factors: Mapping[str, Decimal]) -> dict[str, int]:
    problems: list[Problem] = []
    weights: dict[str, int] = {}
    for gpu_type, factor in gpu_factors.items():
        try:
            weights[gpu_type.lower()] = reference_gpu_ms_per_second(factor, f"gpu_factors.{gpu_type}")
        except ValidationFailed as error:
            problems.extend(error.problems)
    raise_if_any(problems)
    return weights


@dataclass(frozen=True, slots=True)
class Layout:
    """How to read an export's rows, checked once (picklable: worker processes read blocks with it).

    cut: ``as_of`` in UTC, for an export with neither ElapsedRaw nor Elapsed.
    """

    header: Header
    default_cluster: str
    weights: Mapping[str, int]
    cut: datetime | None
    zone: tzinfo
    cluster_zones: Mapping[str, tzinfo]
    delimiter: str

    def rows(self, lines: Iterable[str], first_number: int) -> Iterator[ParsedRow | RowProblem]:
        """Parse rows (no header) whose first line is line `first_number` of the export."""
        clocks = {cluster: LocalClock(zone) for cluster, zone in self.cluster_zones.items()}
        return _rows(iter(lines), first_number, self.header, self.default_cluster, dict(self.weights), self.cut,
                     LocalClock(self.zone), clocks, self.delimiter)


def parse_block(layout: Layout, lines: Sequence[str], first_number: int) -> list[tuple]:
    """Every result of a block of an export's lines, packed for the trip back from a worker
    process (see `unpack_block`): a ParsedRow's times travel as Unix seconds, since
    pickling an aware datetime costs more than parsing it."""
    packed: list[tuple] = []
    for result in layout.rows(lines, first_number):
        if type(result) is ParsedRow:
            row = list(result)
            row[3], row[5], row[6] = row[3].timestamp(), row[5].timestamp(), row[6].timestamp()
            packed.append(tuple(row))
        else:
            packed.append(result)
    return packed


def unpack_block(packed: Iterable[tuple]) -> Iterator[ParsedRow | RowProblem]:
    """The results `parse_block` packed, as `Layout.rows` yields them."""
    new_row, from_seconds, utc, problem = tuple.__new__, datetime.fromtimestamp, UTC, RowProblem
    for item in packed:
        if type(item) is problem:
            yield item
            continue
        line, cluster, job_id, submit, account, start, end, *rest = item
        yield new_row(ParsedRow, (line, cluster, job_id, from_seconds(submit, utc), account, from_seconds(start, utc),
                                  from_seconds(end, utc), *rest))


def parse_rows(
    lines: Iterable[str],
    *,
    default_cluster: str | None,
    gpu_factors: Mapping[str, Decimal],
    as_of: datetime | None = None,
    zone: tzinfo = UTC,
    cluster_zones: Mapping[str, tzinfo] | None = None,
    columns: str | Sequence[str] | None = None,
    delimiter: str = DEFAULT_DELIMITER,
) -> Iterator[ParsedRow | RowProblem]:
    """Parse an export, yielding a ParsedRow or a RowProblem per non-blank line.

    Lazy and constant in memory. The layout and the settings are checked at once
    (ValidationFailed): a first line that is a sacct header gives the columns; otherwise
    `columns` (the sacct --format list) must. Rows are checked as they are read. Times are
    read in their cluster's zone (`cluster_zones`, else `zone`) unless written with an offset,
    and returned in UTC. `as_of` (when sacct
    was run) is needed, and then required, only for an export with neither ElapsedRaw nor
    Elapsed, whose running jobs are charged up to it.
    """
    layout, rows, first_number = open_export(
        lines, default_cluster=default_cluster, gpu_factors=gpu_factors, as_of=as_of, zone=zone,
        cluster_zones=cluster_zones, columns=columns, delimiter=delimiter,
    )
    return layout.rows(rows, first_number)


def open_export(
    lines: Iterable[str],
    *,
    default_cluster: str | None,
    gpu_factors: Mapping[str, Decimal],
    as_of: datetime | None = None,
    zone: tzinfo = UTC,
    cluster_zones: Mapping[str, tzinfo] | None = None,
    columns: str | Sequence[str] | None = None,
    delimiter: str = DEFAULT_DELIMITER,
) -> tuple[Layout, Iterator[str], int]:
    """Check an export's layout and settings (ValidationFailed) as `parse_rows` does; return the
    layout, the lines after the header, and the number of the first of them."""
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n":
        raise ValidationFailed.single("delimiter", f"one character, as given to sacct --delimiter; not {delimiter!r}")
    line_iterator = iter(lines)
    first_line = next(line_iterator, None)
    if first_line is None:
        raise ValidationFailed.single("header", "the export is empty; sacct's header line or rows are expected")
    if looks_like_header(first_line, delimiter):
        header = parse_header(first_line, delimiter)
        if columns is not None and parse_columns(columns) != header:
            raise ValidationFailed.single(
                "format", "the column list given differs from the export's own header; give none, or the same list"
            )
        rows: Iterator[str] = line_iterator
        first_number = 2
    elif columns is not None:
        header = parse_columns(columns)
        rows = _chain_first(first_line, line_iterator)
        first_number = 1
    else:
        raise ValidationFailed.single(
            "header",
            "the first line is not a sacct header and no column list was given; give the --format list the "
            f"site gave sacct (e.g. {SACCT_FORMAT}) or export with {SACCT_COMMAND}",
        )
    weights = _gpu_weights(gpu_factors)
    if header.cluster is None and not default_cluster:
        raise ValidationFailed.single(
            "default_cluster", "the export has no Cluster column; name the cluster it comes from"
        )
    if header.elapsed_raw is None and header.elapsed is None and as_of is None:
        raise ValidationFailed.single(
            "as_of",
            "the export has neither ElapsedRaw nor Elapsed, so running jobs can only be charged up to when "
            "sacct was run: give that time (--as-of), or export ElapsedRaw",
        )
    cut = utc_seconds(as_of) if as_of is not None else None
    layout = Layout(header, default_cluster or "", weights, cut, zone, dict(cluster_zones or {}), delimiter)
    return layout, rows, first_number


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _rows(
    lines: Iterator[str],
    first_number: int,
    header: Header,
    default_cluster: str,
    weights: dict[str, int],
    cut: datetime | None,
    default_clock: LocalClock,
    clocks: dict[str, LocalClock],
    delimiter: str,
) -> Iterator[ParsedRow | RowProblem]:
    # The hot path (a million rows a file): names are bound locally, the row is built with
    # tuple.__new__, and a bad row is diagnosed field by field only once it has failed.
    width = header.width
    name_last = header.job_name == width - 1
    i_job, i_account, i_state, i_tres = header.job_id, header.account, header.state, header.alloc_tres
    i_submit, i_start, i_end = header.submit, header.start, header.end
    i_cluster, i_name = header.cluster, header.job_name
    i_elapsed_raw, i_elapsed = header.elapsed_raw, header.elapsed
    new_row = tuple.__new__
    counted, provisional = COUNTED_STATES, PROVISIONAL_STATES
    charged = COUNTED_STATES | PROVISIONAL_STATES
    no_time = _NO_TIME
    one_second = _ONE_SECOND
    from_iso, utc_suffix, local_length = datetime.fromisoformat, UTC_SUFFIX, LOCAL_TIME_LENGTH
    clock = default_clock
    offset_of = clock.offsets.get

    def utc(text: str) -> datetime:
        # A time of an hour the row's clock has cached is read here, without calling the
        # clock (see LocalClock.offsets), which costs a method call more per time.
        offset = offset_of(text[:13]) if len(text) == local_length else None
        if offset is None:
            return clock(text)
        moment = from_iso(text + utc_suffix)
        return moment - offset if offset else moment

    trailing: bool | None = None  # --parsable: every line ends with the delimiter
    # Few distinct AllocTRES values recur across a file, and decoding one costs more than
    # the rest of the row; the cache is bounded to keep memory constant.
    allocation_cache: dict[str, tuple[int, int]] = {}

    for number, raw_line in enumerate(lines, start=first_number):
        line = raw_line.rstrip("\r\n")
        if not line:
            continue
        fields = line.split(delimiter)
        if trailing is None:
            trailing = len(fields) == width + 1 and fields[-1] == ""
        if trailing and fields[-1] == "":
            fields.pop()
        if len(fields) != width:
            if len(fields) < width:
                yield RowProblem(
                    number, "too_few_fields", f"{len(fields)} fields; the header has {width}"
                )
                continue
            if not name_last:
                yield RowProblem(
                    number,
                    "too_many_fields",
                    f"{len(fields)} fields; the header has {width} (only a last JobName "
                    f"column may contain {delimiter!r})",
                )
                continue
            fields[width - 1 :] = [delimiter.join(fields[width - 1 :])]

        job_id = fields[i_job]
        if "." in job_id:
            yield new_row(RowProblem, (number, "job_step", _STEP_MESSAGE, job_id))
            continue
        state = fields[i_state]
        if state not in charged:
            state = state.partition(" ")[0]  # "CANCELLED by 1234"
            if state == "PENDING":
                yield RowProblem(number, "pending", "pending job; nothing ran", job_id)
                continue
            if state not in charged:
                yield RowProblem(
                    number,
                    "unknown_state",
                    f"unknown State {fields[i_state]!r}; accepted: "
                    f"{', '.join(sorted(counted | provisional | {'PENDING'}))}",
                    job_id,
                )
                continue
        is_provisional = state in provisional
        cluster = (fields[i_cluster] if i_cluster is not None else "") or default_cluster
        if clocks and clocks.get(cluster, default_clock) is not clock:
            clock = clocks.get(cluster, default_clock)
            offset_of = clock.offsets.get
        start_text = fields[i_start]
        if start_text in no_time and not is_provisional:
            yield _without_start(number, job_id, state, fields, header)
            continue
        try:
            if i_elapsed_raw is not None:
                elapsed = int(fields[i_elapsed_raw])
            elif i_elapsed is not None:
                elapsed = parse_elapsed(fields[i_elapsed])
            else:
                elapsed = None
            alloc_tres = fields[i_tres]
            allocation = allocation_cache.get(alloc_tres)
            if allocation is None:
                allocation = gpu_allocation(alloc_tres, weights)
                if len(allocation_cache) >= _ALLOCATION_CACHE_SIZE:
                    allocation_cache.clear()
                allocation_cache[alloc_tres] = allocation
            gpus, weight = allocation
            try:
                submit = utc(fields[i_submit])
                start = utc(start_text)
                if is_provisional:
                    end = cut if elapsed is None else start + elapsed * one_second
                else:
                    end = utc(fields[i_end])
            except AmbiguousTime:
                submit, start, end = resolve_fold(clock, fields[i_submit], start_text, fields[i_end],
                                                   elapsed, is_provisional, cut)
        except SkippedTime as gap:
            yield RowProblem(number, "time_in_gap", f"{gap}; give the time with its offset or check the "
                             "cluster's time zone", job_id)
            continue
        except ValueError as error:
            yield _diagnose(number, job_id, fields, header, weights, is_provisional, error)
            continue

        if end < start:
            yield RowProblem(
                number,
                "end_before_start",
                f"End {end:%Y-%m-%dT%H:%M:%S} is before Start {start:%Y-%m-%dT%H:%M:%S} (UTC)"
                + (" (End is as_of for a running job)" if is_provisional else ""),
                job_id,
            )
            continue
        if is_provisional:
            elapsed = (end - start) // one_second
        elif elapsed is None:
            elapsed = (end - start) // one_second
        elif elapsed < 0:
            yield RowProblem(number, "bad_elapsed", f"negative elapsed time {elapsed}", job_id)
            continue
        if gpus == 0:
            yield RowProblem(number, "no_gpus", "no GPU in AllocTRES", job_id)
            continue
        account = fields[i_account]
        if not cluster or not account:
            yield RowProblem(
                number,
                "missing_field",
                "Cluster is empty and no default cluster is set" if not cluster else "Account is empty",
                job_id,
            )
            continue
        yield new_row(
            ParsedRow,
            (
                number,
                cluster,
                job_id,
                submit,
                account,
                start,
                end,
                state,
                gpus,
                elapsed,
                weight * elapsed,
                is_provisional,
                fields[i_name] if i_name is not None else "",
            ),
        )


def _without_start(number: int, job_id: str, state: str, fields: list[str], header: Header) -> RowProblem:
    """A finished row with no Start: cancelled while pending if it ran no time, else bad."""
    if header.elapsed_raw is not None:
        ran_nothing = fields[header.elapsed_raw] in ("0", "")
    elif header.elapsed is not None:
        ran_nothing = fields[header.elapsed].strip("0:-") == ""
    else:
        ran_nothing = True
    if ran_nothing:
        return RowProblem(number, "never_started", f"{state} before it started", job_id)
    return RowProblem(
        number, "bad_time", f"Start {fields[header.start]!r} is not a time, yet the job ran", job_id
    )


def _diagnose(
    number: int,
    job_id: str,
    fields: list[str],
    header: Header,
    weights: Mapping[str, int],
    is_provisional: bool,
    error: ValueError,
) -> RowProblem:
    """Name the field that failed to parse: run only for bad rows, so it may be slow."""
    columns = [("Submit", header.submit), ("Start", header.start)]
    if not is_provisional:
        columns.append(("End", header.end))
    for name, index in columns:
        try:
            datetime.fromisoformat(fields[index])
        except ValueError:
            return RowProblem(
                number,
                "bad_time",
                f"{name} {fields[index]!r} is not a time YYYY-MM-DDTHH:MM:SS (local, or with an offset such as +01:00)",
                job_id,
            )
    if header.elapsed_raw is not None:
        text = fields[header.elapsed_raw]
        if not text.lstrip("-").isdigit():
            return RowProblem(number, "bad_elapsed", f"ElapsedRaw {text!r} is not whole seconds", job_id)
    elif header.elapsed is not None:
        try:
            parse_elapsed(fields[header.elapsed])
        except ValueError as elapsed_error:
            return RowProblem(number, "bad_elapsed", str(elapsed_error), job_id)
    try:
        gpu_allocation(fields[header.alloc_tres], weights)
    except ValueError as tres_error:
        return RowProblem(number, "bad_gpus", f"AllocTRES: {tres_error}", job_id)
    return RowProblem(number, "malformed", str(error), job_id)
