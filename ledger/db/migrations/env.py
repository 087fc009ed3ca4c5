"""Alembic environment: runs migrations on the engine the caller passes in."""

from alembic import context
from sqlmodel import SQLModel

import ledger.db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
import ledger.db.tlog  # noqa: F401
from ledger.db.engine import make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
