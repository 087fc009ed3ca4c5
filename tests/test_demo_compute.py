"""The demo's compute keeps its promises: capacity, projects, ingested usage, a closing and a transfer."""

from __future__ import annotations

from collections import Counter

import pytest

from ledger.db.engine import make_engine
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, EntryKind, SafetyLevel
from ledger.domain.sacct_generator import expected_usage
from ledger.queries.compute import ledger_lines, list_projects
from ledger.queries.governance import list_motions
from ledger.queries.usage import monthly_usage
from ledger.demo import DEMO_DATA, load_demo
from ledger.services.compute import account_timelines
from ledger.demo.compute import usage_exports
from ledger.services.verification import verify_ledger
from tests.compute_world import entries, published
from tests.conftest import DEMO_TODAY as TODAY, copy_database, drop_database

YEARS = (2025, 2026)


@pytest.fixture(scope="module")
def demo(demo_template):
    """A copy of the demo, once per module and database."""
    url = copy_database(demo_template[0])
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def test_each_year_plans_100000_gpus_in_pools_whose_reserves_cite_the_board(demo):
    factors = {}
    for year in YEARS:
        plan = published(demo, year)
        assert plan.gpus == 100_000 and 2 <= len(plan.pools) <= 3 and plan.allocated
        assert all(0 < pool.availability < 1 for pool in plan.pools)
        assert {reserve.name for reserve in plan.reserves} == {"open_calls", "safety_labs"}
        assert plan.decision.count("motion #") == 2 and f"Board, June {year - 1}" in plan.decision
        assert plan.reserved_gpu_hours + sum(member.quota_gpu_hours for member in plan.members) == plan.capacity_gpu_hours
        for pool in plan.pools:
            assert factors.setdefault(pool.gpu_type, pool.factor) == pool.factor
    assert published(demo, 2025).closed and not published(demo, 2026).closed


def test_projects_span_members_and_every_safety_level_with_slurm_accounts_named_as_sites_name_them(demo):
    with demo.connect() as connection:
        projects = list_projects(connection)
    assert len(projects) >= 10
    assert len({project.member for project in projects}) >= 5
    assert {project.safety_level for project in projects} == {level.value for level in SafetyLevel}
    accounts = {project.account for project in projects}
    assert {"ac10000", "ec313", "chaff", "iscrc_clima"} <= accounts  # as sites name them, lower case
    with demo.connect() as connection:
        timelines = account_timelines(connection)
    assert {charge.project_id for charge in timelines["chaff"] + timelines["chaff-gpu"]} == {
        timelines["chaff"][0].project_id}  # a project with two accounts


def test_published_usage_equals_the_generated_exports_own_totals_per_member_and_month(demo):
    with demo.connect() as connection:
        member_of = {account: timeline[0].member_code for account, timeline in account_timelines(connection).items()}
    factors = {pool.gpu_type: pool.factor for year in YEARS for pool in published(demo, year).pools}
    exports = usage_exports(DEMO_DATA, TODAY)
    assert [spec.year for spec in exports] == list(YEARS)
    per_member: Counter[tuple[int, str]] = Counter()
    per_month: Counter[str] = Counter()
    for spec in exports:
        for (account, month), usage in expected_usage(spec, factors).items():
            per_member[int(month[:4]), member_of[account.lower()]] += usage
            per_month[month] += usage
    for year in YEARS:
        members = {member.code: member.used_ms for member in published(demo, year).members if member.used_ms}
        assert members == {code: usage for (in_year, code), usage in per_member.items() if in_year == year}
        with demo.connect() as connection:
            months = {line.group: line.reference_gpu_ms for line in monthly_usage(connection, year)}
        assert months == {month: usage for month, usage in per_month.items() if month.startswith(f"{year}-")}
    # The current year's export was taken at the start of the demo's day: nothing in later months.
    assert max(per_month) == "2026-11"


def test_2025_closed_carrying_each_unused_balance_up_to_a_tenth_of_the_quota_into_2026(demo):
    """"Up to 10 %" caps the carry at 10 % of the year's quota (README, Compute rules)."""
    closed, current = published(demo, 2025), published(demo, 2026)
    carried_in = {member.code: member.carried_in_ms for member in current.members if member.carried_in_ms}
    assert carried_in
    for member in closed.members:
        assert member.balance_ms == 0
        unused = -(member.carried_out_ms + member.forfeited_ms)
        assert -member.carried_out_ms == min(unused, member.quota_ms // 10) == carried_in.get(member.code, 0)


def test_the_board_adopted_one_quota_transfer_that_moved_the_hours(demo):
    with demo.connect() as connection:
        transfers = [row for row in list_motions(connection) if row.kind == "quota_transfer"]
        lines = ledger_lines(connection, 2026, (EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN))
    assert [row.outcome for row in transfers] == ["adopted"]
    assert {(line.member, line.amount_ms // REFERENCE_GPU_MS_PER_GPU_HOUR, line.motion_id) for line in lines} == {
        ("FIN", -2_000_000, transfers[0].id), ("EST", 2_000_000, transfers[0].id),
    }
    members = {member.code: member for member in published(demo, 2026).members}
    assert members["EST"].transferred_gpu_hours == 2_000_000 == -members["FIN"].transferred_gpu_hours


def test_the_demo_verifies_and_a_second_load_adds_nothing(demo):
    before = entries(demo)
    said = []
    load_demo(demo, said.append, today=TODAY)
    assert entries(demo) == before
    assert "Compute: nothing missing; left as it is." in said
    assert verify_ledger(demo).ok
