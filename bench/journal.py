"""Journal benchmark: appends per second, and `verify` on 1,000,000 entries against raw SHA-256.

    .venv/bin/python bench/journal.py [--entries 1000000] [--appends 2000] [--postgres URL]

Runs on a fresh SQLite file and, where reachable, a fresh PostgreSQL database (dropped after).
The verify figure is compared with plain hashlib.sha256 over the same bytes in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench.ingest import POSTGRES, on_each_database
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.journal import GENESIS_HASH, EntryDraft, format_timestamp, link_hash
from ledger.domain.merkle import TreeBuilder, leaf_hash
from ledger.services.verification import verify_ledger

COLUMNS = ("seq", "recorded_at", "actor", "kind", "summary", "payload", "prev_hash", "hash")


def appends_per_second(engine, count: int) -> float:
    actor = system_actor("bench")
    started = time.perf_counter()
    for _ in range(count):
        with UnitOfWork(engine) as uow:
            uow.commit(actor=actor, kind="bench.note", summary="an append")
    return count / (time.perf_counter() - started)


def chain_rows(first_seq: int, prev_hash: str, count: int):
    """Entries as the application writes them, built with the same domain functions."""
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for seq in range(first_seq, first_seq + count):
        summary = f"bench entry {seq}"
        payload = EntryDraft(seq, at, "system:bench", "bench.note", summary).payload()
        entry_hash = link_hash(prev_hash, payload)
        yield (seq, at, "system:bench", "bench.note", summary, payload, prev_hash, entry_hash)
        prev_hash = entry_hash


def bulk_load(engine, count: int) -> None:
    with engine.connect() as connection:
        last = connection.execute(text("SELECT seq, hash FROM journal_entry ORDER BY seq DESC LIMIT 1")).first()
    first_seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    rows = chain_rows(first_seq, prev_hash, count)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY journal_entry ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.execute("BEGIN")
            cursor.executemany(
                f"INSERT INTO journal_entry ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                ((r[0], format_timestamp(r[1]).replace("T", " ").rstrip("Z"), *r[2:]) for r in rows),
            )
        raw.commit()
    finally:
        raw.close()


def bulk_load_tree(engine) -> None:
    """Rebuild the stored Merkle tree of the whole journal from its payloads, as migration 0010 does."""
    builder, nodes = TreeBuilder(), []
    with engine.connect() as connection:
        payloads = connection.execute(text("SELECT payload FROM journal_entry ORDER BY seq").execution_options(yield_per=20_000))
        for (payload,) in payloads:
            builder.append(leaf_hash(payload.encode("utf-8")), lambda node, value: nodes.append((node.level, node.index, value)))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("DELETE FROM merkle_node")
            with cursor.copy("COPY merkle_node (level, idx, hash) FROM STDIN") as copy:
                for node in nodes:
                    copy.write_row(node)
        else:
            cursor.execute("BEGIN")
            cursor.execute("DELETE FROM merkle_node")
            cursor.executemany("INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)", nodes)
        raw.commit()
    finally:
        raw.close()


def raw_sha256_seconds(engine) -> float:
    """Plain hashlib over the same bytes verify hashes (read first, so only hashing is timed)."""
    with engine.connect() as connection:
        pairs = connection.execute(text("SELECT prev_hash, payload FROM journal_entry ORDER BY seq")).all()
    blobs = [(prev + payload).encode("utf-8") for prev, payload in pairs]
    started = time.perf_counter()
    for blob in blobs:
        hashlib.sha256(blob).hexdigest()
    return time.perf_counter() - started


def run(label: str, engine, entries: int, appends: int) -> None:
    rate = appends_per_second(engine, appends)
    print(f"{label}: {rate:,.0f} appends/s through the unit of work ({appends:,} transactions)")
    started = time.perf_counter()
    bulk_load(engine, entries - appends)
    bulk_load_tree(engine)
    print(f"{label}: loaded {entries - appends:,} more entries in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = verify_ledger(engine)
    verify_seconds = time.perf_counter() - started
    assert report.ok and report.entries == entries, report.problems[:3]
    hashing = raw_sha256_seconds(engine)
    print(
        f"{label}: verify {report.entries:,} entries in {verify_seconds:.2f} s "
        f"({report.entries / verify_seconds:,.0f} entries/s); plain sha256 over the same bytes {hashing:.2f} s; "
        f"verify / sha256 = {verify_seconds / hashing:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    on_each_database(args.postgres, lambda label, database: run(label, database.engine, args.entries, args.appends))


if __name__ == "__main__":
    main()
