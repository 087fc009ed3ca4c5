"""Contributions on a real database: adoption, settlement in SQL against the domain, closed years, reports."""

from __future__ import annotations

import io
import random
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.db.engine import make_engine
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.domain.money import format_minor
from ledger.queries import contributions as q
from ledger.services import contributions as finance
from ledger.services.members import admit_member, change_member_status
from ledger.services.verification import verify_ledger
from tests.conftest import DEMO_TODAY

ACTOR = system_actor("test")
TODAY = date.today()
INCOMES = {"DEU": "4000", "FRA": "3000", "CAN": "2500", "ITA": "2100", "LVA": "40", "USA": "14000", "JPN": "5000"}


def entries(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()


@pytest.fixture
def facility(engine):
    """Seven members (LVA joins in mid-2022, JPN is an associate from 2023) and a scale for 2022-2024."""
    for code, status, joined in (
        ("DEU", "member", "2022-01-01"), ("FRA", "member", "2022-01-01"), ("CAN", "member", "2022-01-01"),
        ("ITA", "member", "2022-01-01"), ("USA", "member", "2022-01-01"), ("LVA", "member", "2022-07-01"),
        ("JPN", "associate", "2023-01-01"),
    ):
        admit_member(code, None, status, joined, actor=ACTOR, uow=UnitOfWork(engine))
    proposal = finance.propose_scale(2022, 2024, INCOMES, ceiling="30", floor="0.5", precision="0.001", associate_factor="10", uow=UnitOfWork(engine))
    finance.adopt_scale(proposal, income_measure="GNI test data",
                        decision="Board, 1 December 2021", adopted_on="2021-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    for year, budget in ((2022, "1000000.00"), (2023, "1200000.00")):
        finance.open_year(year, f"{year}-03-31, {year}-09-30", budget, actor=ACTOR, uow=UnitOfWork(engine))
        finance.adopt_budget(year, f"Board, December {year - 1}", f"{year - 1}-12-10", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    return engine


def year_rows(engine, year: int, view=None):
    with engine.connect() as connection:
        found = q.find_year(connection, year)
        return q.year_contributions(connection, found, view or q.view_of(found, TODAY))


def pay(engine, code, day, amount, reference, currency="EUR", rate="1"):
    return finance.record_payment(code, day, currency, amount, rate, day, "ECB reference rate", reference, today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))


def test_adoption_assesses_exactly_the_budget_within_ceiling_and_floor(facility):
    result = year_rows(facility, 2022)
    shares = {row.code: row.share_pct for row in result.rows}
    assert set(shares) == {"DEU", "FRA", "CAN", "ITA", "USA", "LVA"}  # JPN joins in 2023
    assert sum(shares.values()) == Decimal(100)
    assert max(shares.values()) == Decimal(30) and min(shares.values()) == Decimal("0.5")
    assert sum(row.assessed_minor for row in result.rows) == 100_000_000
    with facility.connect() as connection:
        latvia = connection.execute(text("SELECT full_year_minor, amount_minor FROM assessment WHERE year = 2022 AND member_code = 'LVA'")).one()
    # Latvia joins on 1 July: 184 of 365 days, its full-year share pro rata temporis.
    assert latvia.amount_minor == round(latvia.full_year_minor * Decimal(184) / 365)
    in_2023 = year_rows(facility, 2023)
    assert "JPN" in {row.code for row in in_2023.rows}
    assert sum(row.assessed_minor for row in in_2023.rows) == 120_000_000


def test_settlement_in_sql_conserves_money_and_settles_oldest_first(facility):
    """UN Financial Regulations, Article V: payments settle the contributions in the order
    assessed. Random payments: for each member the cash allocated is what was paid (up to what
    is due), fully settled instalments come first (by due date), then at most one partly
    settled, then untouched ones; credit remains only once everything is settled."""
    chance = random.Random(20261122)
    for number in range(40):
        code = chance.choice(["DEU", "FRA", "CAN", "USA"])
        day = date(2022, 1, 1) + timedelta(days=chance.randrange(0, 700))
        pay(facility, code, day, f"{chance.randrange(1000, 90000)}.{chance.randrange(100):02d}", f"R{number}")
    view = q.View(as_of=TODAY)
    with facility.connect() as connection:
        for code in ("DEU", "FRA", "CAN", "USA"):
            lines = q.settled_instalments(connection, view, code)
            paid = connection.execute(text("SELECT coalesce(sum(base_minor), 0) FROM payment WHERE member_code = :c"), {"c": code}).scalar()
            owed = [line.amount_minor - line.in_kind_minor for line in lines]
            allocated = [line.cash_paid_minor for line in lines]
            assert sum(allocated) == min(paid, sum(owed)), code
            remaining = [due - cash for due, cash in zip(owed, allocated)]
            assert all(r >= 0 for r in remaining), code
            first_open = next((i for i, r in enumerate(remaining) if r > 0), len(remaining))
            assert all(cash == 0 for cash in allocated[first_open + 1:]), code


def test_arrears_standing_and_a_waiver(facility):
    # Nobody pays: by now every 2022-2023 instalment is overdue.
    germany = {row.code: row for row in year_rows(facility, 2023).rows}["DEU"]
    germany_2022 = {row.code: row for row in year_rows(facility, 2022).rows}["DEU"]
    assert germany.arrears_minor == germany.assessed_minor + germany_2022.assessed_minor
    # CERN Art. V.8 counts this year and last: 2023 and 2022 are in the past, so the threshold is 0.
    assert germany.standing.standing.value == "suspended"
    finance.grant_waiver("DEU", TODAY.isoformat(), "", "Board, waiver for Germany", actor=ACTOR, uow=UnitOfWork(facility))
    assert {row.code: row for row in year_rows(facility, 2023).rows}["DEU"].standing.standing.value == "arrears"


def test_in_kind_is_capped_and_counted_against_its_year(facility):
    pledge = finance.pledge_in_kind("USA", 2022, "GPU nodes", "2022-02-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    finance.advance_in_kind(pledge, "valued", "2022-02-10", "900000.00", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    with pytest.raises(Conflict, match="credited"):
        finance.advance_in_kind(pledge, "credited", "2022-02-11", None, today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    finance.advance_in_kind(pledge, "accepted", "2022-02-11", None, today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    finance.advance_in_kind(pledge, "credited", "2022-02-12", None, today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    usa = {row.code: row for row in year_rows(facility, 2022).rows}["USA"]
    assert usa.in_kind_minor == usa.assessed_minor * 25 // 100
    assert usa.outstanding_minor == usa.assessed_minor - usa.in_kind_minor


def test_double_submission_and_reversal(facility):
    before = entries(facility)
    first = pay(facility, "FRA", date(2022, 3, 1), "1000.00", "BANK-1")
    again = pay(facility, "FRA", date(2022, 3, 1), "1000.00", "BANK-1")
    assert (first.created, again.created, again.id) == (True, False, first.id)
    assert entries(facility) == before + 1
    with pytest.raises(Conflict, match="already booked for another payment"):
        pay(facility, "FRA", date(2022, 3, 2), "1000.00", "BANK-1")
    finance.reverse_payment("BANK-1", "booked for the wrong member", "2022-03-05", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    with pytest.raises(Conflict, match="reversed already"):
        finance.reverse_payment("BANK-1", "again", "2022-03-06", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    assert {row.code: row for row in year_rows(facility, 2022).rows}["FRA"].paid_minor == 0


@pytest.mark.parametrize(
    "member, day, currency, amount, rate, field, phrase",
    [
        ("FRA", "2022-03-01", "EUR", "0", "1", "amount", "other than zero"),
        ("FRA", "2022-03-01", "EUR", "-5.00", "1", "amount", "more than zero"),
        ("FRA", "2022-03-01", "EUR", "lots", "1", "amount", "a number"),
        ("FRA", "2022-03-01", "EUR", "10.123", "1", "amount", "EUR has 2 decimals"),
        ("FRA", "2022-03-01", "JPY", "100.5", "0.0063", "amount", "JPY has no minor unit"),
        ("FRA", "2022-03-01", "XYZ", "100", "1", "currency", "ISO 4217"),
        ("FRA", "2022-03-01", "USD", "100", "0", "rate", "above zero"),
        ("FRA", "2022-03-01", "USD", "100", "-0.9", "rate", "above zero"),
        ("FRA", (TODAY + timedelta(days=1)).isoformat(), "EUR", "100", "1", "paid_on", "or earlier"),
        ("LVA", "2022-06-30", "EUR", "100", "1", "paid_on", "LVA joined on 2022-07-01"),
    ],
)
def test_bad_payments_are_refused_and_nothing_is_journaled(facility, member, day, currency, amount, rate, field, phrase):
    before = entries(facility)
    with pytest.raises(ValidationFailed) as caught:
        finance.record_payment(member, day, currency, amount, rate, "2022-03-01", "ECB", "X-1", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    assert any(p.field == field and phrase in p.message for p in caught.value.problems), caught.value.problems
    assert entries(facility) == before


def test_a_withdrawn_member_pays_what_it_owes_and_nothing_more(facility):
    """CERN Convention Art. XII: a withdrawing state remains liable for what it was assessed;
    once that is settled, no payment is booked from it."""
    change_member_status("ITA", "withdrawn", "2023-06-30", actor=ACTOR, uow=UnitOfWork(facility))
    with facility.connect() as connection:
        owed = q.owed_on(connection, "ITA", date(2023, 7, 1))
    assert owed > 0
    pay(facility, "ITA", date(2023, 7, 1), format_minor(owed, "EUR"), "ITA-1")
    with pytest.raises(ValidationFailed, match="ITA is withdrawn on 2023-07-02 and owes nothing"):
        pay(facility, "ITA", date(2023, 7, 2), "100.00", "ITA-2")


def test_scale_inputs_must_cover_every_paying_member_and_be_positive(facility):
    missing = {k: v for k, v in INCOMES.items() if k != "CAN"}
    with pytest.raises(ValidationFailed) as caught:
        finance.propose_scale(2025, 2027, {**missing, "FRA": "-3"}, ceiling="30", floor="0.5", precision="0.001", associate_factor="10", uow=UnitOfWork(facility))
    fields = {p.field for p in caught.value.problems}
    assert {"income.CAN", "income.FRA"} <= fields


def test_a_member_withdrawing_during_the_period_keeps_the_status_it_held(engine):
    """An associate that withdraws mid-period is on the scale as an associate; an observer that withdraws is not on it."""
    for code, status in (("DEU", "member"), ("JPN", "associate"), ("KOR", "observer")):
        admit_member(code, None, status, "2022-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    for code in ("JPN", "KOR"):
        change_member_status(code, "withdrawn", "2025-06-30", actor=ACTOR, uow=UnitOfWork(engine))
    with UnitOfWork(engine) as uow:
        assert finance.paying_members(uow, 2025, 2027) == {"DEU": "member", "JPN": "associate"}
    proposal = finance.propose_scale(2025, 2027, {"DEU": "4000", "JPN": "5000"}, ceiling="", floor="", precision="0.001",
                                     associate_factor="10", uow=UnitOfWork(engine))
    assert {line.member: line.income for line in proposal.scale.members} == {"DEU": Decimal(4000), "JPN": Decimal(500)}
    with UnitOfWork(engine) as uow:
        assert finance.paying_members(uow, 2026, 2027) == {"DEU": "member"}


def test_a_closed_year_is_final_and_shown_as_it_closed(facility, client):
    pay(facility, "DEU", date(2022, 3, 20), "150000.00", "DEU-1")
    finance.close_year(2022, "Board, March 2023", "2023-03-15", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    closed = client.get("/api/v1/years/2022/contributions").get_json()
    before = client.get("/reports/annual/2022.pdf").data
    # A late payment dated inside 2022 but booked after closing does not change the closed year.
    pay(facility, "FRA", date(2022, 12, 30), "99000.00", "FRA-LATE")
    assert client.get("/api/v1/years/2022/contributions").get_json() == closed
    assert client.get("/reports/annual/2022.pdf").data == before
    with pytest.raises(Conflict, match="2022 is closed"):
        finance.set_budget(2022, "5.00", actor=ACTOR, uow=UnitOfWork(facility))
    assert verify_ledger(facility).ok


def test_api_contributions_match_the_query_and_add_up(facility, client):
    pay(facility, "USA", date(2022, 4, 1), "200000.00", "USA-1", currency="USD", rate="0.95")
    body = client.get("/api/v1/years/2022/contributions").get_json()
    assert (body["year"], body["currency"], body["budget"], body["status"]) == (2022, "EUR", "1000000.00", "adopted")
    lines = body["contributions"]
    assert sum(Decimal(line["share_pct"]) for line in lines) == 100
    assert sum(Decimal(line["assessed"]) for line in lines) == Decimal("1000000.00")
    usa = next(line for line in lines if line["code"] == "USA")
    assert usa["paid"] == "190000.00"
    for line in lines:
        assert Decimal(line["outstanding"]) == Decimal(line["assessed"]) - Decimal(line["paid"]) - Decimal(line["in_kind"])
    csv_lines = client.get("/api/v1/years/2022/contributions?format=csv").get_data(as_text=True).splitlines()
    assert csv_lines[0] == "code,name,share_pct,assessed,paid,in_kind,outstanding,arrears,standing"
    assert len(csv_lines) == len(lines) + 1
    assert client.get("/api/v1/years/1999/contributions").status_code == 404
    years = client.get("/api/v1/years").get_json()["years"]
    assert [(y["year"], y["status"]) for y in years] == [(2022, "adopted"), (2023, "adopted")]
    scales = client.get("/api/v1/scales").get_json()["scales"]
    assert scales[0]["parameters"]["ceiling_pct"] == "30" and len(scales[0]["shares"]) == 7


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_annual_report_and_statement_read_back(facility, client):
    pay(facility, "CAN", date(2022, 3, 30), "50000.00", "CAN-1", currency="CAD", rate="0.73")
    finance.close_year(2022, "Board, March 2023", "2023-03-15", today=TODAY, actor=ACTOR, uow=UnitOfWork(facility))
    report = pdf_text(client.get("/reports/annual/2022.pdf").data)
    api = client.get("/api/v1/years/2022/contributions").get_json()
    for line in api["contributions"]:
        assert line["name"] in report
    total_assessed = sum(Decimal(line["assessed"]) for line in api["contributions"])
    assert f"{total_assessed:,.2f}" in report
    head = q_closing_entry(facility)
    assert str(head[0]) in report and head[1] in report.replace("\n", "")
    statement = pdf_text(client.get("/reports/statements/2022/CAN.pdf").data)
    assert "Canada (CAN)" in statement and "Payment CAN-1: CA$50,000.00 at 0.73 EUR per" in statement
    assert client.get("/reports/statements/2022/JPN.pdf").status_code == 404
    listing = client.get("/reports/").get_data(as_text=True)
    assert "/reports/annual/2022.pdf" in listing and "/reports/statements/2022/CAN.pdf" in listing


def q_closing_entry(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT seq, hash FROM journal_entry WHERE kind = 'year.closed'")).one()


def test_cli_writes_the_annual_report(facility, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", facility.url.render_as_string(hide_password=False))
    target = tmp_path / "report.pdf"
    done = CliRunner().invoke(cli, ["report", "annual", "2023", "-o", str(target)])
    assert done.exit_code == 0, done.output
    check = subprocess.run(["qpdf", "--check", str(target)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert "Annual report 2023" in pdf_text(target.read_bytes())
    refused = CliRunner().invoke(cli, ["report", "annual", "2031"])
    assert refused.exit_code == 1 and "no report for 2031" in refused.output


def test_standing_rule_is_a_setting(facility):
    assert year_rows(facility, 2023).settings.standing_rule.name == "CERN Convention Art. V.8"
    finance.change_setting("standing_rule", "un", "Board, rules of 2023", actor=ACTOR, uow=UnitOfWork(facility))
    assert year_rows(facility, 2023).settings.standing_rule.name == "UN Charter Art. 19"
    with pytest.raises(ValidationFailed, match="cern, un"):
        finance.change_setting("standing_rule", "imf", "Board", actor=ACTOR, uow=UnitOfWork(facility))
    with pytest.raises(Conflict, match="base currency is fixed"):
        finance.change_setting("base_currency", "USD", "Board", actor=ACTOR, uow=UnitOfWork(facility))


def test_the_demo_keeps_its_promises(demo_copy):
    from ledger.config import Settings
    from ledger.web import create_app

    engine = make_engine(demo_copy())
    client = create_app(Settings(database_url=str(engine.url), secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY), engine=engine).test_client()
    years = client.get("/api/v1/years").get_json()["years"]
    assert len(years) == 5 and {"closed", "adopted"} <= {y["status"] for y in years}
    standings = set()
    for year in years:
        body = client.get(f"/api/v1/years/{year['year']}/contributions").get_json()
        lines = body["contributions"]
        assert sum(Decimal(line["share_pct"]) for line in lines) == 100, year
        assert sum(Decimal(line["assessed"]) for line in lines) == Decimal(year["budget"]), year
        standings |= {line["standing"] for line in lines}
    assert {"arrears", "suspended"} <= standings
    currencies = client.get("/api/v1/journal?limit=100000").get_data(as_text=True)
    for currency in ("USD", "GBP", "CHF", "CAD", "AUD", "JPY"):
        assert f" {currency} at " in currencies
    scales = client.get("/api/v1/scales").get_json()["scales"]
    assert any(line["bound"] == "ceiling" and line["share_pct"] == "25.000" for line in scales[-1]["shares"])
    assert "Gapminder" in scales[-1]["income_measure"]
    assert verify_ledger(engine).ok
    engine.dispose()
