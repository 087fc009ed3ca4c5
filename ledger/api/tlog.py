"""Routes of the transparency log: checkpoints, the verifier key and RFC 9162 proofs."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request

from ledger.api.formats import list_response
from ledger.config import ConfigurationError
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.domain.signed_note import NoteSigner
from ledger.queries import tlog as tlog_queries
from ledger.queries.tlog import PublishedCheckpoint
from ledger.services.keys import log_signer
from ledger.services.witnessing import WitnessConfig, parse_witnesses, publish_witnessed

tlog_api = Blueprint("tlog_api", __name__, url_prefix="/api/v1")

CHECKPOINT_COLUMNS = ("size", "root_hash", "signed_at", "note", "cosignatures", "witnessed")


@dataclass(frozen=True, slots=True)
class TlogState:
    """Kept in app.extensions["tlog"] by create_app: the key that signs checkpoints, the
    witnesses asked to cosign them and how many cosignatures make one witnessed."""

    signer: NoteSigner
    witnesses: tuple[WitnessConfig, ...] = ()
    quorum: int = 0

    def publish(self, engine) -> PublishedCheckpoint:
        return publish_witnessed(engine, self.signer, self.witnesses)


def tlog_state() -> TlogState:
    return current_app.extensions["tlog"]


def _engine():
    return current_app.extensions["ledger"].engine


def _required_int(name: str) -> int:
    raw = request.args.get(name, "")
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed.single(name, f"{raw!r} is not accepted; give a whole number") from None


def _plain(text: str) -> Response:
    return Response(text, mimetype="text/plain", headers={"Cache-Control": "no-cache"})


@tlog_api.get("/checkpoint")
def checkpoint():
    return _plain(tlog_state().publish(_engine()).cosigned_note)


@tlog_api.get("/checkpoint/key")
def checkpoint_key():
    return _plain(tlog_state().signer.verifier.text() + "\n")


@tlog_api.get("/checkpoints")
def checkpoints():
    state = tlog_state()
    with _engine().connect() as connection:
        found = tlog_queries.checkpoints(connection)
    return list_response(
        "checkpoints",
        CHECKPOINT_COLUMNS,
        (
            {"size": c.size, "root_hash": c.root_hash, "signed_at": c.signed_at, "note": c.note,
             "cosignatures": "".join(c.cosignatures), "witnessed": 0 < state.quorum <= len(c.cosignatures)}
            for c in found
        ),
        "checkpoints",
        verifier_key=state.signer.verifier.text(),
        witness_quorum=state.quorum,
    )


@tlog_api.get("/proof/inclusion")
def inclusion_proof():
    seq, size = _required_int("seq"), _required_int("size")
    with _engine().connect() as connection:
        hashes = tlog_queries.inclusion_proof(connection, seq, size)
    return jsonify({"seq": seq, "size": size, "hashes": [h.hex() for h in hashes]})


@tlog_api.get("/proof/consistency")
def consistency_proof():
    old, new = _required_int("from"), _required_int("to")
    with _engine().connect() as connection:
        hashes = tlog_queries.consistency_proof(connection, old, new)
    return jsonify({"from": old, "to": new, "hashes": [h.hex() for h in hashes]})


def init_app(app, settings) -> None:
    """Load the signing key (production refuses to start without one), serve the routes, and
    sign a checkpoint after every office write that went through."""
    witnesses = parse_witnesses(settings.witnesses)
    quorum = len(witnesses) if settings.witness_quorum is None else settings.witness_quorum
    if quorum > len(witnesses):
        raise ConfigurationError(f"LEDGER_WITNESS_QUORUM is {quorum} but LEDGER_WITNESSES names {len(witnesses)} witness(es)")
    app.extensions["tlog"] = TlogState(log_signer(settings), witnesses, quorum)
    app.register_blueprint(tlog_api)

    @app.after_request
    def _checkpoint_after_write(response):
        if request.method == "POST" and request.path.startswith("/office") and response.status_code < 400:
            try:
                tlog_state().publish(_engine())
            except Conflict:
                # The write is already committed; the refusal is for `ledger verify` and the next reader.
                current_app.logger.exception("checkpoint not signed")
        return response
