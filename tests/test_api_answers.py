"""The public API answers exactly as before the contract was derived from the code (issue 11:
"The public API and pages answer exactly as before (same URLs, same JSON and CSV, now
documented truthfully)"): every /api/v1 route on the demo, byte for byte, on SQLite and
PostgreSQL, against tests/api_answers/demo.json as captured from the hand-written routes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.config import Settings
from ledger.db.engine import make_engine
from tests.api_answers import answers
from tests.conftest import DEMO_TODAY

PINNED = Path(__file__).parent / "api_answers" / "demo.json"


@pytest.fixture(scope="module")
def demo_client(demo_template):
    from ledger.web import create_app

    engine = make_engine(demo_template[0])
    settings = Settings(database_url=demo_template[0], secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY)
    yield create_app(settings, engine=engine).test_client()
    engine.dispose()


def test_every_answer_is_the_pinned_one(demo_client):
    pinned = json.loads(PINNED.read_text())
    given = answers(demo_client)
    assert list(given) == list(pinned) or sorted(given) == sorted(pinned)
    different = [request for request in pinned if given[request] != pinned[request]]
    assert not different, {request: given[request][:400] for request in different[:3]}
