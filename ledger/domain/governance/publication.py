"""What a closed motion publishes: everything for a roll-call, the outcome and the thresholds for a secret ballot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.domain.governance.explain import explain_secret
from ledger.domain.governance.rules import Outcome, Rule

SECRET_BALLOT_WITHHELD = ("votes", "voted", "by_proxy", "set_aside", "proxies")
"""What a secret ballot's snapshot never publishes: each of these names voters."""


def published_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A closed motion's snapshot as the public sees it; every surface (API, dashboards, reports,
    the public journal) reads it through here, and closing a motion stores this form.

    The rule. A roll-call publishes everything: each member's ballot, who voted, the totals.
    A secret ballot publishes the outcome and, for each threshold, which threshold it was and
    whether it was met (and the quorum, which counts presence, public anyway); it publishes no
    total of members or weight for, against or abstaining, and not who voted, whose proxy was
    used or which ballot was set aside. The totals are withheld whole, not "when a choice can be
    derived": with the public weights (the contribution shares) a weight total pins down a
    split whenever only one set of members sums to it (issue 13: 40 % for, with DEU at 40 % and
    FRA and ITA at 30 % each, says DEU yes, FRA and ITA no), and member counts do whenever a
    choice has all or none of the voters; no test short of knowing everything an observer
    knows would be sound. The outcome itself is the board's decision and always public.

    Sources: Council of the EU Rules of Procedure (Decision 2009/937/EU) Art. 9, the results of
    votes and each member's vote made public where votes are public (our roll-call); Venice
    Commission Code of Good Practice in Electoral Matters (CDL-AD(2002)023rev) I.4, secrecy of
    the vote as part of the voter's freedom (our secret ballot).
    """
    if snapshot.get("ballot") != "secret":
        return dict(snapshot)
    rule = Rule.from_json(snapshot["rule"])
    decision = snapshot["decision"]
    checks = [{key: check[key] for key in ("measure", "threshold", "met", "deemed_met")} for check in decision["checks"]]
    published = {key: value for key, value in snapshot.items() if key not in SECRET_BALLOT_WITHHELD}
    published["decision"] = {
        **{key: decision[key] for key in ("outcome", "quorum", "eligible", "present")},
        "members": None, "weight": None, "checks": checks,
        "explanation": explain_secret(rule, Outcome(decision["outcome"]), checks, decision["quorum"]),
    }
    return published
