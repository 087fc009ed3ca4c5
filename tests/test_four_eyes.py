"""Four eyes on money and GPU-hours (issue 13 item 8), on SQLite and PostgreSQL.

Source of the rule: OWASP ASVS 4.0.3 V1.11.2 and V11.1.x (multi-person approval of
high-value transactions); INTOSAI-P 12 and COSO (segregation of duties). A reversal, an
in-kind credit worth more than `four_eyes_threshold` and a GPU-hour adjustment of more than
`four_eyes_gpu_hours` are pending bookings: no figure counts them until a second official
(never their author) approves; the journal shows the proposal and the approval.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.errors import Conflict, Forbidden
from ledger.services import compute, four_eyes
from ledger.services import contributions as finance
from ledger.services.verification import verify_ledger
from ledger.services.officials import add_official
from tests.conftest import OFFICIAL_EMAILS, PASSWORD, csrf_token, sign_in
from tests.test_contributions import TODAY, facility as build_facility, pay, year_rows  # noqa: F401 - the contributions scene

AUTHOR = system_actor("test")
SECOND = Actor("user:99", Role.TREASURER)


def journal_kinds(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT kind FROM journal_entry ORDER BY seq")).scalars())


def fra(engine):
    return {row.code: row for row in year_rows(engine, 2022).rows}["FRA"]


@pytest.fixture
def facility(engine):
    build_facility.__wrapped__(engine)
    pay(engine, "FRA", date(2022, 3, 1), "1000.00", "BANK-1")
    pay(engine, "FRA", date(2022, 3, 2), "500.00", "BANK-2")
    finance.change_setting("four_eyes_threshold", "500.00", "Board, test", actor=AUTHOR, uow=UnitOfWork(engine))
    return engine


def test_a_reversal_above_the_threshold_counts_only_once_another_official_approves_it(facility):
    engine = facility
    paid = fra(engine).paid_minor
    at_threshold = finance.reverse_payment("BANK-2", "booked twice", "2022-03-05", today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    assert not at_threshold.pending  # 500.00 is not above 500.00: reversed at once
    assert fra(engine).paid_minor == paid - 50000
    booked = finance.reverse_payment("BANK-1", "wrong member", "2022-03-05", today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    assert booked.pending and fra(engine).paid_minor == paid - 50000  # nothing counts before approval
    again = finance.reverse_payment("BANK-1", "wrong member", "2022-03-05", today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    assert (again.id, again.pending, again.created) == (booked.id, True, False)
    with pytest.raises(Conflict, match="awaiting a second official already"):
        finance.reverse_payment("BANK-1", "another reason", "2022-03-05", today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    with pytest.raises(Forbidden, match="is yours: a second official must approve it"):
        four_eyes.approve(booked.id, actor=AUTHOR, uow=UnitOfWork(engine))
    four_eyes.approve(booked.id, actor=SECOND, uow=UnitOfWork(engine))
    assert fra(engine).paid_minor == paid - 150000
    with pytest.raises(Conflict, match="approved already"):
        four_eyes.approve(booked.id, actor=Actor("user:98", Role.SECRETARIAT), uow=UnitOfWork(engine))
    kinds = journal_kinds(engine)
    assert kinds.count("payment_reversal.proposed") == 1 and kinds.count("payment_reversal.approved") == 1
    assert kinds.count("payment.reversed") == 1
    assert verify_ledger(engine).ok


def test_an_in_kind_credit_above_the_threshold_waits_for_a_second_official(facility):
    engine = facility
    pledge = finance.pledge_in_kind("USA", 2022, "GPU nodes", "2022-02-01", today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    finance.advance_in_kind(pledge, "valued", "2022-02-10", "900000.00", today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    finance.advance_in_kind(pledge, "accepted", "2022-02-11", None, today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    booked = finance.advance_in_kind(pledge, "credited", "2022-02-12", None, today=TODAY, actor=AUTHOR, uow=UnitOfWork(engine))
    usa = {row.code: row for row in year_rows(engine, 2022).rows}["USA"]
    assert booked.pending and usa.in_kind_minor == 0 and usa.outstanding_minor == usa.assessed_minor
    with pytest.raises(Forbidden):
        four_eyes.approve(booked.id, actor=AUTHOR, uow=UnitOfWork(engine))
    four_eyes.approve(booked.id, actor=Actor("user:98", Role.SECRETARIAT), uow=UnitOfWork(engine))
    usa = {row.code: row for row in year_rows(engine, 2022).rows}["USA"]
    assert usa.in_kind_minor == usa.assessed_minor * 25 // 100  # the cap, computed at approval
    assert {"in_kind_credit.proposed", "in_kind_credit.approved"} <= set(journal_kinds(engine))
    assert verify_ledger(engine).ok


def test_a_gpu_hour_adjustment_above_its_threshold_waits_for_a_second_official(engine):
    from tests.compute_world import HOUR_MS, SECRETARIAT, allocate, build_facility as build_compute, pay_everything, plan, published

    build_compute(engine)
    pay_everything(engine)
    plan(engine)
    allocate(engine)
    finance.change_setting("four_eyes_gpu_hours", "100", "Board, test", actor=SECRETARIAT, uow=UnitOfWork(engine))
    deu = next(m for m in published(engine).members if m.code == "DEU")
    at_threshold = compute.adjust_quota(2025, "DEU", "-100", "pool A down", actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert not at_threshold.pending
    booked = compute.adjust_quota(2025, "DEU", "-100.5", "pool B down", actor=SECRETARIAT, uow=UnitOfWork(engine))
    after = next(m for m in published(engine).members if m.code == "DEU")
    assert booked.pending and after.balance_ms == deu.balance_ms - 100 * HOUR_MS
    with pytest.raises(Forbidden):
        four_eyes.approve(booked.id, actor=SECRETARIAT, uow=UnitOfWork(engine))
    four_eyes.approve(booked.id, actor=Actor("user:97", Role.TREASURER), uow=UnitOfWork(engine))
    approved = next(m for m in published(engine).members if m.code == "DEU")
    assert approved.adjusted_ms - after.adjusted_ms == -100_500 * HOUR_MS // 1000
    assert {"gpu_adjustment.proposed", "gpu_adjustment.approved"} <= set(journal_kinds(engine))
    assert verify_ledger(engine).ok


def test_the_threshold_settings_are_validated_naming_the_field(engine):
    from ledger.domain.errors import ValidationFailed

    for key, value in (("four_eyes_gpu_hours", "-5"), ("four_eyes_gpu_hours", "1.5"), ("four_eyes_threshold", "lots")):
        with pytest.raises(ValidationFailed) as refused:
            finance.change_setting(key, value, "Board, test", actor=AUTHOR, uow=UnitOfWork(engine))
        assert [p.field for p in refused.value.problems] == ["value"]


def test_the_workspace_lists_every_pending_kind_and_refuses_the_author(app, client, facility, signed_in, engine):
    """The author's own approval is a 403 with the reason; another official's books it; the
    list shows what each booking does and who proposed it."""
    token = signed_in(Role.TREASURER)
    response = client.post("/office/contributions/payments/reverse", data={
        "csrf_token": token, "reference": "BANK-1", "reason": "wrong member", "reversed_on": "2022-03-05", "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/office/contributions/pending")
    page = client.get("/office/contributions/pending").get_data(as_text=True)
    assert "payment reversal" in page and "Reversal of payment BANK-1 of FRA: wrong member" in page
    assert "yours: another official approves it" in page
    with engine.connect() as connection:
        number = connection.execute(text("SELECT id FROM pending_booking")).scalar()
    refused = client.post(f"/office/contributions/pending/{number}/approve", data={"csrf_token": token})
    assert refused.status_code == 403 and "a second official must approve it" in refused.get_data(as_text=True)
    paid = fra(engine).paid_minor
    other = app.test_client()
    add_official(OFFICIAL_EMAILS[Role.SECRETARIAT], PASSWORD, "secretariat", None, actor=AUTHOR, uow=UnitOfWork(engine))
    sign_in(other, Role.SECRETARIAT)
    token = csrf_token(other, "/office/contributions/pending")
    assert other.post(f"/office/contributions/pending/{number}/approve", data={"csrf_token": token}).status_code == 302
    assert fra(engine).paid_minor == paid - 100000
    assert "No booking awaits approval." in other.get("/office/contributions/pending").get_data(as_text=True)
