"""The open-data API: its OpenAPI description, the journal export and its recomputation."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

from click.testing import CliRunner
from openapi_spec_validator import validate

from ledger.api.resources import Member
from ledger.cli import main as cli
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.services.members import change_member_status


def test_openapi_document_is_valid_and_describes_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
    }
    assert routes == set(document["paths"])


def test_journal_head_matches_the_last_entry(client, members):
    head = client.get("/api/v1/journal/head").get_json()
    entries = client.get("/api/v1/journal").get_json()["entries"]
    assert head == {"seq": 5, "hash": entries[-1]["hash"]}


def test_anyone_can_recompute_the_head_from_the_pages(client, engine, members):
    """The recipe the README gives, with nothing but hashlib and the public pages."""
    change_member_status("JPN", "withdrawn", "2025-01-01", actor=system_actor("test"), uow=UnitOfWork(engine))
    previous, after = "0" * 64, 0
    while True:
        page = client.get(f"/api/v1/journal?after={after}&limit=2").get_json()["entries"]
        if not page:
            break
        for entry in page:
            assert entry["prev_hash"] == previous
            previous = hashlib.sha256((previous + entry["payload"]).encode("utf-8")).hexdigest()
            assert previous == entry["hash"]
            after = entry["seq"]
    assert client.get("/api/v1/journal/head").get_json() == {"seq": after, "hash": previous}


def test_journal_csv_has_the_same_entries(client, members):
    as_json = client.get("/api/v1/journal").get_json()["entries"]
    as_csv = list(csv.DictReader(io.StringIO(client.get("/api/v1/journal?format=csv").get_data(as_text=True))))
    assert [row["hash"] for row in as_csv] == [e["hash"] for e in as_json]
    assert [row["payload"] for row in as_csv] == [e["payload"] for e in as_json]
    assert json.loads(as_csv[0]["payload"])["kind"] == "member.admitted"


def test_bad_parameters_get_400_with_the_field_named(client, members):
    for url, field in (
        ("/api/v1/journal?limit=0", "limit"),
        ("/api/v1/journal?limit=100001", "limit"),
        ("/api/v1/journal?after=-1", "after"),
        ("/api/v1/journal?after=x", "after"),
        ("/api/v1/members?format=xml", "format"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert field in response.get_json()["fields"], url


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and "error" in response.get_json()


def test_verify_export_recomputes_a_downloaded_journal(client, members, tmp_path):
    first = client.get("/api/v1/journal?format=csv&limit=3").get_data(as_text=True)
    rest = client.get("/api/v1/journal?format=csv&after=3").get_data(as_text=True)
    exported = tmp_path / "journal.csv"
    exported.write_text(first + rest)  # two pages, header repeated: still one chain
    head = client.get("/api/v1/journal/head").get_json()
    runner = CliRunner()
    good = runner.invoke(cli, ["verify", "--export", str(exported)])
    assert good.exit_code == 0, good.output
    assert f"Head: entry {head['seq']}, hash {head['hash']}" in good.output
    as_json = tmp_path / "journal.json"
    as_json.write_text(client.get("/api/v1/journal").get_data(as_text=True))
    assert runner.invoke(cli, ["verify", "--export", str(as_json)]).exit_code == 0
    exported.write_text((first + rest).replace("Canada", "Kanada"))
    bad = runner.invoke(cli, ["verify", "--export", str(exported)])
    assert bad.exit_code == 1
    assert "First bad entry: 3" in bad.output


def test_every_api_route_answers_an_undeclared_method_with_405_and_allow(app, client):
    """RFC 9110 §15.5.6: "The origin server MUST generate an Allow header field in a 405 response"
    (issue 11: schemathesis found none on any route)."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        response = client.open(url, method="PATCH")
        assert response.status_code == 405, url
        assert set(response.headers["Allow"].split(", ")) == rule.methods, url


def test_the_document_states_the_bounds_the_routes_apply(client):
    """Declared once (ledger.api.contract): the bound documented is the bound refused past."""
    document = client.get("/api/v1/openapi.json").get_json()
    journal = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/journal"]["get"]["parameters"]}
    assert journal["limit"] == {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1_000}
    assert client.get(f"/api/v1/journal?limit={journal['limit']['maximum']}").status_code == 200
    assert client.get(f"/api/v1/journal?limit={journal['limit']['maximum'] + 1}").status_code == 400
    year = document["paths"]["/api/v1/years/{year}/compute"]["get"]["parameters"][0]
    assert year == {"name": "year", "in": "path", "required": True, "description": "A fiscal year, such as 2025",
                    "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}


def test_csv_columns_are_the_documented_fields(client, members):
    document = client.get("/api/v1/openapi.json").get_json()
    header = client.get("/api/v1/members?format=csv").get_data(as_text=True).splitlines()[0]
    assert header.split(",") == list(Member.model_fields)  # in the model's order
    assert set(header.split(",")) == set(document["components"]["schemas"]["Member"]["properties"])
