"""Rules of the sacct parser, each stated on a small inline export."""

from __future__ import annotations

import io
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import ValidationFailed
from ledger.domain.sacct import ParsedRow, RowProblem, parse_elapsed, parse_rows
from ledger.domain.sacct_generator import ExportSpec, expected_usage, generate_runs, write_export
from ledger.domain.sacct_header import parse_header
from ledger.domain.sacct_times import split_by_month, time_zone

HEADER = "JobIDRaw|Cluster|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES|JobName"
FACTORS = {"h100": Decimal("2.5"), "a100": Decimal("1")}
AS_OF = datetime(2025, 7, 1, tzinfo=UTC)
HOUR_MS = 3_600_000  # reference GPU-ms in one GPU-hour at factor 1


def parse(text: str, **settings) -> list[ParsedRow | RowProblem]:
    """Parse an export written as an indented block: header first, one row per line."""
    settings = {"default_cluster": None, "gpu_factors": FACTORS, "as_of": AS_OF} | settings
    lines = [line.strip() + "\n" for line in text.strip().splitlines()]
    return list(parse_rows(lines, **settings))


def only(results: list[ParsedRow | RowProblem]) -> ParsedRow | RowProblem:
    assert len(results) == 1, results
    return results[0]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Rows that count ---------------------------------------------------------------------------


def test_a_completed_job_is_charged_gpus_times_elapsed():
    row = only(parse(f"""
        {HEADER}
        101|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T12:00:00|7200|COMPLETED|billing=48,cpu=48,gres/gpu=4,mem=256G,node=1|train
    """))
    assert row == ParsedRow(
        line=2,
        cluster="aurora",
        job_id="101",
        submit=utc("2025-03-01T09:00:00"),
        account="proj-a",
        start=utc("2025-03-01T10:00:00"),
        end=utc("2025-03-01T12:00:00"),
        state="COMPLETED",
        gpus=4,
        elapsed_seconds=7200,
        reference_gpu_ms=4 * 2 * HOUR_MS,
        provisional=False,
        job_name="train",
    )
    assert row.dedup_key == ("aurora", "101", utc("2025-03-01T09:00:00"))
    assert row.start.tzinfo is UTC


@pytest.mark.parametrize(
    ("alloc_tres", "gpus", "per_hour"),
    [
        ("cpu=8,gres/gpu=2,mem=64G", 2, 2 * HOUR_MS),  # untyped counts at factor 1
        ("cpu=8,gres/gpu:h100=2,gres/gpu=2,mem=64G", 2, 5 * HOUR_MS),  # typed wins
        ("gres/gpu=2,gres/gpu:h100=2", 2, 5 * HOUR_MS),  # whatever the order
        ("gres/gpu:H100=1,gres/gpu:a100=2,gres/gpu=3", 3, (2500 + 2000) * 3_600),  # mixed
        ("cpu=8,gres/gpu=1,gres/gpumem=80G,gres/gpuutil=97", 1, HOUR_MS),  # not GPUs
    ],
)
def test_gpus_come_from_alloc_tres_weighted_by_type(alloc_tres, gpus, per_hour):
    row = only(parse(f"""
        {HEADER}
        7|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T11:00:00|3600|COMPLETED|{alloc_tres}|x
    """))
    assert (row.gpus, row.reference_gpu_ms) == (gpus, per_hour)


@pytest.mark.parametrize(
    "state",
    [
        "COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "CANCELLED by 1234", "NODE_FAIL",
        "OUT_OF_MEMORY", "PREEMPTED", "DEADLINE", "BOOT_FAIL", "REQUEUED", "RESIZING", "REVOKED",
    ],
)
def test_finished_states_are_charged_for_the_time_they_ran(state):
    row = only(parse(f"""
        {HEADER}
        8|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T10:30:00|1800|{state}|gres/gpu=2|x
    """))
    assert row.state == state.partition(" ")[0]
    assert row.reference_gpu_ms == 2 * 1000 * 1800
    assert not row.provisional


def test_a_requeued_job_is_two_records_with_their_own_dedup_keys():
    first, second = parse(f"""
        {HEADER}
        9|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T09:10:00|600|REQUEUED|gres/gpu=8|x
        9|aurora|proj-a|2025-03-01T09:10:00|2025-03-01T09:20:00|2025-03-01T10:20:00|3600|COMPLETED|gres/gpu=8|x
    """)
    assert (first.state, second.state) == ("REQUEUED", "COMPLETED")
    assert first.dedup_key != second.dedup_key
    assert first.reference_gpu_ms + second.reference_gpu_ms == 8 * 1000 * 4200


def test_a_running_job_is_charged_its_elapsed_raw_from_start_never_up_to_as_of():
    running = only(parse(f"""
        {HEADER}
        10|aurora|proj-a|2025-06-30T20:00:00|2025-06-30T22:00:00|Unknown|3600|RUNNING|gres/gpu=1|x
    """))
    assert running.provisional
    assert running.end == utc("2025-06-30T23:00:00")  # Start + ElapsedRaw, not AS_OF (midnight)
    assert running.elapsed_seconds == 3600
    assert running.reference_gpu_ms == HOUR_MS
    finished = only(parse(f"""
        {HEADER}
        10|aurora|proj-a|2025-06-30T20:00:00|2025-06-30T22:00:00|2025-07-01T04:00:00|21600|COMPLETED|gres/gpu=1|x
    """))
    assert not finished.provisional
    assert finished.dedup_key == running.dedup_key


@pytest.mark.parametrize("state", ["RUNNING", "SUSPENDED"])
def test_running_and_suspended_rows_read_elapsed_when_there_is_no_elapsed_raw(state):
    row = only(parse(f"""
        JobIDRaw|Cluster|Account|Submit|Start|End|Elapsed|State|AllocTRES
        10|aurora|proj-a|2025-06-30T20:00:00|2025-06-30T22:00:00|Unknown|01:30:00|{state}|gres/gpu=2
    """, as_of=None))
    assert (row.provisional, row.elapsed_seconds, row.end) == (True, 5400, utc("2025-06-30T23:30:00"))


def test_as_of_is_only_the_fallback_of_an_export_without_elapsed_and_is_then_required():
    text = """
        JobIDRaw|Cluster|Account|Submit|Start|End|State|AllocTRES
        10|aurora|proj-a|2025-06-30T20:00:00|2025-06-30T22:00:00|Unknown|RUNNING|gres/gpu=1
        11|aurora|proj-a|2025-06-30T20:00:00|2025-06-30T21:00:00|2025-06-30T21:30:00|COMPLETED|gres/gpu=1
    """
    with pytest.raises(ValidationFailed, match="as_of: the export has neither ElapsedRaw nor Elapsed"):
        parse(text, as_of=None)
    running, finished = parse(text, as_of=datetime(2025, 6, 30, 23, 0, 0, 999_999))  # naive means UTC
    assert (running.end, running.elapsed_seconds) == (utc("2025-06-30T23:00:00"), 3600)
    assert (finished.end, finished.elapsed_seconds) == (utc("2025-06-30T21:30:00"), 1800)  # End - Start


def test_a_running_job_that_starts_after_as_of_is_a_problem():
    problem = only(parse("""
        JobIDRaw|Cluster|Account|Submit|Start|End|State|AllocTRES
        11|aurora|proj-a|2025-07-01T20:00:00|2025-07-02T00:00:00|Unknown|RUNNING|gres/gpu=1
    """))
    assert (problem.line, problem.reason) == (2, "end_before_start")
    assert "as_of" in problem.message


# Rows left out by design ---------------------------------------------------------------------


def test_pending_jobs_steps_jobs_that_never_started_and_cpu_jobs_are_skipped_not_errors():
    results = parse(f"""
        {HEADER}
        12|aurora|proj-a|2025-03-01T09:00:00|Unknown|Unknown|0|PENDING||waiting
        13|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:10|2025-03-01T09:10:10|600|COMPLETED|gres/gpu=4|main
        13.batch|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:10|2025-03-01T09:10:10|600|COMPLETED|gres/gpu=4|batch
        13.0|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:10|2025-03-01T09:10:10|600|COMPLETED|gres/gpu=4|step
        14|aurora|proj-a|2025-03-01T09:00:00|None|2025-03-01T09:05:00|0|CANCELLED by 4321||gone
        15|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|billing=8,cpu=8,mem=8G|cpu
    """)
    assert [(result.line, getattr(result, "reason", "counted")) for result in results] == [
        (2, "pending"),
        (3, "counted"),
        (4, "job_step"),
        (5, "job_step"),
        (6, "never_started"),
        (7, "no_gpus"),
    ]
    assert not any(result.is_error for result in results if isinstance(result, RowProblem))


def test_an_unknown_state_is_an_error_naming_the_line_and_what_is_accepted():
    results = parse(f"""
        {HEADER}
        16|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|ok
        17|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|EXPLODED|gres/gpu=1|bad
    """)
    problem = results[1]
    assert (problem.line, problem.reason, problem.job_id) == (3, "unknown_state", "17")
    assert problem.is_error
    assert "EXPLODED" in problem.message and "COMPLETED" in problem.message
    assert str(problem).startswith("line 3: unknown_state: ")


# Malformed rows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason", "in_message"),
    [
        ("18|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00", "too_few_fields", "5 fields"),
        ("19|aurora|proj-a|yesterday|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x",
         "bad_time", "Submit 'yesterday'"),
        ("20|aurora|proj-a|2025-03-01T09:00:00|2025-13-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x",
         "bad_time", "Start"),
        ("21|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|Unknown|3600|COMPLETED|gres/gpu=1|x",
         "bad_time", "End 'Unknown'"),
        ("22|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T09:00:00|3600|COMPLETED|gres/gpu=1|x",
         "end_before_start", "before Start"),
        ("23|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|1h|COMPLETED|gres/gpu=1|x",
         "bad_elapsed", "'1h'"),
        ("24|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|-5|COMPLETED|gres/gpu=1|x",
         "bad_elapsed", "-5"),
        ("25|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=-2|x",
         "bad_gpus", "gres/gpu=-2"),
        ("26|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=two|x",
         "bad_gpus", "whole number"),
        ("27|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu:tpu=1|x",
         "bad_gpus", "known types: a100, h100"),
        ("40|aurora|proj-a|2025-03-01T09:00:00|None|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x",
         "bad_time", "yet the job ran"),
        ("28||proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x",
         "missing_field", "Cluster"),
        ("29|aurora||2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x",
         "missing_field", "Account"),
    ],
)
def test_a_malformed_row_is_an_error_on_its_line(row, reason, in_message):
    ok = "1|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x"
    results = parse(f"{HEADER}\n{ok}\n{row}\n{ok}")
    assert [type(result) for result in results] == [ParsedRow, RowProblem, ParsedRow]
    problem = results[1]
    assert (problem.line, problem.reason) == (3, reason)
    assert problem.is_error
    assert in_message in problem.message


def test_a_pipe_in_a_last_job_name_is_joined_back():
    row = only(parse(f"""
        {HEADER}
        30|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|sweep|lr=3e-4||bs=512
    """))
    assert row.job_name == "sweep|lr=3e-4||bs=512"
    assert row.reference_gpu_ms == HOUR_MS


def test_a_pipe_is_an_error_when_job_name_is_not_the_last_column():
    problem = only(parse("""
        JobIDRaw|JobName|Cluster|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES
        31|a|b|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1
    """))
    assert (problem.line, problem.reason) == (2, "too_many_fields")


def test_line_numbers_count_the_header_and_blank_lines():
    lines = [
        HEADER + "\n",
        "\n",
        "32|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x\r\n",
        "33|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|NOPE|gres/gpu=1|x\n",
    ]
    results = list(parse_rows(lines, default_cluster=None, gpu_factors=FACTORS, as_of=AS_OF))
    assert [(result.line, type(result)) for result in results] == [(3, ParsedRow), (4, RowProblem)]
    assert results[0].job_name == "x"


# Elapsed ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("01:02:03", 3723), ("12:34", 754), ("1-00:00:00", 86_400), ("13-23:59:59", 1_209_599)],
)
def test_elapsed_is_read_as_d_hh_mm_ss_or_mm_ss(text, seconds):
    assert parse_elapsed(text) == seconds


@pytest.mark.parametrize("text", ["", "1h", "1:2:3:4", "00:60:00", "00:00:60", "1-24:00:00", "-01:00:00", "1-12:34"])
def test_elapsed_refuses_other_shapes(text):
    with pytest.raises(ValueError):
        parse_elapsed(text)


def test_an_export_with_elapsed_only_is_read_from_elapsed():
    results = parse("""
        JobIDRaw|Cluster|Account|Submit|Start|End|Elapsed|State|AllocTRES
        34|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-02T10:00:00|1-01:00:00|COMPLETED|gres/gpu=1
        35|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-02T10:00:00|25 hours|COMPLETED|gres/gpu=1
    """)
    assert results[0].elapsed_seconds == 25 * 3600
    assert (results[1].line, results[1].reason) == (3, "bad_elapsed")


def test_elapsed_raw_is_preferred_to_elapsed():
    row = only(parse("""
        JobIDRaw|Cluster|Account|Submit|Start|End|Elapsed|ElapsedRaw|State|AllocTRES
        36|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|99:99:99|3600|COMPLETED|gres/gpu=1
    """))
    assert row.elapsed_seconds == 3600


# Header and settings ---------------------------------------------------------------------------


def test_a_header_that_is_not_sacct_is_refused_naming_the_missing_columns():
    with pytest.raises(ValidationFailed) as refused:
        parse_header("date,amount,member")
    message = str(refused.value)
    assert refused.value.problems[0].field == "header"
    for column in ("JobIDRaw", "Account", "Submit", "Start", "End", "State", "AllocTRES", "ElapsedRaw (or Elapsed)"):
        assert column in message
    assert "sacct --allusers --allocations --parsable2 --format=JobIDRaw,Cluster,Account," in message


def test_the_header_is_matched_case_insensitively_and_keeps_column_positions():
    header = parse_header("\ufeffjobidraw|STATE|Account|Submit|Start|End|Elapsed|AllocTRES\r\n")
    assert (header.width, header.job_id, header.state, header.elapsed, header.elapsed_raw) == (8, 0, 1, 6, None)
    assert header.cluster is None and header.job_name is None


def test_an_empty_export_is_refused():
    with pytest.raises(ValidationFailed, match="empty"):
        parse_rows([], default_cluster="aurora", gpu_factors=FACTORS)


def test_without_a_cluster_column_the_default_cluster_is_used_and_required():
    text = """
        JobIDRaw|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES
        37|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1
    """
    assert only(parse(text, default_cluster="aurora")).cluster == "aurora"
    with pytest.raises(ValidationFailed) as refused:
        parse(text, default_cluster=None)
    assert refused.value.problems[0].field == "default_cluster"


def test_an_empty_cluster_value_falls_back_to_the_default():
    row = only(parse(f"""
        {HEADER}
        38||proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x
    """, default_cluster="aurora"))
    assert row.cluster == "aurora"


def test_gpu_factors_are_checked_before_any_row_is_read():
    with pytest.raises(ValidationFailed) as refused:
        parse_rows([HEADER], default_cluster=None, gpu_factors={"h100": Decimal("2.5001"), "a100": Decimal("-1")})
    assert [problem.field for problem in refused.value.problems] == ["gpu_factors.h100", "gpu_factors.a100"]


def test_parsing_is_lazy():
    row = "39|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1|x"
    endless = itertools.chain([HEADER], itertools.repeat(row))
    first_three = list(itertools.islice(parse_rows(endless, default_cluster=None, gpu_factors=FACTORS), 3))
    assert [result.line for result in first_three] == [2, 3, 4]


# Months -------------------------------------------------------------------------------------


def test_a_job_within_one_month_stays_whole():
    assert split_by_month(utc("2025-03-01T00:00:00"), utc("2025-04-01T00:00:00"), 1234) == (("2025-03", 1234),)


def test_a_job_crossing_a_month_is_split_by_time():
    # 1 hour in March, 3 hours in April.
    parts = split_by_month(utc("2025-03-31T23:00:00"), utc("2025-04-01T03:00:00"), 4 * HOUR_MS)
    assert parts == (("2025-03", HOUR_MS), ("2025-04", 3 * HOUR_MS))


def test_a_job_spanning_three_months_is_split_by_largest_remainder():
    # Jan 31 12:00 to Mar 1 12:00: 12 h in January, 28 days in February, 12 h in March.
    parts = split_by_month(utc("2025-01-31T12:00:00"), utc("2025-03-01T12:00:00"), 100)
    assert [month for month, _ in parts] == ["2025-01", "2025-02", "2025-03"]
    # Exact shares 1.724, 96.552, 1.724: floors 1, 96, 1, and the two units left go to the
    # two largest remainders, January and March.
    assert parts == (("2025-01", 2), ("2025-02", 96), ("2025-03", 2))
    assert sum(usage for _, usage in parts) == 100


def test_a_job_crossing_the_year_end_goes_to_both_years():
    parts = split_by_month(datetime(2025, 12, 31, 18, 0), datetime(2026, 1, 1, 6, 0), 12 * HOUR_MS)
    assert parts == (("2025-12", 6 * HOUR_MS), ("2026-01", 6 * HOUR_MS))


def test_months_are_utc_months():
    plus_two = timezone(timedelta(hours=2))
    # 01:00 on April 1st at UTC+2 is still March in UTC.
    parts = split_by_month(datetime(2025, 4, 1, 1, 0, tzinfo=plus_two), datetime(2025, 4, 1, 3, 0, tzinfo=plus_two), 10)
    assert parts == (("2025-03", 5), ("2025-04", 5))


def test_a_job_of_no_length_goes_to_its_start_month():
    assert split_by_month(utc("2025-03-31T23:59:59"), utc("2025-03-31T23:59:59"), 0) == (("2025-03", 0),)


def test_split_refuses_an_end_before_start_and_negative_usage():
    with pytest.raises(ValidationFailed):
        split_by_month(utc("2025-03-02T00:00:00"), utc("2025-03-01T00:00:00"), 1)
    with pytest.raises(ValidationFailed):
        split_by_month(utc("2025-03-01T00:00:00"), utc("2025-03-02T00:00:00"), -1)


@given(
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    usage=st.integers(min_value=0, max_value=10**16),
)
def test_split_parts_sum_exactly_to_the_whole_and_follow_time(start, length, usage):
    end = start + length
    parts = split_by_month(start, end, usage)
    assert sum(part for _, part in parts) == usage
    months = [month for month, _ in parts]
    assert months == sorted(set(months))
    assert months[0] == f"{start:%Y-%m}"
    total = length / timedelta(microseconds=1)
    if total:
        # No part strays from its exact share of the time by a whole unit or more.
        month_start = start
        for month, part in parts:
            year, number = int(month[:4]), int(month[5:])
            month_end = datetime(year + number // 12, number % 12 + 1, 1)
            share = usage * ((min(month_end, end) - month_start) / timedelta(microseconds=1)) / total
            assert abs(part - share) < 1 + usage * 1e-9
            month_start = month_end


# Generator round trip -----------------------------------------------------------------------

SPEC = ExportSpec(
    accounts=("proj-alpha", "proj-beta", "proj-gamma"),
    year=2025,
    gpu_types=("h100", "a100", "mi300x"),
    jobs=15_000,
    seed=11,
)
SPEC_FACTORS = {"h100": Decimal("2.5"), "a100": Decimal("1"), "mi300x": Decimal("1.875")}


@pytest.fixture(scope="module")
def generated_export() -> str:
    stream = io.StringIO()
    write_export(SPEC, stream)
    return stream.getvalue()


def test_ingesting_a_generated_export_gives_the_generators_own_totals(generated_export):
    totals: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    for result in parse_rows(
        io.StringIO(generated_export),
        default_cluster=None,
        gpu_factors=SPEC_FACTORS,
        as_of=SPEC.as_of,
    ):
        if isinstance(result, ParsedRow):
            for month, usage in split_by_month(result.start, result.end, result.reference_gpu_ms):
                totals[result.account, month] += usage
        else:
            reasons[result.reason] += 1
    expected = expected_usage(SPEC, SPEC_FACTORS)
    assert dict(totals) == expected
    assert set(reasons) == {"job_step", "pending", "never_started", "no_gpus"}
    assert {month for _, month in expected} >= {f"2025-{month:02d}" for month in range(1, 13)} | {"2026-01"}


def test_the_generated_export_holds_every_case_the_parser_must_handle(generated_export):
    lines = generated_export.splitlines()
    states = Counter(line.split("|")[11].partition(" ")[0] for line in lines[1:])
    assert {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "REQUEUED", "PENDING", "RUNNING"} <= set(states)
    assert any("|CANCELLED by " in line for line in lines)
    assert any(line.count("|") > 14 for line in lines), "a JobName with '|'"
    assert any(".batch|" in line for line in lines) and any(".0|" in line for line in lines)
    runs = list(generate_runs(SPEC))
    requeued = {run.job_id for run in runs if run.state == "REQUEUED"}
    assert requeued and all(sum(run.job_id == job for run in runs) == 2 for job in list(requeued)[:5])
    sizes = [run.gpus for run in runs]
    assert min(size for size in sizes if size) == 1 and max(sizes) == 512
    assert any(run.start and run.end and run.start.month != run.end.month for run in runs)


def test_the_generator_is_deterministic_per_seed(generated_export):
    again = io.StringIO()
    write_export(SPEC, again)
    assert again.getvalue() == generated_export
    other = io.StringIO()
    write_export(ExportSpec(SPEC.accounts, SPEC.year, SPEC.gpu_types, jobs=200, seed=12), other)
    assert other.getvalue()[:5000] != generated_export[:5000]


def test_an_export_taken_during_the_year_holds_only_what_had_happened_by_then():
    taken_at = datetime(2026, 11, 22)
    spec = ExportSpec(SPEC.accounts, 2026, SPEC.gpu_types, jobs=6_000, seed=5, taken_at=taken_at, first_job_id=3_000_001)
    stream = io.StringIO()
    write_export(spec, stream)
    lines = stream.getvalue().splitlines(keepends=True)
    times = [datetime.fromisoformat(value) for line in lines[1:] for value in line.split("|")[6:9] if value[:1].isdigit()]
    assert max(times) <= taken_at
    runs = list(generate_runs(spec))
    assert {"RUNNING", "PENDING"} <= {run.state for run in runs}
    job_ids = {run.job_id for run in runs}
    # About 11/12 of the year's jobs had been submitted by 22 November, with ids from the first one on.
    assert min(job_ids) == 3_000_001 and 5_000 < len(job_ids) < 5_800 and max(job_ids) < 3_000_001 + 6_000
    totals: Counter[tuple[str, str]] = Counter()
    for result in parse_rows(lines, default_cluster="aurora", gpu_factors=SPEC_FACTORS, as_of=taken_at):
        if isinstance(result, ParsedRow):
            for month, usage in split_by_month(result.start, result.end, result.reference_gpu_ms):
                totals[result.account, month] += usage
    expected = expected_usage(spec, SPEC_FACTORS)
    assert dict(totals) == expected
    assert {month for _, month in expected} == {f"2026-{month:02d}" for month in range(1, 12)}


# Layouts: headerless, --parsable, other delimiters ----------------------------------------

ROWS = [
    "101|aurora|ac10000|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T12:00:00|7200|COMPLETED|cpu=8,gres/gpu=4|train",
    "101.batch|aurora|ac10000|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T12:00:00|7200|COMPLETED|cpu=8,gres/gpu=4|batch",
    "102|aurora|ec313|2025-03-01T09:00:00|2025-03-01T11:00:00|Unknown|1800|RUNNING|gres/gpu:h100=2,gres/gpu=2|sweep|lr=3",
]


def test_the_same_jobs_in_any_layout_parse_the_same():
    with_header = parse("\n".join([HEADER, *ROWS]))
    fmt = HEADER.replace("|", ",")
    headerless = list(parse_rows([row + "\n" for row in ROWS], default_cluster=None, gpu_factors=FACTORS, columns=fmt))
    parsable = parse("\n".join(line + "|" for line in [HEADER, *ROWS]))
    semicolons = list(parse_rows([line.replace("|", ";") + ";\n" for line in ROWS], default_cluster=None,
                                 gpu_factors=FACTORS, columns=fmt, delimiter=";"))
    def key(results):  # lines differ by the header, a job name by its delimiter
        return [r._replace(line=0, job_name=r.job_name.replace(";", "|")) if isinstance(r, ParsedRow) else r.reason
                for r in results]

    assert key(with_header) == key(headerless) == key(parsable) == key(semicolons)
    assert [r.line for r in headerless] == [1, 2, 3] and [r.line for r in with_header] == [2, 3, 4]
    assert with_header[2].job_name == "sweep|lr=3" and semicolons[2].job_name == "sweep;lr=3"
    assert isinstance(with_header[1], RowProblem) and with_header[1].reason == "job_step"


def test_a_headerless_file_without_a_column_list_is_refused_with_the_columns_and_the_command():
    with pytest.raises(ValidationFailed) as refused:
        parse("\n".join(ROWS))
    message = str(refused.value)
    assert refused.value.problems[0].field == "header"
    assert "the first line is not a sacct header and no column list was given" in message
    assert "JobIDRaw,Cluster,Account,Submit,Start,End,ElapsedRaw,State,AllocTRES" in message
    assert "sacct --allusers --allocations --parsable2" in message
    with pytest.raises(ValidationFailed, match="format: the column list lacks columns; missing AllocTRES"):
        list(parse_rows(ROWS, default_cluster=None, gpu_factors=FACTORS, columns="JobIDRaw,Cluster,Account,Submit,Start,End,State"))
    with pytest.raises(ValidationFailed, match="delimiter: one character"):
        list(parse_rows(ROWS, default_cluster=None, gpu_factors=FACTORS, delimiter="||"))


def test_a_column_list_that_contradicts_the_header_is_refused():
    with pytest.raises(ValidationFailed, match="format: the column list given differs"):
        list(parse_rows([HEADER, *ROWS], default_cluster=None, gpu_factors=FACTORS, columns="Cluster,JobIDRaw,Account,Submit,Start,End,ElapsedRaw,State,AllocTRES,JobName"))


def test_job_id_stands_for_job_id_raw_and_widths_in_the_format_list_are_ignored():
    (row,) = parse_rows(["7|lumi|ac10000|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T11:00:00|3600|TIMEOUT|gres/gpu=1\n"],
                        default_cluster=None, gpu_factors=FACTORS,
                        columns="JobID%20,Cluster,Account,Submit,Start,End,ElapsedRaw,State,AllocTRES%60")
    assert (row.job_id, row.state, row.reference_gpu_ms) == ("7", "TIMEOUT", HOUR_MS)


@pytest.mark.parametrize("step", ["123.batch", "123.extern", "123.0", "123_4.batch", "123_4.0"])
def test_job_steps_are_never_counted(step):
    problem = only(parse(f"""
        {HEADER}
        {step}|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T12:00:00|7200|COMPLETED|gres/gpu=4|x
    """))
    assert (problem.reason, problem.is_error) == ("job_step", False)


@pytest.mark.parametrize(
    ("alloc_tres", "gpus", "per_hour"),
    [
        ("billing=40,cpu=32,gres/gpu:a100=4,gres/gpu=4,mem=256G,node=1", 4, 4 * HOUR_MS),
        ("gres/gpu=4,gres/gpu:a100=4,gres/gpumem=320G,gres/gpuutil=97", 4, 4 * HOUR_MS),
        ("billing=64,cpu=64,mem=128G", 0, 0),
        ("gres/gpumem=40G,billing=8", 0, 0),
        ("gres/gpu:h100=2,gres/gpu:a100=2,gres/gpu=4", 4, (2 * 2.5 + 2) * HOUR_MS),
    ],
)
def test_typed_and_untyped_gpus_count_once_and_gpumem_gpuutil_billing_are_not_gpus(alloc_tres, gpus, per_hour):
    results = parse(f"""
        {HEADER}
        9|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T11:00:00|3600|COMPLETED|{alloc_tres}|x
    """)
    if gpus == 0:
        assert only(results).reason == "no_gpus"
    else:
        assert (only(results).gpus, only(results).reference_gpu_ms) == (gpus, per_hour)


@pytest.mark.parametrize(
    "state", ["CANCELLED by 1234", "NODE_FAIL", "OUT_OF_MEMORY", "TIMEOUT", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REQUEUED",
              "FAILED", "REVOKED", "RESIZING"])
def test_every_finished_state_of_the_sacct_man_page_is_charged_for_the_time_it_ran(state):
    row = only(parse(f"""
        {HEADER}
        9|aurora|proj-a|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T10:30:00|1800|{state}|gres/gpu=2|x
    """))
    assert (row.state, row.reference_gpu_ms) == (state.split()[0], HOUR_MS)


def test_start_none_is_a_job_that_never_started():
    problem = only(parse(f"""
        {HEADER}
        9|aurora|proj-a|2025-03-01T09:00:00|None|2025-03-01T10:30:00|0|CANCELLED by 0|gres/gpu=2|x
    """))
    assert (problem.reason, problem.is_error) == ("never_started", False)


# Time zones --------------------------------------------------------------------------------

OSLO = time_zone("Europe/Oslo")


def test_local_time_is_read_in_the_clusters_time_zone_and_returned_in_utc():
    # 23:30 to 00:30 CET across the end of January is 22:30 to 23:30 UTC: wholly January.
    row = only(parse(f"""
        {HEADER}
        1|aurora|proj-a|2025-01-31T22:00:00|2025-01-31T23:30:00|2025-02-01T00:30:00|3600|COMPLETED|gres/gpu=1|x
    """, zone=OSLO))
    assert (row.start, row.end) == (utc("2025-01-31T22:30:00"), utc("2025-01-31T23:30:00"))
    assert split_by_month(row.start, row.end, row.reference_gpu_ms) == (("2025-01", HOUR_MS),)


def test_times_with_an_offset_are_taken_as_written_in_any_zone():
    for zone in (UTC, OSLO):
        row = only(parse(f"""
            {HEADER}
            1|aurora|proj-a|2025-01-31T22:00:00+01:00|2025-01-31T23:30:00+01:00|2025-02-01T00:30:00+0100|3600|COMPLETED|gres/gpu=1|x
        """, zone=zone))
        assert (row.start, row.end) == (utc("2025-01-31T22:30:00"), utc("2025-01-31T23:30:00"))
    z = only(parse(f"""
        {HEADER}
        1|aurora|proj-a|2025-01-31T22:00:00Z|2025-01-31T23:30:00Z|2025-02-01T00:30:00Z|3600|COMPLETED|gres/gpu=1|x
    """, zone=OSLO))
    assert z.start == utc("2025-01-31T23:30:00")


def test_a_job_across_the_fall_back_fold_is_resolved_with_its_elapsed_time():
    # Oslo, 26 October 2025: 03:00 CEST becomes 02:00 CET; 02:00-02:59 happens twice.
    # A 40-minute job from 02:40 (first, CEST) to 02:20 (second, CET).
    row = only(parse(f"""
        {HEADER}
        1|aurora|proj-a|2025-10-26T02:00:00|2025-10-26T02:40:00|2025-10-26T02:20:00|2400|COMPLETED|gres/gpu=1|x
    """, zone=OSLO))
    assert (row.start, row.end, row.elapsed_seconds) == (utc("2025-10-26T00:40:00"), utc("2025-10-26T01:20:00"), 2400)
    # A 10-minute job within the second 02:xx hour (CET).
    late = only(parse(f"""
        {HEADER}
        2|aurora|proj-a|2025-10-26T01:00:00|2025-10-26T02:30:00|2025-10-26T02:40:00|600|COMPLETED|gres/gpu=1|x
    """, zone=OSLO))
    assert (late.start, late.end) == (utc("2025-10-26T00:30:00"), utc("2025-10-26T00:40:00"))
    # The same 10 minutes 70 minutes long: the first 02:30 (CEST) to the second 02:40 (CET).
    long = only(parse(f"""
        {HEADER}
        3|aurora|proj-a|2025-10-26T01:00:00|2025-10-26T02:30:00|2025-10-26T02:40:00|4200|COMPLETED|gres/gpu=1|x
    """, zone=OSLO))
    assert (long.start, long.end) == (utc("2025-10-26T00:30:00"), utc("2025-10-26T01:40:00"))


def test_a_running_job_started_half_an_hour_before_a_local_export_is_charged_half_an_hour():
    row = only(parse(f"""
        {HEADER}
        1|aurora|proj-a|2025-01-15T12:00:00|2025-01-15T12:30:00|Unknown|1800|RUNNING|gres/gpu=2|x
    """, zone=OSLO, as_of=None))
    assert (row.start, row.end, row.reference_gpu_ms) == (utc("2025-01-15T11:30:00"), utc("2025-01-15T12:00:00"), HOUR_MS)


def test_a_local_time_the_clocks_skipped_is_reported():
    # Oslo, 30 March 2025: 02:00 CET becomes 03:00 CEST; 02:30 never happened.
    problem = only(parse(f"""
        {HEADER}
        1|aurora|proj-a|2025-03-30T01:00:00|2025-03-30T02:30:00|2025-03-30T04:00:00|1800|COMPLETED|gres/gpu=1|x
    """, zone=OSLO))
    assert (problem.reason, problem.is_error) == ("time_in_gap", True)
    assert "2025-03-30T02:30:00 never occurred in Europe/Oslo" in problem.message


def test_a_bad_time_zone_name_is_refused():
    with pytest.raises(ValidationFailed, match="timezone: an IANA time zone name"):
        time_zone("Mars/Olympus_Mons")
    assert time_zone("utc") is UTC


def test_months_are_split_in_the_reporting_time_zone():
    start, end = utc("2025-01-31T22:30:00"), utc("2025-01-31T23:30:00")
    assert split_by_month(start, end, 3600) == (("2025-01", 3600),)
    assert split_by_month(start, end, 3600, OSLO) == (("2025-01", 1800), ("2025-02", 1800))
