"""Streaming parser of Slurm ``sacct --parsable2`` exports, and the split of usage by month.

An export is pipe-separated with a header line first. The columns used are JobIDRaw,
Cluster (or a default cluster), Account, Submit, Start, End, ElapsedRaw or Elapsed, State,
AllocTRES and, optionally, JobName, which must be the last column because it may itself
contain ``|``.

Usage is counted in reference GPU-milliseconds (see ``ledger.domain.compute``):
``sum(GPUs of each type x 1000 x factor of the type) x elapsed seconds``, an exact integer.

State decisions:
- Counted for the time they ran: COMPLETED, FAILED, TIMEOUT, CANCELLED (also
  "CANCELLED by UID"), NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, DEADLINE, BOOT_FAIL, REVOKED,
  RESIZING (the record of the allocation before a resize), and REQUEUED: with ``sacct -D``
  the run before a requeue is its own record (same JobIDRaw, earlier Submit) and it held
  the GPUs, so it is charged; the requeued run is charged separately.
- Provisional: RUNNING and SUSPENDED. End is "Unknown", so the row is counted up to
  ``as_of`` (default: the time of parsing) and flagged; the caller replaces it when the
  finished row with the same dedup key arrives.
- Skipped (a RowProblem whose ``is_error`` is False): PENDING ("pending"), job steps such
  as ``123.batch`` or ``123.0`` ("job_step", the allocation line carries the GPUs), a
  finished job that never started, e.g. cancelled while pending ("never_started"), and a
  job with no GPU in AllocTRES ("no_gpus").
- Any other state is an error with reason "unknown_state".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from ledger.domain.compute import apportion, reference_gpu_ms_per_second
from ledger.domain.errors import Problem, ValidationFailed, raise_if_any

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
"""States of an allocation still holding its GPUs, charged up to ``as_of`` and replaced later."""

SKIP_REASONS = frozenset({"pending", "job_step", "never_started", "no_gpus"})
"""Reasons a row is left out by design; any other RowProblem reason is an error."""

REQUIRED_COLUMNS = ("JobIDRaw", "Account", "Submit", "Start", "End", "State", "AllocTRES")
"""Columns every export needs, besides ElapsedRaw or Elapsed and Cluster or a default."""

# sacct prints these instead of a time when there is none.
_NO_TIME = frozenset({"Unknown", "None", ""})
_UTC_SUFFIX = "+00:00"
_ONE_SECOND = timedelta(seconds=1)
_ONE_MICROSECOND = timedelta(microseconds=1)
_ALLOCATION_CACHE_SIZE = 4096


class ParsedRow(NamedTuple):
    """One job allocation from an export (a NamedTuple: built a million times per file).

    line: 1-based line number in the export (the header is line 1).
    cluster, job_id, submit: the dedup key; a requeued job repeats job_id with a new submit.
    start, end: when the allocation ran, in UTC; for a provisional row, end is ``as_of``.
    state: the Slurm state without its detail ("CANCELLED by 1234" gives "CANCELLED").
    gpus: GPUs allocated, all types together.
    elapsed_seconds: run time charged (ElapsedRaw or Elapsed; end - start when provisional).
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


@dataclass(frozen=True, slots=True)
class Header:
    """Column positions of an export, found once from its header line.

    width: number of columns; a row with more fields has ``|`` in its JobName.
    cluster, elapsed_raw, elapsed, job_name: None when the export lacks the column.
    """

    width: int
    job_id: int
    cluster: int | None
    account: int
    submit: int
    start: int
    end: int
    elapsed_raw: int | None
    elapsed: int | None
    state: int
    alloc_tres: int
    job_name: int | None


def parse_header(line: str) -> Header:
    """Column positions from a sacct ``--parsable2`` header; ValidationFailed names missing ones."""
    names = [name.strip().lower() for name in line.lstrip("\ufeff").rstrip("\r\n").split("|")]
    position: dict[str, int] = {}
    for index, name in enumerate(names):
        position.setdefault(name, index)

    missing = [column for column in REQUIRED_COLUMNS if column.lower() not in position]
    if "elapsedraw" not in position and "elapsed" not in position:
        missing.append("ElapsedRaw or Elapsed")
    if missing:
        raise ValidationFailed.single(
            "header",
            f"not a sacct --parsable2 header; missing {', '.join(missing)}. Export with "
            "sacct --parsable2 --format=JobIDRaw,Cluster,Account,Submit,Start,End,ElapsedRaw,"
            "State,AllocTRES,JobName",
        )
    return Header(
        width=len(names),
        job_id=position["jobidraw"],
        cluster=position.get("cluster"),
        account=position["account"],
        submit=position["submit"],
        start=position["start"],
        end=position["end"],
        elapsed_raw=position.get("elapsedraw"),
        elapsed=position.get("elapsed"),
        state=position["state"],
        alloc_tres=position["alloctres"],
        job_name=position.get("jobname"),
    )


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
    prints both for the same GPUs. ``weights`` maps lower-case types to GPU-ms per second.
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


def _utc_seconds(moment: datetime) -> datetime:
    """``moment`` in UTC to the whole second (naive means UTC, as sacct prints)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_rows(
    lines: Iterable[str],
    *,
    default_cluster: str | None,
    gpu_factors: Mapping[str, Decimal],
    as_of: datetime | None = None,
) -> Iterator[ParsedRow | RowProblem]:
    """Parse an export, header first, yielding a ParsedRow or a RowProblem per non-blank line.

    Lazy and constant in memory. The header and the settings are checked at once
    (ValidationFailed); rows are checked as they are read. Times are UTC-aware datetimes.
    ``as_of`` ends provisional (RUNNING) rows; it defaults to now.
    """
    line_iterator = iter(lines)
    header_line = next(line_iterator, None)
    if header_line is None:
        raise ValidationFailed.single("header", "the export is empty; a sacct header line is expected")
    header = parse_header(header_line)
    weights = _gpu_weights(gpu_factors)
    if header.cluster is None and not default_cluster:
        raise ValidationFailed.single(
            "default_cluster", "the export has no Cluster column; name the cluster it comes from"
        )
    cut = _utc_seconds(as_of if as_of is not None else datetime.now(UTC))
    return _rows(line_iterator, header, default_cluster or "", weights, cut)


def _rows(
    lines: Iterator[str], header: Header, default_cluster: str, weights: dict[str, int], cut: datetime
) -> Iterator[ParsedRow | RowProblem]:
    # The hot path (a million rows a file): names are bound locally, the row is built with
    # tuple.__new__, and a bad row is diagnosed field by field only once it has failed.
    width = header.width
    name_last = header.job_name == width - 1
    i_job, i_account, i_state, i_tres = header.job_id, header.account, header.state, header.alloc_tres
    i_submit, i_start, i_end = header.submit, header.start, header.end
    i_cluster, i_name = header.cluster, header.job_name
    i_elapsed_raw, i_elapsed = header.elapsed_raw, header.elapsed
    fromisoformat = datetime.fromisoformat
    new_row = tuple.__new__
    counted, provisional = COUNTED_STATES, PROVISIONAL_STATES
    no_time, suffix = _NO_TIME, _UTC_SUFFIX
    # Few distinct AllocTRES values recur across a file, and decoding one costs more than
    # the rest of the row; the cache is bounded to keep memory constant.
    allocation_cache: dict[str, tuple[int, int]] = {}

    for number, raw_line in enumerate(lines, start=2):
        line = raw_line.rstrip("\r\n")
        if not line:
            continue
        fields = line.split("|")
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
                    "column may contain '|')",
                )
                continue
            fields[width - 1 :] = ["|".join(fields[width - 1 :])]

        job_id = fields[i_job]
        if "." in job_id:
            yield RowProblem(number, "job_step", "job step; its allocation line is counted", job_id)
            continue
        state = fields[i_state]
        if state not in counted and state not in provisional:
            state = state.partition(" ")[0]  # "CANCELLED by 1234"
            if state == "PENDING":
                yield RowProblem(number, "pending", "pending job; nothing ran", job_id)
                continue
            if state not in counted and state not in provisional:
                yield RowProblem(
                    number,
                    "unknown_state",
                    f"unknown State {fields[i_state]!r}; accepted: "
                    f"{', '.join(sorted(counted | provisional | {'PENDING'}))}",
                    job_id,
                )
                continue
        is_provisional = state in provisional
        start_text = fields[i_start]
        if start_text in no_time and not is_provisional:
            yield _without_start(number, job_id, state, fields, header)
            continue
        try:
            if i_elapsed_raw is not None:
                elapsed = int(fields[i_elapsed_raw])
            else:
                elapsed = parse_elapsed(fields[i_elapsed])  # type: ignore[index]
            submit = fromisoformat(fields[i_submit] + suffix)
            start = fromisoformat(start_text + suffix)
            end = cut if is_provisional else fromisoformat(fields[i_end] + suffix)
            alloc_tres = fields[i_tres]
            allocation = allocation_cache.get(alloc_tres)
            if allocation is None:
                allocation = gpu_allocation(alloc_tres, weights)
                if len(allocation_cache) >= _ALLOCATION_CACHE_SIZE:
                    allocation_cache.clear()
                allocation_cache[alloc_tres] = allocation
            gpus, weight = allocation
        except ValueError as error:
            yield _diagnose(number, job_id, fields, header, weights, is_provisional, error)
            continue

        if end < start:
            yield RowProblem(
                number,
                "end_before_start",
                f"End {end:%Y-%m-%dT%H:%M:%S} is before Start {start:%Y-%m-%dT%H:%M:%S}"
                + (" (End is as_of for a running job)" if is_provisional else ""),
                job_id,
            )
            continue
        if is_provisional:
            elapsed = (end - start) // _ONE_SECOND
        elif elapsed < 0:
            yield RowProblem(number, "bad_elapsed", f"negative elapsed time {elapsed}", job_id)
            continue
        if gpus == 0:
            yield RowProblem(number, "no_gpus", "no GPU in AllocTRES", job_id)
            continue
        cluster = (fields[i_cluster] if i_cluster is not None else "") or default_cluster
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
        ran_nothing = fields[header.elapsed_raw] == "0"
    else:
        ran_nothing = fields[header.elapsed].strip("0:-") == ""  # type: ignore[index]
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
            datetime.fromisoformat(fields[index] + _UTC_SUFFIX)
        except ValueError:
            return RowProblem(
                number,
                "bad_time",
                f"{name} {fields[index]!r} is not a time YYYY-MM-DDTHH:MM:SS",
                job_id,
            )
    if header.elapsed_raw is not None:
        text = fields[header.elapsed_raw]
        if not text.lstrip("-").isdigit():
            return RowProblem(number, "bad_elapsed", f"ElapsedRaw {text!r} is not whole seconds", job_id)
    else:
        try:
            parse_elapsed(fields[header.elapsed])  # type: ignore[index]
        except ValueError as elapsed_error:
            return RowProblem(number, "bad_elapsed", str(elapsed_error), job_id)
    try:
        gpu_allocation(fields[header.alloc_tres], weights)
    except ValueError as tres_error:
        return RowProblem(number, "bad_gpus", f"AllocTRES: {tres_error}", job_id)
    return RowProblem(number, "malformed", str(error), job_id)


def month_of(moment: datetime) -> str:
    """The "YYYY-MM" month a moment falls in, in UTC (naive means UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def split_by_month(start: datetime, end: datetime, usage: int) -> tuple[tuple[str, int], ...]:
    """Split whole ``usage`` between the UTC months [start, end) touches, by time, exactly.

    Each month gets its share of the run time by largest remainder, so the parts sum to
    ``usage``; a run of no length goes to the month of its start.
    """
    if not isinstance(usage, int) or usage < 0:
        raise ValidationFailed.single("usage", f"must be a whole number >= 0, got {usage!r}")
    if start.tzinfo is not None:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        raise ValidationFailed.single("end", f"{end.isoformat()} is before start {start.isoformat()}")
    if (start.year, start.month) == (end.year, end.month) or end == start:
        return ((month_of(start), usage),)

    months: list[str] = []
    durations: list[int] = []
    month_start = start
    while month_start < end:
        year, month = month_start.year, month_start.month
        next_month = month_start.replace(
            year=year + (month == 12),
            month=month % 12 + 1,
            day=1,
            hour=0,
            minute=0,
            second=0,
            microsecond=0,
        )
        months.append(f"{year:04d}-{month:02d}")
        durations.append((min(next_month, end) - month_start) // _ONE_MICROSECOND)
        month_start = next_month
    return tuple(zip(months, apportion(usage, durations)))
