"""The workspace's old addresses lead to the new ones (issue 11: one noun per capability)."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.test_access import VIEWERS


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v.value if v else "anonymous")
def test_the_old_workspace_addresses_lead_to_the_new_ones(client, officials, viewer):
    """Issue 11: /office/finance is now /office/contributions and /office/board /office/governance;
    anyone is sent on with 308 (method kept), and the new address then checks access as ever."""
    if viewer:
        sign_in(client, viewer)
    for old, new in (("/office/finance/payments/new?member=DEU", "/office/contributions/payments/new?member=DEU"),
                     ("/office/finance/", "/office/contributions/"),
                     ("/office/board/ballots", "/office/governance/ballots")):
        for method in (client.get, client.post):
            response = method(old)
            assert (response.status_code, response.headers["Location"]) == (308, new), (viewer, old)
    assert client.get("/office/boards/ballots").status_code == 404
