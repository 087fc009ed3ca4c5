"""The demo's closed year as a committee receives it, in English and French (issue 15).

Read back from the PDF itself: every member named, no code name, every font embedded,
the tables' data attached as CSV with the checkpoint, PDF/A-3 declared in the XMP packet,
no fault found by qpdf, and the same bytes from every build, download and process.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys

import pikepdf
import pytest

from ledger.db.engine import make_engine
from ledger.domain import labels
from ledger.reports.annual import build_annual_report, build_member_statement
from ledger.reports.render import render_annual_report, render_member_statement
from tests.conftest import DEMO_TODAY

CLOSED_YEAR = 2024  # closed in the demo by DEMO_TODAY
LANGUAGES = ("en", "fr")
# Every code name the ledger stores for a kind, rule, ballot, outcome, standing or reserve.
CODE_NAMES = sorted({code for name, mapping in vars(labels).items() if name.isupper() for code in mapping if "_" in code})
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def demo(demo_template):
    """Read the demo database: `demo(build)` runs build(connection) and closes every connection,
    so that the template stays free for other tests to copy (PostgreSQL refuses a template in use)."""
    def read(build):
        engine = make_engine(demo_template[0])
        try:
            with engine.connect() as connection:
                return build(connection)
        finally:
            engine.dispose()
    return read


@pytest.fixture(scope="module")
def reports(demo):
    return demo(lambda connection: {lang: build_annual_report(connection, CLOSED_YEAR, DEMO_TODAY, lang) for lang in LANGUAGES})


@pytest.fixture(scope="module")
def pdfs(reports):
    return {lang: render_annual_report(report) for lang, report in reports.items()}


@pytest.fixture(scope="module")
def statements(demo, reports):
    """The statement of a member behind with its payments, in each language."""
    behind = next(line.code for line in reports["en"].contributions if line.arrears_minor)
    return demo(lambda connection: {
        lang: render_member_statement(build_member_statement(connection, CLOSED_YEAR, behind, DEMO_TODAY, lang))
        for lang in LANGUAGES})


def pdftotext(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_the_year_is_closed_in_the_demo(reports):
    assert all(report.status == "closed" and report.checkpoint for report in reports.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_text_names_every_member_and_no_code_name(lang, reports, pdfs, tmp_path):
    """Human labels from ledger.domain.labels, not `two_thirds_of_votes_cast` or `safety_lab`."""
    printed = pdftotext(pdfs[lang], tmp_path, f"{lang}.pdf")
    assert [line.name for line in reports[lang].contributions if line.name not in printed] == []
    assert [code for code in CODE_NAMES if code in printed] == []
    assert SNAKE_CASE.findall(printed) == []


def test_french_prints_the_same_figures_in_french(reports, pdfs, tmp_path):
    english = pdftotext(pdfs["en"], tmp_path, "en.pdf")
    french = pdftotext(pdfs["fr"], tmp_path, "fr.pdf")
    budget = reports["en"].budget_minor // 100
    assert f"€{budget:,}.00" in english
    # French groups with a narrow no-break space and sets the sign after a no-break space;
    # the text read back has its white space made single spaces, those included.
    assert f"{budget:,}".replace(",", " ") + ",00 €" in french
    assert "Rapport annuel 2024" in french and "L'exercice en bref" in french and "Barème des contributions" in french
    assert "The year in brief" not in french


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_font_is_embedded(lang, pdfs, statements, tmp_path):
    """pdffonts lists each font with emb = yes: no base-14 Helvetica or Courier is left."""
    for name, pdf in (("report", pdfs[lang]), ("statement", statements[lang])):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert listed and all(line.split()[-5] == "yes" for line in listed), listed
        assert all("DejaVu" in line for line in listed)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_tables_and_the_checkpoint_are_attached(lang, reports, pdfs):
    """PDF/A-3 associated files: each CSV parses, the contributions CSV holds each member's plain figures."""
    with pikepdf.open(io.BytesIO(pdfs[lang])) as pdf:
        attached = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        relationships = {str(spec.AFRelationship) for spec in pdf.Root.AF}
    assert {"summary.csv", "scale.csv", "contributions.csv", "payments.csv", "arrears.csv", "checkpoint.json"} <= set(attached)
    assert any(name.startswith("section-") for name in attached)  # the board's and compute's tables
    assert relationships == {"/Data"}
    rows = list(csv.DictReader(io.StringIO(attached["contributions.csv"].decode("utf-8"))))
    report = reports[lang]
    assert [row["code"] for row in rows] == [line.code for line in report.contributions]
    assert sum(int(row["assessed"].replace(".", "")) for row in rows) == sum(line.assessed_minor for line in report.contributions)
    checkpoint = json.loads(attached["checkpoint.json"])
    assert (checkpoint["seq"], checkpoint["hash"]) == (report.checkpoint.seq, report.checkpoint.hash)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_file_declares_pdf_a_3b(lang, pdfs):
    """ISO 19005-3: pdfaid in XMP, an sRGB output intent, the document information restated in XMP."""
    with pikepdf.open(io.BytesIO(pdfs[lang])) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "B")
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"
        assert str(pdf.Root.Lang) == lang
        assert all(int(annotation.F) & 4 for page in pdf.pages for annotation in page.obj.get("/Annots", []))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_qpdf_finds_no_fault(lang, pdfs, statements, tmp_path):
    for name, pdf in (("report", pdfs[lang]), ("statement", statements[lang])):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_each_language_gives_the_same_bytes_every_build(demo, pdfs):
    again = demo(lambda connection: {
        lang: render_annual_report(build_annual_report(connection, CLOSED_YEAR, DEMO_TODAY, lang)) for lang in LANGUAGES})
    assert again == pdfs and pdfs["en"] != pdfs["fr"]


def test_another_process_gives_the_same_bytes(demo_template, pdfs):
    script = (
        "import hashlib, sys\n"
        "from ledger.db.engine import make_engine\n"
        "from ledger.reports.annual import build_annual_report\n"
        "from ledger.reports.render import render_annual_report\n"
        "from tests.conftest import DEMO_TODAY\n"
        "engine = make_engine(sys.argv[1])\n"
        "with engine.connect() as connection:\n"
        "    for lang in ('en', 'fr'):\n"
        "        print(hashlib.sha256(render_annual_report(build_annual_report(connection, 2024, DEMO_TODAY, lang))).hexdigest())\n"
        "engine.dispose()\n"
    )
    other = subprocess.run([sys.executable, "-c", script, demo_template[0]], capture_output=True, text=True, check=True)
    assert other.stdout.split() == [hashlib.sha256(pdfs[lang]).hexdigest() for lang in LANGUAGES]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_statement_writes_its_standing_with_formatted_amounts(lang, statements, tmp_path):
    """Not 'Arrears of 20999019.36 EUR ... exceed 17700000.00 EUR': the figures read as in the tables."""
    printed = pdftotext(statements[lang], tmp_path, "statement.pdf")
    assert not re.search(r"\d{5,}\.\d\d EUR", printed)
    assert ("Arrears of €" in printed) if lang == "en" else ("Les arriérés de " in printed and " € au " in printed)


@pytest.fixture
def client(demo_copy):
    """The web app on a copy of the demo, its connections closed before the copy is dropped."""
    from ledger.config import Settings
    from ledger.web import create_app

    url = demo_copy()
    engine = make_engine(url)
    yield create_app(Settings(database_url=url, secret_key="test", env="test", fixed_today=DEMO_TODAY), engine=engine).test_client()
    engine.dispose()


def test_the_web_serves_each_language_byte_for_byte(client, pdfs):
    """`?lang=fr` on the report URL; twice the same bytes; an unknown language is a 400 naming the accepted ones.

    No checkpoint covers the demo's closed year yet, so the first download signs one and the
    signed file, printing it, is what every download serves (issue 12: never a closed year uncovered)."""
    for lang in LANGUAGES:
        first = client.get(f"/reports/annual/{CLOSED_YEAR}.pdf?lang={lang}")
        second = client.get(f"/reports/annual/{CLOSED_YEAR}.pdf?lang={lang}")
        assert first.status_code == 200 and first.data == second.data != pdfs[lang]
        assert b"/ETSI.CAdES.detached" in first.data
    assert client.get(f"/reports/annual/{CLOSED_YEAR}.pdf").data == client.get(f"/reports/annual/{CLOSED_YEAR}.pdf?lang=en").data
    refused = client.get(f"/reports/annual/{CLOSED_YEAR}.pdf?lang=de")
    assert refused.status_code == 400 and b"en, fr" in refused.data
    statement = client.get(f"/reports/statements/{CLOSED_YEAR}/DEU.pdf?lang=fr")
    assert statement.status_code == 200 and statement.data.startswith(b"%PDF")


def test_the_command_writes_each_language(demo_copy, pdfs, tmp_path):
    """`ledger report annual YEAR --lang fr` writes the file the web serves, signed once and kept, so
    the same bytes every time; other languages are refused."""
    from click.testing import CliRunner

    from ledger.cli import main

    env = {"LEDGER_DATABASE_URL": demo_copy(), "LEDGER_TODAY": DEMO_TODAY.isoformat(), "LEDGER_SIGNING_KEY_FILE": str(tmp_path / "key.pem")}
    for lang in LANGUAGES:
        written = [tmp_path / f"{lang}-{attempt}.pdf" for attempt in (1, 2)]
        for target in written:
            result = CliRunner().invoke(main, ["report", "annual", str(CLOSED_YEAR), "--lang", lang, "-o", str(target)], env=env)
            assert result.exit_code == 0, result.output
        assert written[0].read_bytes() == written[1].read_bytes() != pdfs[lang]
        assert b"/ETSI.CAdES.detached" in written[0].read_bytes()
    refused = CliRunner().invoke(main, ["report", "annual", str(CLOSED_YEAR), "--lang", "de"], env=env)
    assert refused.exit_code == 2 and "'en', 'fr'" in refused.output
