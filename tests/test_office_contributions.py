"""The finance pages of the workspace, end to end through the web client on both databases.

Each form: the happy path stores what was typed with one journal entry; each bad input is
refused with the field named on the page, the right 4xx, and nothing journalled.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Role, system_actor
from ledger.domain.errors import ValidationFailed
from ledger.queries import contributions as queries
from ledger.services import contributions as service
from ledger.services.members import change_member_status
from tests.conftest import csrf_token
from tests.office_helpers import accessibility_problems, error_of, journal_length

CLI = system_actor("test")
TODAY = date.today()
PAST = TODAY.year - 1  # a year that is over: it can be adopted, paid and closed
CURRENT = TODAY.year
INCOMES = {"DEU": "4000", "FRA": "3000", "CAN": "2000", "KOR": "1000"}
FINANCE = "/office/contributions"


# --------------------------------------------------------------------------- helpers and fixtures


def last_entry(engine) -> tuple[str, str]:
    with engine.connect() as connection:
        return tuple(connection.execute(text("SELECT kind, actor FROM journal_entry ORDER BY seq DESC LIMIT 1")).one())


def year_row(engine, number: int) -> queries.YearRow | None:
    with engine.connect() as connection:
        return queries.find_year(connection, number)


def contributions_of(engine, number: int) -> queries.YearContributions:
    with engine.connect() as connection:
        row = queries.find_year(connection, number)
        return queries.year_contributions(connection, row, queries.view_of(row, TODAY))


def payments_of(engine, number: int) -> list[queries.PaymentRow]:
    with engine.connect() as connection:
        return queries.payments_between(connection, date(number, 1, 1), date(number, 12, 31), queries.View(as_of=TODAY))


def in_kind_of(engine, number: int) -> list[queries.InKindRow]:
    with engine.connect() as connection:
        return queries.in_kind_of_year(connection, number, queries.View(as_of=TODAY))


@pytest.fixture
def signed_in(signed_in, members):
    """conftest's `signed_in`, with the members a delegate belongs to."""
    return signed_in


@pytest.fixture
def scale(engine, members):
    """A scale for PAST to CURRENT + 1 over the four paying members (Korea an associate at 50%)."""
    proposal = service.propose_scale(PAST, CURRENT + 1, INCOMES, ceiling="", floor="", precision="0.001", associate_factor="50", uow=UnitOfWork(engine))
    service.adopt_scale(
        proposal, income_measure="GNI, test figures",
        decision="Board, test meeting, item 1", adopted_on=f"{PAST}-01-05", today=TODAY, actor=CLI, uow=UnitOfWork(engine),
    )
    return proposal


@pytest.fixture
def years(engine, members):
    """PAST and CURRENT opened in draft, each with a budget of 1,000,000.00 EUR."""
    for number in (PAST, CURRENT):
        service.open_year(number, f"{number}-03-31, {number}-09-30", "1000000.00", actor=CLI, uow=UnitOfWork(engine))
    return PAST, CURRENT


@pytest.fixture
def adopted(engine, scale, years):
    """PAST adopted and assessed on the scale."""
    service.adopt_budget(PAST, "Board, test meeting, item 2", f"{PAST}-01-15", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    return PAST


def book(engine, reference: str, amount: str = "1000.00", member: str = "DEU", paid_on: str = f"{PAST}-04-01"):
    return service.record_payment(member, paid_on, "EUR", amount, "1", paid_on, "ECB", reference, today=TODAY, actor=CLI, uow=UnitOfWork(engine))


PAYMENT = {
    "member": "DEU", "paid_on": f"{PAST}-04-01", "currency": "EUR", "amount": "1000.00", "rate": "1",
    "rate_date": f"{PAST}-04-01", "rate_source": "ECB euro reference rate", "reference": "BANK-1",
}


# --------------------------------------------------------------------------- reading


def test_auditor_reads_years_contributions_payments_and_in_kind_without_actions(client, engine, signed_in, adopted):
    book(engine, "BANK-A", "1000.00")
    book(engine, "BANK-B", "50.00", member="FRA")
    service.reverse_payment("BANK-B", "booked for the wrong member", f"{PAST}-04-02", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    service.pledge_in_kind("FRA", PAST, "Cooling plant for the data centre", f"{PAST}-02-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    signed_in(Role.AUDITOR)

    index = client.get(f"{FINANCE}/").get_data(as_text=True)
    assert f'href="/office/contributions/years/{PAST}"' in index and f'href="/office/contributions/years/{CURRENT}"' in index
    assert "1,000,000.00 EUR" in index and "adopted" in index and "draft" in index
    assert "2 fiscal years" in index and "GNI, test figures" in index
    assert "Open a fiscal year" not in index and "Record a payment" not in index

    page = client.get(f"{FINANCE}/years/{PAST}").get_data(as_text=True)
    assert f"Contributions for {PAST} in EUR" in page
    assert "Germany (DEU)" in page and "South Korea (KOR)" in page
    assert "1,000.00" in page  # what DEU paid
    assert "(CERN Convention Art. V.8)" in page  # the standing's explanation
    assert "reversed on" in page and "booked for the wrong member" in page
    assert "Cooling plant for the data centre" in page and "pledged" in page
    for action in ("Reverse", "Advance", "Adopt the budget", "Close the year", "Set the budget"):
        assert f">{action}<" not in page and f">{action} " not in page
    assert client.get(f"{FINANCE}/years/1999").status_code == 404


def test_each_role_sees_the_actions_it_may_take(client, engine, signed_in, adopted):
    book(engine, "BANK-A")
    service.pledge_in_kind("FRA", PAST, "Cooling plant", f"{PAST}-02-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    signed_in(Role.SECRETARIAT)
    draft = client.get(f"{FINANCE}/years/{CURRENT}").get_data(as_text=True)
    assert "Set the budget" in draft and "Adopt the budget" in draft and "No assessments yet" in draft
    assert "Close the year" in client.get(f"{FINANCE}/years/{PAST}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, f"{FINANCE}/")})
    signed_in(Role.TREASURER)
    page = client.get(f"{FINANCE}/years/{PAST}").get_data(as_text=True)
    assert "/office/contributions/payments/reverse?reference=BANK-A" in page
    pledge = in_kind_of(engine, PAST)[0]
    assert f"/office/contributions/years/{PAST}/in-kind/{pledge.id}" in page
    assert "Close the year" not in page


# --------------------------------------------------------------------------- secretariat: years and budgets


def test_open_a_year_with_its_due_dates_and_draft_budget(client, engine, signed_in):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    data = {"csrf_token": token, "year": str(CURRENT + 1), "due_dates": f"{CURRENT + 1}-03-31, {CURRENT + 1}-09-30", "budget": "2500000.00"}
    unconfirmed = client.post(f"{FINANCE}/years/new", data=data)
    assert unconfirmed.status_code == 400 and "tick the box to confirm" in unconfirmed.get_data(as_text=True)
    assert journal_length(engine) == before
    response = client.post(f"{FINANCE}/years/new", data={**data, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"] == f"{FINANCE}/years/{CURRENT + 1}"
    row = year_row(engine, CURRENT + 1)
    assert (row.status, row.budget_minor, row.currency) == ("draft", 250000000, "EUR")
    assert journal_length(engine) == before + 1
    assert last_entry(engine)[0] == "year.opened"
    assert f"Opened the fiscal year {CURRENT + 1}." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_opening_a_year_reports_every_bad_field(client, engine, signed_in, years):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    bad = client.post(f"{FINANCE}/years/new", data={"csrf_token": token, "year": "20x7", "due_dates": "2027-13-01", "budget": "1.234", "confirm": "y"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "a year from 2000 to 2100" in error_of(page, "year")
    assert "YYYY-MM-DD" in error_of(page, "due_dates")
    assert "EUR has 2 decimals" in error_of(page, "budget")
    assert 'aria-describedby="year-error"' in page and 'aria-invalid="true"' in page
    taken = client.post(f"{FINANCE}/years/new", data={"csrf_token": token, "year": str(PAST), "due_dates": f"{PAST}-06-30", "confirm": "y"})
    assert taken.status_code == 409 and f"the fiscal year {PAST} exists already" in taken.get_data(as_text=True)
    assert journal_length(engine) == before


def test_set_the_budget_of_a_draft_year(client, engine, signed_in, years):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    assert 'value="1000000.00"' in client.get(f"{FINANCE}/years/{CURRENT}/budget").get_data(as_text=True)
    response = client.post(f"{FINANCE}/years/{CURRENT}/budget", data={"csrf_token": token, "budget": "1200000.50"})
    assert response.status_code == 302
    assert year_row(engine, CURRENT).budget_minor == 120000050
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "budget.set"
    assert client.post(f"{FINANCE}/years/1999/budget", data={"csrf_token": token, "budget": "1"}).status_code == 404


BAD_BUDGETS = [
    ("0", "an amount other than zero"),
    ("-5.00", "an amount of more than zero"),
    ("ten thousand", "a number with a dot before the decimals"),
    ("1.234", "EUR has 2 decimals"),
]


def test_bad_budgets_are_refused(client, engine, signed_in, years):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    for amount, phrase in BAD_BUDGETS:
        response = client.post(f"{FINANCE}/years/{CURRENT}/budget", data={"csrf_token": token, "budget": amount})
        assert response.status_code == 400, amount
        assert phrase in error_of(response.get_data(as_text=True), "budget"), amount
    assert journal_length(engine) == before
    assert year_row(engine, CURRENT).budget_minor == 100000000


def test_budget_of_an_adopted_or_closed_year_is_a_conflict(client, engine, signed_in, adopted):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    adopted_year = client.post(f"{FINANCE}/years/{PAST}/budget", data={"csrf_token": token, "budget": "5.00"})
    assert adopted_year.status_code == 409 and "can no longer change" in adopted_year.get_data(as_text=True)
    service.close_year(PAST, "Board, accounts approved", TODAY.isoformat(), today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    before = journal_length(engine)
    closed = client.post(f"{FINANCE}/years/{PAST}/budget", data={"csrf_token": token, "budget": "5.00"})
    assert closed.status_code == 409 and f"the fiscal year {PAST} is closed" in closed.get_data(as_text=True)
    assert journal_length(engine) == before
    assert year_row(engine, PAST).budget_minor == 100000000


def test_adopt_a_budget_after_seeing_what_adoption_does(client, engine, signed_in, scale, years):
    token = signed_in(Role.SECRETARIAT)
    page = client.get(f"{FINANCE}/years/{PAST}/adopt").get_data(as_text=True)
    assert "assesses every member on the scale in force" in page and "pro rata temporis" in page
    assert "42.105" in page  # Germany's share on the scale in force
    before = journal_length(engine)
    data = {"csrf_token": token, "decision": "Board, 10 December, item 3", "adopted_on": f"{PAST}-01-10"}
    unconfirmed = client.post(f"{FINANCE}/years/{PAST}/adopt", data=data)
    assert unconfirmed.status_code == 400 and "tick the box" in error_of(unconfirmed.get_data(as_text=True), "confirm")
    assert journal_length(engine) == before and year_row(engine, PAST).status == "draft"
    future = client.post(f"{FINANCE}/years/{PAST}/adopt", data={**data, "adopted_on": (TODAY + timedelta(days=1)).isoformat(), "confirm": "y"})
    assert future.status_code == 400 and "or earlier" in error_of(future.get_data(as_text=True), "adopted_on")
    assert client.post(f"{FINANCE}/years/{PAST}/adopt", data={**data, "confirm": "y"}).status_code == 302
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "budget.adopted"
    rows = contributions_of(engine, PAST).rows
    assert {r.code for r in rows} == {"DEU", "FRA", "CAN", "KOR"}
    assert sum(r.assessed_minor for r in rows) == 100000000
    again = client.post(f"{FINANCE}/years/{PAST}/adopt", data={**data, "confirm": "y"})
    assert again.status_code == 409 and journal_length(engine) == before + 1


def test_close_a_year_once_it_is_over(client, engine, signed_in, adopted):
    token = signed_in(Role.SECRETARIAT)
    page = client.get(f"{FINANCE}/years/{PAST}/close").get_data(as_text=True)
    assert "the year's figures become final and its annual report fixed" in html.unescape(page)
    before = journal_length(engine)
    data = {"csrf_token": token, "decision": "Board, accounts approved", "confirm": "y"}
    early = client.post(f"{FINANCE}/years/{PAST}/close", data={**data, "closed_on": f"{PAST}-12-31"})
    assert early.status_code == 400 and "a date after the end of" in error_of(early.get_data(as_text=True), "closed_on")
    draft = client.post(f"{FINANCE}/years/{CURRENT}/close", data={**data, "closed_on": TODAY.isoformat()})
    assert draft.status_code == 409 and "only an adopted year can be closed" in draft.get_data(as_text=True)
    assert journal_length(engine) == before
    assert client.post(f"{FINANCE}/years/{PAST}/close", data={**data, "closed_on": TODAY.isoformat()}).status_code == 302
    assert year_row(engine, PAST).status == "closed" and year_row(engine, PAST).closed_on == TODAY
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "year.closed"


# --------------------------------------------------------------------------- secretariat: the scale


def scale_data(token: str, **changes) -> dict:
    data = {
        "csrf_token": token, "first_year": str(CURRENT + 2), "last_year": str(CURRENT + 4), "ceiling": "40", "floor": "",
        "precision": "0.001", "associate_factor": "50", "income_measure": "GNI, new figures",
        "income_DEU": "5000", "income_FRA": "3000", "income_CAN": "2000", "income_KOR": "1000",
    }
    return {**data, **changes}


def test_scale_form_is_prefilled_from_the_latest_scale(client, signed_in, scale):
    signed_in(Role.SECRETARIAT)
    page = client.get(f"{FINANCE}/scales/new").get_data(as_text=True)
    assert re.search(r'id="income_DEU" name="income_DEU" type="text" value="4000"', page)
    assert re.search(r'id="income_KOR" name="income_KOR" type="text" value="1000"', page)
    assert 'id="first_year" name="first_year" type="text" value="%d"' % (CURRENT + 2) in page
    assert 'name="associate_factor" type="text" value="50"' in page
    assert "income_JPN" not in page  # an observer is not on the scale
    assert '<label for="income_KOR">South Korea (KOR), associate</label>' in page


def test_preview_shows_proposed_shares_beside_the_previous_ones_and_stores_nothing(client, engine, signed_in, scale):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    response = client.post(f"{FINANCE}/scales/new", data={**scale_data(token, ceiling=""), "action": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    previous = scale.scale.shares["DEU"]
    proposed = Decimal("5000") / Decimal("10500") * 100  # Korea, an associate, counts half its income
    germany = re.search(r"Germany \(DEU\)</th>(.*?)</tr>", page, re.S).group(1)
    assert str(previous) in germany and str(round(proposed, 3)) in germany
    assert "+" + str(round(proposed, 3) - previous) in germany
    assert not error_of(page, "confirm") and not error_of(page, "decision")  # a preview asks for no adoption details
    assert journal_length(engine) == before
    with engine.connect() as connection:
        assert len(queries.list_scales(connection)) == 1


def test_adopt_a_scale_needs_the_decision_date_and_confirmation(client, engine, signed_in, scale):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    incomplete = client.post(f"{FINANCE}/scales/new", data={**scale_data(token), "action": "adopt"})
    page = incomplete.get_data(as_text=True)
    assert incomplete.status_code == 400
    assert "cite the board decision" in error_of(page, "decision")
    assert "YYYY-MM-DD" in error_of(page, "adopted_on")
    assert "tick the box" in error_of(page, "confirm")
    assert journal_length(engine) == before
    adopted = client.post(f"{FINANCE}/scales/new", data={
        **scale_data(token), "action": "adopt", "decision": "Board, scale motion 7", "adopted_on": TODAY.isoformat(), "confirm": "y",
    })
    assert adopted.status_code == 302
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "scale.adopted"
    with engine.connect() as connection:
        newest = queries.list_scales(connection)[-1]
    assert (newest.first_year, newest.last_year, newest.ceiling_pct, newest.income_measure) == (CURRENT + 2, CURRENT + 4, Decimal("40"), "GNI, new figures")
    assert {line.code: line.income for line in newest.lines} == {"DEU": 5000, "FRA": 3000, "CAN": 2000, "KOR": 1000}
    assert sum(line.share_pct for line in newest.lines) == 100


def test_scale_inputs_missing_a_member_or_negative_are_refused_at_the_member(client, engine, signed_in, scale):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    adopt = {"action": "adopt", "decision": "Board, scale motion 7", "adopted_on": TODAY.isoformat(), "confirm": "y"}
    response = client.post(f"{FINANCE}/scales/new", data={**scale_data(token, income_CAN="", income_DEU="-5"), **adopt})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "give this member's income" in error_of(page, "income_CAN")
    assert "from 0 to 1000000000000000000" in error_of(page, "income_DEU")
    assert 'aria-describedby="income_CAN-error"' in page
    preview = client.post(f"{FINANCE}/scales/new", data={**scale_data(token, income_FRA="many", precision="none", last_year="1"), "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 400
    assert error_of(page, "precision") and error_of(page, "last_year")
    out_of_range = client.post(f"{FINANCE}/scales/new", data={**scale_data(token, first_year="0", floor="-1"), "action": "preview"})
    page = out_of_range.get_data(as_text=True)
    assert out_of_range.status_code == 400
    assert "a year from 2000 to 2100" in error_of(page, "first_year") and "from 0 to 100" in error_of(page, "floor")
    assert journal_length(engine) == before
    with engine.connect() as connection:
        assert len(queries.list_scales(connection)) == 1


# --------------------------------------------------------------------------- secretariat: waivers and settings


def test_grant_a_waiver_of_suspension(client, engine, signed_in):
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    data = {"csrf_token": token, "member": "CAN", "starts_on": f"{PAST}-06-01", "ends_on": f"{PAST}-05-01", "decision": "Board, motion 12", "confirm": "y"}
    bad = client.post(f"{FINANCE}/waivers/new", data=data)
    assert bad.status_code == 400 and "or later" in error_of(bad.get_data(as_text=True), "ends_on")
    nobody = client.post(f"{FINANCE}/waivers/new", data={**data, "member": "", "ends_on": ""})
    assert nobody.status_code == 400 and error_of(nobody.get_data(as_text=True), "member")
    assert journal_length(engine) == before
    assert client.post(f"{FINANCE}/waivers/new", data={**data, "ends_on": ""}).status_code == 302
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT member_code, starts_on, ends_on, decision FROM standing_waiver")).one()
    assert (stored[0], str(stored[1]), stored[2], stored[3]) == ("CAN", f"{PAST}-06-01", None, "Board, motion 12")
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "waiver.granted"


def test_change_a_setting_citing_the_decision(client, engine, signed_in, years):
    token = signed_in(Role.SECRETARIAT)
    page = client.get(f"{FINANCE}/settings").get_data(as_text=True)
    assert "in_kind_cap_pct" in page and "CERN Convention Art. V.8" in page
    before = journal_length(engine)
    data = {"csrf_token": token, "key": "standing_rule", "value": "un", "decision": "Board, motion 3", "confirm": "y"}
    for changes, field, status in (
        ({"key": "colour"}, "key", 400),
        ({"key": "in_kind_cap_pct", "value": "150"}, "value", 400),
        ({"value": "un", "decision": ""}, "decision", 400),
    ):
        response = client.post(f"{FINANCE}/settings", data={**data, **changes})
        assert response.status_code == status and error_of(response.get_data(as_text=True), field), changes
    fixed = client.post(f"{FINANCE}/settings", data={**data, "key": "base_currency", "value": "CHF"})
    assert fixed.status_code == 409 and "the base currency is fixed" in fixed.get_data(as_text=True)
    assert journal_length(engine) == before
    assert client.post(f"{FINANCE}/settings", data=data).status_code == 302
    with engine.connect() as connection:
        assert queries.settings_at(connection).texts["standing_rule"] == "un"
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "setting.changed"


# --------------------------------------------------------------------------- treasurer: payments


def test_record_a_payment_and_recognise_its_resubmission(client, engine, signed_in, adopted):
    token = signed_in(Role.TREASURER)
    before = journal_length(engine)
    data = {**PAYMENT, "csrf_token": token, "currency": "USD", "amount": "1100.00", "rate": "0.9091"}
    response = client.post(f"{FINANCE}/payments/new", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"{FINANCE}/years/{PAST}"
    [stored] = payments_of(engine, PAST)
    assert (stored.code, stored.currency, stored.amount_minor, stored.rate, stored.base_minor, stored.reference) == ("DEU", "USD", 110000, Decimal("0.9091"), 100001, "BANK-1")
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "payment.recorded"
    assert "Booked payment BANK-1" in client.get(response.headers["Location"]).get_data(as_text=True)

    again = client.post(f"{FINANCE}/payments/new", data=data)
    assert again.status_code == 302
    notice = client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"is already booked on {PAST}-04-01, not booked twice" in notice
    assert journal_length(engine) == before + 1 and len(payments_of(engine, PAST)) == 1

    other = client.post(f"{FINANCE}/payments/new", data={**data, "amount": "1200.00"})
    assert other.status_code == 409
    assert "the reference BANK-1 is already booked for another payment" in other.get_data(as_text=True)
    assert journal_length(engine) == before + 1


def test_bad_payments_are_refused_with_the_field_named(client, engine, signed_in, adopted):
    change_member_status("FRA", "withdrawn", f"{PAST}-06-30", actor=CLI, uow=UnitOfWork(engine))
    token = signed_in(Role.TREASURER)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    cases = [
        ({"amount": "0"}, "amount", "an amount other than zero"),
        ({"amount": "-5.00"}, "amount", "an amount of more than zero"),
        ({"amount": "1,000"}, "amount", "a number with a dot before the decimals"),
        ({"amount": "lots"}, "amount", "a number with a dot before the decimals"),
        ({"currency": "JPY", "amount": "10.5", "rate": "0.0062"}, "amount", "JPY has no minor unit"),
        ({"amount": "1.234"}, "amount", "EUR has 2 decimals"),
        ({"currency": "XYZ"}, "currency", "an ISO 4217 currency code"),
        ({"currency": "USD", "rate": "0"}, "rate", "a rate above zero"),
        ({"currency": "USD", "rate": "-0.9"}, "rate", "a rate above zero"),
        ({"currency": "USD", "rate": "ninety"}, "rate", "a decimal number"),
        ({"paid_on": tomorrow}, "paid_on", "or earlier"),
        ({"member": "CAN", "paid_on": "2023-01-10", "rate_date": "2023-01-10"}, "paid_on", "CAN joined on 2023-03-15"),
        ({"member": "JPN"}, "member", f"JPN is an observer on {PAST}-04-01 and owes nothing"),
        ({"rate_date": f"{PAST}-04-02"}, "rate_date", f"the payment day ({PAST}-04-01) or earlier"),
        ({"currency": "USD", "rate": "9999999999999"}, "rate", "at most 1000000000"),
        ({"currency": "USD", "rate": "9" * 40}, "rate", "at most 1000000000"),
        ({"currency": "USD", "rate": "1e308"}, "rate", "at most 1000000000"),
        ({"currency": "USD", "rate": "inf"}, "rate", "a decimal number"),
        ({"rate": "2"}, "rate", "1 for a payment in the base currency EUR"),
        ({"currency": "KWD", "amount": "9999999999999.999", "rate": "3"}, "amount", "worth less than 10,000,000,000,000 EUR"),
        ({"member": ""}, "member", "alpha-3"),
        ({"reference": ""}, "reference", "the bank's reference"),
    ]
    before = journal_length(engine)
    failures = []
    for changes, field, phrase in cases:
        response = client.post(f"{FINANCE}/payments/new", data={**PAYMENT, "csrf_token": token, **changes})
        shown = error_of(response.get_data(as_text=True), field)
        if response.status_code != 400 or phrase not in shown:
            failures.append(f"{changes}: {response.status_code}, {field}: {shown!r}")
    assert failures == []
    too_large = client.post(f"{FINANCE}/payments/new", data={**PAYMENT, "csrf_token": token, "amount": "9" * 25})
    assert too_large.status_code == 400 and "an amount below 10,000,000,000,000" in error_of(too_large.get_data(as_text=True), "amount")
    assert journal_length(engine) == before and payments_of(engine, PAST) == []


def test_reverse_a_payment_once(client, engine, signed_in, adopted):
    book(engine, "BANK-A")
    token = signed_in(Role.TREASURER)
    assert 'value="BANK-A"' in client.get(f"{FINANCE}/payments/reverse?reference=BANK-A").get_data(as_text=True)
    before = journal_length(engine)
    data = {"csrf_token": token, "reference": "BANK-A", "reason": "credited twice by the bank", "reversed_on": f"{PAST}-04-05"}
    unconfirmed = client.post(f"{FINANCE}/payments/reverse", data=data)
    assert unconfirmed.status_code == 400 and "tick the box" in error_of(unconfirmed.get_data(as_text=True), "confirm")
    bad = client.post(f"{FINANCE}/payments/reverse", data={**data, "reason": "", "reversed_on": f"{PAST}-03-01", "confirm": "y"})
    assert bad.status_code == 400 and "say why" in error_of(bad.get_data(as_text=True), "reason")
    early = client.post(f"{FINANCE}/payments/reverse", data={**data, "reversed_on": f"{PAST}-03-01", "confirm": "y"})
    assert early.status_code == 400 and f"{PAST}-04-01 or later" in error_of(early.get_data(as_text=True), "reversed_on")
    unknown = client.post(f"{FINANCE}/payments/reverse", data={**data, "reference": "NOPE", "confirm": "y"})
    assert unknown.status_code == 404 and "no payment with the reference" in error_of(unknown.get_data(as_text=True), "reference")
    assert journal_length(engine) == before

    assert client.post(f"{FINANCE}/payments/reverse", data={**data, "confirm": "y"}).status_code == 302
    [payment] = payments_of(engine, PAST)
    assert (payment.reversed_on, payment.reversal_reason) == (date(PAST, 4, 5), "credited twice by the bank")
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "payment.reversed"
    twice = client.post(f"{FINANCE}/payments/reverse", data={**data, "confirm": "y"})
    assert twice.status_code == 409 and "was reversed already" in twice.get_data(as_text=True)
    assert journal_length(engine) == before + 1


# --------------------------------------------------------------------------- treasurer: in kind


def test_pledge_in_kind_and_refuse_bad_pledges(client, engine, signed_in, adopted):
    token = signed_in(Role.TREASURER)
    assert f'name="year" type="text" value="{PAST}"' in client.get(f"{FINANCE}/in-kind/new?year={PAST}").get_data(as_text=True)
    before = journal_length(engine)
    data = {"csrf_token": token, "member": "FRA", "year": str(PAST), "description": "Cooling plant for the data centre", "pledged_on": f"{PAST}-02-01", "confirm": "y"}
    bad = client.post(f"{FINANCE}/in-kind/new", data={**data, "description": "x", "pledged_on": (TODAY + timedelta(days=1)).isoformat()})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "3 to 300 characters" in error_of(page, "description") and "or earlier" in error_of(page, "pledged_on")
    unknown = client.post(f"{FINANCE}/in-kind/new", data={**data, "year": "2099"})
    assert unknown.status_code == 404 and "no fiscal year 2099" in error_of(unknown.get_data(as_text=True), "year")
    out_of_range = client.post(f"{FINANCE}/in-kind/new", data={**data, "year": "1999"})
    assert out_of_range.status_code == 400 and "a year from 2000 to 2100" in error_of(out_of_range.get_data(as_text=True), "year")
    assert journal_length(engine) == before
    response = client.post(f"{FINANCE}/in-kind/new", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"{FINANCE}/years/{PAST}"
    [pledge] = in_kind_of(engine, PAST)
    assert (pledge.code, pledge.description, pledge.pledged_on, pledge.state) == ("FRA", "Cooling plant for the data centre", date(PAST, 2, 1), "pledged")
    assert journal_length(engine) == before + 1 and last_entry(engine)[0] == "in_kind.pledged"


def test_advance_a_pledge_to_valued_accepted_and_credited(client, engine, signed_in, adopted):
    pledge_id = service.pledge_in_kind("FRA", PAST, "Cooling plant", f"{PAST}-02-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    token = signed_in(Role.TREASURER)
    url = f"{FINANCE}/years/{PAST}/in-kind/{pledge_id}"
    assert '<option selected value="valued">' in client.get(url).get_data(as_text=True)
    assert client.get(f"{FINANCE}/years/{PAST}/in-kind/999").status_code == 404
    before = journal_length(engine)
    step = {"csrf_token": token, "on_date": f"{PAST}-03-01", "confirm": "y"}
    for changes, field, phrase in (
        ({"state": "valued", "amount": "a lot"}, "amount", "a number with a dot"),
        ({"state": "valued", "amount": "0"}, "amount", "other than zero"),
        ({"state": "eaten"}, "state", "one of valued, accepted, credited"),
        ({"state": "accepted", "on_date": (TODAY + timedelta(days=1)).isoformat()}, "on_date", "or earlier"),
    ):
        response = client.post(url, data={**step, **changes})
        assert response.status_code == 400 and phrase in error_of(response.get_data(as_text=True), field), changes
    assert journal_length(engine) == before
    for changes in ({"state": "valued", "amount": "50000.00"}, {"state": "accepted"}, {"state": "credited"}):
        assert client.post(url, data={**step, **changes}).status_code == 302, changes
    [pledge] = in_kind_of(engine, PAST)
    assert (pledge.state, pledge.valued_minor, pledge.credited_minor) == ("credited", 5000000, 5000000)
    assert journal_length(engine) == before + 3 and last_entry(engine)[0] == "in_kind.credited"
    france = next(row for row in contributions_of(engine, PAST).rows if row.code == "FRA")
    assert france.in_kind_minor == 5000000
    assert ">Advance<" not in client.get(f"{FINANCE}/years/{PAST}").get_data(as_text=True)


# --------------------------------------------------------------------------- who may do what


# The pages that name a year or a pledge (listed as SPECIAL in test_access, which has no fiscal year).
BUDGET_OFFICE = frozenset({Role.SECRETARIAT})
YEAR_PAGES = {
    "contributions.year": (f"{FINANCE}/years/{PAST}", frozenset({Role.SECRETARIAT, Role.TREASURER, Role.AUDITOR})),
    "contributions.set_budget": (f"{FINANCE}/years/{CURRENT}/budget", BUDGET_OFFICE),
    "contributions.adopt_budget": (f"{FINANCE}/years/{CURRENT}/adopt", BUDGET_OFFICE),
    "contributions.close_year": (f"{FINANCE}/years/{PAST}/close", BUDGET_OFFICE),
    "contributions.advance_in_kind": (f"{FINANCE}/years/{PAST}/in-kind/{{pledge}}", frozenset({Role.TREASURER})),
}


@pytest.mark.parametrize("viewer", [None, *Role], ids=lambda v: v.value if v else "anonymous")
def test_year_pages_are_open_only_to_the_roles_that_may_use_them(client, engine, signed_in, adopted, viewer):
    pledge = service.pledge_in_kind("FRA", PAST, "Cooling plant", f"{PAST}-02-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    token = signed_in(viewer) if viewer else csrf_token(client, "/login")
    before = journal_length(engine)
    failures = []
    for endpoint, (pattern, allowed) in YEAR_PAGES.items():
        url = pattern.format(pledge=pledge)
        expected = 200 if viewer in allowed else 403 if viewer else 302
        got = client.get(url)
        if got.status_code != expected or (expected == 302 and not got.headers["Location"].startswith("/login")):
            failures.append(f"GET {url}: {got.status_code}, expected {expected}")
        if viewer not in allowed and endpoint != "contributions.year":
            posted = client.post(url, data={"csrf_token": token, "budget": "1.00", "decision": "Board", "adopted_on": f"{PAST}-01-20",
                                            "closed_on": TODAY.isoformat(), "state": "valued", "amount": "1.00", "on_date": f"{PAST}-03-01", "confirm": "y"})
            if posted.status_code != expected:
                failures.append(f"POST {url}: {posted.status_code}, expected {expected}")
    assert failures == []
    assert journal_length(engine) == before


# --------------------------------------------------------------------------- accessibility


def test_every_finance_page_labels_its_inputs_and_captions_its_tables(client, engine, signed_in, adopted):
    book(engine, "BANK-A")
    pledge = service.pledge_in_kind("FRA", PAST, "Cooling plant", f"{PAST}-02-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    token = signed_in(Role.SECRETARIAT)
    problems = []
    pages = [f"{FINANCE}/", f"{FINANCE}/years/{PAST}", f"{FINANCE}/years/{CURRENT}", f"{FINANCE}/years/new", f"{FINANCE}/years/{CURRENT}/budget",
             f"{FINANCE}/years/{CURRENT}/adopt", f"{FINANCE}/years/{PAST}/close", f"{FINANCE}/scales/new", f"{FINANCE}/waivers/new", f"{FINANCE}/settings"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        problems += accessibility_problems(url, response.get_data(as_text=True))
    with_errors = client.post(f"{FINANCE}/scales/new", data={**scale_data(token, income_CAN=""), "action": "preview"})
    problems += accessibility_problems("scale preview with errors", with_errors.get_data(as_text=True))
    shown = client.post(f"{FINANCE}/scales/new", data={**scale_data(token), "action": "preview"})
    problems += accessibility_problems("scale preview", shown.get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    token = signed_in(Role.TREASURER)
    for url in (f"{FINANCE}/payments/new", f"{FINANCE}/payments/reverse", f"{FINANCE}/in-kind/new", f"{FINANCE}/years/{PAST}/in-kind/{pledge}"):
        response = client.get(url)
        assert response.status_code == 200, url
        problems += accessibility_problems(url, response.get_data(as_text=True))
    refused = client.post(f"{FINANCE}/payments/new", data={**PAYMENT, "csrf_token": token, "amount": "0", "rate": "0"})
    page = refused.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="amount-error"' in page or 'aria-describedby="amount-error" aria-invalid="true"' in page
    problems += accessibility_problems("payment with errors", page)
    assert problems == []


# --------------------------------------------------------------------------- bounds of every input


HUGE = ["9" * 40, "1e308", str(2**63), "9999999999999999999999999999999999999999.5"]


def test_scale_inputs_beyond_what_can_be_stored_are_refused_at_the_field(client, engine, signed_in, scale):
    """Issue 9: every number a form takes is bounded, with the field and the accepted range named:
    incomes up to 10^18 with 6 decimals, percentages from 0 to 100 with 6 decimals."""
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    adopt = {"action": "adopt", "decision": "Board, scale motion 8", "adopted_on": TODAY.isoformat(), "confirm": "y"}
    cases = [
        *(({"income_DEU": huge}, "income_DEU", "from 0 to 1000000000000000000") for huge in HUGE),
        ({"income_DEU": "1.0000001"}, "income_DEU", "at most 6 decimals"),
        ({"ceiling": "1e308"}, "ceiling", "from 0 to 100"),
        ({"floor": "9" * 40}, "floor", "from 0 to 100"),
        ({"precision": "0.0010000000000000000000"}, "precision", "at most 6 decimals"),
        ({"precision": "1e308"}, "precision", "from 0.000001 to 100"),
        ({"associate_factor": str(2**31)}, "associate_factor", "from 0 to 100"),
        ({"first_year": str(2**63)}, "first_year", "a year from 2000 to 2100"),
    ]
    failures = []
    for changes, field, phrase in cases:
        response = client.post(f"{FINANCE}/scales/new", data={**scale_data(token, **changes), **adopt})
        shown = error_of(response.get_data(as_text=True), field)
        if response.status_code != 400 or phrase not in shown:
            failures.append(f"{changes}: {response.status_code}, {field}: {shown!r}")
    assert failures == []
    assert journal_length(engine) == before


def test_year_budget_and_setting_inputs_beyond_what_can_be_stored_are_refused(client, engine, signed_in, years):
    """Issue 9: years from 2000 to 2100, at most 12 due dates, amounts below 10^13, percentages
    with at most 6 decimals; nothing journalled."""
    token = signed_in(Role.SECRETARIAT)
    before = journal_length(engine)
    many = ", ".join(f"{CURRENT + 2}-{month:02d}-{day:02d}" for month in range(1, 13) for day in (10, 20))
    opened = client.post(f"{FINANCE}/years/new", data={"csrf_token": token, "year": str(CURRENT + 2), "due_dates": many, "confirm": "y"})
    assert opened.status_code == 400 and "at most 12 due dates" in error_of(opened.get_data(as_text=True), "due_dates")
    for year in (str(2**31), str(2**63), "9" * 40):
        response = client.post(f"{FINANCE}/years/new", data={"csrf_token": token, "year": year, "due_dates": "2030-01-31", "confirm": "y"})
        assert response.status_code == 400 and "a year from 2000 to 2100" in error_of(response.get_data(as_text=True), "year")
    for budget in HUGE:
        response = client.post(f"{FINANCE}/years/{CURRENT}/budget", data={"csrf_token": token, "budget": budget})
        assert response.status_code == 400 and error_of(response.get_data(as_text=True), "budget"), budget
    assert client.post(f"{FINANCE}/years/{2**63}/budget", data={"csrf_token": token, "budget": "1.00"}).status_code == 404
    setting = client.post(f"{FINANCE}/settings", data={"csrf_token": token, "key": "in_kind_cap_pct", "value": "25." + "0" * 300,
                                                        "decision": "Board, motion 9", "confirm": "y"})
    assert setting.status_code == 400 and "at most 6 decimals" in error_of(setting.get_data(as_text=True), "value")
    assert journal_length(engine) == before


def test_pledge_numbers_and_in_kind_values_are_bounded(client, engine, signed_in, adopted):
    """Issue 9: a pledge number beyond a 32-bit id is a 404 in the URL and a named refusal in the
    use case; an agreed value beyond 10^13 is refused at the field."""
    token = signed_in(Role.TREASURER)
    before = journal_length(engine)
    assert client.get(f"{FINANCE}/years/{PAST}/in-kind/{2**63}").status_code == 404
    for number in (str(2**31), str(2**63), "0", "-1", "²"):
        with pytest.raises(ValidationFailed) as caught:
            service.advance_in_kind(number, "valued", f"{PAST}-03-01", "1.00", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
        assert "from 1 to 2147483647" in caught.value.problems[0].message
    pledge = service.pledge_in_kind("FRA", PAST, "Cooling plant", f"{PAST}-02-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    before = journal_length(engine)
    for amount in HUGE:
        response = client.post(f"{FINANCE}/years/{PAST}/in-kind/{pledge}", data={
            "csrf_token": token, "state": "valued", "amount": amount, "on_date": f"{PAST}-03-01", "confirm": "y"})
        assert response.status_code == 400 and error_of(response.get_data(as_text=True), "amount"), amount
    assert journal_length(engine) == before


def test_adoption_page_says_from_when_each_member_pays_and_who_the_scale_leaves_out(client, engine, signed_in, scale, years):
    """Pro rata temporis from the day a member becomes paying; no assessment outside paying
    periods (CERN Convention Art. XII for the year of withdrawal); a member paying in the year
    but not on the scale in force is named, as not assessed."""
    change_member_status("FRA", "withdrawn", f"{CURRENT}-06-30", actor=CLI, uow=UnitOfWork(engine))
    change_member_status("JPN", "member", f"{CURRENT}-07-01", actor=CLI, uow=UnitOfWork(engine))
    signed_in(Role.SECRETARIAT)
    page = html.unescape(client.get(f"{FINANCE}/years/{CURRENT}/adopt").get_data(as_text=True))
    assert "leaves during %d: assessed for the whole year of its withdrawal" % CURRENT in page
    assert f"pays from {CURRENT}-07-01 but is not on this scale: not assessed until a scale includes it" in page
    service.adopt_budget(CURRENT, "Board, budget", f"{PAST}-12-01", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    assert {row.code for row in contributions_of(engine, CURRENT).rows} == {"DEU", "FRA", "CAN", "KOR"}


# --------------------------------------------------------------------------- receipts


def stamped(engine, table: str, where: str, **values) -> int:
    """The journal entry a row names as the one that wrote it."""
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT journal_seq FROM {table} WHERE {where}"), values).scalar_one()


def test_each_payment_its_reversal_and_a_pending_proposal_link_to_their_receipts(client, engine, signed_in, adopted):
    """Issue 12 item 7 ("every payment ... shown in the office links to its journal entry"):
    the year's payments table links each payment, and its reversal, to the receipt of the
    entry that booked it; the pending list links each proposal; each receipt serves that entry."""
    book(engine, "BANK-R1")
    book(engine, "BANK-R2", amount="20.00", member="FRA")
    service.reverse_payment("BANK-R2", "booked twice", f"{PAST}-04-02", today=TODAY, actor=CLI, uow=UnitOfWork(engine))
    service.change_setting("four_eyes_threshold", "5000.00", "Board, test", actor=CLI, uow=UnitOfWork(engine))
    book(engine, "BANK-BIG", amount="9000.00")
    signed_in(Role.AUDITOR)
    page = client.get(f"{FINANCE}/years/{PAST}").get_data(as_text=True)
    receipts = {
        "BANK-R1": stamped(engine, "payment", "reference = :r", r="BANK-R1"),
        "BANK-R2": stamped(engine, "payment", "reference = :r", r="BANK-R2"),
        "reversal": stamped(engine, "payment_reversal", "1 = 1"),
    }
    assert len(set(receipts.values())) == 3
    for reference in ("BANK-R1", "BANK-R2"):
        row = re.search(rf"<th scope=\"row\">{reference}</th>.*?</tr>", page, re.S).group(0)
        assert f'<a href="/journal/{receipts[reference]}">Receipt #{receipts[reference]}</a>' in row
    assert f'booked twice (<a href="/journal/{receipts["reversal"]}">Receipt #{receipts["reversal"]}</a>)' in page
    pending = client.get(f"{FINANCE}/pending").get_data(as_text=True)
    proposal = stamped(engine, "pending_booking", "subject = :r", r="BANK-BIG")
    assert f'<a href="/journal/{proposal}">Receipt #{proposal}</a>' in pending
    with engine.connect() as connection:
        kinds = dict(connection.execute(text("SELECT seq, kind FROM journal_entry")).all())
    assert (kinds[receipts["BANK-R1"]], kinds[receipts["reversal"]]) == ("payment.recorded", "payment.reversed")
    receipt = client.get(f"/journal/{receipts['BANK-R1']}").get_data(as_text=True)
    assert f"Verify entry {receipts['BANK-R1']}" in receipt and "BANK-R1" in receipt
    assert accessibility_problems(f"{FINANCE}/years/{PAST}", page) == accessibility_problems(f"{FINANCE}/pending", pending) == []
