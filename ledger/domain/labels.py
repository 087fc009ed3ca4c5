"""Human labels of the ledger's code names: the one place a kind, rule or state gets its words.

Reports, pages and dashboards print these instead of the stored code names
(`two_thirds_of_votes_cast`, `safety_lab`); a translation catalogue translates the English
label, so every language starts from the same words. A code with no label prints as itself
with its underscores as spaces, so a new kind is readable before it is labelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

MOTION_KINDS: Mapping[str, str] = MappingProxyType({
    "budget": "Budget",
    "scale": "Scale of contributions",
    "accession": "Accession",
    "withdrawal": "Withdrawal",
    "quota_transfer": "Transfer of GPU-hours",
    "arrears_waiver": "Waiver of a suspension",
    "setting": "Change of a setting",
    "safety_lab": "Safety laboratory",
    "general": "General",
})

VOTING_RULES: Mapping[str, str] = MappingProxyType({
    "simple_majority": "Simple majority of votes cast",
    "two_thirds_of_votes_cast": "Two-thirds of votes cast",
    "two_thirds_of_all_members": "Two-thirds of all members",
    "unanimity": "Unanimity",
    "cern_budget": "CERN budget rule (simple and weighted majority)",
    "eu_qualified_majority": "EU qualified majority (55 % of members, 65 % of population)",
    "skao_budget": "SKAO budget rule",
    "imf_85_percent": "IMF 85 % majority",
})

RESERVES: Mapping[str, str] = MappingProxyType({"open_calls": "open calls", "safety_labs": "AI safety labs"})

BALLOT_KINDS: Mapping[str, str] = MappingProxyType({"roll_call": "Roll-call", "secret": "Secret"})

OUTCOMES: Mapping[str, str] = MappingProxyType({"adopted": "Adopted", "rejected": "Rejected", "no_quorum": "No quorum"})

STANDINGS: Mapping[str, str] = MappingProxyType({
    "good": "Good standing",
    "arrears": "In arrears",
    "suspended": "Vote suspended",
})

SCALE_BOUNDS: Mapping[str, str] = MappingProxyType({"ceiling": "Ceiling", "floor": "Floor", "": ""})

IN_KIND_STATES: Mapping[str, str] = MappingProxyType({
    "pledged": "Pledged",
    "valued": "Valued",
    "accepted": "Accepted",
    "credited": "Credited",
})

MEMBER_STATUSES: Mapping[str, str] = MappingProxyType({
    "member": "Member",
    "associate": "Associate member",
    "observer": "Observer",
    "withdrawn": "Withdrawn",
})


def label(labels: Mapping[str, str], code: str) -> str:
    """The English label of `code`; an unlabelled code reads as its words."""
    return labels.get(code, code.replace("_", " "))
