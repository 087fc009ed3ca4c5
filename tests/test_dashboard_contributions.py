"""The contributions dashboard: its plain figure and table builders, its layout, and the page in Chromium.

One small ledger, built through the officials' use cases, serves every test of the module
on each database: two years (the first closed, on a Gapminder scale; the second adopted, on
another), payments in EUR, USD and KRW, a member in arrears and one credited in kind.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pytest
from dash import dcc, html

from dashboards.components import Cell, TableData, csv_href, csv_text, html_table, member_cell
from dashboards.pages import contributions as page
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.contributions import CERN_CONVENTION_ART_V_8, Standing, judge_standing
from ledger.domain.money import currency_exponent, format_minor
from ledger.domain.settings import Settings as LedgerSettings
from ledger.queries.contributions import (
    ContributionRow,
    View,
    YearContributions,
    YearRow,
    YearTotals,
    find_year,
    list_years,
    view_of,
    year_contributions,
)
from ledger.services import contributions as finance
from ledger.services.members import admit_member
from tests.browser import SCREENSHOTS, Visit
from tests.dash_helpers import by_id, page_fixtures, rendered, texts

TODAY = date.today()
FIRST, SECOND, THIRD = TODAY.year - 2, TODAY.year - 1, TODAY.year
ACTOR = system_actor("test")
GAPMINDER_MEASURE = "GDP = gdpPercap x pop, 2007 (Gapminder data shipped with the plotly package)"
WORLD_BANK_MEASURE = "GNI 2021-2023, World Bank"
MEMBERS = (  # code, status, joined
    ("DEU", "member", "2010-01-01"),
    ("FRA", "member", "2010-01-01"),
    ("ITA", "member", "2010-01-01"),
    ("ESP", "member", "2010-01-01"),
    ("NLD", "member", "2010-01-01"),
    ("POL", "member", "2010-01-01"),
    ("KOR", "associate", f"{SECOND}-07-01"),
)
INCOMES = {"DEU": 4000, "FRA": 2800, "ITA": 2100, "ESP": 1400, "NLD": 1000, "POL": 700, "KOR": 1700}
RATES = {"EUR": Decimal(1), "USD": Decimal("0.9"), "KRW": Decimal("0.00068")}


def _uow(engine) -> UnitOfWork:
    return UnitOfWork(engine)


def _assessed(engine, year: int) -> dict[str, int]:
    with engine.connect() as connection:
        row = find_year(connection, year)
        return {r.code: r.assessed_minor for r in year_contributions(connection, row, view_of(row, TODAY)).rows}


def _pay(engine, code: str, paid_on: date, currency: str, base_minor: int, reference: str) -> None:
    """Book a payment in `currency` worth at least `base_minor` EUR at the test's rate."""
    rate = RATES[currency]
    # The smallest amount in the payment currency that converts to at least base_minor.
    minor = math.ceil(Decimal(base_minor) * Decimal(10) ** (currency_exponent(currency) - currency_exponent("EUR")) / rate)
    finance.record_payment(
        code, paid_on.isoformat(), currency, format_minor(minor, currency), str(rate), paid_on.isoformat(), "test rates",
        reference, today=TODAY, actor=ACTOR, uow=_uow(engine),
    )


def _scale(engine, first: int, last: int, measure: str, adopted_on: date) -> None:
    with _uow(engine) as uow:
        codes = finance.paying_members(uow, first, last)
    incomes = {code: Decimal(INCOMES[code]) * 10**9 for code in codes}
    proposal = finance.propose_scale(
        first, last, {code: str(income) for code, income in incomes.items()},
        ceiling="25", floor="", precision="0.001", associate_factor="10", uow=_uow(engine),
    )
    finance.adopt_scale(
        proposal, income_measure=measure, decision=f"Board, scale {first}-{last}",
        adopted_on=adopted_on.isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine),
    )


def build_ledger(engine) -> None:
    """Two published years: FIRST closed (ITA late, POL half paid), SECOND adopted (NLD partly in kind, POL unpaid, KOR pro rata); THIRD a draft."""
    for code, status, joined in MEMBERS:
        admit_member(code, None, status, joined, actor=ACTOR, uow=_uow(engine))

    _scale(engine, FIRST, FIRST, GAPMINDER_MEASURE, date(FIRST - 1, 11, 1))
    finance.open_year(FIRST, f"{FIRST}-03-31,{FIRST}-09-30", "1000000000.00", actor=ACTOR, uow=_uow(engine))
    finance.adopt_budget(FIRST, f"Board, budget {FIRST}", date(FIRST - 1, 12, 1).isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))
    owed = _assessed(engine, FIRST)
    _pay(engine, "DEU", date(FIRST, 2, 15), "EUR", owed["DEU"], f"T{FIRST}-DEU")
    _pay(engine, "FRA", date(FIRST, 3, 1), "EUR", owed["FRA"], f"T{FIRST}-FRA")
    _pay(engine, "ITA", date(FIRST, 11, 30), "EUR", owed["ITA"], f"T{FIRST}-ITA")
    _pay(engine, "ESP", date(FIRST, 3, 20), "USD", owed["ESP"], f"T{FIRST}-ESP")
    _pay(engine, "NLD", date(FIRST, 1, 31), "EUR", owed["NLD"], f"T{FIRST}-NLD")
    _pay(engine, "POL", date(FIRST, 3, 31), "EUR", owed["POL"] // 2, f"T{FIRST}-POL")
    finance.close_year(FIRST, f"Board, accounts {FIRST}", date(FIRST + 1, 1, 31).isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))

    _scale(engine, SECOND, SECOND + 2, WORLD_BANK_MEASURE, date(SECOND - 1, 11, 15))
    finance.open_year(SECOND, f"{SECOND}-03-31,{SECOND}-09-30", "1200000000.00", actor=ACTOR, uow=_uow(engine))
    finance.adopt_budget(SECOND, f"Board, budget {SECOND}", date(SECOND - 1, 12, 1).isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))
    owed = _assessed(engine, SECOND)
    pledge = finance.pledge_in_kind("NLD", SECOND, "Cooling plant for the second data hall", date(SECOND, 1, 10).isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))
    in_kind = owed["NLD"] // 5
    finance.advance_in_kind(pledge, "valued", date(SECOND, 1, 20).isoformat(), format_minor(in_kind, "EUR"), today=TODAY, actor=ACTOR, uow=_uow(engine))
    finance.advance_in_kind(pledge, "accepted", date(SECOND, 1, 25).isoformat(), None, today=TODAY, actor=ACTOR, uow=_uow(engine))
    finance.advance_in_kind(pledge, "credited", date(SECOND, 2, 1).isoformat(), None, today=TODAY, actor=ACTOR, uow=_uow(engine))
    _pay(engine, "NLD", date(SECOND, 2, 15), "EUR", owed["NLD"] - in_kind, f"T{SECOND}-NLD")
    _pay(engine, "DEU", date(SECOND, 3, 15), "EUR", owed["DEU"], f"T{SECOND}-DEU")
    _pay(engine, "FRA", date(SECOND, 3, 30), "EUR", owed["FRA"], f"T{SECOND}-FRA")
    _pay(engine, "ITA", date(SECOND, 3, 31), "EUR", owed["ITA"], f"T{SECOND}-ITA")
    _pay(engine, "ESP", date(SECOND, 3, 10), "USD", owed["ESP"], f"T{SECOND}-ESP")
    _pay(engine, "KOR", date(SECOND, 8, 1), "KRW", owed["KOR"], f"T{SECOND}-KOR")
    # A draft year: listed, not published.
    finance.open_year(THIRD, f"{THIRD}-06-30", "1300000000.00", actor=ACTOR, uow=_uow(engine))


# --------------------------------------------------------------------------- fixtures


ledger_engine, web_app, live_server, in_chromium = page_fixtures(build_ledger)


@pytest.fixture(scope="module")
def year_pages(ledger_engine) -> dict[int, page.YearPage]:
    """What the page shows for each published year, read as `layout` reads it."""
    with ledger_engine.connect() as connection:
        years = list_years(connection)
        return {year.year: page.read_year(connection, year, years, TODAY) for year in page.published_years(years)}


def amount(text: str) -> Decimal:
    assert AMOUNT.fullmatch(text), f"{text!r} is not an exact amount with the currency's decimals"
    return Decimal(text)


AMOUNT = re.compile(r"-?[0-9]+\.[0-9]{2}")


# --------------------------------------------------------------------------- plain functions, no database


def hand_built_year(currency: str = "JPY") -> YearContributions:
    """Three members of a year in a currency without decimals: one paid, one partly in kind, one suspended."""
    as_of = date(2030, 12, 31)
    rule = CERN_CONVENTION_ART_V_8

    def row(code, name, share, assessed, paid, in_kind, arrears, threshold):
        standing = judge_standing(as_of, arrears, threshold, (2030, 2029), rule, (), currency)
        return ContributionRow(code, name, Decimal(share), assessed, paid, in_kind, assessed - paid - in_kind, arrears, standing)

    return YearContributions(
        year=YearRow(2030, 1_000_000, currency, "adopted", date(2029, 12, 1), None, None),
        view=View(as_of=as_of),
        settings=LedgerSettings.from_values({"base_currency": currency}),
        rows=[
            row("AUT", "Austria", "50.5", 505_000, 505_000, 0, 0, 505_000),
            row("BEL", "Belgium", "30", 300_000, 200_000, 75_000, 25_000, 600_000),
            row("CHE", "Switzerland, \"CH\"", "19.5", 195_000, 0, 0, 400_000, 390_000),
        ],
    )


def test_csv_text_has_the_header_and_one_line_per_row_and_quotes_what_needs_it():
    table = TableData("Caption", ("Code", "Name"), (("AUT", "Austria"), ("CHE", 'Switzerland, "CH"')), totals=("", "2"))
    text = csv_text(table)
    assert text == 'Code,Name\r\nAUT,Austria\r\nCHE,"Switzerland, ""CH"""\r\n'
    assert list(csv.reader(io.StringIO(text))) == [["Code", "Name"], ["AUT", "Austria"], ["CHE", 'Switzerland, "CH"']]
    href = csv_href(text)
    assert href.startswith("data:text/csv;charset=utf-8,")
    assert unquote(href.split(",", 1)[1]) == text


def test_a_table_row_must_fill_every_column():
    with pytest.raises(ValueError, match="every row needs 2 cells"):
        TableData("Caption", ("Code", "Name"), (("AUT",),))


def test_html_table_has_its_caption_column_and_row_headers_and_totals_in_the_foot():
    table = TableData("Members", ("Code", "Name", "Paid"), (("AUT", "Austria", "1.00"),), totals=("", "Total", "1.00"), row_header=1, numeric=frozenset({2}))
    parts = rendered(html_table(table, "x-table"))
    headers = [c for c in parts if isinstance(c, html.Th)]
    assert [(texts(h), h.scope) for h in headers] == [("Code", "col"), ("Name", "col"), ("Paid", "col"), ("Austria", "row"), ("Total", "row")]
    # each column header is a button that sorts by it (tables.js)
    assert [texts(b) for b in parts if isinstance(b, html.Button)] == ["Code", "Name", "Paid"]
    assert texts(next(c for c in parts if isinstance(c, html.Caption))) == "Members"
    assert texts(next(c for c in parts if isinstance(c, html.Tfoot))) == "Total1.00"


def test_a_figure_reads_in_full_on_the_page_and_exact_in_the_csv_and_a_name_links_to_its_profile():
    amount = Cell("€3,900,000,000.00", "3900000000.00")
    table = TableData("Budget", ("Code", "Member", "Budget (EUR)"), (("DEU", member_cell("DEU", "Germany"), amount),), row_header=1)
    parts = rendered(html_table(table, "x-table"))
    cell = next(c for c in parts if isinstance(c, html.Td) and texts(c) == "€3,900,000,000.00")
    assert getattr(cell, "data-value") == "3900000000.00"  # the rows sort by the exact figure
    assert [link.href for link in parts if isinstance(link, dcc.Link)] == ["/dashboards/members/DEU"]
    assert csv_text(table) == "Code,Member,Budget (EUR)\r\nDEU,Germany,3900000000.00\r\n"


def test_hand_built_year_tables_are_exact_and_total_their_rows():
    year = hand_built_year("JPY")
    table = page.assessed_table(year)
    assert table.header == ("Code", "Member", "Assessed (JPY)", "Paid in cash (JPY)", "Credited in kind (JPY)", "Outstanding (JPY)")
    assert table.values[1] == ("BEL", "Belgium", "300000", "200000", "75000", "25000")
    assert table.total_values == ("", "Total, 3 members", "1000000", "705000", "75000", "220000")
    standing = page.standing_table(year)
    assert [row[3] for row in standing.values] == ["good standing", "in arrears, vote kept", "vote suspended"]
    assert standing.values[2][4].startswith("Arrears of 400000 JPY on 2030-12-31 exceed 390000 JPY")
    assert standing.total_values[3] == "1 good standing, 1 in arrears, vote kept, 1 vote suspended"
    shares = page.shares_table(year)
    assert [row[0] for row in shares.values] == ["AUT", "BEL", "CHE"]
    assert shares.total_values[2] == "100.0"
    lines = list(csv.reader(io.StringIO(csv_text(standing))))
    assert lines[0] == list(standing.header) and len(lines) == 1 + 3
    assert lines[3][1] == 'Switzerland, "CH"'


def test_hand_built_year_figures_have_one_trace_per_measure_and_per_standing():
    year = hand_built_year("EUR")
    assessed = page.assessed_figure(year)
    assert [t.name for t in assessed.data] == ["Assessed", "Paid in cash", "Credited in kind"]
    assert all(t.type == "bar" and list(t.x) == ["AUT", "BEL", "CHE"] for t in assessed.data)
    assert list(assessed.data[2].y) == [0.0, 750.0, 0.0]  # 75000 minor units = 750.00 EUR
    assert assessed.data[2].customdata[1][1] == "€750.00"
    assert assessed.layout.barmode == "group"
    standing = page.standing_figure(year)
    assert [t.name for t in standing.data] == ["good standing (1)", "in arrears, vote kept (1)", "vote suspended (1)"]
    assert list(standing.data[2].text) == ["vote suspended: €4,000.00"]
    assert list(standing.layout.yaxis.categoryarray) == ["Austria", "Belgium", 'Switzerland, "CH"']
    shares = page.shares_figure(year)
    assert list(shares.data[0].y) == ["Austria", "Belgium", 'Switzerland, "CH"'] and list(shares.data[0].text) == ["50.5%", "30%", "19.5%"]
    trends = page.trends_figure([YearTotals(2029, 900_00, 900_00, 800_00, 0), YearTotals(2030, 1000_00, 1000_00, 700_00, 50_00)], "EUR")
    assert [(t.type, t.mode, t.name) for t in trends.data] == [
        ("scatter", "lines+markers", "Budget"), ("scatter", "lines+markers", "Assessed"),
        ("scatter", "lines+markers", "Paid in cash"), ("scatter", "lines+markers", "Credited in kind"),
    ]
    assert list(trends.data[2].y) == [800.0, 700.0] and list(trends.data[2].customdata) == ["€800.00", "€700.00"]


YEARS = [
    YearRow(2028, 100, "EUR", "closed", date(2027, 12, 1), date(2029, 1, 31), 10),
    YearRow(2029, 100, "EUR", "adopted", date(2028, 12, 1), None, None),
    YearRow(2030, 100, "EUR", "draft", None, None, None),
]


@pytest.mark.parametrize(
    ("raw", "shown", "message"),
    [
        (None, 2029, None),
        ("2028", 2028, None),
        ("2030", None, "The budget of 2030 is not adopted yet"),
        ("1999", None, "There is no fiscal year 1999 in the ledger"),
        ("abc", None, "'abc' is not a year: give a four-digit year in the address, e.g. ?year=2029."),  # the latest published as example
    ],
)
def test_the_year_comes_from_the_query_string_or_a_message_says_why_not(raw, shown, message):
    year, problem = page.pick_year(raw, YEARS, 2026)
    assert (year.year if year else None) == shown
    assert (problem is None) if message is None else (message in problem)


def test_with_no_adopted_year_the_page_says_so():
    assert page.pick_year(None, YEARS[2:], 2026) == (None, "No fiscal year has an adopted budget yet: contributions appear here once the board adopts one.")


# --------------------------------------------------------------------------- the ledger's figures, on each database


def test_the_ledger_has_what_the_tests_need(year_pages):
    first, second = year_pages[FIRST], year_pages[SECOND]
    assert len(second.contributions.rows) >= 5 and set(year_pages) == {FIRST, SECOND}
    by_code = {row.code: row for row in second.contributions.rows}
    assert by_code["POL"].standing.standing == Standing.SUSPENDED and by_code["POL"].arrears_minor > 0
    assert by_code["NLD"].in_kind_minor > 0
    assert first.contributions.year.status == "closed" and second.contributions.year.status == "adopted"
    assert [code for code, _ in first.honour_roll] == ["FRA", "DEU", "NLD", "ESP"]  # ITA late, POL short
    assert [code for code, _ in second.honour_roll] == ["FRA", "DEU", "ITA", "NLD", "ESP"]  # KOR late, POL unpaid


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_tables_totals_equal_the_sums_of_their_rows(year_pages, year):
    data = year_pages[year]
    for table, columns in (
        (page.assessed_table(data.contributions), (2, 3, 4, 5)),
        (page.standing_table(data.contributions), (2,)),
        (page.shares_table(data.contributions), (3,)),
        (page.trends_table(data.trends, data.currency, data.contributions.view.as_of), (1, 2, 3, 4)),
    ):
        for column in columns:
            assert amount(table.total_values[column]) == sum(amount(row[column]) for row in table.values), (table.caption, column)
    shares = page.shares_table(data.contributions)
    assert Decimal(shares.total_values[2]) == sum(Decimal(row[2]) for row in shares.values) == Decimal(100)
    assessed = page.assessed_table(data.contributions)
    assert amount(assessed.total_values[2]) == Decimal(data.contributions.year.budget_minor) / 100


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_each_csv_has_the_header_and_one_line_per_member(year_pages, year):
    data = year_pages[year]
    members = len(data.contributions.rows)
    for table in (page.assessed_table(data.contributions), page.standing_table(data.contributions), page.shares_table(data.contributions)):
        lines = list(csv.reader(io.StringIO(csv_text(table))))
        assert lines[0] == list(table.header)
        assert len(lines) == 1 + members
        assert [tuple(line) for line in lines[1:]] == list(table.values)
    trends = list(csv.reader(io.StringIO(csv_text(page.trends_table(data.trends, data.currency, data.contributions.view.as_of)))))
    assert [line[0] for line in trends] == ["Year", *(str(y) for y in range(FIRST, year + 1))]
    roll = list(csv.reader(io.StringIO(csv_text(page.honour_roll_table(data.honour_roll, year)))))
    assert roll == [["Code", "Member"], *([code, name] for code, name in data.honour_roll)]


def test_amounts_are_exact_text_in_the_base_currency(year_pages):
    data = year_pages[SECOND]
    table = page.assessed_table(data.contributions)
    by_code = {row.code: row for row in data.contributions.rows}
    for row in table.values:
        assert row[2] == format_minor(by_code[row[0]].assessed_minor, "EUR")
        assert all(AMOUNT.fullmatch(cell) for cell in row[2:])


@pytest.mark.parametrize("year", [FIRST, SECOND])
def test_figures_plot_the_tables_figures(year_pages, year):
    data = year_pages[year]
    rows = data.contributions.rows
    assessed = page.assessed_figure(data.contributions)
    table = page.assessed_table(data.contributions)
    assert [t.name for t in assessed.data] == ["Assessed", "Paid in cash", "Credited in kind"]
    for trace, column in zip(assessed.data, (2, 3, 4)):
        assert list(trace.x) == [row[0] for row in table.values]
        assert list(trace.y) == [float(row[column]) for row in table.values]
    standing = page.standing_figure(data.contributions)
    assert sum(len(t.y) for t in standing.data) == len(rows)
    expected = {"good standing", "vote suspended"} if year == SECOND else {"good standing", "in arrears, vote kept"}
    assert {t.name.split(" (")[0] for t in standing.data} == expected
    shares = page.shares_figure(data.contributions)
    assert list(shares.data[0].x) == sorted(shares.data[0].x, reverse=True)
    trends = page.trends_figure(data.trends, data.currency)
    assert [t.name for t in trends.data] == ["Budget", "Assessed", "Paid in cash", "Credited in kind"]
    assert list(trends.data[0].x) == list(range(FIRST, year + 1))


def test_layout_shows_every_section_with_chart_table_and_csv(web_app, year_pages):
    with web_app.test_request_context("/dashboards/contributions"):
        default = page.layout()
        first = page.layout(year=str(FIRST))
    assert texts([c for c in rendered(default) if isinstance(c, html.H1)]) == f"Contributions {SECOND}"
    for components, year in ((default, SECOND), (first, FIRST)):
        parts = rendered(components)
        assert sum(isinstance(c, html.H1) for c in parts) == 1
        ids = [c.id for c in parts if getattr(c, "id", None)]
        assert len(ids) == len(set(ids)) and all(i.startswith("contributions-") for i in ids)
        data = year_pages[year]
        tables = {
            page.ASSESSED: page.assessed_table(data.contributions),
            page.STANDING: page.standing_table(data.contributions),
            page.SHARES: page.shares_table(data.contributions),
            page.TRENDS: page.trends_table(data.trends, data.currency, data.contributions.view.as_of),
        }
        for ids_of, table in tables.items():
            assert isinstance(by_id(components, ids_of.chart), dcc.Graph)
            assert len(by_id(components, ids_of.table).children[2].children) == len(table.values)
            link = by_id(components, ids_of.csv)
            assert link.download.startswith(f"contributions-{year}-") and link.download.endswith(".csv")
            assert unquote(link.href.split(",", 1)[1]) == csv_text(table)
        honour = by_id(components, page.HONOUR_LIST_ID)
        assert [texts(item) for item in honour.children] == [f"{name} ({code})" for code, name in data.honour_roll]
        current = [c for c in parts if getattr(c, "aria-current", None) == "page"]
        assert [texts(c) for c in current] == [f"{year} ({data.contributions.year.status})"]
    # The Gapminder note only for the year whose scale was computed from Gapminder's figures.
    # Its words are the scale's own income measure (the base year the scale used, as /api/v1/scales says).
    assert texts(by_id(first, page.NOTE_ID)) == page.gapminder_note(year_pages[FIRST].scale)
    assert year_pages[FIRST].scale.income_measure in texts(by_id(first, page.NOTE_ID))
    assert not [c for c in rendered(default) if getattr(c, "id", None) == page.NOTE_ID]


def test_each_payment_is_listed_with_a_link_to_the_receipt_of_its_entry(web_app, ledger_engine, year_pages):
    """Issue 12 item 7 ("every payment ... shown on the public site links to its journal
    entry"): the payments table has one line per payment of the year, each linking to the
    receipt of the entry stamped on the payment's row; the CSV keeps the entry's number."""
    from sqlalchemy import text

    with ledger_engine.connect() as connection:
        stamped = dict(connection.execute(text("SELECT reference, journal_seq FROM payment WHERE reference LIKE :y"), {"y": f"T{SECOND}-%"}).all())
    data = year_pages[SECOND]
    table = page.payments_table(data.payments, SECOND, data.currency)
    assert len(stamped) == 6 and {row[0]: int(row[6]) for row in table.rows} == stamped
    assert next(row for row in table.rows if row[0] == f"T{SECOND}-ESP")[3].endswith(" USD")
    with web_app.test_request_context("/dashboards/contributions"):
        components = page.layout(year=str(SECOND))
    links = [c for c in rendered(by_id(components, page.PAYMENTS.table)) if isinstance(c, html.A)]
    assert sorted((texts(a), a.href) for a in links) == sorted((f"Receipt #{seq}", f"/journal/{seq}") for seq in stamped.values())
    lines = list(csv.reader(io.StringIO(csv_text(table))))
    assert lines[0][6] == "Journal entry" and {int(line[6]) for line in lines[1:]} == set(stamped.values())
    assert unquote(by_id(components, page.PAYMENTS.csv).href.split(",", 1)[1]) == csv_text(table)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a year"),
        ("1999", "There is no fiscal year 1999"),
        (str(THIRD), f"The budget of {THIRD} is not adopted yet"),
        ([str(FIRST), str(SECOND)], "Give one year"),
    ],
)
def test_layout_explains_a_year_it_cannot_show(web_app, raw, message):
    with web_app.test_request_context("/dashboards/contributions"):
        components = page.layout(year=raw, unrelated="ignored")
    assert message in texts(by_id(components, page.MESSAGE_ID))
    links = [c for c in rendered(components) if isinstance(c, dcc.Link)]
    assert [c.href for c in links] == [f"/dashboards/contributions?year={SECOND}", f"/dashboards/contributions?year={FIRST}"]


# --------------------------------------------------------------------------- in Chromium


def chart_data(page_, chart_id: str) -> list[list]:
    """The y values of every trace plotly drew in a chart."""
    return page_.evaluate("id => document.querySelector(`#${id} .js-plotly-plot`).data.map(t => Array.from(t.y))", chart_id)


def wait_for_charts(page_) -> None:
    for ids_of in (page.ASSESSED, page.STANDING, page.SHARES, page.TRENDS):
        page_.wait_for_selector(f"#{ids_of.chart} .main-svg", timeout=15_000)


@pytest.mark.browser
def test_page_renders_draws_its_charts_offline_and_passes_axe(in_chromium, year_pages):
    members = len(year_pages[SECOND].contributions.rows)

    def scenario(v: Visit):
        page_ = v.open(f"/dashboards/contributions?year={SECOND}")
        page_.wait_for_selector("h1")
        wait_for_charts(page_)
        assert page_.locator("h1").all_inner_texts() == [f"Contributions {SECOND}"]
        assert page_.locator("html").get_attribute("lang") == "en"
        assert page_.locator("main").count() == 1
        for ids_of in (page.ASSESSED, page.STANDING, page.SHARES):
            assert page_.locator(f"#{ids_of.table} tbody tr").count() == members
            assert page_.locator(f"#{ids_of.table} caption").count() == 1
        assert page_.locator(f"#{page.STANDING.table} tbody").inner_text().count("vote suspended") == 1
        assert page_.locator(f"#{page.STANDING.chart} .bartext").count() == members  # the standing in words on the chart
        assert page_.locator(f"#{page.HONOUR_LIST_ID} li").count() == len(year_pages[SECOND].honour_roll)
        assert page_.locator(f"#{page.PAYMENTS.table} tbody a").count() == len(year_pages[SECOND].payments)
        assert page_.locator(f"#{page.NOTE_ID}").count() == 0
        page_.screenshot(path=str(SCREENSHOTS / "contributions.png"), full_page=True)
        v.assert_clean()

    in_chromium(scenario)


@pytest.mark.browser
def test_choosing_a_year_on_the_page_changes_the_address_and_the_figures(in_chromium, year_pages):
    first = page.assessed_table(year_pages[FIRST].contributions)

    def scenario(v: Visit):
        page_ = v.open("/dashboards/contributions")
        wait_for_charts(page_)
        before = chart_data(page_, page.ASSESSED.chart)
        page_.get_by_role("navigation", name="Fiscal year:").get_by_role("link", name=f"{FIRST} (closed)").click()
        page_.wait_for_url(f"**/dashboards/contributions?year={FIRST}")
        page_.wait_for_function("text => document.querySelector('h1').innerText === text", arg=f"Contributions {FIRST}")
        wait_for_charts(page_)
        # Plotly may redraw the chart in place: wait until it holds the first year's members.
        page_.wait_for_function(
            "([id, n]) => { const p = document.querySelector(`#${id} .js-plotly-plot`); return p && p.data && p.data[0].x.length === n; }",
            arg=[page.ASSESSED.chart, len(first.rows)],
        )
        after = chart_data(page_, page.ASSESSED.chart)
        assert after != before and len(after[0]) == len(before[0]) - 1  # KOR joined in the second year
        assert after == [[float(row[column]) for row in first.values] for column in (2, 3, 4)]
        assert page_.locator(f"#{page.NOTE_ID}").inner_text() == page.gapminder_note(year_pages[FIRST].scale)
        assert page_.locator("[aria-current=page]").inner_text() == f"{FIRST} (closed)"
        v.assert_clean()
        page_.go_back()
        page_.wait_for_function("text => document.querySelector('h1').innerText === text", arg=f"Contributions {SECOND}")

    in_chromium(scenario)


@pytest.mark.browser
def test_a_csv_link_downloads_the_table(in_chromium, year_pages):
    expected = csv_text(page.standing_table(year_pages[SECOND].contributions))

    def scenario(v: Visit):
        page_ = v.open(f"/dashboards/contributions?year={SECOND}")
        page_.wait_for_selector(f"#{page.STANDING.csv}")
        with page_.expect_download() as caught:
            page_.click(f"#{page.STANDING.csv}")
        download = caught.value
        assert download.suggested_filename == f"contributions-{SECOND}-standing.csv"
        text = Path(download.path()).read_bytes().decode("utf-8")  # as saved: CRLF line ends kept
        assert text.startswith("Code,Member,Arrears (EUR),Standing,Explanation\r\n")
        assert text == expected
        v.assert_clean(axe=False)

    in_chromium(scenario)


@pytest.mark.browser
@pytest.mark.parametrize(("query", "message"), [("?year=abc", "'abc' is not a year"), ("?year=1999", "There is no fiscal year 1999")])
def test_a_year_the_page_cannot_show_gets_a_message_not_an_error(in_chromium, query, message):
    def scenario(v: Visit):
        page_ = v.open(f"/dashboards/contributions{query}")
        page_.wait_for_selector(f"#{page.MESSAGE_ID}")
        assert message in page_.locator(f"#{page.MESSAGE_ID}").inner_text()
        assert page_.locator("h1").all_inner_texts() == ["Contributions"]
        v.assert_clean()

    in_chromium(scenario)
