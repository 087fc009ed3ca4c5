"""On PostgreSQL the usage tables are partitioned by month (migration 0006): ingestion makes
each month's partition, and the migration moves rows stored before it into the partitions."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ledger.db.engine import make_engine
from ledger.db.schema import alembic_config
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.services.compute import register_project
from ledger.services.usage import ingest_usage
from ledger.services.verification import verify_ledger
from tests.conftest import POSTGRES_SERVER, _postgres_admin

ACTOR = system_actor("test")
HEADER = "JobIDRaw|Cluster|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES\n"


def partitions(connection, table: str) -> list[str]:
    return list(connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE p.relname = :t ORDER BY 1"), {"t": table}).scalars())


def test_ingestion_writes_into_monthly_partitions(engine, members, backend):
    if backend != "postgresql":
        pytest.skip("partitioning is PostgreSQL's")
    register_project("DEU", "Site account", "ac10000", "SL-2", actor=ACTOR, uow=UnitOfWork(engine))
    lines = [HEADER,
             "1|aurora|ac10000|2025-01-31T23:00:00|2025-01-31T23:30:00|2025-02-01T00:30:00|3600|COMPLETED|gres/gpu=1\n",
             "2|aurora|ac10000|2025-03-01T09:00:00|2025-03-01T09:00:00|2025-03-01T10:00:00|3600|COMPLETED|gres/gpu=1\n"]
    assert ingest_usage(lines, gpu_factors={}, actor=ACTOR, engine=engine).ingested == 2
    with engine.connect() as connection:
        kinds = dict(connection.execute(text(
            "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relname IN ('usage_job', 'usage_month')")).all())
        assert kinds == {"usage_job": "p", "usage_month": "p"}  # partitioned tables
        assert {"usage_job_y2025m01", "usage_job_y2025m03"} <= set(partitions(connection, "usage_job"))
        assert {"usage_month_y2025m01", "usage_month_y2025m02", "usage_month_y2025m03"} <= set(partitions(connection, "usage_month"))
        assert connection.execute(text("SELECT count(*) FROM usage_job_y2025m03")).scalar_one() == 1
    assert ingest_usage(lines, gpu_factors={}, actor=ACTOR, engine=engine).duplicates == 2
    assert verify_ledger(engine).ok


def test_the_migration_moves_stored_usage_into_partitions_and_back():
    admin = _postgres_admin()
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False))
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0005")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO usage_job (id, cluster, job_id, submitted_at, revision, supersedes_id, account, project_id, state, "
                "started_at, ended_at, gpus, reference_gpu_ms, provisional, line, journal_seq) VALUES "
                "(1, 'aurora', 7, '2024-12-31 23:00:00+00', 0, NULL, 'a', 1, 'COMPLETED', '2025-01-01 00:00:00+00', "
                "'2025-01-01 01:00:00+00', 1, 3600000, false, 2, 1)"))
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert partitions(connection, "usage_job") == ["usage_job_y2024m12"]
            assert connection.execute(text("SELECT job_id FROM usage_job")).scalar_one() == 7
        command.downgrade(config, "0005")
        with engine.connect() as connection:
            assert partitions(connection, "usage_job") == []
            assert connection.execute(text("SELECT job_id FROM usage_job")).scalar_one() == 7
        command.upgrade(config, "head")
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
