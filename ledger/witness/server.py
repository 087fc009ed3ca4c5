"""The witness's HTTP service: POST /add-checkpoint, its state kept in one JSON file.

Checking the old size and recording the new checkpoint happen under one lock (a thread lock
and an exclusive lock on the state file, so several processes cannot interleave either),
and the file is replaced atomically (written beside it, fsynced, renamed): the witness never
rolls back a log it cosigned, the race c2sp.org/tlog-witness warns about.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.domain.signed_note import COSIGNATURE_V1, VerifierKey, raw_public_key
from ledger.witness.protocol import LogView, add_checkpoint

MAX_BODY_BYTES = 64 * 1024


class WitnessState:
    """The last cosigned view of each log, in a JSON file {origin: {"size", "root"}}."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._lock_file = path.with_name(path.name + ".lock")

    def _read(self) -> dict[str, LogView]:
        if not self.path.exists():
            return {}
        stored = json.loads(self.path.read_text())
        return {origin: LogView(view["size"], base64.b64decode(view["root"])) for origin, view in stored.items()}

    def _write(self, views: Mapping[str, LogView]) -> None:
        temporary = self.path.with_name(self.path.name + ".new")
        with open(temporary, "w") as file:
            json.dump({o: {"size": v.size, "root": base64.b64encode(v.root).decode()} for o, v in views.items()}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def update(self, decide):
        """Run `decide(views) -> (origin, answer)` and store the answer's view, atomically."""
        with self._lock, open(self._lock_file, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            views = self._read()
            origin, answer = decide(views)
            if answer.view is not None:
                self._write({**views, origin: answer.view})
            return answer


class Witness:
    """A named witness key trusting some logs' keys."""

    def __init__(self, name: str, key: Ed25519PrivateKey, logs: Mapping[str, VerifierKey], state: WitnessState):
        self.name, self.key, self.logs, self.state = name, key, dict(logs), state

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, raw_public_key(self.key), COSIGNATURE_V1)

    def handle(self, body: str):
        return self.state.update(lambda views: add_checkpoint(
            body, logs=self.logs, views=views, name=self.name, key=self.key, now=int(time.time()),
        ))


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """The HTTP server of `witness` (port 0: any free port; see server.server_address)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path.rstrip("/") != "/add-checkpoint":
                return self._answer(404, "only POST /add-checkpoint is served\n")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self._answer(413, f"the body exceeds {MAX_BODY_BYTES} bytes\n")
            try:
                body = self.rfile.read(length).decode("utf-8")
            except UnicodeDecodeError:
                return self._answer(400, "the body is not UTF-8\n")
            answer = witness.handle(body)
            self._answer(answer.status, answer.body, answer.content_type)

        def _answer(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8"):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return ThreadingHTTPServer((host, port), Handler)
