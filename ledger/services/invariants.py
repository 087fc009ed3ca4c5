"""The declared invariants as `ledger verify` runs them: the facts read by grouped queries,
then every check of `ledger.domain.invariants.INVARIANTS` over them."""

from __future__ import annotations

from sqlalchemy import Engine

from ledger.domain.invariants import InvariantProblem, check_invariants
from ledger.queries.invariants import ledger_facts


def verify_invariants(engine: Engine) -> list[InvariantProblem]:
    """Every broken invariant of the ledger in the database, each naming its year, member, motion or row."""
    with engine.connect() as connection:
        return check_invariants(ledger_facts(connection))
