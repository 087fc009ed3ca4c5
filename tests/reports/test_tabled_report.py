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


# Issue 15, the rest: French names and sentences, weight against power, turned pages, and
# each PDF/A-3 property that can be checked without veraPDF (not installable here), also on
# the signed file.


@pytest.fixture(scope="module")
def decided(demo):
    from ledger.queries.governance import closed_motions

    return demo(lambda connection: closed_motions(connection, CLOSED_YEAR))


def test_french_names_members_and_explains_decisions_in_french(pdfs, decided, tmp_path):
    """Country names from pycountry's French catalogue; the decisions' sentences rebuilt in French, none left in English."""
    english = pdftotext(pdfs["en"], tmp_path, "en.pdf")
    french = pdftotext(pdfs["fr"], tmp_path, "fr.pdf")
    assert "Allemagne" in french and "Royaume-Uni" in french and "Germany" not in french
    assert "Germany" in english and "Allemagne" not in english
    recorded = [" ".join(snapshot["decision"]["explanation"].split()) for _row, snapshot in decided]
    assert recorded and all(sentence in english for sentence in recorded)
    assert [sentence for sentence in recorded if sentence in french] == []
    assert "membres sur" in french and "members voted yes" not in french


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_weighted_motion_draws_weight_against_power(lang, pdfs, decided, tmp_path):
    """A chart and a CSV per weighted motion; shares and indices each add up to 100 %; the largest weight has less power."""
    weighted = [row.id for row, snapshot in decided if snapshot["rule"]["weights"] == "weighted"]
    assert weighted
    with pikepdf.open(io.BytesIO(pdfs[lang])) as pdf:
        attached = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    printed = pdftotext(pdfs[lang], tmp_path, f"{lang}.pdf")
    for number in weighted:
        assert (f"motion {number}" in printed) if lang == "en" else (f"motion {number}" in printed.lower())
        rows = list(csv.DictReader(io.StringIO(attached[f"weight-and-power-{number}.csv"].decode("utf-8"))))
        for column in ("weight_pct", "banzhaf_pct", "shapley_shubik_pct"):
            assert abs(sum(float(row[column]) for row in rows) - 100) < 0.2, column
        largest = max(rows, key=lambda row: float(row["weight_pct"]))
        assert float(largest["banzhaf_pct"]) < float(largest["weight_pct"])


def test_the_wide_payments_table_turns_with_its_heading_and_long_texts_are_keyed(pdfs, tmp_path):
    """English amounts are wider than French ones (a comma against a narrow space): the demo's
    English payments table does not fit a portrait page and is set, heading and all, on landscape pages."""
    with pikepdf.open(io.BytesIO(pdfs["en"])) as pdf:
        turned = [number for number, page in enumerate(pdf.pages, start=1) if page.mediabox[2] > page.mediabox[3]]
    assert turned
    path = tmp_path / "en.pdf"
    path.write_bytes(pdfs["en"])
    first = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(turned[0]), "-l", str(turned[0]), str(path), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert first.startswith("Annual report 2024") and "Payments received" in first
    for lang, key in (("en", "Key to the column"), ("fr", "Légende de la colonne")):
        assert pdftotext(pdfs[lang], tmp_path, f"{lang}.pdf").count(key) == 2  # the rate sources and the voting rules


def _pdfa_faults(pdf_bytes: bytes) -> list[str]:
    """What breaks the PDF/A-3b properties checked here (ISO 19005-3 clauses in brackets)."""
    faults = []
    if not pdf_bytes.startswith(b"%PDF-1.7\n") and not pdf_bytes.startswith(b"%PDF-1.7\r"):
        faults.append(f"header {pdf_bytes[:9]!r} is not %PDF-1.7 [6.1.2]")
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            faults.append("encrypted [6.1.3]")
        version = str(pdf.Root.get("/Version", "/1.7"))
        if version not in ("/1.4", "/1.7"):
            faults.append(f"the catalogue declares PDF {version}")
        extensions = pdf.Root.get("/Extensions", {})
        faults += [f"extension {name} based on PDF {extensions[name].BaseVersion}" for name in extensions.keys()
                   if str(extensions[name].BaseVersion) != "/1.7"]
        meta = pdf.open_metadata()
        if (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) != ("3", "B"):
            faults.append("XMP does not declare pdfaid part 3, conformance B [6.6.4]")
        intents = pdf.Root.get("/OutputIntents", [])
        if not intents or intents[0].S != "/GTS_PDFA1" or intents[0].DestOutputProfile.read_bytes()[36:40] != b"acsp":
            faults.append("no PDF/A output intent with an ICC profile [6.2.3]")
        for page in pdf.pages:
            if "/Group" in page.obj:
                faults.append("a page has a transparency group [6.4]")
            resources = page.obj.get("/Resources", {})
            for state in resources.get("/ExtGState", {}).values():
                if float(state.get("/CA", 1)) != 1 or float(state.get("/ca", 1)) != 1 or str(state.get("/SMask", "/None")) != "/None":
                    faults.append("a graphics state makes things transparent [6.4]")
            for name, image in resources.get("/XObject", {}).items():
                if "/SMask" in image:
                    faults.append(f"image {name} has a soft mask [6.4]")
        specs = list(pdf.Root.get("/AF", []))
        if not specs:
            faults.append("no associated files [6.8]")
        for spec in specs:
            stream = spec.EF.F
            if str(spec.get("/AFRelationship")) != "/Data" or "/Subtype" not in stream or "/ModDate" not in stream.Params:
                faults.append(f"attachment {spec.F} lacks its relationship, MIME type or date [6.8]")
    return faults


def _fonts_not_embedded(pdf_bytes: bytes, tmp_path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf_bytes)
    listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert listed
    return [line for line in listed if line.split()[-5] != "yes"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_a_3_properties_hold(lang, pdfs, statements, tmp_path):
    for pdf in (pdfs[lang], statements[lang]):
        assert _pdfa_faults(pdf) == []
        assert _fonts_not_embedded(pdf, tmp_path) == []


def test_the_check_finds_a_fault_of_each_kind(pdfs):
    """The PDF/A check above can fail: a 2.0 catalogue, a lost output intent, a transparent state are each found."""
    with pikepdf.open(io.BytesIO(pdfs["en"])) as pdf:
        pdf.Root.Version = pikepdf.Name("/2.0")
        del pdf.Root["/OutputIntents"]
        pdf.pages[0].obj.Resources.ExtGState = pikepdf.Dictionary(G=pikepdf.Dictionary(ca=0.5))
        broken = io.BytesIO()
        pdf.save(broken, min_version="1.7")
    faults = " ".join(_pdfa_faults(broken.getvalue()))
    assert "PDF /2.0" in faults and "output intent" in faults and "transparent" in faults


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_signed_closed_year_stays_pdf_a_3(lang, pdfs, tmp_path):
    """The signature is an incremental update declaring only the ETSI extension to PDF 1.7:
    header, XMP, output intent and attachments are those of the PDF/A-3b file, and it verifies."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.domain.signed_note import NoteSigner
    from ledger.services.signed_reports import sign_report, verify_report

    signer = NoteSigner("member-ledger.localhost/journal", Ed25519PrivateKey.generate())
    signed = sign_report(pdfs[lang], signer)
    assert signed.startswith(pdfs[lang])  # every byte of the PDF/A file is kept
    assert _pdfa_faults(signed) == []
    assert _fonts_not_embedded(signed, tmp_path) == []
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert list(pdf.Root.Extensions.keys()) == ["/ESIC"]
    assert verify_report(signed, signer.verifier).ok
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
