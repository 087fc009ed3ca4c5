"""Routes of the transparency log: checkpoints, the verifier key and RFC 9162 proofs."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, request

from ledger.api import resources as r
from ledger.api.contract import Contract, JsonAnswer, ListAnswer, Query, TextAnswer
from ledger.api.formats import list_response
from ledger.config import ConfigurationError
from ledger.domain.errors import Conflict
from ledger.domain.signed_note import NoteSigner
from ledger.queries import tlog as tlog_queries
from ledger.queries.tlog import PublishedCheckpoint
from ledger.services.keys import log_signer
from ledger.services.witnessing import WitnessConfig, parse_witnesses, publish_witnessed
from ledger.state import engine

tlog_api = Blueprint("tlog_api", __name__, url_prefix="/api/v1")
contract = Contract(tlog_api)
OUT_OF_RANGE = "{} out of range; the message names the bound"


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


def _tree_size(name: str, description: str) -> Query:
    return Query(name, description, minimum=1, required=True)


def _plain(text: str) -> Response:
    return Response(text, mimetype="text/plain", headers={"Cache-Control": "no-cache"})


@contract.get(
    "/checkpoint", "latestCheckpoint", "The latest signed checkpoint of the journal's Merkle tree, with witness cosignatures",
    description=(
        "A C2SP signed note (c2sp.org/tlog-checkpoint): origin, tree size, base64 RFC 9162 root hash, "
        "a blank line, the log's Ed25519 signature line and any witness cosignature lines "
        "(c2sp.org/tlog-cosignature). Leaf n is the UTF-8 payload of journal entry n."
    ),
    answer=TextAnswer("The signed checkpoint"),
    errors={409: "The journal is shorter than a published checkpoint"},
)
def checkpoint():
    return _plain(tlog_state().publish(engine()).cosigned_note)


@contract.get(
    "/checkpoint/key", "checkpointKey",
    "The verifier key of the checkpoints: <name>+<8 hex key ID>+<base64(0x01 ‖ Ed25519 public key)>",
    answer=TextAnswer("The verifier key, one line"),
)
def checkpoint_key():
    return _plain(tlog_state().signer.verifier.text() + "\n")


@contract.get(
    "/checkpoints", "listCheckpoints", "Every checkpoint published, oldest first, with its cosignature lines",
    answer=ListAnswer("checkpoints", r.Checkpoint, "The checkpoints and the key that signed them", envelope=r.Checkpoints),
)
def checkpoints():
    state = tlog_state()
    with engine().connect() as connection:
        found = tlog_queries.checkpoints(connection)
    return list_response(
        "checkpoints",
        r.Checkpoint,
        (
            {"size": c.size, "root_hash": c.root_hash, "signed_at": c.signed_at, "note": c.note,
             "cosignatures": "".join(c.cosignatures), "witnessed": 0 < state.quorum <= len(c.cosignatures)}
            for c in found
        ),
        "checkpoints",
        verifier_key=state.signer.verifier.text(),
        witness_quorum=state.quorum,
    )


@contract.get(
    "/proof/inclusion", "inclusionProof", "RFC 9162 §2.1.3 inclusion proof of journal entry seq in the tree of size entries",
    query=(_tree_size("seq", "The entry (leaf seq - 1)"), _tree_size("size", "The tree size, at most the journal's length")),
    answer=JsonAnswer(r.InclusionProof, "The audit path"),
    errors={400: OUT_OF_RANGE.format("seq or size")},
)
def inclusion_proof(seq: int, size: int):
    with engine().connect() as connection:
        hashes = tlog_queries.inclusion_proof(connection, seq, size)
    return jsonify({"seq": seq, "size": size, "hashes": [h.hex() for h in hashes]})


@contract.get(
    "/proof/consistency", "consistencyProof", "RFC 9162 §2.1.4 consistency proof from the tree of size from to the tree of size to",
    query=(_tree_size("from", "The older tree size"), _tree_size("to", "The newer tree size, at most the journal's length")),
    answer=JsonAnswer(r.ConsistencyProof, "The consistency proof"),
    errors={400: OUT_OF_RANGE.format("from or to")},
)
def consistency_proof(**sizes: int):
    old, new = sizes["from"], sizes["to"]
    with engine().connect() as connection:
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
                tlog_state().publish(engine())
            except Conflict:
                # The write is already committed; the refusal is for `ledger verify` and the next reader.
                current_app.logger.exception("checkpoint not signed")
        return response
