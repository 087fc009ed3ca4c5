"""Sending each checkpoint to the configured witnesses and keeping their cosignatures.

LEDGER_WITNESSES lists each witness as `<URL> <verifier key>`, witnesses separated by `;`
(the key is the witness's cosignature key, type 0x04, c2sp.org/tlog-cosignature).
LEDGER_WITNESS_QUORUM says how many cosignatures make a checkpoint witnessed (default: all).
The request follows c2sp.org/tlog-witness: the old size is the last one this witness
cosigned as far as the ledger knows, and when the witness answers 409 with the size it
holds, the request is made once more from there.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, func, insert, select

from ledger.config import ConfigurationError
from ledger.db.tlog import StoredCosignature
from ledger.domain.signed_note import COSIGNATURE_V1, NoteError, VerifierKey, check_cosignature, split_note
from ledger.domain.signed_note import NoteSigner
from ledger.queries.tlog import PublishedCheckpoint, consistency_proof, latest_checkpoint
from ledger.services.checkpoints import publish_checkpoint

SIZE_CONTENT_TYPE = "text/x.tlog.size"
TIMEOUT_SECONDS = 3
cosignature_table = StoredCosignature.__table__


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    url: str
    key: VerifierKey


@dataclass(frozen=True, slots=True)
class WitnessAnswer:
    """How one witness answered: cosigned or why not."""

    witness: str
    cosigned: bool
    message: str


Post = Callable[[str, str], tuple[int, str, str]]


def parse_witnesses(text: str) -> tuple[WitnessConfig, ...]:
    """The witnesses of LEDGER_WITNESSES, refusing a malformed entry with what is expected."""
    witnesses = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        url, _, key_text = item.partition(" ")
        try:
            key = VerifierKey.parse(key_text)
        except NoteError as error:
            raise ConfigurationError(f"LEDGER_WITNESSES entry {item!r}: {error}") from None
        if not url.startswith(("http://", "https://")) or key.algorithm != COSIGNATURE_V1:
            raise ConfigurationError(f"LEDGER_WITNESSES entry {item!r}: expected '<http(s) URL> <cosignature verifier key (type 0x04)>'")
        witnesses.append(WitnessConfig(url.rstrip("/"), key))
    return tuple(witnesses)


def http_post(url: str, body: str) -> tuple[int, str, str]:
    """(status, content type, body) of a POST, also for 4xx answers."""
    request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.headers.get_content_type(), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode("utf-8", "replace")


def publish_witnessed(engine: Engine, signer: NoteSigner, witnesses: tuple[WitnessConfig, ...]) -> PublishedCheckpoint:
    """The latest checkpoint (signed anew when the head moved), sent to the witnesses that
    have not cosigned it yet, with the cosignatures they returned."""
    published = publish_checkpoint(engine, signer)
    if len(published.cosignatures) < len(witnesses):
        request_cosignatures(engine, published, witnesses)
        with engine.connect() as connection:
            published = latest_checkpoint(connection)
    return published


def request_cosignatures(
    engine: Engine, checkpoint: PublishedCheckpoint, witnesses: tuple[WitnessConfig, ...],
    *, post: Post = http_post, now: datetime | None = None,
) -> list[WitnessAnswer]:
    """Ask each witness to cosign `checkpoint`, store the valid cosignatures, say how each answered."""
    answers = []
    for witness in witnesses:
        try:
            answers.append(_ask(engine, checkpoint, witness, post, now or datetime.now(timezone.utc)))
        except OSError as error:  # unreachable: the next checkpoint asks again
            answers.append(WitnessAnswer(witness.key.name, False, f"unreachable: {error}"))
    return answers


def _ask(engine, checkpoint: PublishedCheckpoint, witness: WitnessConfig, post: Post, now: datetime) -> WitnessAnswer:
    name = witness.key.name
    with engine.connect() as connection:
        already = connection.execute(select(cosignature_table.c.id).where(
            cosignature_table.c.checkpoint_size == checkpoint.size, cosignature_table.c.witness == name,
        )).first()
        if already:
            return WitnessAnswer(name, True, "already cosigned")
        old = connection.execute(
            select(func.coalesce(func.max(cosignature_table.c.checkpoint_size), 0)).where(cosignature_table.c.witness == name)
        ).scalar_one()
        for _attempt in range(2):
            if old > checkpoint.size:
                return WitnessAnswer(name, False, f"the witness holds size {old}, beyond this checkpoint's {checkpoint.size}: the journal was rolled back")
            proof = consistency_proof(connection, old, checkpoint.size) if 0 < old < checkpoint.size else []
            body = f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + checkpoint.note
            status, content_type, answer = post(f"{witness.url}/add-checkpoint", body)
            if status == 409 and content_type == SIZE_CONTENT_TYPE and answer.strip().isdigit() and int(answer) != old:
                old = int(answer)
                continue
            break
    if status != 200:
        return WitnessAnswer(name, False, f"answered {status}: {answer.strip()[:200]}")
    text = checkpoint.note.partition("\n\n")[0] + "\n"
    try:
        _, signatures = split_note(text + "\n" + answer)
    except NoteError as error:
        return WitnessAnswer(name, False, f"answered a malformed cosignature: {error}")
    for signature in signatures:
        if check_cosignature(text, signature, witness.key) is not None:
            with engine.begin() as connection:
                connection.execute(insert(cosignature_table).values(
                    checkpoint_size=checkpoint.size, witness=name, line=signature.line(), cosigned_at=now,
                ))
            return WitnessAnswer(name, True, "cosigned")
    return WitnessAnswer(name, False, "answered no valid cosignature by its key")
