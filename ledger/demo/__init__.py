"""`ledger demo`: a believable facility, loaded through the same use cases officials use."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from ledger.db.tables import FiscalYear, Member, User
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.demo.compute import ComputeDemo
from ledger.demo.contributions import FinanceDemo, demo_rows
from ledger.services.members import admit_member
from ledger.services.officials import add_official

DEMO_DATA = Path(__file__).resolve().parents[2] / "data" / "demo"
DEMO_ACTOR = system_actor("demo")


def load_demo(engine: Engine, say: Callable[[str], None], *, today: date) -> None:
    """Add whatever part of the demo is missing; running it again changes nothing."""
    with engine.connect() as connection:
        present = set(connection.execute(select(Member.code)).scalars())
        officials = set(connection.execute(select(User.email)).scalars())
    admitted = 0
    for row in demo_rows(DEMO_DATA, "members.csv"):
        if row["code"] not in present:
            admit_member(row["code"], row["name"], row["status"], row["joined"], actor=DEMO_ACTOR, uow=UnitOfWork(engine))
            admitted += 1
    say(f"Members: {admitted} admitted, {len(present)} already there.")
    for row in demo_rows(DEMO_DATA, "officials.csv"):
        if row["email"] in officials:
            say(f"Official {row['email']} ({row['role']}) exists; its password was printed when it was created.")
            continue
        password = secrets.token_urlsafe(12)
        add_official(row["email"], password, row["role"], row["member"] or None, actor=DEMO_ACTOR, uow=UnitOfWork(engine))
        say(f"Official {row['email']} ({row['role']}{' for ' + row['member'] if row['member'] else ''}): password {password}")
    with engine.connect() as connection:
        has_years = connection.execute(select(FiscalYear.year).limit(1)).first() is not None
    if has_years:
        say("Finances: fiscal years exist already; left as they are.")
    else:
        acts = FinanceDemo(engine, DEMO_ACTOR, DEMO_DATA, today).run()
        say(f"Finances: {acts} dated acts replayed (scales, five fiscal years, payments, in kind, a correction).")
    if not ComputeDemo(engine, DEMO_ACTOR, DEMO_DATA, today, say).run():
        say("Compute: nothing missing; left as it is.")
