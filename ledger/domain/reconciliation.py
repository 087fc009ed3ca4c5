"""A reconciliation report of a sacct export, for a site to hold against its own ``sreport``.

Per cluster and month (of the reporting time zone), the jobs and GPU-hours of the export's
charged rows, by state and by account. GPU-hours are given twice: as Slurm counts them
(GPUs x elapsed, what ``sreport cluster AccountUtilizationByUser --tres=gres/gpu`` reports
in minutes) and in reference GPU-hours (weighted by the pools' factors, what the ledger
debits). A job's GPU-hours are split between the months it ran in, like the ledger's;
a job is counted in the month it started. Rows are counted as the file has them: no row is
compared with what the ledger already stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from decimal import Decimal

from ledger.domain.compute import gpu_hours
from ledger.domain.sacct import ParsedRow
from ledger.domain.sacct_times import month_of, split_by_month

_SECONDS_PER_HOUR = 3600


@dataclass(frozen=True, slots=True)
class ReconciliationLine:
    """One group of a cluster's month: a state or an account.

    by: "state" or "account".
    gpu_seconds: GPUs x elapsed seconds, as Slurm counts them.
    reference_gpu_ms: reference GPU-milliseconds, as the ledger charges them.
    """

    cluster: str
    month: str
    by: str
    group: str
    jobs: int
    gpu_seconds: int
    reference_gpu_ms: int

    @property
    def gpu_hours(self) -> Decimal:
        return (Decimal(self.gpu_seconds) / _SECONDS_PER_HOUR).quantize(Decimal("0.001"))

    @property
    def reference_gpu_hours(self) -> Decimal:
        return gpu_hours(self.reference_gpu_ms)


class Reconciliation:
    """Accumulates rows as they stream past; `lines()` gives the report. Memory: one cell per
    cluster, month, state and account, never per job. A row within one month (the common case)
    costs one dict lookup; only a row crossing a month boundary is split."""

    def __init__(self, zone: tzinfo = UTC):
        self.zone = zone
        self._utc = zone is UTC
        # (cluster, "YYYY-MM" or (year, month), state, account) -> [jobs, GPU-seconds, reference GPU-ms]
        self._cells: dict[tuple, list[int]] = {}

    def _cell(self, key: tuple) -> list[int]:
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = [0, 0, 0]
        return cell

    def add(self, row: ParsedRow) -> None:
        """Count a charged row."""
        _, cluster, _, _, account, start, end, state, gpus, elapsed, ms, _, _ = row
        if self._utc and start.month == end.month and start.year == end.year:
            key = (cluster, (start.year, start.month), state, account)
            cell = self._cells.get(key)
            if cell is None:
                self._cells[key] = [1, gpus * elapsed, ms]
            else:
                cell[0] += 1
                cell[1] += gpus * elapsed
                cell[2] += ms
            return
        self._cell((cluster, month_of(start, self.zone), state, account))[0] += 1
        parts = split_by_month(start, end, ms, self.zone)
        second_parts = split_by_month(start, end, gpus * elapsed, self.zone)
        for (month, ms), (_, seconds) in zip(parts, second_parts, strict=True):
            cell = self._cell((cluster, month, state, account))
            cell[1] += seconds
            cell[2] += ms

    def extend(self, rows: Iterable[ParsedRow]) -> "Reconciliation":
        for row in rows:
            self.add(row)
        return self

    def lines(self) -> tuple[ReconciliationLine, ...]:
        """The report, by cluster, month, state before account, then group."""
        totals: dict[tuple, list[int]] = {}
        for (cluster, month, state, account), (jobs, seconds, ms) in self._cells.items():
            if not isinstance(month, str):
                month = f"{month[0]:04d}-{month[1]:02d}"
            for by, group in (("state", state), ("account", account.lower())):
                total = totals.setdefault((cluster, month, by, group), [0, 0, 0])
                total[0] += jobs
                total[1] += seconds
                total[2] += ms
        keys = sorted(totals, key=lambda key: (key[0], key[1], key[2] != "state", key[3]))
        return tuple(ReconciliationLine(*key, *totals[key]) for key in keys)


def report_text(lines: Iterable[ReconciliationLine]) -> list[str]:
    """The report as a table a person reads, one group a line, with each month's total."""
    out = [f"{'cluster':<12} {'month':<7} {'by':<7} {'group':<24} {'jobs':>9} {'GPU-hours':>14} {'reference GPU-hours':>20}"]
    totals: Counter = Counter()
    for line in lines:
        out.append(f"{line.cluster:<12} {line.month:<7} {line.by:<7} {line.group:<24} {line.jobs:>9,} "
                   f"{line.gpu_hours:>14,} {line.reference_gpu_hours:>20,}")
        if line.by == "state":
            totals[(line.cluster, line.month, "jobs")] += line.jobs
            totals[(line.cluster, line.month, "seconds")] += line.gpu_seconds
            totals[(line.cluster, line.month, "ms")] += line.reference_gpu_ms
    for cluster, month in sorted({(cluster, month) for cluster, month, _ in totals}):
        seconds = (Decimal(totals[(cluster, month, "seconds")]) / _SECONDS_PER_HOUR).quantize(Decimal("0.001"))
        out.append(f"{cluster:<12} {month:<7} {'total':<7} {'':<24} {totals[(cluster, month, 'jobs')]:>9,} "
                   f"{seconds:>14,} {gpu_hours(totals[(cluster, month, 'ms')]):>20,}")
    return out
