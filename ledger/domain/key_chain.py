"""Which keys have signed this log's checkpoints: the chain of rotations the journal records.

A rotation is a journal entry (kind `keys.rotated`) carrying the old and the new verifier key
and a signed note, `<origin>\\nsigning key rotation\\n<new verifier key>\\n`, signed by the old
key (issue 12 item 6). Walked in journal order, the rotations give the keys in the order
they signed: each must be signed by the key in use before it, else the chain ends there.

Trust follows the chain both ways from the key a verifier holds, with different evidence:
- forward, to every later key: each was named, in a signed statement, by the key before it,
  so whoever trusts the old key can trust the new one without asking the facility;
- backward, to the earlier keys: the rotations from them to the trusted key are entries of
  the journal, and they count only once a checkpoint signed by the trusted key covers the
  last of them and matches the journal. Otherwise anyone able to append to the database
  could add a "rotation" from a key of their own to the current key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.domain.signed_note import NoteError, VerifierKey, open_note, split_note

ROTATION_KIND = "keys.rotated"


def rotation_statement(origin: str, new_key: VerifierKey) -> str:
    """What the old key signs when it hands over: the log, and the key that signs from now on."""
    return f"{origin}\nsigning key rotation\n{new_key.text()}\n"


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """A rotation as journaled: the entry, the old and the new key and the old key's signed statement."""

    seq: int
    old: VerifierKey
    new: VerifierKey
    statement: str

    @classmethod
    def from_details(cls, seq: int, details: object) -> KeyRotation:
        """Read an entry's details; raises NoteError naming the entry when they are not a rotation's."""
        if not isinstance(details, Mapping) or not all(isinstance(details.get(k), str) for k in ("old_key", "new_key", "statement")):
            raise NoteError(f"entry {seq}: a key rotation needs old_key, new_key and statement")
        return cls(seq, VerifierKey.parse(details["old_key"]), VerifierKey.parse(details["new_key"]), details["statement"])


def _describe(key: VerifierKey) -> str:
    return f"{key.name} ({key.key_id.hex()})"


@dataclass(frozen=True, slots=True)
class KeyChain:
    """The keys in the order they signed, and the entry of each hand-over.

    keys[0] signed first; handed_over[i] is the entry of the rotation from keys[i] to keys[i + 1].
    problem: the entry and the words of the rotation that broke the chain (and ended it there), if one did.
    """

    keys: tuple[VerifierKey, ...]
    handed_over: tuple[int, ...]
    problem: tuple[int, str] | None = None

    def trusted_from(self, trusted: VerifierKey, attested_through: int) -> tuple[VerifierKey, ...]:
        """The keys whose signatures count for a verifier holding `trusted`: it and every later
        key; the earlier ones too when entries up to `attested_through` match a checkpoint
        signed by a key already trusted and that includes the hand-over to `trusted`."""
        if trusted not in self.keys:
            return (trusted,)
        position = self.keys.index(trusted)
        if position and self.handed_over[position - 1] <= attested_through:
            return self.keys
        return self.keys[position:]

    def why_refused(self, note: str, trusted: VerifierKey, attested_through: int) -> str:
        """Why a checkpoint no trusted key signed is refused, naming the key that did sign it."""
        try:
            _text, signatures = split_note(note)
        except NoteError as error:
            return str(error)
        by_id = {(key.name, key.key_id): key for key in self.keys}
        for signature in signatures:
            key = by_id.get((signature.name, signature.key_id))
            if key is None:
                continue
            if trusted not in self.keys:
                return (f"the checkpoint is signed by {_describe(key)}, but the key trusted here, {_describe(trusted)}, "
                        "is in no rotation the journal records")
            handed = self.handed_over[self.keys.index(trusted) - 1]
            return (f"the checkpoint is signed by {_describe(key)}, an earlier key of this log, but the rotation to the "
                    f"trusted key {_describe(trusted)} (entry {handed}) is not yet covered by a checkpoint signed by it "
                    f"(signed checkpoints verified here reach entry {attested_through}): sign one with `ledger checkpoint`, "
                    f"or give the earlier key with --key")
        signers = ", ".join(f"{s.name} ({s.key_id.hex()})" for s in signatures)
        chain = ", ".join(_describe(key) for key in self.keys) or _describe(trusted)
        return f"the checkpoint is signed by {signers}, a key never in this log's chain of signing keys ({chain})"


def key_chain(rotations: Sequence[KeyRotation], first: VerifierKey) -> KeyChain:
    """The chain the rotations make, in journal order; `first` alone when none is journaled.

    A rotation whose statement the old key did not sign, that names another key than its
    new one, or that starts from a key not in use at the time ends the chain: the keys
    after it are not this log's (reported as the chain's problem). The statement's origin
    is the old key's name, as a log's signing key is named after the log.
    """
    if not rotations:
        return KeyChain((first,), ())
    keys, handed_over = [rotations[0].old], []
    for rotation in rotations:
        problem = None
        if rotation.old != keys[-1]:
            problem = f"a rotation from {_describe(rotation.old)}, which was not the key in use ({_describe(keys[-1])})"
        else:
            try:
                text, _ = open_note(rotation.statement, [rotation.old])
            except NoteError as error:
                problem = f"the rotation's statement is not signed by the old key: {error}"
            else:
                if text != rotation_statement(rotation.old.name, rotation.new):
                    problem = f"the rotation's signed statement does not name its new key {_describe(rotation.new)}"
        if problem:
            return KeyChain(tuple(keys), tuple(handed_over), (rotation.seq, problem + "; later keys are not trusted"))
        keys.append(rotation.new)
        handed_over.append(rotation.seq)
    return KeyChain(tuple(keys), tuple(handed_over))
