"""The move-date check (an account moves to another project only after every job already
ingested on it, `ledger.services.compute._assign`) at its edge, and migration 0013, which
gives PostgreSQL a BRIN index on usage_job.started_at for it, up and down on both databases."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from ledger.db.engine import make_engine
from ledger.db.schema import alembic_config, current_revision, upgrade
from ledger.db.uow import UnitOfWork
from ledger.domain.errors import Conflict
from ledger.services.compute import assign_account, register_project
from tests.conftest import _new_postgres_database, drop_database
from tests.test_ingest import ACTOR, export, ingest, job

INDEX = "ix_usage_job_started_at"


def test_a_move_dated_the_day_a_job_started_at_midnight_is_refused_and_the_next_day_accepted(engine, members):
    """Rule: a move must be dated after every job already ingested on the account, so published
    usage never changes (issue 10, item 1); a job started at the move's first moment counts."""
    register_project("DEU", "Language models", "ac10000", "SL-2", code="LLM", actor=ACTOR, uow=UnitOfWork(engine))
    register_project("FRA", "Vision", "ec313", "SL-1", code="VISION", actor=ACTOR, uow=UnitOfWork(engine))
    ingest(engine, export(job(1, account="ac10000", submit="2025-03-31T23:00:00", start="2025-04-01T00:00:00",
                              end="2025-04-01T01:00:00", elapsed="3600"),
                          job(2, account="ec313", submit="2025-05-01T00:00:00", start="2025-05-02T00:00:00",
                              end="2025-05-02T01:00:00", elapsed="3600")))
    with pytest.raises(Conflict, match="up to a job started 2025-04-01 00:00 UTC"):
        assign_account("ac10000", "VISION", "2025-04-01", actor=ACTOR, uow=UnitOfWork(engine))
    ingest(engine, export(job(3, account="ac10000", submit="2025-03-31T23:00:00", start="2025-04-01T00:30:00",
                              end="2025-04-01T01:00:00", elapsed="1800")))
    with pytest.raises(Conflict, match="up to a job started 2025-04-01 00:30 UTC"):  # the latest is named
        assign_account("ac10000", "VISION", "2025-04-01", actor=ACTOR, uow=UnitOfWork(engine))
    # A later job of another account does not hold this one back.
    fact = assign_account("ac10000", "VISION", "2025-04-02", actor=ACTOR, uow=UnitOfWork(engine))
    assert (fact.account, fact.valid_from.isoformat()) == ("ac10000", "2025-04-02")
    # A job started one second before the move's first moment does not either.
    assign_account("chaff", "LLM", actor=ACTOR, uow=UnitOfWork(engine))
    ingest(engine, export(job(4, account="chaff", submit="2025-04-01T23:00:00", start="2025-04-01T23:59:59",
                              end="2025-04-02T00:59:59", elapsed="3600")))
    assert assign_account("chaff", "VISION", "2025-04-02", actor=ACTOR, uow=UnitOfWork(engine)).member_code == "FRA"


def test_postgresql_can_answer_the_check_from_the_brin_index(engine, members, backend):
    if backend != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    register_project("DEU", "Language models", "ac10000", "SL-2", actor=ACTOR, uow=UnitOfWork(engine))
    ingest(engine, export(job(1, account="ac10000")))
    with engine.begin() as connection:
        assert connection.execute(text(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE c.relname LIKE 'usage_job_y2025m03_started_at%' AND a.amname = 'brin'")).scalar_one() == 1
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(connection.execute(text(
            "EXPLAIN SELECT max(started_at) FROM usage_job WHERE account = 'ac10000' "
            "AND started_at >= '2025-04-01 00:00:00+00'")).scalars())
    assert "Bitmap Index Scan on usage_job_y2025m03_started_at" in plan


def _usage_job_indexes(engine) -> set[str]:
    query = ("SELECT indexname FROM pg_indexes WHERE tablename = 'usage_job'" if engine.dialect.name == "postgresql"
             else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_job'")
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_migration_0013_up_and_down(backend_name, tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}" if backend_name == "sqlite" else _new_postgres_database("ledger_test")
    engine = make_engine(url)
    try:
        assert upgrade(engine) == "0013"
        at_head = _usage_job_indexes(engine)
        # PostgreSQL gains the BRIN index; SQLite is unchanged (the check reads the table there).
        assert (INDEX in at_head) == (backend_name == "postgresql")
        command.downgrade(alembic_config(engine), "0012")
        assert current_revision(engine) == "0012" and _usage_job_indexes(engine) == at_head - {INDEX}
        command.downgrade(alembic_config(engine), "0005")  # 0006's unpartitioning still runs after it
        assert upgrade(engine) == "0013" and _usage_job_indexes(engine) == at_head
    finally:
        engine.dispose()
        drop_database(url)
