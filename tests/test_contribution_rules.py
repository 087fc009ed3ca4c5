"""Contribution rules at their edges, on both databases: arrears and standing at year
boundaries under both rules, assessment of members that join, leave, return or stop being
observers inside a scale period, and the payments a treasurer may book.

Each ledger is stated inline: members with their status facts, years with their budget and
due dates; amounts in EUR.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.queries import contributions as q
from ledger.services import contributions as finance
from ledger.services.members import admit_member, change_member_status
from tests.office_helpers import journal_length

ACTOR = system_actor("test")
TODAY = date(2029, 6, 1)


def build(engine, members: dict[str, tuple[tuple[str, str], ...]], years: dict[int, tuple[str, str]], *, scale=None, rule="cern"):
    """Members with their status facts ((status, from), ...), one scale of equal incomes over
    `scale` (first and last year; default: the years given), and the years opened and adopted."""
    for code, facts in members.items():
        (status, joined), *changes = facts
        admit_member(code, None, status, joined, actor=ACTOR, uow=UnitOfWork(engine))
        for status, effective in changes:
            change_member_status(code, status, effective, actor=ACTOR, uow=UnitOfWork(engine))
    first, last = scale or (min(years), max(years))
    with UnitOfWork(engine) as uow:
        paying = finance.paying_members(uow, first, last)
    proposal = finance.propose_scale(first, last, {code: "1000" for code in paying}, ceiling="", floor="", precision="0.001",
                                     associate_factor="50", uow=UnitOfWork(engine))
    finance.adopt_scale(proposal, income_measure="GNI, test figures", decision="Board, scale", adopted_on=f"{first - 1}-11-01",
                        today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    for year, (budget, due_dates) in sorted(years.items()):
        finance.open_year(year, due_dates, budget, actor=ACTOR, uow=UnitOfWork(engine))
        finance.adopt_budget(year, f"Board, budget {year}", f"{year - 1}-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    if rule != "cern":
        finance.change_setting("standing_rule", rule, "Board, standing rule", actor=ACTOR, uow=UnitOfWork(engine))
    return engine


def pay(engine, code: str, day: str, amount: str, reference: str, **changes):
    fields = dict(currency="EUR", rate="1", rate_date=day, rate_source="ECB reference rate")
    fields.update(changes)
    return finance.record_payment(code, day, fields["currency"], amount, fields["rate"], fields["rate_date"], fields["rate_source"],
                                  reference, today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))


def standing(engine, code: str, day: str):
    with engine.connect() as connection:
        found = q.standing_on(connection, code, date.fromisoformat(day))
    return found.standing.value, found.arrears_minor, found.threshold_minor


def assessed(engine, year: int) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(
            text("SELECT member_code, amount_minor FROM assessment WHERE year = :y"), {"y": year}).all())


def full_year(engine, year: int) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(
            text("SELECT member_code, full_year_minor FROM assessment WHERE year = :y"), {"y": year}).all())


# --------------------------------------------------------------------------- arrears and standing


def test_un_rule_never_counts_the_current_years_dues_as_arrears(engine):
    """UN Financial Regulation 5.4: a contribution unpaid at the end of its year is one year in
    arrears from 1 January of the next; UN Charter Art. 19 compares those arrears with the
    contributions of the two preceding full years. A member admitted on 1 January 2026 whose
    first contribution fell due on 31 January owes no arrears on 1 February."""
    build(engine, {"NLD": (("member", "2026-01-01"),)}, {2026: ("100000.00", "2026-01-31")}, rule="un")
    assert standing(engine, "NLD", "2026-02-01") == ("good", 0, 0)
    assert standing(engine, "NLD", "2026-12-31") == ("good", 0, 0)
    # On 1 January 2027 the unpaid 2026 contribution is one year in arrears, and it equals
    # the contributions due for the two preceding full years (2026 and 2025).
    assert standing(engine, "NLD", "2027-01-01") == ("suspended", 10_000_000, 10_000_000)


def test_un_rule_keeps_the_vote_of_a_member_paid_up_for_earlier_years(engine):
    """UN Charter Art. 19 with Financial Regulation 5.4: paid up for 2024 and 2025, the member has
    no arrears in 2026 however large its unpaid 2026 assessment is."""
    build(engine, {"DEU": (("member", "2024-01-01"),)},
          {2024: ("100.00", "2024-01-31"), 2025: ("100.00", "2025-01-31"), 2026: ("300.00", "2026-01-31")}, rule="un")
    pay(engine, "DEU", "2024-01-15", "100.00", "P-2024")
    pay(engine, "DEU", "2025-01-15", "100.00", "P-2025")
    assert standing(engine, "DEU", "2026-02-01") == ("good", 0, 20_000)


def test_cern_rule_counts_what_is_past_due_against_the_current_and_previous_year(engine):
    """CERN Convention Art. V.8: arrears are the contributions past their due date; the vote is
    lost when they exceed the contributions due for the current and the preceding year. One
    member assessed 1,000.00 a year due 31 January, paid for 2023 and nothing since."""
    years = {year: ("1000.00", f"{year}-01-31") for year in (2023, 2024, 2025, 2026)}
    build(engine, {"DEU": (("member", "2023-01-01"),)}, years)
    pay(engine, "DEU", "2023-03-15", "1000.00", "P-2023")
    assert standing(engine, "DEU", "2024-01-30") == ("good", 0, 200_000)
    # 15 January 2026: 2024 and 2025 past due (2,000.00), not more than 2026 + 2025.
    assert standing(engine, "DEU", "2026-01-15") == ("arrears", 200_000, 200_000)
    # Once 2026 falls due, 3,000.00 exceed 2,000.00.
    assert standing(engine, "DEU", "2026-02-01") == ("suspended", 300_000, 200_000)
    with engine.connect() as connection:
        explanation = q.standing_on(connection, "DEU", date(2026, 2, 1)).explanation
    assert explanation == ("Arrears of 3000.00 EUR on 2026-02-01 exceed 2000.00 EUR, the contributions due for 2026 and 2025 "
                           "(CERN Convention Art. V.8): the vote is suspended.")


def test_un_rule_on_the_same_books_counts_only_earlier_years(engine):
    """UN Charter Art. 19 and Financial Regulation 5.4 on the books of the CERN example: on
    15 January and on 1 February 2026 the arrears are 2024 and 2025 (2,000.00), equal to the
    two preceding full years, whether 2026 has fallen due or not; one cent less keeps the vote."""
    years = {year: ("1000.00", f"{year}-01-31") for year in (2023, 2024, 2025, 2026)}
    build(engine, {"DEU": (("member", "2023-01-01"),)}, years, rule="un")
    pay(engine, "DEU", "2023-03-15", "1000.00", "P-2023")
    assert standing(engine, "DEU", "2025-12-31") == ("arrears", 100_000, 200_000)
    assert standing(engine, "DEU", "2026-01-15") == ("suspended", 200_000, 200_000)
    assert standing(engine, "DEU", "2026-02-01") == ("suspended", 200_000, 200_000)
    with engine.connect() as connection:
        explanation = q.standing_on(connection, "DEU", date(2026, 2, 1)).explanation
    assert explanation == ("Arrears (unpaid contributions of years before 2026) of 2000.00 EUR on 2026-02-01 equal or exceed "
                           "2000.00 EUR, the contributions due for 2025 and 2024 (UN Charter Art. 19): the vote is suspended.")
    pay(engine, "DEU", "2026-02-01", "0.01", "P-CENT")
    assert standing(engine, "DEU", "2026-02-01") == ("arrears", 199_999, 200_000)


def test_payments_settle_the_oldest_instalment_first_in_sql(engine):
    """UN Financial Regulations, Article V: a payment settles the contributions in the order in
    which they were assessed; what no instalment needs stays as credit for the next one."""
    build(engine, {"DEU": (("member", "2024-01-01"),)},
          {2024: ("1000.00", "2024-01-31"), 2025: ("1000.00", "2025-01-31, 2025-06-30")})
    pay(engine, "DEU", "2025-03-01", "1200.00", "P-1")
    with engine.connect() as connection:
        lines = q.settled_instalments(connection, q.View(as_of=date(2025, 3, 1)), "DEU")
    assert [(l.year, l.number, l.cash_paid_minor) for l in lines] == [(2024, 1, 100_000), (2025, 1, 20_000), (2025, 2, 0)]
    pay(engine, "DEU", "2025-07-01", "1000.00", "P-2")
    with engine.connect() as connection:
        lines = q.settled_instalments(connection, q.View(as_of=date(2025, 7, 1)), "DEU")
    assert [(l.year, l.number, l.cash_paid_minor) for l in lines] == [(2024, 1, 100_000), (2025, 1, 50_000), (2025, 2, 50_000)]


def test_in_kind_settles_its_own_year_before_cash_settles_the_oldest(engine):
    """ESO practice: in-kind is credited against the assessment of the year it was pledged for
    (within the cap), never against an older year; cash then settles the oldest first."""
    build(engine, {"DEU": (("member", "2025-01-01"),)}, {2025: ("1000.00", "2025-01-31"), 2026: ("1000.00", "2026-01-31")})
    pledge = finance.pledge_in_kind("DEU", 2026, "GPU hosting", "2026-02-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    for state, day, amount in (("valued", "2026-02-02", "250.00"), ("accepted", "2026-02-03", None), ("credited", "2026-02-04", None)):
        finance.advance_in_kind(pledge, state, day, amount, today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    with engine.connect() as connection:
        lines = q.settled_instalments(connection, q.View(as_of=date(2026, 3, 1)), "DEU")
    assert [(l.year, l.in_kind_minor, l.cash_paid_minor) for l in lines] == [(2025, 0, 0), (2026, 25_000, 0)]
    assert standing(engine, "DEU", "2026-03-01") == ("arrears", 175_000, 200_000)


# --------------------------------------------------------------------------- assessment inside scale periods


def test_a_withdrawn_member_is_not_assessed_for_later_years_of_its_scale(engine):
    """CERN Convention Art. XII: a withdrawing state stays liable for its contribution of the
    financial year in which its withdrawal takes effect, and owes nothing after. France
    withdraws on 30 June 2026: assessed in full for 2026, not at all for 2027; the others
    share the 2027 budget."""
    build(engine, {"DEU": (("member", "2026-01-01"),), "ITA": (("member", "2026-01-01"),),
                   "FRA": (("member", "2026-01-01"), ("withdrawn", "2026-06-30"))},
          {2026: ("3000.00", "2026-03-31"), 2027: ("3000.00", "2027-03-31")}, scale=(2026, 2028))
    in_2026 = assessed(engine, 2026)
    assert set(in_2026) == {"DEU", "FRA", "ITA"} and in_2026["FRA"] == full_year(engine, 2026)["FRA"] == 99_999
    assert assessed(engine, 2027) == {"DEU": 150_000, "ITA": 150_000}


def test_an_observer_turned_member_pays_pro_rata_like_a_newcomer(engine):
    """Pro rata temporis counts from the day a member becomes paying, whatever it was before
    (CERN: a state acceding during a year pays for the rest of it). Japan, an observer since
    2024, and Korea, admitted, both become members on 1 July 2026 with the same income: both
    pay 184/365 of the same full-year share."""
    build(engine, {"DEU": (("member", "2026-01-01"),), "JPN": (("observer", "2024-01-01"), ("member", "2026-07-01")),
                   "KOR": (("member", "2026-07-01"),)},
          {2026: ("3000.00", "2026-09-30")}, scale=(2026, 2028))
    amounts, whole = assessed(engine, 2026), full_year(engine, 2026)
    assert whole["JPN"] == whole["KOR"] == 99_999  # 33.333 % of 3,000.00
    assert amounts["JPN"] == amounts["KOR"] == round(99_999 * Fraction(184, 365))
    assert sum(amounts.values()) == 300_000


def test_members_all_starting_mid_year_share_the_budget_and_later_ones_pay_pro_rata(engine):
    """Pro rata temporis is counted against the members that pay first (CERN: the others are
    credited what a newcomer pays): when nobody pays from 1 January, the first to pay share the
    budget, and one joining after them pays pro rata; with nobody paying, nothing is assessed."""
    build(engine, {"DEU": (("member", "2026-07-01"),), "FRA": (("member", "2026-07-01"),), "ITA": (("member", "2026-10-01"),)},
          {2026: ("2000.00", "2026-12-31")}, scale=(2026, 2027))
    amounts, whole = assessed(engine, 2026), full_year(engine, 2026)
    assert amounts["ITA"] == round(whole["ITA"] * Fraction(92, 365))
    assert amounts["DEU"] + amounts["FRA"] == 200_000 - amounts["ITA"]
    finance.open_year(2027, "2027-06-30", "1000.00", actor=ACTOR, uow=UnitOfWork(engine))
    for code in ("DEU", "FRA", "ITA"):
        change_member_status(code, "withdrawn", "2027-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    before = journal_length(engine)
    with pytest.raises(Conflict, match="no member on the scale in force pays in 2027"):
        finance.adopt_budget(2027, "Board, budget 2027", "2026-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    assert journal_length(engine) == before


def test_a_withdrawn_member_is_readmitted_through_admission_and_pays_from_its_return(engine):
    """A return after withdrawal is a new accession (CERN Convention Art. III: admission by the
    Council), made through the admission use case and journalled; pro rata temporis counts
    from the readmission. France withdraws on 30 June 2026 and returns on 1 April 2027."""
    build(engine, {"DEU": (("member", "2026-01-01"),), "ITA": (("member", "2026-01-01"),),
                   "FRA": (("member", "2026-01-01"), ("withdrawn", "2026-06-30"))},
          {2026: ("3000.00", "2026-03-31")}, scale=(2026, 2028))
    before = journal_length(engine)
    admit_member("FRA", None, "member", "2027-04-01", actor=ACTOR, uow=UnitOfWork(engine))
    assert journal_length(engine) == before + 1
    with engine.connect() as connection:
        kind, summary = connection.execute(text("SELECT kind, summary FROM journal_entry ORDER BY seq DESC LIMIT 1")).one()
    assert kind == "member.readmitted" and "2027-04-01" in summary
    finance.open_year(2027, "2027-06-30", "3000.00", actor=ACTOR, uow=UnitOfWork(engine))
    finance.adopt_budget(2027, "Board, budget 2027", "2026-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    amounts = assessed(engine, 2027)
    assert amounts["FRA"] == round(full_year(engine, 2027)["FRA"] * Fraction(275, 365))
    assert sum(amounts.values()) == 300_000


def test_readmission_needs_a_withdrawn_member_and_a_day_after_leaving(engine):
    """Admission of a code the ledger knows is a readmission only after a withdrawal, and only
    from a day after it (a status change handles every other move); refusals store nothing."""
    build(engine, {"DEU": (("member", "2026-01-01"),), "FRA": (("member", "2026-01-01"), ("withdrawn", "2026-06-30"))},
          {2026: ("3000.00", "2026-03-31")})
    before = journal_length(engine)
    with pytest.raises(Conflict, match="DEU is already a member of the ledger"):
        admit_member("DEU", None, "member", "2027-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    with pytest.raises(ValidationFailed) as caught:
        admit_member("FRA", None, "member", "2026-06-30", actor=ACTOR, uow=UnitOfWork(engine))
    assert "after the withdrawal on 2026-06-30" in caught.value.problems[0].message
    with pytest.raises(Conflict, match="admit it again"):
        change_member_status("FRA", "member", "2027-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    assert journal_length(engine) == before


# --------------------------------------------------------------------------- payments


@pytest.fixture
def one_year(engine):
    """Germany a member, Japan an observer that owes nothing, France withdrawn owing 2026."""
    return build(engine, {"DEU": (("member", "2026-01-01"),), "JPN": (("observer", "2026-01-01"),),
                          "FRA": (("member", "2026-01-01"), ("withdrawn", "2026-06-30"))},
                 {2026: ("2000.00", "2026-03-31")})


@pytest.mark.parametrize("changes, field, phrase", [
    ({"rate_date": "2026-05-02"}, "rate_date", "the payment day (2026-05-01) or earlier"),
    ({"rate": "2"}, "rate", "1 for a payment in the base currency EUR"),
    ({"currency": "USD", "rate": "9999999999999"}, "rate", "at most 1000000000"),
    ({"currency": "USD", "rate": "1e308"}, "rate", "at most 1000000000"),
    ({"currency": "USD", "rate": "0.00000000001"}, "rate", "at most 10 decimals"),
    ({"member": "JPN"}, "member", "JPN is an observer on 2026-05-01 and owes nothing"),
    ({"currency": "JPY", "rate": "0.0000000001"}, "amount", "rounds to zero"),
    ({"currency": "KWD", "rate": "999999999", "amount": "1000000.000"}, "amount", "worth less than 10,000,000,000,000 EUR"),
])
def test_bad_payments_are_refused_and_store_nothing(one_year, changes, field, phrase):
    """A payment converts at a rate published by the payment day (ECB reference rates), 1 for
    the base currency, within the range real rates take; it comes from a paying member or one
    that owes something."""
    engine = one_year
    before = journal_length(engine)
    fields = {"member": "DEU", **changes}
    member, amount = fields.pop("member"), fields.pop("amount", "100.00")
    with pytest.raises(ValidationFailed) as caught:
        pay(engine, member, "2026-05-01", amount, "P-BAD", **fields)
    messages = {p.field: p.message for p in caught.value.problems}
    assert phrase in messages.get(field, ""), messages
    assert journal_length(engine) == before


def test_a_withdrawn_member_may_still_pay_what_it_owes(one_year):
    """CERN Convention Art. XII: a withdrawing state remains liable for its contributions, so
    France's payment after leaving is booked and settles its 2026 assessment."""
    pay(one_year, "FRA", "2026-08-01", "1000.00", "P-FRA")
    assert standing(one_year, "FRA", "2026-08-01")[:2] == ("good", 0)


def test_standing_in_sql_follows_the_rule_texts_on_random_books(engine):
    """CERN Convention Art. V.8 and UN Charter Art. 19 with Financial Regulation 5.4, restated on
    one member's books: payments settle the oldest first, so the arrears are what was paid short
    of the amounts counted (past due; of earlier years), and the threshold is the assessments of
    the years compared."""
    import random
    from datetime import timedelta

    chance = random.Random(20261204)
    budgets = {year: chance.randrange(1, 5000) * 100 for year in range(2020, 2028)}
    due = {year: date(year, 1, 1) + timedelta(days=chance.randrange(0, 365)) for year in budgets}
    build(engine, {"DEU": (("member", "2020-01-01"),)},
          {year: (f"{amount // 100}.00", due[year].isoformat()) for year, amount in budgets.items()})
    paid = []
    for number in range(6):
        day = date(2020, 1, 1) + timedelta(days=chance.randrange(0, 8 * 365))
        amount = chance.randrange(1, 6000) * 100
        pay(engine, "DEU", day.isoformat(), f"{amount // 100}.00", f"R{number}")
        paid.append((day, amount))
    days = [date(2020, 1, 1) + timedelta(days=chance.randrange(0, 8 * 365)) for _ in range(12)]
    for rule in ("cern", "un"):
        if rule == "un":
            finance.change_setting("standing_rule", "un", "Board, standing rule", actor=ACTOR, uow=UnitOfWork(engine))
        for day in days:
            received = sum(amount for on, amount in paid if on <= day)
            if rule == "cern":
                counted = sum(amount for year, amount in budgets.items() if due[year] <= day)
                threshold = budgets.get(day.year, 0) + budgets.get(day.year - 1, 0)
            else:
                counted = sum(amount for year, amount in budgets.items() if year < day.year)
                threshold = budgets.get(day.year - 1, 0) + budgets.get(day.year - 2, 0)
            arrears = max(0, counted - received)
            over = arrears >= threshold if rule == "un" else arrears > threshold
            expected = "good" if arrears == 0 else "suspended" if over else "arrears"
            assert standing(engine, "DEU", day.isoformat()) == (expected, arrears, threshold), (rule, day)
