"""The public portal of issue 14 on the demo facility, both databases: readable figures (item 1), the
front door and its Atom feed (item 2), member profiles (item 3), one source of labels and
figures (item 9): the scale's base year, the members' statuses in README, population weights
from a cited table, and one count of members in arrears and suspended."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dashboards.components import csv_text
from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.domain.contributions import Standing, count_standings
from ledger.formatting import (
    format_compact_money,
    format_compact_quantity,
    format_gpu_ms,
    format_money,
    format_rounded_percent,
)
from tests.conftest import DEMO_TODAY
from tests.dash_helpers import by_id, texts

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"
DEMO_MEMBERS = ROOT / "data" / "demo" / "members.csv"
POPULATION = ROOT / "data" / "population.csv"


@pytest.fixture(scope="module")
def demo_app(demo_template):
    """The web app over the demo facility as of DEMO_TODAY (read only: the tests write nothing)."""
    from ledger.web import create_app

    engine = make_engine(demo_template[0])
    settings = Settings(database_url=demo_template[0], secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY)
    yield create_app(settings, engine=engine)
    engine.dispose()


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# --------------------------------------------------------------------------- item 1: the one formatter


def test_headline_amounts_are_compact_and_table_amounts_full_in_each_language():
    assert format_compact_money(3_900_000_000_00, "EUR") == "€3.9B"
    assert format_compact_money(3_900_000_000_00, "EUR", "fr") == "3,9\xa0Md\xa0€"
    assert format_money(3_900_000_000_00, "EUR") == "€3,900,000,000.00"
    assert format_compact_quantity(876_000_000) == "876M"
    assert format_gpu_ms(4_500_000_000) == "1,250.000"  # 1,250 reference GPU-hours in ms, to the thousandth kept
    assert format_gpu_ms(4_500_000_001) == "1,250.000"  # a millisecond more is below the thousandth


def test_percentages_are_rounded_half_up_to_the_digits_asked():
    assert format_rounded_percent(Decimal("0.2549"), 2) == "0.25%"
    assert format_rounded_percent(Decimal("0.255"), 2) == "0.26%"
    assert format_rounded_percent(Decimal("85.04"), 1, "fr") == "85,0\u202f%"


def test_compute_utilisation_keeps_two_significant_digits_however_small():
    from dashboards.compute.tables import utilisation_text

    assert utilisation_text(Decimal("0.2388")) == "0.24%"
    assert utilisation_text(Decimal("5.349")) == "5.3%"
    assert utilisation_text(Decimal("42.5")) == "43%"
    assert utilisation_text(Decimal(0)) == "0%"


def test_the_page_prints_amounts_in_full_the_csv_keeps_them_exact(demo_app):
    from dashboards.pages import contributions as page
    from ledger.queries.contributions import list_years

    with demo_app.test_request_context("/dashboards/contributions"), demo_app.extensions["ledger"].engine.connect() as connection:
        years = list_years(connection)
        year = next(y for y in years if y.year == 2026)
        data = page.read_year(connection, year, years, DEMO_TODAY)
    table = page.assessed_table(data.contributions)
    rows = list(csv.reader(io.StringIO(csv_text(table))))
    germany_csv = next(row for row in rows if row[0] == "DEU")
    germany_shown = next(row for row in table.texts if row[0] == "DEU")
    assessed = next(row.assessed_minor for row in data.contributions.rows if row.code == "DEU")
    assert germany_csv[2] == f"{Decimal(assessed) / 100:.2f}"  # exact, no grouping, no sign
    assert germany_shown[2] == format_money(assessed, "EUR") and germany_shown[2].startswith("€") and "," in germany_shown[2]
    cards = texts(page.summary(data))
    assert format_compact_money(year.budget_minor, "EUR") in cards and "€3.9B" in cards


# --------------------------------------------------------------------------- item 9: one count of standings


def test_a_suspended_member_is_counted_as_suspended_only():
    counts = count_standings([Standing.ARREARS, Standing.SUSPENDED, Standing.GOOD, Standing.ARREARS])
    assert dict(counts) == {Standing.GOOD: 1, Standing.ARREARS: 2, Standing.SUSPENDED: 1}
    assert dict(count_standings([])) == {Standing.GOOD: 0, Standing.ARREARS: 0, Standing.SUSPENDED: 0}


def test_dashboard_home_page_and_annual_report_count_the_same_members_in_arrears_and_suspended(demo_app):
    from dashboards.pages import contributions as page
    from ledger.queries.contributions import list_years
    from ledger.reports.annual import build_annual_report

    with demo_app.test_request_context("/dashboards/contributions"), demo_app.extensions["ledger"].engine.connect() as connection:
        years = list_years(connection)
        year = next(y for y in years if y.year == 2026)
        data = page.read_year(connection, year, years, DEMO_TODAY)
        report = build_annual_report(connection, 2026, DEMO_TODAY, "en")
    in_report = count_standings(Standing(line.standing) for line in report.contributions)
    on_dashboard = data.contributions.standing_counts
    assert dict(in_report) == dict(on_dashboard)
    assert on_dashboard[Standing.ARREARS] == 4 and on_dashboard[Standing.SUSPENDED] == 1  # the demo's: 4 in arrears, Slovenia suspended
    cards = texts(page.summary(data))
    assessed = len(data.contributions.rows)
    assert f"4 of {assessed}members in arrears, vote kept" in cards and f"1 of {assessed}members whose vote is suspended" in cards
    home = page_text(demo_app.test_client().get("/"))
    assert "4 members in arrears, vote kept" in home and "1 member whose vote is suspended" in home


# --------------------------------------------------------------------------- item 2: the front door and its feed


def test_the_front_door_shows_money_standing_compute_decisions_and_the_checkpoint(demo_app):
    from ledger.queries.home import front_door

    with demo_app.extensions["ledger"].engine.connect() as connection:
        door = front_door(connection, DEMO_TODAY)
    response = demo_app.test_client().get("/")
    assert response.status_code == 200
    text = page_text(response)
    money = door.money
    assert money.year.year == 2026 and money.totals.budget_minor == 3_900_000_000_00
    assert "€3.9B budget (€3,900,000,000.00)" in text
    assert f"{format_rounded_percent(money.settled_percent, 1)} of the assessed contributions paid" in text
    assert door.compute.year == 2026 and f"{format_rounded_percent(door.compute.utilisation, 2)} of the capacity used" in text
    assert len(door.decisions) == 5 and door.decisions[0].journal_seq > door.decisions[-1].journal_seq
    assert door.decisions[0].title in text
    html = response.get_data(as_text=True)
    assert 'type="application/atom+xml"' in html and 'href="/feed.atom"' in html
    assert door.checkpoint is None  # the tests' demo signs none: the latest entry's receipt stands in
    assert "No checkpoint is signed yet" in text and f'href="/journal/{door.head.seq}"' in html


def test_the_front_door_links_the_latest_checkpoint_to_its_verification(demo_app, demo_copy):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.domain.signed_note import NoteSigner
    from ledger.services.checkpoints import publish_checkpoint
    from ledger.web import create_app

    demo_app.extensions["ledger"].engine.dispose()  # PostgreSQL copies a template nobody is connected to
    url = demo_copy()
    engine = make_engine(url)
    signed = publish_checkpoint(engine, NoteSigner("test.example/log", Ed25519PrivateKey.generate()))
    client = create_app(Settings(database_url=url, secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY), engine=engine).test_client()
    response = client.get("/")
    html, text = response.get_data(as_text=True), page_text(response)
    assert f"covers the first {signed.size} entries" in text and signed.root_hash in text
    assert f'href="/journal/{signed.size}"' in html and 'href="/api/v1/checkpoint"' in html
    assert client.get(f"/journal/{signed.size}").status_code == 200
    assert client.get("/api/v1/checkpoint").status_code == 200
    engine.dispose()


def test_the_dashboards_index_leads_to_the_front_door(demo_app):
    from dashboards.pages import overview
    from tests.dash_helpers import rendered

    with demo_app.test_request_context("/dashboards/"):
        links = [c.href for c in rendered(overview.layout()) if getattr(c, "href", None)]
    assert "/" in links


def test_the_feed_is_atom_1_0_with_every_decision_and_closed_year(demo_app):
    from ledger.queries.contributions import list_years

    """RFC 4287 §4.1.1: a feed has id, title, updated and an author (or every entry has one); §4.1.2: each
    entry has id, title, updated and a link rel=alternate (no content element); ids are IRIs, times RFC 3339."""
    response = demo_app.test_client().get("/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/feed.atom")
    entries = feed.findall(f"{ATOM}entry")
    times = []
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
        times.append(datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00")))
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    assert times == sorted(times, reverse=True)
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    with demo_app.extensions["ledger"].engine.connect() as connection:
        closed = [year.year for year in list_years(connection) if year.status == "closed"]
    assert closed and [t for t in titles if t.startswith("Fiscal year")] == [f"Fiscal year {year} closed" for year in reversed(closed)]
    assert any(title.startswith("Rejected: ") for title in titles) and any(title.startswith("Adopted: ") for title in titles)
    assert feed.find(f"{ATOM}updated").text == max(entry.find(f"{ATOM}updated").text for entry in entries)


# --------------------------------------------------------------------------- item 3: member profiles


def test_a_member_profile_shows_every_section_with_its_csv(demo_app):
    from dashboards.pages import members as page
    from tests.dash_helpers import rendered

    with demo_app.test_request_context("/dashboards/members/SVN"):
        layout = page.profile_layout(code="svn")  # any case
    parts = rendered(layout)
    assert texts([c for c in parts if getattr(c, "id", None) is None and type(c).__name__ == "H1"]) == "Slovenia (SVN)"
    for ids in (page.HISTORY, page.MONEY, page.VOTES, page.POWER, page.WEIGHTS, page.COMPUTE):
        assert by_id(layout, ids.table), ids.name
        link = by_id(layout, ids.csv)
        assert link.download == f"member-svn-{ids.name}.csv"
    money = texts(by_id(layout, page.MONEY.table))
    assert "Vote suspended" in money and "In arrears" in money and "€" in money
    assert "Population 2024 (World Bank, SP.POP.TOTL)2,127,400" in texts(by_id(layout, page.WEIGHTS.table))
    votes = texts(by_id(layout, page.VOTES.table))
    assert "Heat reuse at the main site 2026" in votes and "suspended" in votes  # refused in November 2026
    power = texts(by_id(layout, page.POWER.table))
    assert "EU qualified majority" in power
    assert demo_app.test_client().get("/dashboards/members/SVN").status_code == 200


def test_an_unknown_code_is_a_404_page_listing_the_codes(demo_app):
    from dashboards.pages import members as page

    client = demo_app.test_client()
    for code in ("ZZZ", "de", "DEU1", "%3Cb%3E"):
        assert client.get(f"/dashboards/members/{code}").status_code == 404, code
    with demo_app.test_request_context("/dashboards/members/ZZZ"):
        layout = page.profile_layout(code="ZZZ")
    assert "No member has the code 'ZZZ'" in texts(by_id(layout, page.PROFILE_MESSAGE_ID))
    listed = by_id(layout, page.PROFILE_CODES_ID).children
    with DEMO_MEMBERS.open() as handle:
        demo = sorted(csv.DictReader(handle), key=lambda row: row["name"])
    assert [item.children[0].children for item in listed] == [row["code"] for row in demo]  # by name, as everywhere
    assert listed[0].children[0].href == "/dashboards/members/AUS"


def test_every_member_name_on_the_dashboards_links_to_its_profile(demo_app):
    from dashboards.pages import members as page
    from ledger.queries.members import list_members
    from tests.dash_helpers import rendered

    with demo_app.test_request_context("/dashboards/members"), demo_app.extensions["ledger"].engine.connect() as connection:
        rows = list_members(connection)
        table = page.members_table(rows)
    links = {c.children: c.href for c in rendered(table) if type(c).__name__ == "Link"}
    assert links == {row.name: f"/dashboards/members/{row.code}" for row in rows}


# --------------------------------------------------------------------------- item 9: labels and figures from one source


def test_the_scale_note_names_the_base_year_the_scale_and_the_api_give(demo_app):
    from dashboards.pages import contributions as page
    from ledger.queries.contributions import list_years

    scales = demo_app.test_client().get("/api/v1/scales").get_json()
    listed = scales["scales"] if isinstance(scales, dict) else scales
    measure_2024 = next(scale["income_measure"] for scale in listed if int(scale["first_year"]) <= 2024 <= int(scale["last_year"]))
    with demo_app.test_request_context("/dashboards/contributions"), demo_app.extensions["ledger"].engine.connect() as connection:
        years = list_years(connection)
        data = page.read_year(connection, next(y for y in years if y.year == 2024), years, DEMO_TODAY)
    note = page.gapminder_note(data.scale)
    assert "GDP 2002" in measure_2024 and measure_2024 in note and "2007" not in note


def test_readme_gives_the_demo_members_their_statuses_in_the_app():
    readme = (ROOT / "README.md").read_text()
    with DEMO_MEMBERS.open() as handle:
        statuses = {row["name"]: row["status"] for row in csv.DictReader(handle)}
    named = re.findall(r"(Korea|Japan) as\s+(associate|observer)", readme)
    assert sorted(named) == [("Japan", "associate"), ("Korea", "observer")]
    assert statuses["Japan"] == "associate" and statuses["Republic of Korea"] == "observer"


def test_every_demo_member_has_a_cited_population():
    with DEMO_MEMBERS.open() as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    with POPULATION.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["code"] for row in rows} == codes and all(row["year"] == "2024" for row in rows)
    population = {row["code"]: int(row["population"]) for row in rows}
    assert min(population.values()) > 400_000 and population["MLT"] < population["CYP"] < population["EST"] < population["DEU"]
    sources = (ROOT / "data" / "README.md").read_text()
    assert "SP.POP.TOTL" in sources and "population.csv" in sources and "PDDL" in sources


def test_the_demo_weighs_every_member_by_its_population(demo_app):
    from ledger.demo.governance import POPULATION as WEIGHTS_NAME
    from ledger.queries.governance import member_weights

    with POPULATION.open() as handle:
        expected = {row["code"]: Decimal(row["population"]) for row in csv.DictReader(handle)}
    with demo_app.extensions["ledger"].engine.connect() as connection:
        recorded = {code: next(Decimal(w.weight) for w in member_weights(connection, code) if w.name == WEIGHTS_NAME) for code in ("CYP", "EST", "LVA", "LTU", "LUX", "MLT", "DEU")}
    assert recorded == {code: expected[code] for code in recorded}  # the six Gapminder left at 0 included
