"""The public compute API: projects, a year's quotas and use, monthly use, in JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from ledger.db.uow import UnitOfWork
from ledger.domain.compute import gpu_hours
from ledger.domain.sacct_generator import SACCT_COLUMNS, ExportSpec, expected_usage, write_export
from ledger.services import compute
from ledger.services.usage import ingest_usage
from tests.compute_world import (
    EXPORT,
    INCOMES,
    MEMBERS,
    POOLS,
    PROJECTS,
    SECRETARIAT,
    TODAY,
    build_compute_world,
    build_facility,
    plan,
)

QUOTA_FIELDS = ("code", "name", "quota_gpu_hours", "used_gpu_hours", "transferred_gpu_hours", "balance_gpu_hours",
                "usage_to_contribution_ratio")
LEDGER_PARTS = ("quota_gpu_hours", "transferred_gpu_hours", "adjusted_gpu_hours", "carried_in_gpu_hours",
                "carried_out_gpu_hours", "forfeited_gpu_hours")


@pytest.fixture
def world(engine):
    return build_compute_world(engine)


def as_csv(client, url: str) -> list[dict]:
    response = client.get(url + ("&" if "?" in url else "?") + "format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def as_text(value) -> str:
    """A JSON value as a CSV cell holds it."""
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def same_rows_in_csv(client, url: str, key: str) -> list[dict]:
    """The JSON list at `key`; the CSV of the same URL must hold the same rows and columns."""
    rows = client.get(url).get_json()[key]
    assert as_csv(client, url) == [{column: as_text(value) for column, value in row.items()} for row in rows]
    return rows


def quotas(client, year: int = 2025) -> dict[str, dict]:
    return {row["code"]: row for row in client.get(f"/api/v1/years/{year}/compute").get_json()["quotas"]}


def months(client, year: int, member: str | None = None) -> dict[str, str]:
    url = f"/api/v1/years/{year}/compute/monthly" + (f"?member={member}" if member else "")
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return {row["month"]: row["used_gpu_hours"] for row in response.get_json()["months"]}


def test_projects_are_published_by_account(client, world):
    rows = same_rows_in_csv(client, "/api/v1/projects", "projects")
    assert rows == sorted(
        ({"account": account, "code": account.upper(), "member": member, "title": title, "safety_level": level}
         for member, title, account, level in PROJECTS),
        key=lambda row: row["account"],
    )


def test_a_year_publishes_capacity_reserves_and_each_members_ledger(client, world):
    body = client.get("/api/v1/years/2025/compute").get_json()
    assert (body["year"], body["capacity_gpu_hours"], body["reserved_gpu_hours"]) == (2025, world.capacity, world.reserved)
    assert (body["allocated"], body["closed"], body["gpus"]) == (True, False, 100)
    assert body["reserves"] == [{"name": "open_calls", "percent": "10", "gpu_hours": 153_300},
                                {"name": "safety_labs", "percent": "5", "gpu_hours": 76_650}]
    assert sorted((pool["gpu_type"], pool["count"], pool["factor"]) for pool in body["pools"]) == sorted(
        (pool["type"], int(pool["count"]), pool["factor"]) for pool in POOLS
    )

    used = dict(world.used)
    total_used = sum(used.values())
    assert body["used_gpu_hours"] == str(total_used)
    giver, receiver, moved = world.transfer
    transferred = {giver: -moved, receiver: moved}
    adjusted_member, adjustment = world.adjustment
    by_code = {row["code"]: row for row in body["quotas"]}
    assert list(by_code) == sorted(MEMBERS)
    for code, quota in world.quotas:
        row = by_code[code]
        assert set(QUOTA_FIELDS) <= row.keys()
        assert row["quota_gpu_hours"] == quota
        assert Decimal(row["used_gpu_hours"]) == used.get(code, 0)
        assert Decimal(row["transferred_gpu_hours"]) == transferred.get(code, 0)
        expected_balance = quota + transferred.get(code, 0) + (adjustment if code == adjusted_member else 0) - used.get(code, 0)
        assert Decimal(row["balance_gpu_hours"]) == expected_balance
        # Assessments follow the scale's incomes, which sum to 100.
        usage_share = 100 * used.get(code, Decimal(0)) / total_used
        assert Decimal(row["usage_to_contribution_ratio"]) == (usage_share / Decimal(INCOMES[code])).quantize(Decimal("0.0001"))
        assert row["frozen"] is False
    for field in ("used_gpu_hours", "transferred_gpu_hours", "balance_gpu_hours", "adjusted_gpu_hours"):
        assert all(len(row[field].rpartition(".")[2]) == 3 for row in body["quotas"]), field  # a thousandth, always written


def test_the_answers_match_their_openapi_schemas(client, engine, world):
    compute.close_compute_year(2025, "2026-01-05", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))  # every line kind
    document = client.get("/api/v1/openapi.json").get_json()
    for url, path in (
        ("/api/v1/projects", "/api/v1/projects"),
        ("/api/v1/years/2025/compute", "/api/v1/years/{year}/compute"),
        ("/api/v1/years/2025/compute/monthly?member=DEU", "/api/v1/years/{year}/compute/monthly"),
        ("/api/v1/years/2025/compute/monthly", "/api/v1/years/{year}/compute/monthly"),
    ):
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": document["components"]}).validate(client.get(url).get_json())
    error = document["paths"]["/api/v1/years/{year}/compute"]["get"]["responses"]["404"]["content"]["application/json"]["schema"]
    Draft202012Validator({**error, "components": document["components"]}).validate(client.get("/api/v1/years/2031/compute").get_json())


def test_the_compute_csv_has_one_row_per_member_with_the_same_columns(client, world):
    rows = same_rows_in_csv(client, "/api/v1/years/2025/compute", "quotas")
    assert [row["code"] for row in rows] == sorted(MEMBERS)


def test_monthly_use_overall_and_per_member(client, world):
    assert tuple((month, Decimal(hours)) for month, hours in months(client, 2025).items()) == world.monthly
    per_member = {code: months(client, 2025, code) for code in MEMBERS}
    # 4 H100 at factor 2.5 from 31 March 20:00 to 1 April 02:00: split at midnight, 4 hours and 2.
    assert per_member["DEU"] == {"2025-03": "40.000", "2025-04": "20.000"}
    assert per_member["BEL"] == {}  # no projects, no use: months without use are not listed
    for code, used in world.used:
        assert sum(map(Decimal, per_member[code].values())) == used
    summed: Counter = Counter()
    for by_month in per_member.values():
        summed.update({month: Decimal(hours) for month, hours in by_month.items()})
    assert tuple(sorted(summed.items())) == world.monthly
    rows = same_rows_in_csv(client, "/api/v1/years/2025/compute/monthly?member=FRA", "months")
    assert rows == [{"month": "2025-04", "used_gpu_hours": "20.000"}, {"month": "2025-05", "used_gpu_hours": "24.000"}]
    assert client.get("/api/v1/years/2025/compute/monthly?member=FRA").get_json()["member"] == "FRA"
    assert client.get("/api/v1/years/2025/compute/monthly").get_json()["member"] is None


def test_a_year_without_a_capacity_plan_is_a_json_404_naming_it(client, world):
    for url in ("/api/v1/years/2031/compute", "/api/v1/years/2031/compute/monthly", "/api/v1/years/2031/compute/monthly?member=DEU"):
        response = client.get(url)
        assert response.status_code == 404, url
        message = response.get_json()["error"]
        assert "2031" in message and "years with a plan: 2025" in message, message


def test_usage_is_published_by_month_before_its_year_has_a_plan(client, engine, world):
    crossing = "9|aurora|deu-llm|2025-12-31T20:00:00|2025-12-31T22:00:00|2026-01-01T01:00:00|10800|COMPLETED|gres/gpu=1|train\n"
    ingest_usage([EXPORT[0], crossing], as_of=datetime(2026, 1, 8, tzinfo=UTC), actor=SECRETARIAT, engine=engine)
    assert months(client, 2026) == {"2026-01": "1.000"}
    response = client.get("/api/v1/years/2026/compute")
    assert response.status_code == 404
    message = response.get_json()["error"]  # no plan, but not "no usage": its use is published
    assert "no capacity plan for 2026" in message and "no usage" not in message and "/2026/compute/monthly" in message, message


@pytest.mark.parametrize("member", ["deu", "Germany", "DEUX"])
def test_a_malformed_member_code_is_a_400_naming_the_parameter_and_what_is_accepted(client, world, member):
    response = client.get(f"/api/v1/years/2025/compute/monthly?member={member}")
    assert response.status_code == 400
    message = response.get_json()["fields"]["member"]
    assert repr(member) in message and "/api/v1/members" in message and "no member parameter" in message


def test_a_well_formed_code_no_member_has_is_a_404_naming_the_parameter(client, world):
    """Issue 11: the document accepts any ISO 3166-1 alpha-3 code, so a code nobody has is an
    unknown resource (404, like an unknown motion), not a malformed request."""
    response = client.get("/api/v1/years/2025/compute/monthly?member=XYZ")
    assert response.status_code == 404
    message = response.get_json()["error"]
    assert message.startswith("member: ") and "'XYZ'" in message and "/api/v1/members" in message


def test_a_format_not_offered_is_a_400(client, world):
    for url in ("/api/v1/projects", "/api/v1/years/2025/compute", "/api/v1/years/2025/compute/monthly"):
        response = client.get(url + "?format=xml")
        assert response.status_code == 400 and "format" in response.get_json()["fields"], url


def test_a_year_with_a_plan_but_no_allocation(client, engine):
    build_facility(engine)
    plan(engine, 2026)
    body = client.get("/api/v1/years/2026/compute").get_json()
    assert (body["capacity_gpu_hours"], body["reserved_gpu_hours"], body["allocated"], body["quotas"]) == (1_533_000, 0, False, [])
    assert [(reserve["name"], reserve["gpu_hours"]) for reserve in body["reserves"]] == [("open_calls", 0), ("safety_labs", 0)]
    assert body["used_gpu_hours"] == "0.000" and body["utilisation_pct"] == "0.0000"
    assert client.get("/api/v1/years/2026/compute/monthly").get_json()["months"] == []
    assert as_csv(client, "/api/v1/years/2026/compute") == []


def test_a_closed_year_shows_its_year_end_lines_and_balances_stay_sums(client, engine, world):
    compute.close_compute_year(2025, "2026-01-05", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    body = client.get("/api/v1/years/2025/compute").get_json()
    assert body["closed"] is True
    for row in body["quotas"]:
        lines = sum(Decimal(row[part]) for part in LEDGER_PARTS)
        assert Decimal(row["balance_gpu_hours"]) == lines - Decimal(row["used_gpu_hours"]) == 0, row
        assert Decimal(row["forfeited_gpu_hours"]) < 0, row  # the default carry-over rule is none


def test_published_figures_follow_the_ledger_as_it_changes(client, engine, world):
    """The answers are kept per journal head: a new ledger line is in the next answer."""
    before = quotas(client)["FRA"]
    compute.adjust_quota(2025, "FRA", "7.25", "pool A back early", actor=SECRETARIAT, uow=UnitOfWork(engine))
    after = quotas(client)["FRA"]
    assert Decimal(after["balance_gpu_hours"]) - Decimal(before["balance_gpu_hours"]) == Decimal("7.25")
    assert after["adjusted_gpu_hours"] == "7.250"


# An export never seen before ----------------------------------------------------------------

ACCOUNTS = {"deu-llm": "SL-2", "deu-safety": "SL-4", "fra-vision": "SL-1", "aut-weather": "SL-3", "bel-genomics": "SL-2"}
SPEC = ExportSpec(accounts=tuple(ACCOUNTS), year=2025, gpu_types=tuple(pool["type"] for pool in POOLS), jobs=1_500, seed=5_2025)


def test_published_use_equals_a_generated_exports_own_totals_and_no_user_is_named(client, engine):
    build_facility(engine)
    for year in (2025, 2026):  # jobs running over New Year are split into January
        plan(engine, year)
    for account, level in ACCOUNTS.items():
        compute.register_project(account[:3].upper(), f"Project {account}", account, level, actor=SECRETARIAT, uow=UnitOfWork(engine))
    stream = io.StringIO()
    write_export(SPEC, stream)
    lines = stream.getvalue().splitlines(keepends=True)
    summary = ingest_usage(lines, as_of=SPEC.as_of.replace(tzinfo=UTC), actor=SECRETARIAT, engine=engine)  # the plans' factors
    assert summary.bad_rows == 0 and summary.ingested > 1_000

    factors = {pool["type"]: Decimal(pool["factor"]) for pool in POOLS}
    by_member_month: Counter = Counter()
    for (account, month), usage in expected_usage(SPEC, factors).items():
        by_member_month[(account[:3].upper(), month)] += usage
    published = {}
    for year in (2025, 2026):
        for code in MEMBERS:
            published[code, year] = months(client, year, code)
            expected = {month: str(gpu_hours(ms)) for (member, month), ms in sorted(by_member_month.items())
                        if member == code and month.startswith(str(year))}
            assert published[code, year] == expected, (code, year)
            member_total = sum(ms for (member, month), ms in by_member_month.items() if member == code and month.startswith(str(year)))
            row = quotas(client, year).get(code)
            assert (row["used_gpu_hours"] if row else "0.000") == str(gpu_hours(member_total)), (code, year)
        overall: Counter = Counter()
        for (member, month), ms in by_member_month.items():
            if month.startswith(str(year)):
                overall[month] += ms
        assert months(client, year) == {month: str(gpu_hours(ms)) for month, ms in sorted(overall.items())}
    assert any(published[code, 2026] for code in MEMBERS), "the export should have jobs running over New Year"

    user = SACCT_COLUMNS.index("User")
    users = {line.split("|")[user] for line in lines[1:]}
    assert len(users) > 100
    urls = ["/api/v1/projects", "/api/v1/years/2025/compute", "/api/v1/years/2025/compute/monthly",
            *(f"/api/v1/years/2025/compute/monthly?member={code}" for code in MEMBERS)]
    for url in urls:
        for body in (client.get(url).get_data(as_text=True), client.get(url + ("&" if "?" in url else "?") + "format=csv").get_data(as_text=True)):
            words = set(body.replace('"', " ").replace(",", " ").replace("\n", " ").split())
            assert not words & users, url
