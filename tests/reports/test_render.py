"""The PDF renderers: what a reader of the printed report can see, read back from the PDF itself."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from pypdf import PdfReader

from ledger.domain.money import convert
from ledger.reports.model import (
    AnnualReport,
    DEFAULT_FACILITY,
    ContributionLine,
    InKindLine,
    JournalCheckpoint,
    MemberStatement,
    Paragraph,
    PaymentLine,
    ReportSection,
    ScaleRow,
    ScaleSection,
    StatementLine,
    Table,
)
from ledger.reports.render import render_annual_report, render_member_statement

YEAR = 2025
AS_OF = date(2025, 12, 31)
BUDGET_MINOR = 1_234_567_890_12  # EUR 1,234,567,890.12
LONG_NAME = "United Kingdom of Great Britain and Northern Ireland"
# Forty members; one name long enough to wrap in its column, one with a character that
# is markup in ReportLab paragraphs.
MEMBERS = (
    ("AUT", "Austria"), ("BEL", "Belgium"), ("BGR", "Bulgaria"), ("HRV", "Croatia"), ("CYP", "Cyprus"),
    ("CZE", "Czechia"), ("DNK", "Denmark"), ("EST", "Estonia"), ("FIN", "Finland"), ("FRA", "France"),
    ("DEU", "Germany"), ("GRC", "Greece"), ("HUN", "Hungary"), ("IRL", "Ireland"), ("ITA", "Italy"),
    ("LVA", "Latvia"), ("LTU", "Lithuania"), ("LUX", "Luxembourg"), ("MLT", "Malta"), ("NLD", "Netherlands"),
    ("POL", "Poland"), ("PRT", "Portugal"), ("ROU", "Romania"), ("SVK", "Slovakia"), ("SVN", "Slovenia"),
    ("ESP", "Spain"), ("SWE", "Sweden"), ("NOR", "Norway"), ("ISL", "Iceland"), ("CHE", "Switzerland"),
    ("GBR", LONG_NAME), ("ISR", "Israel"), ("SRB", "Serbia"), ("UKR", "Ukraine"), ("TUR", "Türkiye"),
    ("JPN", "Japan"), ("CAN", "Canada"), ("KOR", "Republic of Korea"), ("BIH", "Bosnia & Herzegovina"),
    ("KWT", "Kuwait"),
)
# Members paying in their own currency; everyone else pays in EUR.
PAYMENT_CURRENCIES = {"JPN": ("JPY", Decimal("0.0061")), "CHE": ("CHF", Decimal("1.0642")),
                      "KWT": ("KWD", Decimal("2.9871")), "CAN": ("CAD", Decimal("0.6689"))}
CHECKPOINT_HASH = hashlib.sha256(b"journal entry 48213 of 2025").hexdigest()


def amount(minor: int, decimals: int = 2) -> str:
    """How a reader expects an amount in a table: Babel, locale en, grouped, exact."""
    return format_decimal(Decimal(minor).scaleb(-decimals), format="#,##0" + ("." + "0" * decimals if decimals else ""),
                          locale="en")


def shares_in_thousandths(count: int) -> list[int]:
    """Shares in thousandths of a percent, growing with the member's position, summing to exactly 100%."""
    weights = range(1, count + 1)
    shares = [weight * 100_000 // sum(weights) for weight in weights]
    shares[-1] += 100_000 - sum(shares)
    return shares


def annual_report(
    *, members: int = len(MEMBERS), payments_per_member: int = 12, status: str = "closed",
    budget_minor: int = BUDGET_MINOR,
) -> AnnualReport:
    """A year of `members` members, each paying `payments_per_member` times; the first one's last payment is
    a reversal; every seventh member is behind, alternately in arrears and suspended."""
    roster = MEMBERS[:members]
    shares = shares_in_thousandths(len(roster))
    assessed = [budget_minor * share // 100_000 for share in shares]
    assessed[-1] += budget_minor - sum(assessed)
    payments: list[PaymentLine] = []
    contributions: list[ContributionLine] = []
    in_kind: list[InKindLine] = []
    for index, ((code, name), share, assessment) in enumerate(zip(roster, shares, assessed)):
        currency, rate = PAYMENT_CURRENCIES.get(code, ("EUR", Decimal(1)))
        member_payments = []
        for number in range(payments_per_member):
            # An instalment of about a sixteenth of the assessment, in the member's currency.
            amount_minor = convert(assessment // 16 + number * 7, "EUR", 1 / rate, currency)
            member_payments.append(PaymentLine(
                code=code, paid_on=date(YEAR, 1 + number % 12, 1 + index % 28), currency=currency,
                amount_minor=amount_minor, rate=rate, rate_date=date(YEAR, 1 + number % 12, 1 + index % 28),
                rate_source="ECB reference rate" if currency != "EUR" else "base currency",
                base_minor=convert(amount_minor, currency, rate, "EUR"), reference=f"{code}-{YEAR}-{number + 1:02d}",
            ))
        if index == 0 and len(member_payments) >= 2:
            reversed_payment = member_payments[-1]
            member_payments[-1] = dataclasses.replace(
                reversed_payment, amount_minor=-member_payments[-2].amount_minor,
                base_minor=-member_payments[-2].base_minor, reference=f"{code}-{YEAR}-REV",
                reversal_of=member_payments[-2].reference,
            )
        payments += member_payments
        credited = assessment // 20 if index % 5 == 2 else 0
        if credited:
            in_kind.append(InKindLine(code, f"Accelerator hours on the national system of {name}", "credited",
                                      credited + 1_000_00, credited))
        paid = sum(payment.base_minor for payment in member_payments)
        behind = index % 7 == 3
        contributions.append(ContributionLine(
            code=code, name=name, share_pct=Decimal(share).scaleb(-3), assessed_minor=assessment, paid_minor=paid,
            in_kind_minor=credited, outstanding_minor=assessment - paid - credited,
            arrears_minor=assessment // 3 if behind else 0,
            standing=("arrears" if index % 2 else "suspended") if behind else "good",
        ))
    scale = ScaleSection(
        period="2024-2026", adopted_by="Motion 2023/14", ceiling_pct=Decimal(25), floor_pct=Decimal("0.001"),
        precision_pct=Decimal("0.001"),
        rows=tuple(ScaleRow(code, name, Decimal(1000 + index * 250) * Decimal("1000000.5"), Decimal(share).scaleb(-3),
                            "ceiling" if index == len(roster) - 1 else "")
                   for index, ((code, name), share) in enumerate(zip(roster, shares))),
    )
    board = ReportSection("Board decisions & votes", (
        Paragraph("The board adopted three motions in 2025; roll-call votes are listed by name."),
        Table("Motions adopted", ("Motion", "Title", "Yes", "No"),
              (("2025/03", "Budget 2026 & medium-term plan", "31", "4"),), frozenset({2, 3})),
    ))
    return AnnualReport(
        year=YEAR, status=status, currency="EUR", budget_minor=budget_minor, as_of=AS_OF, scale=scale,
        contributions=tuple(contributions), payments=tuple(payments), in_kind=tuple(in_kind),
        standing_rule="CERN Convention Art. V.8: a member whose arrears exceed its contributions due for the "
                      "current and the preceding year has no vote.",
        checkpoint=JournalCheckpoint(48213, CHECKPOINT_HASH, date(2026, 1, 15)) if status == "closed" else None,
        data_note="Demonstration data, generated for the test suite; not the figures of any real facility.",
        sections=(board,),
    )


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace made single spaces, so wrapped lines read as one."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    return annual_report()


@pytest.fixture(scope="module")
def pdf(report) -> bytes:
    return render_annual_report(report)


@pytest.fixture(scope="module")
def text(pdf) -> str:
    return " ".join(pages_text(pdf))


def test_every_member_name_appears_whole(report, text):
    for line in report.contributions:
        assert line.name in text, line.name
    assert LONG_NAME in text and "Bosnia & Herzegovina" in text


def test_contribution_totals_are_the_sums_of_the_lines(report, text):
    lines = report.contributions
    columns = ("assessed_minor", "paid_minor", "in_kind_minor", "outstanding_minor", "arrears_minor")
    totals = " ".join(amount(sum(getattr(line, name) for line in lines)) for name in columns)
    assert sum(line.assessed_minor for line in lines) == BUDGET_MINOR
    assert f"Total {totals}" in text


def test_summary_prints_the_sums_and_the_count_of_each_standing(report, text):
    lines = report.contributions
    assert "Budget of the year €1,234,567,890.12" in text
    assert f"Paid in cash €{amount(sum(line.paid_minor for line in lines))}" in text
    assert f"Arrears on that date €{amount(sum(line.arrears_minor for line in lines))}" in text
    counts = {standing: sum(line.standing == standing for line in lines)
              for standing in ("good", "arrears", "suspended")}
    assert counts == {"good": 34, "arrears": 3, "suspended": 3}
    assert (f"Members in good standing {counts['good']} Members in arrears {counts['arrears']} "
            f"Members whose vote is suspended {counts['suspended']}") in text


def test_payments_show_their_own_currency_rate_and_booked_amount(report, text):
    """Each payment on one line: the rate's source is a letter, spelt out in the key under the table."""
    yen = next(payment for payment in report.payments if payment.currency == "JPY")
    dinar = next(payment for payment in report.payments if payment.currency == "KWD")
    assert (f"JPN {yen.paid_on.isoformat()} JPY {amount(yen.amount_minor, 0)} 0.0061 {yen.rate_date.isoformat()} "
            f"A {amount(yen.base_minor)} {yen.reference}") in text
    assert "Key to the column Source A ECB reference rate B base currency" in text
    assert f"KWD {amount(dinar.amount_minor, 3)} 2.9871" in text
    assert f"Total {amount(sum(payment.base_minor for payment in report.payments))}" in text


def test_a_reversal_is_shown_as_such(report, text):
    reversal = next(payment for payment in report.payments if payment.reversal_of)
    assert f"-{amount(-reversal.base_minor)} {reversal.reference} reversal of {reversal.reversal_of}" in text


def test_in_kind_and_arrears_sections_list_their_members(report, text):
    credited = sum(item.credited_minor for item in report.in_kind)
    assert f"{amount(sum(item.valued_minor for item in report.in_kind))} {amount(credited)}" in text
    assert "Rule applied: CERN Convention Art. V.8" in text
    behind = [line for line in report.contributions if line.standing != "good"]
    for line in behind:
        assert f"{line.code} {line.name} {amount(line.outstanding_minor)} {amount(line.arrears_minor)}" in text


def test_every_page_says_page_x_of_n(pdf):
    pages = pages_text(pdf)
    assert len(pages) > 10
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page


def test_the_payments_header_is_repeated_on_every_page_of_the_table(report, pdf):
    with_payments = [page for page in pages_text(pdf) if re.search(r"[A-Z]{3}-2025-\d\d", page)]
    assert len(with_payments) >= 5
    assert all("Rate date Source Amount in EUR" in page for page in with_payments)


def test_the_checkpoint_hash_is_printed_whole_with_how_to_check_it(pdf):
    last = " ".join(pages_text(pdf)[-2:])  # the section may run onto a last page
    assert f"entry 48213. The SHA-256 hash of that entry is: {CHECKPOINT_HASH}" in last
    assert "GET /api/v1/journal?after=0" in last and "ledger verify --export FILE" in last


def test_an_open_year_says_why_no_checkpoint_is_printed():
    pdf = render_annual_report(annual_report(members=3, payments_per_member=1, status="adopted"))
    last = pages_text(pdf)[-1]
    assert "The year 2025 is not closed yet, so no journal checkpoint is printed." in last
    assert not re.search(r"\b[0-9a-f]{64}\b", last)


def test_outline_and_contents_name_every_section(pdf):
    reader = PdfReader(BytesIO(pdf))
    sections = ["The year in brief", "Scale of contributions", "Assessments and payments per member",
                "Payments received", "In-kind contributions", "Arrears and standing", "Board decisions & votes",
                "Journal checkpoint"]
    assert [entry.title for entry in reader.outline] == sections
    contents = " ".join(reader.pages[1].extract_text().split())
    assert all(title in contents for title in sections)
    # Each bookmark leads to the page where its section's heading is printed.
    for entry in reader.outline:
        assert entry.title in reader.pages[reader.get_destination_page_number(entry)].extract_text()


def test_metadata_is_set_and_dated_by_the_record(pdf):
    metadata = PdfReader(BytesIO(pdf)).metadata
    assert metadata.title == f"Annual report 2025: {DEFAULT_FACILITY}"
    assert metadata.author == DEFAULT_FACILITY
    assert metadata.creator == "Member Ledger"
    assert "2025" in metadata.subject and "arrears" in metadata["/Keywords"]
    assert metadata["/CreationDate"].startswith("D:20251231")


def test_the_same_record_gives_the_same_bytes(report, pdf):
    assert render_annual_report(report) == pdf


def test_another_process_gives_the_same_bytes(pdf):
    """As another web worker would: fresh interpreter, other hash seed, same bytes."""
    script = ("import hashlib, sys; from tests.reports.test_render import annual_report; "
              "from ledger.reports.render import render_annual_report; "
              "sys.stdout.write(hashlib.sha256(render_annual_report(annual_report())).hexdigest())")
    root = Path(__file__).resolve().parents[2]
    other = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)})
    assert other.stdout == hashlib.sha256(pdf).hexdigest()


def test_a_changed_figure_gives_different_bytes(report, pdf):
    first, *others = report.payments
    nudged = dataclasses.replace(first, base_minor=first.base_minor + 1)
    changed = dataclasses.replace(report, payments=(nudged, *others))
    assert render_annual_report(changed) != pdf


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_finds_no_fault(pdf, tmp_path):
    path = tmp_path / "annual.pdf"
    path.write_bytes(pdf)
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_pdftotext_reads_names_and_figures(report, pdf, tmp_path):
    path = tmp_path / "annual.pdf"
    path.write_bytes(pdf)
    extracted = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(extracted.split())
    assert all(line.name in flat for line in report.contributions)
    assert all(amount(line.assessed_minor) in flat for line in report.contributions)


# The member's statement of account


def statement() -> MemberStatement:
    lines = (
        StatementLine(date(2025, 1, 15), "Assessment 2025", 98_765_432_10, 0, 123_456_00 + 98_765_432_10),
        StatementLine(date(2025, 3, 31), "Payment FRA-2025-01", 0, 40_000_000_00, 123_456_00 + 58_765_432_10),
        StatementLine(date(2025, 6, 30), "In-kind credit: accelerator hours", 0, 4_938_271_60,
                      123_456_00 + 53_827_160_50),
        StatementLine(date(2025, 9, 30), "Payment FRA-2025-02", 0, 40_000_000_00, 123_456_00 + 13_827_160_50),
    )
    return MemberStatement(
        year=YEAR, currency="EUR", code="FRA", name="France", opening_balance_minor=123_456_00, lines=lines,
        closing_balance_minor=lines[-1].balance_minor, standing="good",
        standing_explanation="Its arrears do not exceed the contributions due for 2024 and 2025.", as_of=AS_OF,
    )


def test_statement_shows_every_line_and_the_closing_balance():
    record = statement()
    pdf = render_member_statement(record)
    text = " ".join(pages_text(pdf))
    for line in record.lines:
        figure = line.charge_minor or line.payment_minor
        assert f"{line.on.isoformat()} {line.description} {amount(figure)} {amount(line.balance_minor)}" in text
    closing = record.opening_balance_minor + sum(line.charge_minor - line.payment_minor for line in record.lines)
    assert f"Closing balance {amount(98_765_432_10)} {amount(84_938_271_60)} {amount(closing)}" in text
    assert "France is in good standing." in text and "page 1 of 1" in text
    assert PdfReader(BytesIO(pdf)).metadata.title == "Statement of account 2025: France"
    assert render_member_statement(record) == pdf


def test_a_statement_whose_lines_do_not_add_up_is_refused():
    record = statement()
    wrong = dataclasses.replace(record.lines[1], balance_minor=record.lines[1].balance_minor + 1)
    with pytest.raises(ValueError, match="lines before it give"):
        dataclasses.replace(record, lines=(record.lines[0], wrong, *record.lines[2:]))


# The records themselves


def test_a_closed_year_needs_its_checkpoint_and_an_open_one_has_none(report):
    with pytest.raises(ValueError, match="exactly when the status is 'closed'"):
        dataclasses.replace(report, checkpoint=None)
    with pytest.raises(ValueError, match="exactly when the status is 'closed'"):
        dataclasses.replace(report, status="draft")


def test_records_freeze_the_sequences_they_are_given(report):
    frozen = dataclasses.replace(report, payments=list(report.payments[:2]))
    assert frozen.payments == report.payments[:2] and isinstance(frozen.payments, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen.year = 2026


def test_a_checkpoint_hash_must_be_64_hex_digits():
    with pytest.raises(ValueError, match="64 lowercase hex"):
        JournalCheckpoint(1, CHECKPOINT_HASH[:-1], AS_OF)


def test_a_name_in_any_script_prints_in_an_embedded_font(report, tmp_path):
    """Issue 13 item 7: with base-14 Helvetica a Cyrillic or Greek name printed as black squares."""
    names = ("Україна", "Ελλάδα", "Côte d’Ivoire")
    renamed = dataclasses.replace(report, contributions=(
        *(dataclasses.replace(line, name=name) for line, name in zip(report.contributions, names)),
        *report.contributions[len(names):]))
    pdf = render_annual_report(renamed)
    assert all(name in " ".join(pages_text(pdf)) for name in names)
    path = tmp_path / "names.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)
