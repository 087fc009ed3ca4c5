"""Issue 14 item 10: the public journal browser at /journal/ (by kind, member and date, paginated,
each payload as a definition list with its receipt and raw JSON) and the methodology page."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from markupsafe import escape

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.web import create_app
from ledger.web.journal import PUBLIC_PAGE
from ledger.web.methodology import RULE_SECTIONS
from ledger.queries.catalogue import DATASETS
from tests.conftest import DEMO_TODAY, OFFICIAL_EMAILS, copy_database, drop_database

ENTRY = re.compile(r'<h2 id="entry-(\d+)-h">Entry \d+: ([a-z_.]+)</h2>')


@pytest.fixture(scope="module")
def client(demo_template):
    """A copy of the demo facility for the module (the template stays free for other modules' copies)."""
    url = copy_database(demo_template[0])
    engine = make_engine(url)
    app = create_app(Settings(database_url=url, secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY), engine=engine)
    yield app.test_client()
    engine.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def journal(client):
    """The whole journal as /api/v1/journal publishes it."""
    return client.get("/api/v1/journal?limit=100000").get_json()["entries"]


def shown(client, query: str = "") -> tuple[int, list[tuple[int, str]], str]:
    answer = client.get(f"/journal/{query}")
    text = answer.get_data(as_text=True)
    return answer.status_code, [(int(seq), kind) for seq, kind in ENTRY.findall(text)], text


def test_the_first_page_is_the_newest_entries_with_payloads_as_facts(client, journal):
    status, entries, text = shown(client)
    assert status == 200
    newest = [(e["seq"], e["kind"]) for e in reversed(journal)][:PUBLIC_PAGE]
    assert entries == newest
    assert f"{len(journal)} entries; page 1 of {-(-len(journal) // PUBLIC_PAGE)}" in text
    seq = newest[0][0]
    assert f'href="/journal/{seq}"' in text and f'href="/api/v1/journal?after={seq - 1}&amp;limit=1"' in text
    # The payload as a definition list of its facts, never the canonical JSON text itself.
    payload = json.loads(journal[-1]["payload"])
    assert '<dl class="payload">' in text and "<dt>summary</dt>" in text
    assert journal[-1]["payload"] not in text and json.dumps(payload)[:40] not in text


def test_pages_follow_each_other_without_gaps(client, journal):
    seen = []
    page = 1
    while True:
        status, entries, text = shown(client, f"?page={page}")
        assert status == 200
        seen += [seq for seq, _ in entries]
        if "Older entries" not in text:
            break
        page += 1
    assert seen == [e["seq"] for e in reversed(journal)]


def test_search_by_kind_member_and_date(client, journal):
    _, entries, _ = shown(client, "?kind=payment.recorded")
    expected = [e["seq"] for e in reversed(journal) if e["kind"] == "payment.recorded"][:PUBLIC_PAGE]
    assert [seq for seq, _ in entries] == expected and expected
    _, entries, text = shown(client, "?member=DEU")
    naming = [e["seq"] for e in reversed(journal) if '"code":"DEU"' in e["payload"] or '"member_code":"DEU"' in e["payload"]]
    assert [seq for seq, _ in entries] == naming[:PUBLIC_PAGE] and naming
    _, entries, _ = shown(client, "?member=DEU&kind=payment.recorded")
    assert all(kind == "payment.recorded" for _, kind in entries) and entries
    day = journal[0]["recorded_at"][:10]
    _, entries, text = shown(client, f"?since={day}&until={day}")
    on_day = [e["seq"] for e in journal if e["recorded_at"].startswith(day)]
    assert f"{len(on_day)} entr" in text
    _, entries, text = shown(client, "?until=2000-01-01")
    assert entries == [] and "0 entries" in text


def test_a_member_search_finds_no_sealed_ballot(client, journal):
    """A ballot is journaled as a commitment (issue 13): its member is private, so searching by
    member cannot tell who voted, though the ballots themselves are listed."""
    assert shown(client, "?kind=ballot.cast")[1]
    _, entries, text = shown(client, "?kind=ballot.cast&member=DEU")
    assert entries == [] and "0 entries" in text


@pytest.mark.parametrize("query, field", [
    ("?kind=payment.invented", "kind"),
    ("?member=XYZ", "member"),
    ("?member=de", "member"),
    ("?since=2025-13-01", "since"),
    ("?until=yesterday", "until"),
    ("?since=0001-01-01", "since"),
    ("?until=9999-12-31", "until"),
    ("?page=0", "page"),
    ("?page=99999999999999", "page"),
])
def test_bad_input_is_a_400_naming_the_field(client, query, field):
    status, entries, text = shown(client, query)
    assert status == 400 and entries == []
    assert re.search(rf'<p class="error" role="alert">{field}: ', text)


def test_no_official_e_mail_appears(client):
    """The public browser shows what /api/v1/journal publishes; the officials' browser alone joins e-mail addresses."""
    for query in ("", "?kind=official.added", "?page=2"):
        text = shown(client, query)[2]
        assert not any(email in text for email in OFFICIAL_EMAILS.values())
        assert "@" not in text.split("<main", 1)[1]


def test_methodology_prints_each_rule_from_its_implementation_with_its_source(client):
    answer = client.get("/methodology")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    for _name, rules in RULE_SECTIONS:
        for rule in rules:
            assert rule.text, f"{rule.where} has no docstring to print"
            first_line = rule.text.split("\n", 1)[0]
            assert str(escape(first_line)) in text, rule.where
            assert f"<code>{rule.where}</code>" in text
    for source in ("CERN Convention Art. V.8", "UN\nFinancial Regulation 5.4", "TEU Art. 16(4)", "EuroHPC JU access policy", "RFC 9162"):
        assert source in text
    for dataset in DATASETS:
        assert f'id="figure-{dataset.key}"' in text and f'href="/data/#{dataset.key}"' in text
    for term in ("Assessment", "Arrears", "Standing", "Quota", "GPU-hour", "Reference GPU-hour", "Banzhaf index",
                 "Shapley-Shubik index", "Checkpoint", "Witness"):
        assert re.search(rf"<dt id=\"term-[a-z-]+\">{term}", text), term


def test_the_rules_printed_are_the_implementations_docstrings():
    """The page cannot drift from the code: each rule's text is its implementation's docstring."""
    from ledger.domain import contributions

    found = {rule.anchor: rule for _, rules in RULE_SECTIONS for rule in rules}
    assert found["scale"].text == inspect.getdoc(contributions.contribution_scale)
    assert found["scale"].where == "ledger.domain.contributions.contribution_scale"
