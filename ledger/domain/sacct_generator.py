"""A deterministic generator of realistic Slurm ``sacct --parsable2`` exports (tests, benches).

The same ExportSpec always gives the same export: jobs arrive through the year in
submission order (so job ids rise with Submit, as in Slurm), sizes run from 1 to 512 GPUs
with a heavy tail, run times are log-normal and capped by a time limit (TIMEOUT), and the
export also holds failed, cancelled, out-of-memory and requeued runs, pending and running
jobs at the time of the export, CPU-only jobs, job steps and job names containing ``|``.

``expected_usage`` totals the same runs per (account, month) straight from month
boundaries, independently of the parser, so an ingestion can be checked against it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TextIO

SACCT_COLUMNS = (
    "JobIDRaw",
    "JobID",
    "Cluster",
    "Partition",
    "Account",
    "User",
    "Submit",
    "Start",
    "End",
    "Elapsed",
    "ElapsedRaw",
    "State",
    "ExitCode",
    "AllocTRES",
    "JobName",
)
"""Columns of the generated export, in order; JobName last, as the parser requires for '|'."""

TIME_LIMIT_SECONDS = 3 * 86_400
"""Runs reaching this length end in TIMEOUT."""

_GPU_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
_GPU_COUNT_WEIGHTS = (40, 15, 15, 14, 6, 4, 3, 1.5, 1, 0.5)
_END_STATES = ("COMPLETED", "FAILED", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED")
_END_STATE_WEIGHTS = (80, 8, 6, 3, 1.5, 1.5)
_JOB_NAMES = ("train", "eval", "pretrain-7b", "finetune", "sweep", "tokenize", "rlhf", "bench")


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """What to generate.

    accounts: Slurm accounts; earlier ones submit more jobs (a Zipf-like share).
    year: the year jobs are submitted in; the export is taken a week after it ends.
    gpu_types: GPU types as in ``gres/gpu:TYPE`` (the pool names); earlier ones are commoner.
    jobs: how many jobs are submitted over the whole year (a requeued job has two runs;
        steps add lines).
    seed: the random seed; the same spec gives the same export.
    cluster: the Cluster column.
    taken_at: when the export is taken (naive UTC), if not a week after the year ends: an
        export of the current year holds only the jobs submitted by then.
    first_job_id: the first JobIDRaw, so that exports of one cluster's successive years
        keep Slurm's rising job ids.
    """

    accounts: tuple[str, ...]
    year: int
    gpu_types: tuple[str, ...]
    jobs: int
    seed: int = 1
    cluster: str = "aurora"
    taken_at: datetime | None = None
    first_job_id: int = 1_000_001

    @property
    def as_of(self) -> datetime:
        """When the export is taken (naive UTC): jobs still running then are RUNNING."""
        return self.taken_at or datetime(self.year + 1, 1, 8)


@dataclass(frozen=True, slots=True)
class GeneratedRun:
    """One run of one job as the export shows it (times naive UTC).

    gpu_type: None when AllocTRES names only untyped ``gres/gpu=N`` (counted at factor 1);
        gpus is 0 for a CPU-only job.
    start: None when the run never started (pending, or cancelled while pending).
    end: None while running at the time of the export.
    state: the State column, e.g. "CANCELLED by 4321".
    steps: the step suffixes printed after the allocation line ("batch", "extern", "0").
    """

    job_id: int
    account: str
    gpu_type: str | None
    gpus: int
    submit: datetime
    start: datetime | None
    end: datetime | None
    state: str
    name: str
    steps: tuple[str, ...]


def generate_runs(spec: ExportSpec) -> Iterator[GeneratedRun]:
    """The runs of the export in order, one at a time (a requeued job yields two runs)."""
    rng = random.Random(spec.seed)
    account_weights = [1 / rank for rank in range(1, len(spec.accounts) + 1)]
    type_weights = [1 / rank for rank in range(1, len(spec.gpu_types) + 1)]
    year_start = datetime(spec.year, 1, 1)
    mean_gap = (datetime(spec.year + 1, 1, 1) - year_start).total_seconds() / max(spec.jobs, 1)
    as_of = spec.as_of
    submitted = 0.0
    for job_id in range(spec.first_job_id, spec.first_job_id + spec.jobs):
        submitted += rng.expovariate(1 / mean_gap)
        submit = year_start + timedelta(seconds=int(submitted))
        if submit >= as_of:  # not submitted yet when the export is taken
            break
        account = rng.choices(spec.accounts, account_weights)[0]
        gpu_type = rng.choices(spec.gpu_types, type_weights)[0]
        if rng.random() < 0.1:
            gpu_type = None
        gpus = 0 if rng.random() < 0.03 else rng.choices(_GPU_COUNTS, _GPU_COUNT_WEIGHTS)[0]
        name = rng.choice(_JOB_NAMES)
        if rng.random() < 0.03:
            name += f"|lr={rng.choice(('1e-4', '3e-4'))}|bs={rng.choice((256, 512))}"
        steps = rng.choices(((), ("batch", "extern"), ("batch", "extern", "0")), (60, 30, 10))[0]
        # Late in the year some jobs are submitted close to the export, to leave some
        # pending and some running when it is taken.
        late = rng.random() < 0.003
        if late:
            submit = as_of - timedelta(seconds=rng.randint(60, 3 * 86_400))
        start = submit + timedelta(seconds=int(rng.expovariate(1 / (43_200 if late else 1_800))))
        length = max(1, min(int(rng.lognormvariate(8.0, 1.8)), TIME_LIMIT_SECONDS))
        if late:
            length = rng.randint(3_600, TIME_LIMIT_SECONDS)

        run = partial(GeneratedRun, job_id, account, gpu_type, gpus, name=name)
        if rng.random() < 0.01:  # cancelled while pending: sacct prints End, no Start
            cancelled = f"CANCELLED by {rng.randint(1_000, 60_000)}"
            if start >= as_of:  # to be cancelled after the export: still pending in it
                yield run(submit=submit, start=None, end=None, state="PENDING", steps=())
            else:
                yield run(submit=submit, start=None, end=start, state=cancelled, steps=())
            continue
        if rng.random() < 0.02 and start + timedelta(seconds=length) < as_of:
            first_end = start + timedelta(seconds=rng.randint(1, length))
            yield run(submit=submit, start=start, end=first_end, state="REQUEUED", steps=steps)
            submit = first_end
            start = submit + timedelta(seconds=int(rng.expovariate(1 / 600)))
        end = start + timedelta(seconds=length)
        if start >= as_of:
            yield run(submit=submit, start=None, end=None, state="PENDING", steps=())
        elif end > as_of:
            yield run(submit=submit, start=start, end=None, state="RUNNING", steps=steps)
        else:
            state = rng.choices(_END_STATES, _END_STATE_WEIGHTS)[0]
            if length == TIME_LIMIT_SECONDS:
                state = "TIMEOUT"
            elif state == "CANCELLED":
                state = f"CANCELLED by {rng.randint(1_000, 60_000)}"
            yield run(submit=submit, start=start, end=end, state=state, steps=steps)


def _elapsed(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    clock = f"{rest // 3_600:02d}:{rest % 3_600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{clock}" if days else clock


def _alloc_tres(gpu_type: str | None, gpus: int) -> str:
    nodes = max(1, gpus // 8)
    cpus = max(8, gpus * 12)
    if gpus == 0:
        return f"billing={cpus},cpu={cpus},mem={cpus * 4}G,node={nodes}"
    if gpu_type is None:
        return f"billing={cpus},cpu={cpus},gres/gpu={gpus},mem={cpus * 8}G,node={nodes}"
    return (
        f"billing={cpus},cpu={cpus},gres/gpu:{gpu_type}={gpus},gres/gpu={gpus},"
        f"mem={cpus * 8}G,node={nodes}"
    )


def _run_lines(spec: ExportSpec, run: GeneratedRun) -> Iterator[str]:
    start = run.start.isoformat() if run.start else ("Unknown" if run.state == "PENDING" else "None")
    if run.end is not None:
        end = run.end.isoformat()
        seconds = int((run.end - run.start).total_seconds()) if run.start else 0
    else:
        end = "Unknown"
        seconds = int((spec.as_of - run.start).total_seconds()) if run.start else 0
    tres = _alloc_tres(run.gpu_type, run.gpus) if run.start else ""
    user = f"u{run.job_id % 997:03d}"
    common = f"{spec.cluster}|gpu|{run.account}|{user}|{run.submit.isoformat()}|{start}|{end}"
    timing = f"{_elapsed(seconds)}|{seconds}"
    exit_code = "0:0" if run.state in ("COMPLETED", "RUNNING", "PENDING") else "1:0"
    yield f"{run.job_id}|{run.job_id}|{common}|{timing}|{run.state}|{exit_code}|{tres}|{run.name}\n"
    step_state = "RUNNING" if run.state == "RUNNING" else run.state.partition(" ")[0]
    for step in run.steps:
        step_id = f"{run.job_id}.{step}"
        yield f"{step_id}|{step_id}|{common}|{timing}|{step_state}|{exit_code}|{tres}|{step}\n"


def write_export(spec: ExportSpec, stream: TextIO) -> int:
    """Write the export, header first, to ``stream`` line by line; return the lines written."""
    stream.write("|".join(SACCT_COLUMNS) + "\n")
    written = 1
    for run in generate_runs(spec):
        for line in _run_lines(spec, run):
            stream.write(line)
            written += 1
    return written


def expected_usage(spec: ExportSpec, gpu_factors: Mapping[str, Decimal]) -> dict[tuple[str, str], int]:
    """Reference GPU-milliseconds per (account, "YYYY-MM"), from the runs and month boundaries.

    Each run that started and holds GPUs is charged GPUs x factor x 1000 for every second
    from its start to its end (to ``spec.as_of`` while running), and each month gets the
    seconds that fall inside it. Untyped GPUs count at factor 1.
    """
    totals: dict[tuple[str, str], int] = {}
    for run in generate_runs(spec):
        if run.start is None or run.gpus == 0:
            continue
        factor = Decimal(1) if run.gpu_type is None else gpu_factors[run.gpu_type]
        per_second = run.gpus * int(factor * 1000)
        end = run.end if run.end is not None else spec.as_of
        month_start = datetime(run.start.year, run.start.month, 1)
        while month_start < end:
            next_month = datetime(
                month_start.year + month_start.month // 12, month_start.month % 12 + 1, 1
            )
            seconds = (min(end, next_month) - max(run.start, month_start)) // timedelta(seconds=1)
            key = (run.account, f"{month_start:%Y-%m}")
            totals[key] = totals.get(key, 0) + per_second * seconds
            month_start = next_month
    return totals
