"""The hash chain without a database: anyone's recomputation gives the same head."""

import hashlib
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.journal import (
    GENESIS_HASH,
    ChainHead,
    EntryDraft,
    PublishedEntry,
    RowRecord,
    canonical_json,
    link_hash,
    walk_chain,
)

AT = datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=timezone.utc)


def chain(summaries):
    previous, entries = GENESIS_HASH, []
    for seq, summary in enumerate(summaries, start=1):
        payload = EntryDraft(seq, AT, "system:test", "test.note", summary).payload()
        entries.append(PublishedEntry(seq, payload, previous, link_hash(previous, payload)))
        previous = entries[-1].hash
    return entries


def test_link_hash_is_sha256_of_previous_hash_and_payload():
    assert link_hash(GENESIS_HASH, "{}") == hashlib.sha256(("0" * 64 + "{}").encode()).hexdigest()


def test_payload_is_canonical_and_carries_everything_hashed():
    draft = EntryDraft(7, AT, "user:3", "member.admitted", "Admitted Côte d'Ivoire", (RowRecord("member", "CIV", (("name", "Côte d'Ivoire"), ("code", "CIV"))),))
    assert draft.payload() == (
        '{"actor":"user:3","at":"2026-01-02T03:04:05.000600Z","kind":"member.admitted","rows":'
        '[{"key":"CIV","table":"member","values":{"code":"CIV","name":"Côte d\'Ivoire"}}],'
        '"seq":7,"summary":"Admitted Côte d\'Ivoire"}'
    )
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


@given(st.lists(st.text(max_size=20), min_size=1, max_size=20))
def test_an_intact_chain_ends_at_its_last_entry(summaries):
    entries = chain(summaries)
    assert list(walk_chain(entries)) == [ChainHead(len(entries), entries[-1].hash)]


@given(st.lists(st.text(max_size=20), min_size=2, max_size=20), st.data())
def test_any_edited_payload_is_found_at_its_entry(summaries, data):
    entries = chain(summaries)
    victim = data.draw(st.integers(0, len(entries) - 1))
    edited = entries[victim]
    entries[victim] = PublishedEntry(edited.seq, edited.payload.replace('"summary":"', '"summary":"!'), edited.prev_hash, edited.hash)
    problems = [item for item in walk_chain(entries) if not isinstance(item, ChainHead)]
    assert problems[0].seq == victim + 1
    assert "hash does not match its payload" in problems[0].message


def test_a_removed_entry_is_a_gap():
    entries = chain(["a", "b", "c"])
    problems = [item for item in walk_chain([entries[0], entries[2]]) if not isinstance(item, ChainHead)]
    assert [(p.seq, "sequence jumps" in p.message) for p in problems] == [(3, True)]
