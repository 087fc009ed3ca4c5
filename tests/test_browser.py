"""Public pages in a real headless Chromium: they render, stay on this server and pass axe-core."""

from __future__ import annotations

import pytest

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.web import create_app
from tests.browser import SCREENSHOTS, Visit, served
from tests.conftest import DEMO_TODAY, copy_database, drop_database

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/", "/login", "/reports/", "/dashboards/", "/dashboards/members", "/dashboards/contributions", "/dashboards/board",
    "/dashboards/compute", "/dashboards/members/SVN", "/journal/5",
]
PHONE = {"width": 390, "height": 844}  # an iPhone 12 to 15's viewport in CSS pixels


@pytest.fixture(scope="module")
def live_server(demo_template):
    """A copy of the demo facility served on a free port, once per module and database."""
    url = copy_database(demo_template[0])
    engine = make_engine(url)
    app = create_app(Settings(database_url=url, secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY), engine=engine)
    with served(app) as base:
        yield base
    engine.dispose()
    drop_database(url)


@pytest.fixture
def visit(browser, live_server):
    visits = []

    def open_visit():
        visits.append(Visit(browser, live_server))
        return visits[-1]

    yield open_visit
    for opened in visits:
        opened.close()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_clean(visit, path):
    v = visit()
    page = v.open(path)
    page.wait_for_selector("h1")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main").count() == 1
    v.assert_clean()


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/dashboards/members/ZZZ"])
def test_no_public_page_scrolls_sideways_on_a_phone(visit, path):
    """Issue 14 item 7: at 390 px nothing is wider than the screen; a wide table scrolls in its own box."""
    v = visit()
    v.page.set_viewport_size(PHONE)
    page = v.open(path)
    page.wait_for_selector("h1")
    page.wait_for_timeout(500)  # plotly sizes its charts to the box after the first paint
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("document.body.scrollWidth") <= PHONE["width"]
    # wide tables keep their columns and scroll inside a focusable, named region instead
    for region in page.locator(".table-scroll").all():
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
    if path == "/dashboards/members/ZZZ":
        assert "No member has the code" in page.inner_text("main")
        v.errors[:] = [e for e in v.errors if "404" not in e]  # the page itself answers 404, on purpose
    v.assert_clean()


def test_tables_sort_by_a_column_and_filter_by_words(visit):
    """Issue 14 item 6: a column header's button sorts by the exact figure (not its grouped text) and says so with
    aria-sort; the filter box keeps the rows holding every word typed and says how many; axe stays clean."""
    v = visit()
    page = v.open("/dashboards/contributions?year=2026")
    table = page.locator("#contributions-assessed-table")
    table.wait_for()
    header = table.locator("thead th").nth(2)
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [float(x) for x in table.locator("tbody tr td:nth-child(3)").evaluate_all("cells => cells.map(c => c.dataset.value)")]
    assert values == sorted(values) and len(values) > 5
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    values = [float(x) for x in table.locator("tbody tr td:nth-child(3)").evaluate_all("cells => cells.map(c => c.dataset.value)")]
    assert values == sorted(values, reverse=True)
    assert table.locator("tbody tr td:nth-child(3)").first.inner_text().startswith("€")
    page.get_by_label("Filter rows").first.fill("slov")
    shown = table.locator("tbody tr:not([hidden]) th").all_inner_texts()
    assert sorted(shown) == ["Slovakia", "Slovenia"]
    assert page.locator("#contributions-assessed-table-filter-count").inner_text().startswith("2 of ")
    table.locator("tbody tr:not([hidden]) th a", has_text="Slovenia").click()
    page.wait_for_selector("h1:has-text('Slovenia (SVN)')")
    assert page.url.endswith("/dashboards/members/SVN")
    v.assert_clean()


def test_members_map_renders_every_member_offline(visit):
    v = visit()
    page = v.open("/dashboards/members")
    page.wait_for_selector("path.choroplethlocation", timeout=15_000)
    shapes = page.locator("path.choroplethlocation").count()
    rows = page.locator("#members-table tbody tr").count()
    assert rows == 35
    # Every member's country is drawn, except microstates below the 110m map's resolution.
    assert shapes >= 33
    legend = page.locator(".legendtext").all_text_contents()
    assert legend == ["member (33)", "associate (1)", "observer (1)"]
    assert any(url.endswith("/static/topojson/world_110m.json") for url in v.requests)
    assert v.off_site == [] and v.errors == []
    page.screenshot(path=str(SCREENSHOTS / "members.png"), full_page=True)


def test_dashboard_navigation_comes_from_the_page_registry(visit):
    v = visit()
    page = v.open("/dashboards/")
    page.get_by_role("navigation", name="Dashboards").get_by_role("link", name="Members").click()
    page.wait_for_selector("#members-table")
    assert page.url.endswith("/dashboards/members")
    assert page.locator("h1").inner_text() == "Members"


def test_an_entry_receipt_verifies_in_the_browser(visit):
    """Issue 12 item 7: the receipt page checks the checkpoint's Ed25519 signature (WebCrypto)
    and the entry's RFC 9162 inclusion proof in the browser, and says what was proven."""
    v = visit()
    page = v.open("/journal/5")
    page.click("#verify-entry")
    page.wait_for_selector("#verify-result.verified:has-text('Proven')", timeout=15_000)
    text = page.inner_text("#verify-result")
    assert "entry 5, exactly as published, is entry 5 of that tree" in text
    v.assert_clean()


@pytest.mark.parametrize(("path", "table"), [("/dashboards/contributions", "#contributions-payments-table"), ("/dashboards/board", "#board-motions-table")])
def test_a_payment_or_decision_on_the_public_site_links_to_a_receipt_that_verifies(visit, path, table):
    """Issue 12 item 7: a payment (contributions) or a decision (board) links, with the words
    "Receipt #N", to its journal entry's receipt, which proves it in the reader's browser."""
    v = visit()
    page = v.open(path)
    link = page.locator(f"{table} tbody a").first
    link.wait_for(timeout=15_000)
    seq = int(link.inner_text().removeprefix("Receipt #"))
    link.click()
    page.wait_for_selector("#verify-entry")
    assert page.url.endswith(f"/journal/{seq}")
    recorded = page.inner_text("dl.facts")
    assert ("payment." if "contributions" in path else "motion.closed") in recorded
    page.click("#verify-entry")
    page.wait_for_selector("#verify-result.verified:has-text('Proven')", timeout=15_000)
    assert f"entry {seq}, exactly as published, is entry {seq} of that tree" in page.inner_text("#verify-result")


OPEN_DATA_PAGES = ["/data/", "/data/api", "/methodology", "/journal/", "/journal/?kind=payment.recorded&member=DEU"]
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("path", OPEN_DATA_PAGES)
def test_open_data_pages_are_clean_and_fit_a_phone(visit, path):
    """Issue 14 items 4 and 10: the catalogue, the API reference, the methodology and the journal
    browser (also a refused search) pass axe and do not scroll sideways at 390 px."""
    v = visit()
    page = v.open(path)
    page.wait_for_selector("h1")
    v.assert_clean()
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_refused_journal_search_names_the_field_and_is_axe_clean(visit):
    """The 400 page (Chromium logs the status as a console error, so only axe and the page are checked)."""
    v = visit()
    page = v.open("/journal/?member=XX")
    assert page.get_by_role("alert").inner_text().startswith("member: ")
    assert v.off_site == [] and v.axe_violations() == []


def test_the_journal_browser_opens_a_payload_and_searches_by_kind(visit):
    v = visit()
    page = v.open("/journal/")
    page.get_by_label("Kind").select_option("payment.recorded")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**kind=payment.recorded**")
    headings = page.locator("article.entry h2").all_inner_texts()
    assert headings and all(h.endswith(": payment.recorded") for h in headings)
    first = page.locator("article.entry").first
    first.locator("summary").click()
    assert first.locator("dl.payload dt", has_text="summary").first.is_visible()
    v.assert_clean()


@pytest.mark.parametrize("path", ["/dashboards/contributions", "/dashboards/compute", "/dashboards/board"])
def test_every_chart_names_its_dataset_and_links_its_csv_on_the_api(visit, live_server, path):
    """Issue 14 item 5: under each chart, "Data: <dataset> (CSV, JSON)"; the CSV is an /api/v1 address the API answers."""
    v = visit()
    page = v.open(path)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    charts = page.locator("div[id$='-chart']").count()
    captions = page.locator("p.data-source")
    assert charts > 0 and captions.count() == charts
    for caption in captions.all():
        assert caption.inner_text().startswith("Data: ")
        assert caption.get_by_role("link").first.get_attribute("href").startswith("/data/#")
        href = caption.locator("a[id$='-data-csv']").get_attribute("href")
        assert href.startswith("/api/v1/") and "format=csv" in href
        answer = page.request.get(live_server + href)
        assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    v.assert_clean()
