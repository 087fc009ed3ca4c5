"""Transparency-log benchmark: appends/s with the Merkle tree against without it (same run),
proof latency through the API, and `ledger verify` including the tree.

    .venv/bin/python bench/tlog.py [--entries 100000] [--full] [--appends 1000] [--proofs 1000] [--postgres URL]

--full measures at 1,000,000 entries (the issue's figure); the default is 100,000 so a run
takes a minute or two. Runs on a fresh SQLite file and, where reachable, a fresh PostgreSQL
database (dropped after).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

import ledger.db.journal as journal_module
from bench.ingest import POSTGRES, on_each_database
from bench.journal import appends_per_second, bulk_load, bulk_load_tree
from ledger.config import Settings
from ledger.queries import tlog as tlog_queries
from ledger.services import verification
from ledger.services.tlog_verification import TreeCheck
from ledger.services.verification import verify_ledger
from ledger.web import create_app

ROUNDS = 4


def append_ratio(engine, appends: int) -> tuple[float, float]:
    """Appends/s without and with the tree, alternating rounds from an empty journal so both
    see the same machine load and the same journal size."""
    with_tree, without = [], []
    real = journal_module.append_leaf
    for _ in range(ROUNDS):
        journal_module.append_leaf = lambda session, seq, payload: None
        try:
            without.append(appends_per_second(engine, appends // ROUNDS))
        finally:
            journal_module.append_leaf = real
        empty_journal(engine)
        with_tree.append(appends_per_second(engine, appends // ROUNDS))
        empty_journal(engine)
    return statistics.median(without), statistics.median(with_tree)


def empty_journal(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM merkle_node"))
        connection.execute(text("DELETE FROM journal_entry"))


def p95_ms(client, urls: list[str]) -> float:
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return statistics.quantiles(timings, n=20)[-1]


def proof_p95_ms_direct(engine, entries: int, proofs: int) -> float:
    """Inclusion proofs through the query alone, on one connection: the database's share of the latency."""
    chosen = random.Random(13)
    timings = []
    with engine.connect() as connection:
        for _ in range(proofs):
            started = time.perf_counter()
            tlog_queries.inclusion_proof(connection, chosen.randint(1, entries), entries)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(timings, n=20)[-1]


def run(label: str, database, entries: int, appends: int, proofs: int) -> None:
    engine = database.engine
    without, with_tree = append_ratio(engine, appends)
    print(f"{label}: {without:,.0f} appends/s without the tree, {with_tree:,.0f} with it: ratio {with_tree / without:.2f} ({appends:,} transactions)")
    started = time.perf_counter()
    bulk_load(engine, entries)
    bulk_load_tree(engine)
    print(f"{label}: loaded {entries:,} entries and their tree in {time.perf_counter() - started:.1f} s")
    app = create_app(Settings(database_url=database.url, secret_key="bench", env="test"), engine=engine)
    client = app.test_client()
    chosen = random.Random(12)
    inclusion = p95_ms(client, [f"/api/v1/proof/inclusion?seq={chosen.randint(1, entries)}&size={entries}" for _ in range(proofs)])
    consistency = p95_ms(client, [f"/api/v1/proof/consistency?from={chosen.randint(1, entries)}&to={entries}" for _ in range(proofs)])
    direct = proof_p95_ms_direct(engine, entries, proofs)
    started = time.perf_counter()
    client.get("/api/v1/checkpoint")
    signing = (time.perf_counter() - started) * 1000
    print(f"{label}: proof p95 at {entries:,} entries: inclusion {inclusion:.1f} ms, consistency {consistency:.1f} ms "
          f"({proofs:,} each, through the API); first checkpoint signed in {signing:.0f} ms")
    print(f"{label}: the same inclusion proofs read on one open connection, without HTTP: p95 {direct:.2f} ms")
    started = time.perf_counter()
    report = verify_ledger(engine)
    seconds = time.perf_counter() - started
    assert report.ok and report.entries == entries, report.problems[:3]
    chain_only = verify_seconds_without_tree(engine)
    hashing = raw_hashing_seconds(engine)
    print(f"{label}: verify {report.entries:,} entries including the tree in {seconds:.2f} s ({report.entries / seconds:,.0f} entries/s); "
          f"the same verify without the tree {chain_only:.2f} s; plain hashlib over the same bytes (links, leaves, nodes) {hashing:.2f} s: "
          f"verify / hashlib = {seconds / hashing:.1f}x")


def raw_hashing_seconds(engine) -> float:
    """The floor: hashlib alone over the bytes verify hashes (the chain's links, the leaves and
    the n - 1 interior nodes), read into memory first so only hashing is timed."""
    with engine.connect() as connection:
        pairs = connection.execute(text("SELECT prev_hash, payload FROM journal_entry ORDER BY seq")).all()
    links = [(prev + payload).encode("utf-8") for prev, payload in pairs]
    leaves = [b"\x00" + payload.encode("utf-8") for _prev, payload in pairs]
    node = b"\x01" + bytes(64)
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for blob in links:
        sha256(blob).hexdigest()
    for blob in leaves:
        sha256(blob).digest()
    for _ in range(len(pairs) - 1):
        sha256(node).digest()
    return time.perf_counter() - started


def verify_seconds_without_tree(engine) -> float:
    """`verify` with the tree's part switched off, for the tree's share of the time."""
    class NoTree(TreeCheck):
        def add(self, data: bytes) -> None:
            pass

    saved = verification.TreeCheck, verification.check_stored_tree
    verification.TreeCheck, verification.check_stored_tree = NoTree, lambda *args: []
    try:
        started = time.perf_counter()
        verification.verify_ledger(engine)
        return time.perf_counter() - started
    finally:
        verification.TreeCheck, verification.check_stored_tree = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="1,000,000 entries")
    parser.add_argument("--appends", type=int, default=1_000)
    parser.add_argument("--proofs", type=int, default=1_000)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    entries = 1_000_000 if args.full else args.entries
    on_each_database(args.postgres, lambda label, database: run(label, database, entries, args.appends, args.proofs))


if __name__ == "__main__":
    main()
