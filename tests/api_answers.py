"""The /api/v1 answers pinned on the demo facility: which requests, and how an answer is written down.

`answers(client)` asks every request below and returns {request: "status mimetype\\nbody"}.
The demo's journal carries the wall-clock time it was loaded at, so times and the hashes
that cover them are replaced by placeholders; everything else is kept byte for byte.
Regenerate (only for a deliberate change, stated in the commit):
`python -m tests.api_answers DATABASE_URL > tests/api_answers/demo.json`.
"""

from __future__ import annotations

import json
import re
import sys

HEX_HASH = re.compile(r"\b[0-9a-f]{64}\b")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")

VOTING_BODIES = {
    "equal-simple": {"members": [{"code": c} for c in ("AAA", "BBB", "CCC")], "rule": {"preset": "simple_majority"},
                     "ballots": {"AAA": "yes", "BBB": "no", "CCC": "abstain"}, "power": True},
    "weighted-power": {"members": [{"code": "AAA", "weight": 51}, {"code": "BBB", "weight": 50}, {"code": "CCC", "weight": 49},
                                   {"code": "DDD", "weight": "1.5"}],
                       "rule": {"weights": "weighted", "base": "cast", "abstention": "not_cast",
                                "weight_threshold": {"op": "at_least", "fraction": "51/100"}},
                       "ballots": {"AAA": "yes", "BBB": "yes"}, "power": True},
    "imf-basic": {"members": [{"code": "USA", "weight": 831401}, {"code": "JPN", "weight": 309670}, {"code": "CHN", "weight": 306294}],
                  "rule": {"preset": "imf_85_percent", "basic_votes_share": "1/20"}, "power": True},
    "no-ballots": {"members": [{"code": "AAA", "weight": 2}, {"code": "BBB", "weight": 1}], "rule": {"preset": "simple_majority"}},
    "bad": {"members": [{"code": "aa", "weight": -1}], "rule": {"preset": "nope"}, "extra": 1},
}


def requests(motion_ids: list[int]) -> list[str]:
    """Every GET route of /api/v1 in each format, with its errors; POSTs are named `POST path#body`."""
    lists = ["/api/v1/members", "/api/v1/years", "/api/v1/scales", "/api/v1/projects", "/api/v1/motions",
             "/api/v1/journal?limit=40", "/api/v1/journal?after=1490&limit=5",
             *(f"/api/v1/years/{year}/contributions" for year in (2022, 2025, 2026)),
             *(f"/api/v1/years/{year}/compute" for year in (2025, 2026)),
             "/api/v1/years/2025/compute/monthly", "/api/v1/years/2026/compute/monthly?member=DEU",
             "/api/v1/years/2026/compute/monthly?member=USA", "/api/v1/years/2026/compute/levels"]
    return [
        *lists,
        *(url + ("&" if "?" in url else "?") + "format=csv" for url in lists),
        "/api/v1/journal/head",
        *(f"/api/v1/motions/{motion_id}" for motion_id in motion_ids),
        "/api/v1/motions/9999", "/api/v1/years/1990/contributions", "/api/v1/years/2023/compute",
        "/api/v1/years/1990/compute/monthly", "/api/v1/years/2025/compute/monthly?member=XYZ", "/api/v1/years/1990/compute/levels",
        "/api/v1/journal?limit=0", "/api/v1/journal?after=x", "/api/v1/members?format=xml",
        *(f"POST /api/v1/voting/simulate#{name}" for name in VOTING_BODIES),
    ]


def normalised(text: str) -> str:
    return TIMESTAMP.sub("<time>", HEX_HASH.sub("<hash>", text))


def answer(client, request: str) -> str:
    if request.startswith("POST "):
        path, _, name = request[len("POST "):].partition("#")
        response = client.post(path, json=VOTING_BODIES[name])
    else:
        response = client.get(request)
    return f"{response.status_code} {response.mimetype}\n{normalised(response.get_data(as_text=True))}"


def answers(client) -> dict[str, str]:
    motion_ids = [motion["id"] for motion in client.get("/api/v1/motions").get_json()["motions"]]
    return {request: answer(client, request) for request in requests(motion_ids)}


if __name__ == "__main__":
    from ledger.config import Settings
    from ledger.db.engine import make_engine
    from ledger.web import create_app

    from tests.conftest import DEMO_TODAY

    url = sys.argv[1]
    settings = Settings(database_url=url, secret_key="capture", env="test", fixed_today=DEMO_TODAY)
    app = create_app(settings, engine=make_engine(url))
    json.dump(answers(app.test_client()), sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
