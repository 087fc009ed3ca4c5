"""Read results are reused until the journal head moves, and recomputed after any write."""

from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.queries.snapshot import HeadCache
from ledger.services.members import admit_member


def test_a_result_is_computed_once_per_journal_head(engine, members):
    cache, calls = HeadCache(size=2), []

    def compute():
        calls.append(1)
        return len(calls)

    with engine.connect() as connection:
        assert cache.get(connection, "k", compute) == 1
        assert cache.get(connection, "k", compute) == 1
    admit_member("ITA", None, "member", "2025-01-01", actor=system_actor("test"), uow=UnitOfWork(engine))
    with engine.connect() as connection:
        assert cache.get(connection, "k", compute) == 2
        cache.get(connection, "other", compute)
        cache.get(connection, "third", compute)  # evicts the oldest: the cache stays bounded
        assert cache.get(connection, "k", compute) == 5
