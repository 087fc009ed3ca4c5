"""The compute pages of the workspace, end to end through the web client on both databases.

Each form: the GET shows it, a POST without the confirmation box runs the use case dry and
stores nothing, the confirmed POST stores what was typed with one journal entry and
redirects with a message; each bad input is refused with the field named on the page (or
the reason said), the right 4xx, and nothing journalled.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.domain.access import Role
from ledger.domain.compute import EntryKind, SuspensionPolicy
from ledger.queries.compute import ledger_lines, list_projects
from ledger.queries.contributions import settings_at
from tests.compute_world import (
    set_carry_over,
    CAPACITY_2025,
    EXPECTED,
    POOLS,
    RESERVES,
    allocate,
    build_compute_world,
    build_facility,
    entries,
    plan,
    published,
)
from tests.conftest import csrf_token
from tests.office_helpers import accessibility_problems, error_of, last_kind

TODAY = date.today()
COMPUTE = "/office/compute"
VIEWERS = frozenset({Role.SECRETARIAT, Role.AUDITOR})


# --------------------------------------------------------------------------- helpers and fixtures


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def facility(engine):
    """Four members (AUT, BEL, DEU, FRA) with 2023 to 2026 assessed, and no compute yet."""
    return build_facility(engine)


@pytest.fixture
def world(engine):
    """The facility with a 2025 compute ledger in use (tests/compute_world.py)."""
    return build_compute_world(engine)


def stored(engine, response, before: int, kind: str) -> None:
    """The confirmed POST stored one journal entry of `kind` and redirected."""
    assert response.status_code == 302, response.get_data(as_text=True)
    assert entries(engine) == before + 1 and last_kind(engine) == kind


def dry_run_stores_nothing(client, engine, url: str, data: dict) -> None:
    """Without the box ticked the use case runs dry: only the confirmation is asked for, nothing stored."""
    before = entries(engine)
    response = client.post(url, data=data)
    page = page_of(response)
    assert response.status_code == 400 and "tick the box to confirm" in error_of(page, "confirm"), page
    assert [m for m in re.findall(r'id="([a-z0-9_]+)-error"', page) if m != "confirm"] == []
    assert entries(engine) == before


def assert_refused(client, url: str, data: dict, cases) -> None:
    """Each case (changes to the data, field named or None for the page, status, phrase) is refused so."""
    for changes, field, status, phrase in cases:
        response = client.post(url, data={**data, **changes})
        page = page_of(response)
        assert response.status_code == status, changes
        assert phrase in (error_of(page, field) if field else page), changes


def pool_data(pools: dict[int, dict[str, str]]) -> dict[str, str]:
    return {f"pool_{row}_{column}": value for row, values in pools.items() for column, value in values.items()}


def reserve_data(reserves: dict[int, tuple[str, str]]) -> dict[str, str]:
    return {key: value for row, (name, percent) in reserves.items() for key, value in ((f"reserve_{row}_name", name), (f"reserve_{row}_percent", percent))}


# --------------------------------------------------------------------------- reading


def test_auditor_reads_years_ledgers_and_projects_without_actions(client, engine, signed_in, world):
    signed_in(Role.AUDITOR)
    home = client.get("/office/").get_data(as_text=True)
    assert f'href="{COMPUTE}/"' in home

    index = page_of(client.get(f"{COMPUTE}/"))
    assert f'href="{COMPUTE}/years/2025"' in index and f"{CAPACITY_2025:,}" in index and f"{world.reserved:,}" in index
    assert re.search(r">2025</a></th><td>100</td>", index) and ">allocated<" in index
    assert "4 projects, by Slurm account" in index
    assert "<code>fra-evals</code></th><td>FRA-EVALS</td><td>France (FRA)</td><td>Frontier model evaluations</td><td>SL-4</td>" in index
    for action in ("Register a project", "Record a capacity plan", "Allocate", "Adjust", "Close"):
        assert action not in index

    page = page_of(client.get(f"{COMPUTE}/years/2025"))
    assert "Board, 10 December 2024, item 7" in page and "the ledger is open" in page
    assert "<th scope=\"row\">h100</th><td>60</td><td>0.9</td><td>2.5</td>" in page
    assert f"<th scope=\"row\">open_calls</th><td>10</td><td>{CAPACITY_2025 // 10:,}</td>" in page
    year = published(engine)
    for member in year.members:
        row = re.search(rf"\({member.code}\)</th>(.*?)</tr>", page, re.DOTALL).group(1)
        assert f"<td>{dict(world.quotas)[member.code]:,}</td>" in row and f"<td>{member.balance_gpu_hours:,}</td>" in row
        assert f"<td>{dict(world.used).get(member.code, Decimal('0.000')):,}</td>" in row
    giver, receiver, moved = world.transfer
    for code, moved_hours in ((giver, -moved), (receiver, moved)):
        assert f"<td>{moved_hours:,}.000</td>" in re.search(rf"\({code}\)</th>(.*?)</tr>", page, re.DOTALL).group(1)
    assert "pool B down for three days (incident 42)" in page and "adjustment" in page and ">motion #" in page
    assert "<nav aria-label=\"Actions on 2025\">" not in page
    assert client.get(f"{COMPUTE}/years/2026").status_code == 404  # a fiscal year without a plan
    assert client.get(f"{COMPUTE}/years/1999").status_code == 404


def test_the_secretariat_sees_the_actions_each_year_allows(client, engine, signed_in, world):
    plan(engine, 2026)
    signed_in(Role.SECRETARIAT)
    index = client.get(f"{COMPUTE}/").get_data(as_text=True)
    assert "Register a project" in index and "Record a capacity plan" in index and "planned, not allocated" in index
    allocated = client.get(f"{COMPUTE}/years/2025").get_data(as_text=True)
    assert f"{COMPUTE}/adjust?year=2025" in allocated and f"{COMPUTE}/close?year=2025" in allocated
    assert f"{COMPUTE}/allocate?year=2025" not in allocated and f"{COMPUTE}/plans/new?year=2025" not in allocated
    planned = client.get(f"{COMPUTE}/years/2026").get_data(as_text=True)
    assert f"{COMPUTE}/allocate?year=2026" in planned and f"{COMPUTE}/plans/new?year=2026" in planned
    assert f"{COMPUTE}/close?year=2026" not in planned and "not allocated yet" in planned


FORMS = {
    f"{COMPUTE}/projects/new": {"member": "DEU", "title": "Protein folding", "account": "deu-proteins", "safety_level": "SL-1"},
    f"{COMPUTE}/plans/new": {"year": "2026", "decision": "Board, item 9", **pool_data({1: POOLS[0]})},
    f"{COMPUTE}/allocate": {"year": "2026", "on_date": TODAY.isoformat()},
    f"{COMPUTE}/adjust": {"year": "2025", "member": "BEL", "gpu_hours": "10", "reason": "pool B down"},
    f"{COMPUTE}/close": {"year": "2025", "on_date": TODAY.isoformat()},
}


@pytest.mark.parametrize("viewer", [None, *Role], ids=lambda v: v.value if v else "anonymous")
def test_compute_pages_are_open_only_to_the_roles_that_may_use_them(client, engine, signed_in, world, viewer):
    token = signed_in(viewer) if viewer else csrf_token(client, "/login")
    before = entries(engine)
    failures = []
    for url, allowed in ((f"{COMPUTE}/", VIEWERS), (f"{COMPUTE}/years/2025", VIEWERS), *((url, {Role.SECRETARIAT}) for url in FORMS)):
        expected = 200 if viewer in allowed else 403 if viewer else 302
        got = client.get(url)
        if got.status_code != expected or (expected == 302 and not got.headers["Location"].startswith("/login")):
            failures.append(f"GET {url}: {got.status_code}, expected {expected}")
    if viewer is not Role.SECRETARIAT:  # a well-formed request is refused all the same
        expected = 403 if viewer else 302
        for url, data in FORMS.items():
            posted = client.post(url, data={**data, "csrf_token": token, "confirm": "y"})
            if posted.status_code != expected:
                failures.append(f"POST {url}: {posted.status_code}, expected {expected}")
    assert failures == []
    assert entries(engine) == before
    home = client.get("/office/").get_data(as_text=True)
    assert (f'href="{COMPUTE}/"' in home) == (viewer in VIEWERS)


# --------------------------------------------------------------------------- projects


def test_register_a_project(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    form = client.get(f"{COMPUTE}/projects/new").get_data(as_text=True)
    assert '<option value="SL-4">SL-4</option>' in form and '<option value="BEL">' in form and "never renamed" in form
    data = {"csrf_token": token, "member": "BEL", "title": "Climate downscaling", "account": "AC10000", "safety_level": "SL-2",
            "code": "bel-climate"}
    dry_run_stores_nothing(client, engine, f"{COMPUTE}/projects/new", data)
    before = entries(engine)
    response = client.post(f"{COMPUTE}/projects/new", data={**data, "confirm": "y"})
    stored(engine, response, before, "project.registered")
    assert response.headers["Location"] == f"{COMPUTE}/"
    assert "Registered project BEL-CLIMATE 'Climate downscaling' of BEL, Slurm account ac10000, SL-2." in page_of(client.get(f"{COMPUTE}/"))
    with engine.connect() as connection:
        projects = {p.account: p for p in list_projects(connection)}
    assert (projects["ac10000"].member, projects["ac10000"].title, projects["ac10000"].safety_level) == ("BEL", "Climate downscaling", "SL-2")


def test_bad_projects_are_refused_with_the_field_named(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    before = entries(engine)
    url = f"{COMPUTE}/projects/new"
    data = {"csrf_token": token, "member": "BEL", "title": "Climate downscaling", "account": "bel-climate", "safety_level": "SL-2", "confirm": "y"}
    bad = client.post(url, data={**data, "member": "", "title": "x", "account": "cli mate", "safety_level": ""})
    page = page_of(bad)
    assert bad.status_code == 400
    assert "ISO 3166-1 alpha-3" in error_of(page, "member") and "characters" in error_of(page, "title")
    assert "a Slurm account name as sacct prints it" in error_of(page, "account") and "one of SL-1" in error_of(page, "safety_level")
    bad_code = client.post(url, data={**data, "code": "no spaces"})
    assert bad_code.status_code == 400 and "a project code of 1 to 32" in error_of(page_of(bad_code), "code")
    unknown = client.post(url, data={**data, "member": "ITA", "account": "ita-climate"})
    assert unknown.status_code == 404 and "no member with code ITA" in error_of(page_of(unknown), "member")
    taken = client.post(url, data={**data, "member": "DEU", "account": "deu-llm"})
    assert taken.status_code == 409 and "the Slurm account deu-llm belongs to project" in page_of(taken)
    assert entries(engine) == before


# --------------------------------------------------------------------------- capacity plans


def test_record_a_plan_from_pool_and_reserve_rows_blank_ones_ignored(client, engine, signed_in, facility):
    token = signed_in(Role.SECRETARIAT)
    form = client.get(f"{COMPUTE}/plans/new?year=2025").get_data(as_text=True)
    assert 'name="year" type="text" value="2025"' in form
    assert "<legend>Pool 4</legend>" in form and "<legend>Pool 5</legend>" not in form and "<legend>Reserve 3</legend>" in form
    url = f"{COMPUTE}/plans/new"
    # the pools in rows 1 and 3, the reserves in rows 2 and 3: the blank rows between are ignored
    data = {"csrf_token": token, "year": "2025", "decision": "Board, 10 December 2024, item 7",
            **pool_data({1: POOLS[0], 3: POOLS[1]}), **reserve_data({2: ("open_calls", RESERVES["open_calls"]), 3: ("Safety_Labs", RESERVES["safety_labs"])})}
    dry_run_stores_nothing(client, engine, url, data)
    before = entries(engine)
    response = client.post(url, data={**data, "confirm": "y"})
    stored(engine, response, before, "compute.plan_recorded")
    assert response.headers["Location"] == f"{COMPUTE}/years/2025"
    page = page_of(client.get(response.headers["Location"]))
    assert re.search(r"Recorded capacity plan #\d+ for 2025\.", page) and f"{CAPACITY_2025:,} reference GPU-hours from 100 GPUs" in page
    year = published(engine)
    assert (year.capacity_gpu_hours, year.allocated) == (CAPACITY_2025, False)
    assert [(p.gpu_type, p.count) for p in year.pools] == [("a100", 40), ("h100", 60)]
    assert {r.name: r.percent for r in year.reserves} == {"open_calls": Decimal(10), "safety_labs": Decimal(5)}

    # four pools: the next form starts from them and has a fifth row for one more
    four = {1: POOLS[0], 2: POOLS[1], 3: {"type": "mi300x", "count": "8", "availability": "0.8", "factor": "2"},
            4: {"type": "l40s", "count": "16", "availability": "1", "factor": "0.5"}}
    response = client.post(url, data={**data, **pool_data(four), "confirm": "y"})
    stored(engine, response, before + 1, "compute.plan_recorded")
    assert len(published(engine).pools) == 4
    form = client.get(url).get_data(as_text=True)
    assert "<legend>Pool 5</legend>" in form and "<legend>Pool 6</legend>" not in form
    assert 'name="pool_1_type" type="text" value="a100"' in form and 'name="pool_4_type" type="text" value="mi300x"' in form
    assert 'name="pool_5_type" type="text" value=""' in form
    assert 'name="reserve_1_name" type="text" value="open_calls"' in form and 'name="reserve_2_percent" type="text" value="5"' in form
    assert 'name="decision" type="text" value=""' in form


def test_bad_plans_are_refused_at_the_row_and_field(client, engine, signed_in, facility):
    token = signed_in(Role.SECRETARIAT)
    url = f"{COMPUTE}/plans/new"
    before = entries(engine)
    data = {"csrf_token": token, "year": "2025", "decision": "Board, item 7", "confirm": "y",
            **pool_data({1: POOLS[0], 3: POOLS[1]}), **reserve_data({1: ("open_calls", "10")})}
    bad = client.post(url, data={**data, "year": "20x5", "decision": "", "pool_1_availability": "1.5", "pool_3_count": "-4",
                                 "pool_3_type": "A 100!", "reserve_1_percent": "ten"})
    page = page_of(bad)
    assert bad.status_code == 400
    assert "a year from" in error_of(page, "year") and "cite the board decision" in error_of(page, "decision")
    assert "(0, 1]" in error_of(page, "pool_1_availability")
    assert "a whole number of GPUs" in error_of(page, "pool_3_count") and "the GPU type as Slurm's gres names it" in error_of(page, "pool_3_type")
    assert "a percentage of capacity" in error_of(page, "reserve_1_percent")
    assert error_of(page, "pool_2_count") == "" and error_of(page, "pool_1_type") == ""
    assert_refused(client, url, data, (
        ({"pool_3_factor": "1.2345"}, "pool_3_factor", 400, "at most 3 decimal places"),
        (reserve_data({2: ("OPEN_CALLS", "5")}), "reserve_2_name", 400, "each reserve once"),
        (reserve_data({2: ("safety_labs", "95")}), None, 400, "at most 100 % is accepted"),
        (pool_data({1: dict.fromkeys(POOLS[0], ""), 3: dict.fromkeys(POOLS[1], "")}), None, 400, "1 to 20 pools; got 0"),
        ({"pool_3_type": "h100"}, None, 400, "each GPU type once; repeated: h100"),
        ({"year": "2031"}, "year", 404, "no fiscal year 2031"),
    ))
    assert entries(engine) == before
    plan(engine)
    allocate(engine)
    before = entries(engine)
    replaced = client.post(url, data=data)
    assert replaced.status_code == 409 and "the quotas of 2025 are allocated already" in page_of(replaced)
    other_factor = client.post(url, data={**data, "year": "2026", "pool_1_factor": "3"})
    assert other_factor.status_code == 409 and "a GPU type keeps one normalisation factor" in page_of(other_factor)
    assert entries(engine) == before


# --------------------------------------------------------------------------- quotas and the ledger


def test_allocate_a_years_quotas_once(client, engine, signed_in, facility):
    plan(engine)
    token = signed_in(Role.SECRETARIAT)
    form = page_of(client.get(f"{COMPUTE}/allocate?year=2025"))
    assert 'name="year" type="text" value="2025"' in form and f'value="{TODAY.isoformat()}"' in form
    assert "the quota_suspension setting in force: frozen" in form
    url = f"{COMPUTE}/allocate"
    data = {"csrf_token": token, "year": "2025", "on_date": "2025-01-02"}
    dry_run_stores_nothing(client, engine, url, data)
    before = entries(engine)
    response = client.post(url, data={**data, "confirm": "y"})
    stored(engine, response, before, "compute.quotas_allocated")
    assert response.headers["Location"] == f"{COMPUTE}/years/2025"
    assert "Allocated the GPU-hour quotas of 2025 to 4 members." in page_of(client.get(response.headers["Location"]))
    year = published(engine)
    assert [(m.code, m.quota_gpu_hours) for m in year.members] == list(EXPECTED.quotas)
    assert year.reserved_gpu_hours == EXPECTED.reserved
    again = client.post(url, data={**data, "confirm": "y"})
    assert again.status_code == 409 and "the quotas of 2025 are allocated already" in page_of(again)
    assert entries(engine) == before + 1


def test_bad_allocations_are_refused(client, engine, signed_in, facility):
    plan(engine)
    token = signed_in(Role.SECRETARIAT)
    url = f"{COMPUTE}/allocate"
    before = entries(engine)
    data = {"csrf_token": token, "year": "2025", "on_date": "2025-01-02", "confirm": "y"}
    assert_refused(client, url, data, (
        ({"on_date": "2025-13-01"}, "on_date", 400, "YYYY-MM-DD"),
        ({"on_date": (TODAY + timedelta(days=1)).isoformat()}, "on_date", 400, "or earlier"),
        ({"year": "next"}, "year", 400, "a year from"),
        ({"year": "2031"}, "year", 404, "no fiscal year 2031"),
        ({"year": "2024"}, None, 409, "2024 has no capacity plan"),
    ))
    assert entries(engine) == before and not published(engine).allocated


def test_adjust_a_members_gpu_hours_with_a_reason(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    form = client.get(f"{COMPUTE}/adjust?year=2025").get_data(as_text=True)
    assert 'name="year" type="text" value="2025"' in form and '<option value="AUT">' in form
    url = f"{COMPUTE}/adjust"
    data = {"csrf_token": token, "year": "2025", "member": "DEU", "gpu_hours": "-12.25", "reason": "job 9 charged twice (ticket 7)"}
    dry_run_stores_nothing(client, engine, url, data)
    balance = {m.code: m.balance_ms for m in published(engine).members}
    before = entries(engine)
    response = client.post(url, data={**data, "confirm": "y"})
    stored(engine, response, before, "compute.adjusted")
    assert response.headers["Location"] == f"{COMPUTE}/years/2025"
    page = page_of(client.get(response.headers["Location"]))
    assert "Adjusted the GPU-hours of DEU in 2025 by -12.25." in page and "job 9 charged twice (ticket 7)" in page
    after = {m.code: m.balance_ms for m in published(engine).members}
    assert after == {**balance, "DEU": balance["DEU"] - 12_250 * 3_600}


def test_bad_adjustments_are_refused(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    url = f"{COMPUTE}/adjust"
    before = entries(engine)
    data = {"csrf_token": token, "year": "2025", "member": "DEU", "gpu_hours": "5", "reason": "pool B down", "confirm": "y"}
    both = client.post(url, data={**data, "gpu_hours": "0", "reason": ""})
    page = page_of(both)
    assert both.status_code == 400 and "not 0" in error_of(page, "gpu_hours") and "say why" in error_of(page, "reason")
    assert_refused(client, url, data, (
        ({"gpu_hours": "1.0005"}, "gpu_hours", 400, "at most three decimals"),
        ({"member": ""}, "member", 400, "the ISO 3166-1 alpha-3 code of a member"),
        ({"year": "2031"}, "year", 404, "no fiscal year 2031"),
        ({"year": "2026"}, None, 409, "the quotas of 2026 are not allocated yet"),
    ))
    assert entries(engine) == before


def test_quota_settings_change_through_the_finance_settings_form(client, engine, signed_in, facility):
    token = signed_in(Role.SECRETARIAT)
    form = client.get("/office/contributions/settings").get_data(as_text=True)
    assert '<option value="quota_suspension">' in form and '<option value="quota_carry_over">' in form
    before = entries(engine)
    data = {"csrf_token": token, "key": "quota_suspension", "value": "reduced 50 %", "decision": "Board, motion 8", "confirm": "y"}
    for changes in ({"value": "reduced 150 %"}, {"key": "quota_carry_over", "value": "all of it"}):
        refused = client.post("/office/contributions/settings", data={**data, **changes})
        assert refused.status_code == 400 and error_of(page_of(refused), "value"), changes
    assert entries(engine) == before
    stored(engine, client.post("/office/contributions/settings", data=data), before, "setting.changed")
    stored(engine, client.post("/office/contributions/settings", data={**data, "key": "quota_carry_over", "value": "Up to 10%"}), before + 1, "setting.changed")
    with engine.connect() as connection:
        settings = settings_at(connection)
    assert (settings.quota_suspension, settings.quota_carry_over) == (SuspensionPolicy("reduced", Decimal(50)), "up to 10 %")
    assert "the quota_suspension setting in force: reduced 50 %" in page_of(client.get(f"{COMPUTE}/allocate"))
    assert "the quota_carry_over setting in force: up to 10 %" in page_of(client.get(f"{COMPUTE}/close"))


def test_close_a_years_ledger_after_the_year_under_the_carry_over_setting(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    set_carry_over(engine, "up to 10 %")  # the world's board holds its decisions: a setting motion (tests/test_board_citations.py)
    form = page_of(client.get(f"{COMPUTE}/close?year=2025"))
    assert 'name="year" type="text" value="2025"' in form and "setting in force: up to 10 %" in form
    url = f"{COMPUTE}/close"
    data = {"csrf_token": token, "year": "2025", "on_date": TODAY.isoformat()}
    dry_run_stores_nothing(client, engine, url, data)
    balances = {m.code: (m.balance_ms, m.quota_ms) for m in published(engine).members}
    before = entries(engine)
    response = client.post(url, data={**data, "confirm": "y"})
    stored(engine, response, before, "compute.closed")
    page = page_of(client.get(response.headers["Location"]))
    assert "Closed the GPU-hour ledger of 2025: the balances of 4 members carried or forfeited." in page and "the ledger is closed" in page
    assert "Close the GPU-hour ledger" not in page and "Adjust a member" not in page
    assert all(m.balance_ms == 0 for m in published(engine).members)
    with engine.connect() as connection:
        carried = {line.member: line.amount_ms for line in ledger_lines(connection, 2026, (EntryKind.CARRY_IN,))}
    # "up to 10 %" caps the carry at a tenth of the year's quota (README, Compute rules)
    assert carried == {code: min(balance, quota // 10) for code, (balance, quota) in balances.items()}
    again = client.post(url, data={**data, "confirm": "y"})
    assert again.status_code == 409 and "the GPU-hour ledger of 2025 is closed" in page_of(again)
    assert entries(engine) == before + 1


def test_bad_closings_are_refused(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    url = f"{COMPUTE}/close"
    before = entries(engine)
    data = {"csrf_token": token, "year": "2025", "on_date": TODAY.isoformat(), "confirm": "y"}
    assert_refused(client, url, data, (
        ({"on_date": "31/12/2025"}, "on_date", 400, "YYYY-MM-DD"),
        ({"on_date": (TODAY + timedelta(days=1)).isoformat()}, "on_date", 400, "or earlier"),
        ({"year": ""}, "year", 400, "a year from"),
        ({"year": "2031"}, "year", 404, "no fiscal year 2031"),
        ({"on_date": "2025-12-31"}, None, 409, "2025 ends on 2025-12-31; its GPU-hour ledger closes after that"),
        ({"year": "2026"}, None, 409, "the quotas of 2026 are not allocated yet"),
    ))
    assert entries(engine) == before and not published(engine).closed


# --------------------------------------------------------------------------- accessibility


def test_every_compute_page_labels_its_inputs_and_captions_its_tables(client, engine, signed_in, world):
    token = signed_in(Role.SECRETARIAT)
    problems = []
    for url in (f"{COMPUTE}/", f"{COMPUTE}/years/2025", *FORMS):
        response = client.get(url)
        assert response.status_code == 200, url
        problems += accessibility_problems(url, response.get_data(as_text=True))
    with_errors = client.post(f"{COMPUTE}/plans/new", data={"csrf_token": token, "year": "x", "pool_1_type": "h100", "pool_1_count": "-1", "confirm": "y"})
    page = with_errors.get_data(as_text=True)
    assert with_errors.status_code == 400 and 'aria-describedby="pool_1_count-error"' in page
    problems += accessibility_problems("plan with errors", page)
    assert problems == []


HUGE = ("9" * 40, str(2**31), str(2**63), "1e308", "-1e308", "NaN")


def test_huge_figures_in_compute_forms_are_refused_naming_the_field_and_range(client, engine, signed_in, world):
    """Bad input (issue 9): no figure of a compute form reaches the database it cannot store on
    SQLite or PostgreSQL; each is a 400 naming the field and what is accepted, nothing journaled."""
    token = signed_in(Role.SECRETARIAT)
    before = entries(engine)
    plan_data = {"csrf_token": token, "year": "2026", "decision": "Board, item 7", "confirm": "y",
                 **pool_data({1: POOLS[0]}), **reserve_data({1: ("open_calls", "10")})}
    adjust_data = {"csrf_token": token, "year": "2025", "member": "DEU", "gpu_hours": "5", "reason": "pool B down", "confirm": "y"}
    for huge in HUGE:
        assert_refused(client, f"{COMPUTE}/plans/new", plan_data, (
            ({"year": huge}, "year", 400, "a year from"),
            ({"pool_1_count": huge}, "pool_1_count", 400, "from 1 to 10,000,000"),
            ({"pool_1_availability": huge}, "pool_1_availability", 400, "(0, 1]"),
            ({"pool_1_factor": huge}, "pool_1_factor", 400, "at most 1000"),
            ({"reserve_1_percent": huge}, "reserve_1_percent", 400, "from 0 to 100"),
        ))
        assert_refused(client, f"{COMPUTE}/adjust", adjust_data, (
            ({"gpu_hours": huge}, "gpu_hours", 400, "at most 1,533,000 either way"),
            ({"year": huge}, "year", 400, "a year from"),
        ))
        for url in (f"{COMPUTE}/allocate", f"{COMPUTE}/close"):
            assert_refused(client, url, {"csrf_token": token, "year": "2025", "on_date": "2026-01-05", "confirm": "y"}, (
                ({"year": huge}, "year", 400, "a year from"),
            ))
    assert entries(engine) == before
