"""The compute dashboard: its plain figure and table builders, its layout in every state of a year, and the page in Chromium.

The figures come from `tests.compute_world` (a 2025 ledger in use, with the figures it must
publish in EXPECTED), plus a 2026 plan with nothing allocated; the empty cases build their own
ledgers. Tests on a fresh `engine` come first in the module: that fixture empties the database
after each test, so they run before the module's world is built on it.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from dash import dcc, html

from dashboards.components import csv_text
from dashboards.compute import read, tables
from dashboards.pages import compute as page
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, fairness
from ledger.queries.compute import (
    ComputeYear,
    MemberCompute,
    PoolRow,
    ReserveRow,
    compute_years,
)
from tests.browser import SCREENSHOTS, Visit, served
from tests.compute_world import (
    CAPACITY_2025,
    EXPECTED,
    allocate,
    build_compute_world,
    build_facility,
    pay_everything,
    plan,
)
from tests.dash_helpers import by_id, page_fixtures, rendered, texts, visiting

HOUR_MS = REFERENCE_GPU_MS_PER_GPU_HOUR
PLANNED_ONLY = 2026


def laid_out(app, **query) -> list:
    with app.test_request_context("/dashboards/compute"):
        return page.layout(**query)


def headings(components) -> list[str]:
    return [texts(c) for c in rendered(components) if isinstance(c, html.H1)]


def ids_of(components) -> list[str]:
    return [c.id for c in rendered(components) if getattr(c, "id", None) is not None]


def column(table, index: int) -> list[str]:
    return [row[index] for row in table.values]


# --------------------------------------------------------------------------- plain functions, no database


@pytest.mark.parametrize(
    ("raw", "years", "shown", "message"),
    [
        (None, (2027, 2026, 2025), 2026, None),  # 2027 planned ahead: this year's page first
        (None, (2028, 2027), 2027, None),  # only years ahead: the nearest
        ("2027", (2027, 2026), 2027, None),
        (" 2025 ", (2026, 2025), 2025, None),
        ("1999", (2026, 2025), None, "No capacity plan is recorded for 1999. Choose one of the years below."),
        ("abc", (2026, 2025), None, "'abc' is not a year: give a four-digit year in the address, e.g. ?year=2026."),
        ("2025.0", (2026, 2025), None, "is not a year"),
        (["2025", "2026"], (2026, 2025), None, "Give one year in the address"),
        (None, (), None, read.NO_COMPUTE),
        ("2025", (), None, read.NO_COMPUTE),
    ],
)
def test_the_year_comes_from_the_query_string_or_a_message_says_why_not(raw, years, shown, message):
    year, problem = read.pick_year(raw, years, 2026)
    assert year == shown
    assert (problem is None) if message is None else (message in problem)


def member(code, name, quota_h, used_ms, contribution, usage, frozen=False, **lines) -> MemberCompute:
    share, used = Decimal(contribution), Decimal(usage)
    return MemberCompute(
        code=code, name=name, quota_ms=quota_h * HOUR_MS, frozen=frozen, used_ms=used_ms,
        transferred_ms=lines.get("transferred", 0), adjusted_ms=lines.get("adjusted", 0), carried_in_ms=lines.get("carried_in", 0),
        carried_out_ms=lines.get("carried_out", 0), forfeited_ms=lines.get("forfeited", 0),
        balance_ms=quota_h * HOUR_MS + sum(lines.values()) - used_ms,
        contribution_share=share, usage_share=used, ratio=fairness(used, share),
    )


def hand_built_year() -> ComputeYear:
    """A closed year: one member frozen, one observer with use and no contribution, hours left unallocated."""
    return ComputeYear(
        year=2030,
        hours_in_year=8760,
        capacity_gpu_hours=1000,
        decision="Board, item 3",
        allocated=True,
        closed=True,
        pools=(PoolRow("mi300", 1, Decimal("0.75"), Decimal("0.5")), PoolRow("l4", 0, Decimal(1), Decimal("0.125"))),
        reserves=(ReserveRow("open_calls", Decimal(10), 100),),
        members=(
            member("AUT", "Austria", 500, 3 * HOUR_MS, "60", "30", carried_in=2 * HOUR_MS, carried_out=-100 * HOUR_MS, forfeited=-399 * HOUR_MS),
            member("DEU", "Germany", 399, 0, "40", "0", frozen=True),
            member("JPN", "Japan", 0, 7 * HOUR_MS + 1, "0", "70"),
        ),
    )


def test_a_frozen_quota_is_said_in_words_in_the_table_the_chart_and_the_page():
    year = hand_built_year()
    table = tables.quota_table(year)
    assert column(table, 9) == ["usable", tables.FROZEN_STATE, "usable"]
    assert table.total_values[-1] == "1 frozen"
    figure = tables.quota_figure(year)
    assert list(figure.data[0].y) == ["Austria", "Germany (quota frozen)", "Japan"]
    assert [t.name for t in figure.data] == ["Quota", "Used"]
    note = page.quotas_section(year)
    assert "Germany (DEU)" in texts(by_id(note, page.FROZEN_ID))


def test_every_ledger_line_has_a_column_and_the_balance_is_their_sum():
    table = tables.quota_table(hand_built_year())
    assert table.values[0] == ("AUT", "Austria", "500.000", "2.000", "0.000", "0.000", "3.000", "-499.000", "0.000", "usable")
    assert table.values[2][6] == "7.000"  # 7 h and 1 ms: shown to a thousandth
    for row in table.values:
        quota, carried_in, transferred, adjusted, used, year_end, balance = (Decimal(cell) for cell in row[2:9])
        assert abs(quota + carried_in + transferred + adjusted - used + year_end - balance) <= Decimal("0.001")


def test_unallocated_hours_a_member_without_contribution_and_empty_pools_are_shown_not_dropped():
    year = hand_built_year()
    assert tables.capacity_parts(year) == [("Reserve: open calls", 100), ("Members' quotas", 899), ("Not allocated", 1)]
    capacity = tables.capacity_table(year)
    assert capacity.values[0] == ("Capacity", "1000", "100.000") and capacity.values[-1][0] == "Used by members"
    pools = tables.pools_table(year)
    assert pools.values == (("mi300", "1", "75", "0.5", "3285"), ("l4", "0", "100", "0.125", "0"))
    fairness_rows = tables.fairness_table(year)
    assert column(fairness_rows, 4) == ["0.500", "0.000", "none: no contribution assessed"]
    assert list(tables.fairness_figure(year).data[0].y) == ["Austria", "Germany"]  # no ratio, no bar
    assert "is closed: the figures are final" in page.status_text(year)


def test_every_safety_level_has_a_row_even_without_use():
    table = tables.levels_table([], 2030)
    assert table.values == (("SL-1", "0.000", "0.000"), ("SL-2", "0.000", "0.000"), ("SL-3", "0.000", "0.000"), ("SL-4", "0.000", "0.000"))
    assert list(tables.levels_figure([]).data[0].x) == ["SL-1", "SL-2", "SL-3", "SL-4"]


# --------------------------------------------------------------------------- empty cases, each on a fresh ledger


def test_without_any_plan_the_page_says_so(engine, app):
    components = laid_out(app)
    assert headings(components) == ["Compute"]
    assert texts(by_id(components, page.MESSAGE_ID)) == read.NO_COMPUTE
    assert not [c for c in rendered(components) if isinstance(c, (dcc.Link, dcc.Graph, html.Table))]


def test_a_plan_without_allocation_shows_its_capacity_and_says_what_is_missing(engine, app):
    build_facility(engine)
    plan(engine)
    components = laid_out(app, year="2025")
    assert headings(components) == ["Compute 2025"]
    capacity = by_id(components, page.CAPACITY.table)
    assert [texts(row.children[0]) for row in capacity.children[2].children] == [
        "Capacity", "Reserve: open calls", "Reserve: safety labs", "Members' quotas", "Not allocated", "Used by members",
    ]
    assert f"Not allocated{CAPACITY_2025:,}" in texts(capacity)  # reserves are credited by the allocation
    assert "Quotas are not allocated yet" in texts(by_id(components, page.STATUS_ID))
    assert "not allocated yet" in texts(by_id(components, page.QUOTAS.table))
    for ids in (page.FAIRNESS, page.MONTHLY, page.LEVELS):
        assert "No use is recorded for 2025 yet" in texts(by_id(components, ids.table))
    assert [c.id for c in rendered(components) if isinstance(c, dcc.Graph)] == [page.CAPACITY.chart]


def test_quotas_without_use_and_a_frozen_member(engine, app):
    build_facility(engine)
    pay_everything(engine, ("AUT", "BEL", "FRA"))  # DEU paid nothing: suspended by June 2025
    plan(engine)
    allocate(engine, on_date="2025-06-30")
    components = laid_out(app)
    assert headings(components) == ["Compute 2025"]
    assert texts(by_id(components, page.FROZEN_ID)).endswith("Germany (DEU).")
    quotas = by_id(components, page.QUOTAS.table)
    germany = next(row for row in quotas.children[2].children if texts(row.children[1]) == "Germany")
    assert texts(germany.children[-1]) == tables.FROZEN_STATE
    assert texts(germany.children[2]) == "521,220.000"
    for ids in (page.FAIRNESS, page.MONTHLY, page.LEVELS):
        assert "No use is recorded for 2025 yet" in texts(by_id(components, ids.table))
    assert {c.id for c in rendered(components) if isinstance(c, dcc.Graph)} == {page.CAPACITY.chart, page.QUOTAS.chart}


@pytest.mark.browser
def test_the_page_without_compute_passes_axe(engine, app, browser):
    with served(app) as base, visiting(browser, base) as v:
        page_ = v.open("/dashboards/compute")
        assert page_.locator(f"#{page.MESSAGE_ID}").inner_text() == read.NO_COMPUTE
        assert page_.locator("h1").all_inner_texts() == ["Compute"]
        v.assert_clean()


# --------------------------------------------------------------------------- the world's figures, on each database


def build_world(engine) -> None:
    """`build_compute_world` with a plan for PLANNED_ONLY, nothing allocated, on an empty database."""
    with engine.connect() as connection:
        assert compute_years(connection) == [], "the database should be empty when the module's world is built"
    build_compute_world(engine)
    plan(engine, PLANNED_ONLY)


ledger_engine, web_app, live_server, in_chromium = page_fixtures(build_world)


@pytest.fixture(scope="module")
def data(ledger_engine) -> read.ComputePage:
    with ledger_engine.connect() as connection:
        return read.read_year(connection, 2025)


def test_the_tables_publish_the_expected_figures(data):
    capacity = {row[0]: row[1] for row in tables.capacity_table(data.compute).values}
    quotas_h = sum(hours for _, hours in EXPECTED.quotas)
    assert capacity == {
        "Capacity": str(EXPECTED.capacity), "Reserve: open calls": "153300", "Reserve: safety labs": "76650",
        "Members' quotas": str(quotas_h), "Used by members": f"{sum(used for _, used in EXPECTED.used)}",
    }
    assert int(capacity["Reserve: open calls"]) + int(capacity["Reserve: safety labs"]) == EXPECTED.reserved
    assert EXPECTED.reserved + quotas_h == EXPECTED.capacity  # so no "Not allocated" row
    assert tables.pools_table(data.compute).total_values == ("Total, 2 pools", "100", "", "", str(EXPECTED.capacity))

    quotas = {row[0]: row for row in tables.quota_table(data.compute).values}
    assert {code: Decimal(row[2]) for code, row in quotas.items()} == dict(EXPECTED.quotas)
    assert {code: Decimal(row[6]) for code, row in quotas.items() if Decimal(row[6])} == dict(EXPECTED.used)
    giver, receiver, hours = EXPECTED.transfer
    assert (Decimal(quotas[giver][4]), Decimal(quotas[receiver][4])) == (-hours, hours)
    code, adjusted = EXPECTED.adjustment
    assert Decimal(quotas[code][5]) == adjusted
    assert all(row[9] == "usable" for row in quotas.values())

    monthly = tables.monthly_table(data)
    assert list(monthly.header[2:-1]) == [month for month, _ in EXPECTED.monthly]
    assert [Decimal(cell) for cell in monthly.total_values[2:-1]] == [hours for _, hours in EXPECTED.monthly]
    assert {row[0]: Decimal(row[-1]) for row in monthly.values} == dict(EXPECTED.used)
    levels = tables.levels_table(data.levels, 2025)
    assert [(row[0], Decimal(row[1])) for row in levels.values] == list(EXPECTED.by_level)


def test_the_fairness_measure_is_usage_share_over_contribution_share(data):
    table = tables.fairness_table(data.compute)
    used = dict(EXPECTED.used)
    total_used = sum(used.values())
    for code, _, contribution, usage, ratio in table.values:
        share = Decimal(100) * used.get(code, Decimal(0)) / total_used
        assert Decimal(usage) == share.quantize(Decimal("0.001"))
        assert Decimal(ratio) == (share / Decimal(contribution)).quantize(Decimal("0.001"))
    assert table.total_values[2:4] == ("100.000", "100.000")
    figure = tables.fairness_figure(data.compute)
    assert list(figure.data[0].text) == column(table, 4)
    assert [(shape.type, shape.x0, shape.x1) for shape in figure.layout.shapes] == [("line", 1, 1)]


def test_totals_are_the_sums_of_their_rows_and_each_balance_the_sum_of_its_lines(data):
    for table, columns in (
        (tables.quota_table(data.compute), range(2, 9)),
        (tables.monthly_table(data), range(2, 2 + len(data.months) + 1)),
        (tables.levels_table(data.levels, 2025), (1, 2)),
        (tables.fairness_table(data.compute), (2, 3)),
    ):
        for index in columns:
            assert abs(Decimal(table.total_values[index]) - sum(Decimal(row[index]) for row in table.values)) <= Decimal("0.002"), (table.caption, index)
    for row in tables.quota_table(data.compute).values:
        quota, carried_in, transferred, adjusted, used, year_end, balance = (Decimal(cell) for cell in row[2:9])
        assert quota + carried_in + transferred + adjusted - used + year_end == balance
    for row in tables.monthly_table(data).values:
        assert sum(Decimal(cell) for cell in row[2:-1]) == Decimal(row[-1])


def test_the_charts_plot_the_tables_figures(data):
    compute = data.compute
    quota = tables.quota_figure(compute)
    table = tables.quota_table(compute)
    assert [list(trace.x) for trace in quota.data] == [[float(cell) for cell in column(table, 2)], [float(cell) for cell in column(table, 6)]]
    capacity = tables.capacity_figure(compute)
    assert [(t.name, t.y[0], t.x[0]) for t in capacity.data] == [
        ("Reserve: open calls", "Capacity", 153300), ("Reserve: safety labs", "Capacity", 76650),
        ("Members' quotas", "Capacity", 1303050), ("Used by members", "Used", 106.5),
    ]
    monthly = tables.monthly_figure(data)
    rows = tables.monthly_table(data).values
    assert [t.name for t in monthly.data] == [row[1] for row in rows]
    assert [list(t.y) for t in monthly.data] == [[float(cell) for cell in row[2:-1]] for row in rows]
    assert monthly.layout.barmode == "stack"
    levels = tables.levels_figure(data.levels)
    assert list(levels.data[0].y) == [float(hours) for _, hours in EXPECTED.by_level]


def test_each_csv_has_the_header_and_the_tables_rows(data):
    for table in (
        tables.capacity_table(data.compute), tables.pools_table(data.compute), tables.quota_table(data.compute),
        tables.fairness_table(data.compute), tables.monthly_table(data), tables.levels_table(data.levels, 2025),
    ):
        lines = list(csv.reader(io.StringIO(csv_text(table))))
        assert lines[0] == list(table.header)
        assert [tuple(line) for line in lines[1:]] == list(table.values)


def test_layout_shows_every_section_with_chart_table_and_csv(web_app, data):
    components = laid_out(web_app, year="2025")
    assert headings(components) == ["Compute 2025"]
    ids = ids_of(components)
    assert len(ids) == len(set(ids)) and all(i.startswith("compute-") for i in ids)
    expected = {
        page.CAPACITY: tables.capacity_table(data.compute),
        page.POOLS: tables.pools_table(data.compute),
        page.QUOTAS: tables.quota_table(data.compute),
        page.FAIRNESS: tables.fairness_table(data.compute),
        page.MONTHLY: tables.monthly_table(data),
        page.LEVELS: tables.levels_table(data.levels, 2025),
    }
    for ids_of_section, table in expected.items():
        assert isinstance(by_id(components, ids_of_section.section), html.Section)
        assert len(by_id(components, ids_of_section.table).children[2].children) == len(table.values)
        link = by_id(components, ids_of_section.csv)
        assert link.download == f"compute-2025-{ids_of_section.name}.csv"
        assert unquote(link.href.split(",", 1)[1]) == csv_text(table)
        if ids_of_section is not page.POOLS:
            assert isinstance(by_id(components, ids_of_section.chart), dcc.Graph)
    assert "Regulation (EU) 2021/1173" in texts(by_id(components, page.FAIRNESS_NOTE_ID))
    assert "“directly proportional”" in texts(by_id(components, page.FAIRNESS_NOTE_ID))
    assert not [c for c in rendered(components) if getattr(c, "id", None) == page.FROZEN_ID]
    current = [c for c in rendered(components) if getattr(c, "aria-current", None) == "page"]
    assert [texts(c) for c in current] == ["2025"]


def test_the_default_year_and_a_year_with_a_plan_only(web_app):
    default = laid_out(web_app)
    assert headings(default) == [f"Compute {read.default_year([PLANNED_ONLY, 2025], date.today().year)}"]
    planned = laid_out(web_app, year=str(PLANNED_ONLY))
    assert headings(planned) == [f"Compute {PLANNED_ONLY}"]
    assert "not allocated yet" in texts(by_id(planned, page.QUOTAS.table))
    links = [c for c in rendered(planned) if isinstance(c, dcc.Link)]
    assert [c.href for c in links] == ["/dashboards/compute?year=2025"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "'abc' is not a year"), ("1999", "No capacity plan is recorded for 1999"), (["2025", "2026"], "Give one year")],
)
def test_layout_explains_a_year_it_cannot_show(web_app, raw, message):
    components = laid_out(web_app, year=raw, unrelated="ignored")
    assert message in texts(by_id(components, page.MESSAGE_ID))
    links = [c for c in rendered(components) if isinstance(c, dcc.Link)]
    assert [c.href for c in links] == [f"/dashboards/compute?year={PLANNED_ONLY}", "/dashboards/compute?year=2025"]


# --------------------------------------------------------------------------- in Chromium


def plotted(page_, chart_id: str, axis: str) -> list[list]:
    """The values plotly drew on one axis of every trace of a chart."""
    return page_.evaluate(f"id => document.querySelector(`#${{id}} .js-plotly-plot`).data.map(t => Array.from(t.{axis}))", chart_id)


@pytest.mark.browser
def test_page_renders_its_charts_and_tables_offline_and_passes_axe(in_chromium, data):
    def scenario(v: Visit) -> None:
        page_ = v.open("/dashboards/compute?year=2025")
        for ids in (page.CAPACITY, page.QUOTAS, page.FAIRNESS, page.MONTHLY, page.LEVELS):
            page_.wait_for_selector(f"#{ids.chart} .main-svg", timeout=15_000)
        assert page_.locator("h1").all_inner_texts() == ["Compute 2025"]
        assert page_.locator("html").get_attribute("lang") == "en" and page_.locator("main").count() == 1
        members = len(data.compute.members)
        for ids, rows in (
            (page.CAPACITY, 5), (page.POOLS, 2), (page.QUOTAS, members), (page.FAIRNESS, members),
            (page.MONTHLY, len(data.member_months)), (page.LEVELS, 4),
        ):
            table = page_.locator(f"#{ids.table}")
            assert table.is_visible() and table.locator("caption").count() == 1
            assert table.locator("tbody tr").count() == rows
        assert page_.locator(f"#{page.QUOTAS.table} tbody tr", has_text="Germany").locator("td").last.inner_text() == "usable"
        assert plotted(page_, page.LEVELS.chart, "y") == [[float(hours) for _, hours in EXPECTED.by_level]]
        assert plotted(page_, page.FAIRNESS.chart, "x") == [[float(m.ratio) for m in data.compute.members]]
        page_.screenshot(path=str(SCREENSHOTS / "compute.png"), full_page=True)
        v.assert_clean()

    in_chromium(scenario)


@pytest.mark.browser
def test_choosing_a_year_with_a_plan_only_shows_its_capacity_and_passes_axe(in_chromium):
    def scenario(v: Visit) -> None:
        page_ = v.open("/dashboards/compute?year=2025")
        page_.get_by_role("navigation", name="Fiscal year:").get_by_role("link", name=str(PLANNED_ONLY)).click()
        page_.wait_for_url(f"**/dashboards/compute?year={PLANNED_ONLY}")
        page_.wait_for_function("text => document.querySelector('h1').innerText === text", arg=f"Compute {PLANNED_ONLY}")
        page_.wait_for_selector(f"#{page.CAPACITY.chart} .main-svg", timeout=15_000)
        assert "not allocated yet" in page_.locator(f"#{page.QUOTAS.table}").inner_text()
        assert page_.locator(f"#{page.POOLS.table} tbody tr").count() == 2
        v.assert_clean()

    in_chromium(scenario)