"""Whole numbers in URLs are bounded (issue 9, bad input): every `int` path parameter of every
blueprint accepts 0..2^31-1, PostgreSQL's INTEGER, so a number no column can hold is a 404 like
any unknown id, never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from ledger.domain.access import Role
from ledger.web.app import MAX_URL_INTEGER, BoundedIntegerConverter

TOO_LARGE = (2**31, 2**63, 10340957174030610432, 10**40)


def int_routes(app) -> list[tuple[str, str, str]]:
    """(blueprint, rule, method) of every rule with an `int` parameter."""
    found = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, BoundedIntegerConverter) for converter in rule._converters.values()):
            method = "GET" if "GET" in rule.methods else "POST"
            found.append((rule.endpoint.partition(".")[0], rule.rule, method))
    return found


def url_of(rule: str, number: int) -> str:
    path = rule
    for name in ("year", "meeting_id", "motion_id", "pledge_id", "user_id", "booking_id", "seq"):
        path = path.replace(f"<int:{name}>", str(number))
    return re.sub(r"<any\([^)]*\):action>", "deactivate", path).replace("<code>", "DEU")


def test_every_blueprint_with_ids_in_its_paths_is_covered(app):
    assert {blueprint for blueprint, _, _ in int_routes(app)} >= {"public", "contributions", "governance", "compute", "api"}
    assert all("<int:" not in url_of(rule, 1) for _, rule, _ in int_routes(app))


@pytest.mark.parametrize("number", TOO_LARGE)
def test_a_number_too_large_for_an_id_is_a_404_on_every_route(app, client, signed_in, number):
    signed_in(Role.SECRETARIAT)
    for _, rule, method in int_routes(app):
        url = url_of(rule, number)
        response = client.open(url, method=method)
        assert response.status_code == 404, (url, response.status_code)


def test_the_largest_id_reaches_the_view_and_is_not_found_there(app, client, signed_in, backend):
    """2^31-1 is accepted by the converter and looked up: nothing has it, so a 404 from the view."""
    signed_in(Role.AUDITOR)
    for url in ("/api/v1/years/2147483647/compute/monthly", "/api/v1/years/2147483647/compute", f"/api/v1/motions/{MAX_URL_INTEGER}",
                f"/office/governance/motions/{MAX_URL_INTEGER}", f"/office/compute/years/{MAX_URL_INTEGER}",
                f"/office/contributions/years/{MAX_URL_INTEGER}", f"/reports/annual/{MAX_URL_INTEGER}.pdf"):
        response = client.get(url)
        assert response.status_code == 404, (backend, url, response.status_code)
