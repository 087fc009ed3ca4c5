"""The API answers as its OpenAPI document says (issue 11: "schemathesis in the test suite,
against the served app with all its checks (including undeclared methods), with zero
failures; it stays there so the contract cannot drift again").

The demo is served on a local port and schemathesis runs as `st run --checks all` would:
every phase (examples, coverage, which sends undeclared methods and values at each bound,
fuzzing and stateful), bounded to a few examples per operation and derandomised, so a run
costs seconds and gives the same cases each time.
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from schemathesis.cli import schemathesis as st
from werkzeug.serving import make_server

from ledger.config import Settings
from ledger.db.engine import make_engine
from tests.conftest import DEMO_TODAY, copy_database, drop_database

MAX_EXAMPLES = 8
DATA_DEPENDENT = {
    # A proof's bounds are the journal's length at the time of asking: no schema can hold them.
    "inclusionProof": "seq and size at most the tree size",
    "consistencyProof": "from at most to, to at most the tree size",
    # Cross-field rules of the simulator that JSON Schema cannot state; the operation's
    # description lists them and each refusal names its field.
    "simulateVote": "ballots only for listed codes, weights required under weighted rules, some member with votes",
}
"""Operations whose schema-valid requests may still be refused with a 400 (named, with what
is accepted), and why: for these alone positive_data_acceptance also expects a 400."""
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis's default expectation


@pytest.fixture
def served(demo_template):
    """The app on the demo's copy (reading the checkpoint signs one: a write), on a free port."""
    from ledger.web import create_app

    url = copy_database(demo_template[0])
    engine = make_engine(url)
    settings = Settings(database_url=url, secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY)
    server = make_server("127.0.0.1", 0, create_app(settings, engine=engine), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    engine.dispose()
    drop_database(url)


def schemathesis_config() -> str:
    sections = [
        f'[[operations]]\ninclude-operation-id = "{operation_id}"\n'
        f"checks.positive_data_acceptance.expected-statuses = {[*ACCEPTED, '400']!r}\n"
        for operation_id in DATA_DEPENDENT
    ]
    return "\n".join(sections).replace("'", '"')


def test_the_api_answers_as_its_document_says(served, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # schemathesis keeps its cache of found failures in the working directory
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config())
    result = CliRunner().invoke(st, [
        "--config-file", str(config), "run", f"{served}/api/v1/openapi.json", "--url", served, "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic", "--workers", "1",
        "--no-color",
    ])
    assert result.exit_code == 0, result.output[-12000:]
    print(result.output[result.output.rindex("SUMMARY"):])  # phases, checks and cases, shown with -s
