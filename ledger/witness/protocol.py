"""The witness's decision on an add-checkpoint request (c2sp.org/tlog-witness), without I/O.

The request body is `old <size>`, up to 63 base64 consistency-proof lines, a blank line and
the signed checkpoint. The answers are the specification's: 404 for an unknown origin, 403
when no trusted log key signed it, 400 for a malformed body or an old size beyond the
checkpoint, 409 (with the size it holds, as text/x.tlog.size) when the old size is not the
one it last cosigned or the same size comes with another root, 422 when the consistency
proof does not verify; otherwise 200 with its cosignature line.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.domain.merkle import EMPTY_ROOT, check_consistency
from ledger.domain.signed_note import Checkpoint, NoteError, VerifierKey, cosign, open_note, split_note

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


@dataclass(frozen=True, slots=True)
class LogView:
    """The latest checkpoint a witness cosigned for one log."""

    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    """What the witness answers, and its new view of the log when it cosigned."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    view: LogView | None = None


def parse_request(body: str) -> tuple[int, list[bytes], str]:
    """The old size, the consistency proof and the signed checkpoint of an add-checkpoint body."""
    head, separator, note = body.partition("\n\n")
    lines = head.split("\n")
    if not separator or not lines[0].startswith("old "):
        raise ValueError("the body must start with 'old <size>', then proof lines, a blank line and the checkpoint")
    size_text = lines[0][4:]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise ValueError(f"old size {size_text!r} is not a decimal number without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"at most {MAX_PROOF_LINES} consistency proof lines are accepted")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except binascii.Error:
        raise ValueError("a consistency proof line is not base64") from None
    return int(size_text), proof, note


def add_checkpoint(
    body: str, *, logs: Mapping[str, VerifierKey], views: Mapping[str, LogView],
    name: str, key: Ed25519PrivateKey, now: int,
) -> tuple[str | None, Answer]:
    """(origin, answer) for one request; `views` holds the last cosigned view per origin."""
    try:
        old, proof, note = parse_request(body)
        text, _ = split_note(note)
        checkpoint = Checkpoint.parse(text)
    except (ValueError, NoteError) as error:
        return None, Answer(400, f"{error}\n")
    origin = checkpoint.origin
    if origin not in logs:
        return origin, Answer(404, f"unknown log {origin!r}\n")
    try:
        open_note(note, [logs[origin]])
    except NoteError as error:
        return origin, Answer(403, f"{error}\n")
    if old > checkpoint.size:
        return origin, Answer(400, f"old size {old} exceeds the checkpoint's size {checkpoint.size}\n")
    view = views.get(origin, LogView(0, EMPTY_ROOT))
    if old != view.size:
        return origin, Answer(409, f"{view.size}\n", SIZE_CONTENT_TYPE)
    if old == checkpoint.size and checkpoint.root != view.root:
        return origin, Answer(409, f"{view.size}\n", SIZE_CONTENT_TYPE)
    if old == 0 and proof:
        return origin, Answer(422, "the consistency proof must be empty from size 0\n")
    if 0 < old < checkpoint.size and not check_consistency(old, checkpoint.size, view.root, checkpoint.root, proof):
        return origin, Answer(422, f"the consistency proof from {old} to {checkpoint.size} does not verify: the log forked\n")
    line = cosign(text, name, key, now).line()
    return origin, Answer(200, line, view=LogView(checkpoint.size, checkpoint.root))
