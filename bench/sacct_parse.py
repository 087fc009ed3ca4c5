"""Parse speed of ledger.domain.sacct on a generated 1,000,000-line sacct export.

Run from the repository root: ``.venv/bin/python bench/sacct_parse.py``. The export is
written to a temporary file first, so the figure covers reading lines from a file and
parsing them, not generating them; a second figure adds the split of usage by month.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from datetime import UTC
from decimal import Decimal
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.domain.sacct import ParsedRow, parse_rows
from ledger.domain.sacct_times import split_by_month
from ledger.domain.sacct_generator import ExportSpec, write_export

LINES = 1_000_000
FACTORS = {"h100": Decimal("2.5"), "a100": Decimal("1"), "mi300x": Decimal("1.875")}
# About 1.9 lines per job (steps, requeues); a few more jobs than needed, cut at LINES.
SPEC = ExportSpec(
    accounts=tuple(f"proj-{index:03d}" for index in range(200)),
    year=2025,
    gpu_types=tuple(FACTORS),
    jobs=560_000,
    seed=2025,
)


def _parse(path: str, *, split: bool) -> tuple[float, int]:
    with open(path, encoding="utf-8") as export:
        lines = itertools.islice(export, LINES)
        began = time.perf_counter()
        rows = 0
        for result in parse_rows(
            lines, default_cluster=None, gpu_factors=FACTORS, as_of=SPEC.as_of.replace(tzinfo=UTC)
        ):
            if split and type(result) is ParsedRow:
                split_by_month(result.start, result.end, result.reference_gpu_ms)
            rows += 1
        return time.perf_counter() - began, rows


def main() -> None:
    """Generate the export, parse it twice and print rows per second."""
    with tempfile.NamedTemporaryFile("w", suffix=".sacct", encoding="utf-8") as export:
        began = time.perf_counter()
        written = write_export(SPEC, export)
        export.flush()
        print(f"generated {written:,} lines in {time.perf_counter() - began:.1f} s")
        if written < LINES:
            raise SystemExit(f"the export has only {written:,} lines; raise SPEC.jobs")
        for split in (False, True):
            seconds, rows = _parse(export.name, split=split)
            label = "parse + split_by_month" if split else "parse"
            print(
                f"{label}: {LINES:,} lines ({rows:,} results) in {seconds:.2f} s = "
                f"{LINES / seconds:,.0f} rows/s, {seconds / LINES * 1e6:.2f} µs/row"
            )


if __name__ == "__main__":
    main()
