"""The columns of a sacct export: from its header line or, for a ``--noheader`` export, the ``--format`` list given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.domain.errors import ValidationFailed

REQUIRED_COLUMNS = ("JobIDRaw", "Account", "Submit", "Start", "End", "State", "AllocTRES")
"""Columns every export needs (JobID may stand for JobIDRaw), besides Cluster or a default."""

SACCT_FORMAT = "JobIDRaw,Cluster,Account,Submit,Start,End,ElapsedRaw,State,AllocTRES,JobName"
SACCT_COMMAND = f"sacct --allusers --allocations --parsable2 --format={SACCT_FORMAT}"
"""The sacct command whose output the ledger reads best (add --noheader and pass the same
list as the column list, if wanted)."""

DEFAULT_DELIMITER = "|"

@dataclass(frozen=True, slots=True)
class Header:
    """Column positions of an export, from its header line or the column list given.

    width: number of columns; a row with more fields has the delimiter in its JobName.
    cluster, elapsed_raw, elapsed, job_name: None when the export lacks the column.
    job_id: JobIDRaw's position, or JobID's when the export has no JobIDRaw.
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


def _names(line: str, delimiter: str) -> list[str]:
    names = [name.strip().lower() for name in line.lstrip("\ufeff").rstrip("\r\n").split(delimiter)]
    if len(names) > 1 and names[-1] == "":
        names.pop()  # --parsable ends every line with the delimiter
    return names


def looks_like_header(line: str, delimiter: str = DEFAULT_DELIMITER) -> bool:
    """Whether a line is a sacct header: it names State and JobIDRaw or JobID."""
    names = set(_names(line, delimiter))
    return "state" in names and bool(names & {"jobidraw", "jobid"})


def parse_header(line: str, delimiter: str = DEFAULT_DELIMITER) -> Header:
    """Column positions from a sacct header line (or a --format list joined by the
    delimiter); ValidationFailed names the missing columns and the sacct command to use."""
    return _header(_names(line, delimiter), "header")


def parse_columns(columns: str | Sequence[str]) -> Header:
    """Column positions from the ``--format`` list the site gave sacct (comma-separated or
    a sequence), for an export without a header line. ``%N`` widths are ignored."""
    names = columns.split(",") if isinstance(columns, str) else list(columns)
    return _header([name.partition("%")[0].strip().lower() for name in names if name.strip()], "format")


def _header(names: list[str], field: str) -> Header:
    position: dict[str, int] = {}
    for index, name in enumerate(names):
        position.setdefault(name, index)
    if "jobidraw" not in position and "jobid" in position:
        position["jobidraw"] = position["jobid"]
    missing = [column for column in REQUIRED_COLUMNS if column.lower() not in position]
    if missing:
        what = "not a sacct header" if field == "header" else "the column list lacks columns"
        raise ValidationFailed.single(
            field,
            f"{what}; missing {', '.join(missing)}. The ledger needs JobIDRaw, Cluster (or a default "
            f"cluster), Account, Submit, Start, End, ElapsedRaw (or Elapsed), State and AllocTRES: "
            f"export with {SACCT_COMMAND}",
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
