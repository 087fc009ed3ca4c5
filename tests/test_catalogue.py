"""Issue 14 item 4: the data catalogue at /data/, its Frictionless Data Package, the zip of every
CSV and the readable API reference, on the demo facility (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv

import io
import json
import re
import zipfile

import frictionless
import pytest
from markupsafe import escape

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.queries.catalogue import DATASETS, BY_KEY, Editions
from ledger.services.members import admit_member
from ledger.web import create_app
from tests.browser import served
from tests.conftest import DEMO_TODAY, copy_database, drop_database

DEMO_FISCAL_YEARS = (2022, 2023, 2024, 2025, 2026)
DEMO_PLAN_YEARS = (2025, 2026)


def demo_app(url: str):
    return create_app(Settings(database_url=url, secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY), engine=make_engine(url))


@pytest.fixture(scope="module")
def app(demo_template):
    """A copy of the demo facility for the module (the template stays free for demo_copy)."""
    url = copy_database(demo_template[0])
    built = demo_app(url)
    yield built
    built.extensions["ledger"].engine.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def catalogue_page(client):
    answer = client.get("/data/")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def section_of(page: str, key: str) -> str:
    return page.split(f'<section id="{key}"', 1)[1].split("</section>", 1)[0]


def editions(key: str) -> tuple:
    dataset = BY_KEY[key]
    return {Editions.ONE: (None,), Editions.FISCAL_YEARS: DEMO_FISCAL_YEARS, Editions.COMPUTE_YEARS: DEMO_PLAN_YEARS}[dataset.editions]


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.key)
def test_each_dataset_has_its_fields_licence_downloads_and_last_change(client, catalogue_page, dataset):
    """Every dataset: its description, one row per CSV column (in the API's order, each with a
    meaning), the licence, a CSV and a JSON link per edition that the API answers, and its last change."""
    shown = section_of(catalogue_page, dataset.key)
    assert str(escape(dataset.description)) in shown and "CC-BY-4.0" in shown
    for year in editions(dataset.key):
        csv_url, json_url = dataset.url(year, "csv"), dataset.url(year)
        assert f'href="{csv_url.replace("&", "&amp;")}"' in shown and f'href="{json_url.replace("&", "&amp;")}"' in shown
        served_csv = client.get(csv_url)
        assert served_csv.status_code == 200 and served_csv.mimetype == "text/csv"
        assert client.get(json_url).status_code == 200
    header = next(csv.reader(io.StringIO(served_csv.get_data(as_text=True))))
    rows = re.findall(r'<tr><th scope="row"><code>([a-z_]+)</code></th><td>([^<]+)</td><td>([^<]*)</td>\s*<td>([^<]*)', shown)
    assert [name for name, *_ in rows] == header
    assert all(meaning.strip() for *_, meaning in rows), "every field says what it means (a Field description in ledger.api.resources)"
    assert re.search(r"<dt>Last change</dt>\s*<dd>(journal entry|checkpoint of entries 1 to) <a href=\"/journal/\d+\">\d+</a>", shown) or (
        dataset.key == "checkpoints" and "nothing recorded yet" in shown)


def test_units_come_from_the_models(catalogue_page):
    contributions = section_of(catalogue_page, "contributions")
    assert re.search(r"<code>assessed</code></th><td>number</td><td>the year&#39;s currency", contributions)
    compute = section_of(catalogue_page, "compute")
    assert re.search(r"<code>used_gpu_hours</code></th><td>number</td><td>reference GPU-hours", compute)
    assert re.search(r"<code>usage_to_contribution_ratio</code></th><td>number or empty</td><td>ratio", compute)


def test_the_nav_leads_to_the_catalogue_and_the_catalogue_to_the_reference(client, catalogue_page):
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/data/">Open data (API)</a>' in home
    assert 'href="/data/api"' in catalogue_page and 'href="/data/datapackage.json"' in catalogue_page and 'href="/data/ledger-data.zip"' in catalogue_page


def test_the_data_package_validates_with_frictionless_fetching_each_resource_from_the_server(app):
    """The package served at /data/datapackage.json names each CSV by its /api/v1 URL; frictionless
    fetches the package and every resource from a live server and checks each cell against its type."""
    with served(app) as base:
        package = json.loads(app.test_client().get("/data/datapackage.json", base_url=base).get_data())
        report = frictionless.validate(f"{base}/data/datapackage.json")
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])[:10]
    expected = [BY_KEY[d.key].resource_name(year) for d in DATASETS for year in editions(d.key)]
    assert [r["name"] for r in package["resources"]] == expected
    assert len(report.tasks) == len(expected)
    assert all(r["path"].startswith(f"{base}/api/v1/") and "format=csv" in r["path"] for r in package["resources"])
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    types = {f["name"]: f["type"] for f in package["resources"][expected.index("contributions-2025")]["schema"]["fields"]}
    assert types == {"code": "string", "name": "string", "share_pct": "number", "assessed": "number", "paid": "number", "in_kind": "number",
                     "outstanding": "number", "arrears": "number", "standing": "string"}


def test_frictionless_finds_a_cell_that_breaks_its_type(app, tmp_path):
    """The validation can fail: an amount that is not a number is reported."""
    archive = zipfile.ZipFile(io.BytesIO(app.test_client().get("/data/ledger-data.zip").get_data()))
    archive.extractall(tmp_path)
    target = tmp_path / "contributions-2025.csv"
    rows = list(csv.reader(io.StringIO(target.read_text())))
    rows[1][rows[0].index("assessed")] = "a lot"
    with target.open("w", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert not report.valid
    assert report.flatten(["type", "fieldName"]) == [["type-error", "assessed"]]


def test_the_zip_holds_the_apis_csv_bytes_and_a_package_that_validates(app, client, tmp_path):
    content = client.get("/data/ledger-data.zip")
    assert content.status_code == 200 and content.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(content.get_data()))
    names = [info.filename for info in archive.infolist()]
    expected = sorted([f"{BY_KEY[d.key].resource_name(y)}.csv" for d in DATASETS for y in editions(d.key)] + ["datapackage.json"])
    assert names == expected
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for dataset in DATASETS:
        for year in editions(dataset.key):
            assert archive.read(f"{dataset.resource_name(year)}.csv") == client.get(dataset.url(year, "csv")).get_data()
    archive.extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])[:10]


def test_the_zip_is_the_same_bytes_for_the_same_head_and_changes_after_a_write(demo_copy):
    """Two apps (two caches) give the same bytes at one journal head; a write changes them, and
    the catalogue's last change of the dataset written moves to the new entry while the others stay."""
    url = demo_copy()
    first, second = demo_app(url), demo_app(url)
    before = first.test_client().get("/data/ledger-data.zip").get_data()
    assert second.test_client().get("/data/ledger-data.zip").get_data() == before
    page_before = first.test_client().get("/data/").get_data(as_text=True)
    engine = first.extensions["ledger"].engine
    admit_member("ISL", None, "observer", "2026-11-01", actor=system_actor("test"), uow=UnitOfWork(engine))
    head = first.test_client().get("/api/v1/journal/head").get_json()["seq"]
    after = first.test_client().get("/data/ledger-data.zip").get_data()
    assert after != before
    assert b"ISL,Iceland,observer" in zipfile.ZipFile(io.BytesIO(after)).read("members.csv")
    assert second.test_client().get("/data/ledger-data.zip").get_data() == after
    page_after = first.test_client().get("/data/").get_data(as_text=True)
    assert f'journal entry <a href="/journal/{head}">{head}</a>' in section_of(page_after, "members")
    for unchanged in ("scales", "motions", "projects"):
        assert section_of(page_after, unchanged).split("<dt>Licence")[0] == section_of(page_before, unchanged).split("<dt>Licence")[0]
    for engine_of in (first, second):
        engine_of.extensions["ledger"].engine.dispose()


def test_the_api_reference_lists_every_operation_parameter_and_answer_field(client):
    document = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/data/api")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<script" not in text  # server-rendered: no viewer, no CDN
    schemas = document["components"]["schemas"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            section = text.split(f'<section id="{operation["operationId"]}"', 1)[1].split("</section>", 1)[0]
            assert f"<code>{method.upper()} {path}</code>" in section
            for parameter in operation.get("parameters", ()):
                assert f"<code>{parameter['name']}</code>" in section
            answer = json.dumps(operation["responses"]["200"]["content"].get("application/json", {}))
            for model in re.findall(r"#/components/schemas/(\w+)", answer):
                for field in schemas[model].get("properties", {}):
                    assert f"<code>{field}</code>" in section, (operation["operationId"], model, field)
