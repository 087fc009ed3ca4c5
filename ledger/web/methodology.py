"""The methodology page: each rule as implemented, shown from the docstring of the code that
implements it (which cites its source), how each published figure is computed (the API's own
description of the dataset), and a glossary.

Nothing here restates a rule: the page prints the implementation's own words, so the page and
the code cannot drift apart.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from flask import Blueprint, render_template

from ledger.api.openapi import CONTRACTS
from ledger.api.catalogue import operations
from ledger.domain import apportion, compute, contributions, journal, members
from ledger.domain.governance import power, presets, representation
from ledger.queries import contributions as settlement
from ledger.queries.catalogue import DATASETS

blueprint = Blueprint("methodology", __name__)


@dataclass(frozen=True, slots=True)
class RuleText:
    """A rule as the page shows it: its name, where it is implemented and that code's docstring."""

    anchor: str
    title: str
    implementation: object

    @property
    def where(self) -> str:
        module = getattr(self.implementation, "__module__", None) or self.implementation.__name__
        name = getattr(self.implementation, "__qualname__", "")
        return f"{module}.{name}" if inspect.isclass(self.implementation) or inspect.isfunction(self.implementation) else module

    @property
    def text(self) -> str:
        return inspect.getdoc(self.implementation) or ""


RULE_SECTIONS: tuple[tuple[str, tuple[RuleText, ...]], ...] = (
    ("Membership", (
        RuleText("membership-timeline", "The membership timeline", members.MembershipTimeline),
        RuleText("voting-right", "The right to vote on a day", representation.VotingRight),
    )),
    ("Contributions", (
        RuleText("scale", "The scale of contributions", contributions.contribution_scale),
        RuleText("assessment", "Assessments", contributions.assess),
        RuleText("instalments", "Instalments", contributions.split_instalments),
        RuleText("pro-rata", "Joining during a year (pro rata temporis)", contributions.pro_rata_accession),
        RuleText("in-kind-cap", "The in-kind cap", contributions.in_kind_cap_minor),
        RuleText("settlement", "Settlement: what payments and in-kind settle", settlement),
        RuleText("arrears-counted", "Which unpaid amounts are arrears", contributions.ArrearsCounted),
        RuleText("standing-rule", "Standing rules", contributions.StandingRule),
    )),
    ("Compute", (
        RuleText("capacity", "Capacity", compute.capacity_gpu_hours),
        RuleText("quotas", "Quotas", compute.quota_allocation),
        RuleText("largest-remainder", "Largest remainder", apportion.apportion),
        RuleText("suspension-policy", "A suspended member's quota", compute.SuspensionPolicy),
        RuleText("balance", "Balances", compute.balance),
        RuleText("carry-over", "Carry-over and forfeit", compute.carry_over),
        RuleText("fairness", "Use against contribution", compute.fairness),
        RuleText("gpu-hours", "GPU-hours as published", compute.gpu_hours),
    )),
    ("Governance", (
        *(RuleText(f"rule-{name}", f"Voting rule “{name.replace('_', ' ')}”", getattr(presets, name)) for name in presets.PRESETS),
        RuleText("voting-power", "Voting power", power),
        RuleText("power-indices", "Banzhaf and Shapley-Shubik indices", power.rule_voting_power),
    )),
    ("Journal", (
        RuleText("journal", "The hash-chained journal", journal),
    )),
)


@blueprint.route("/methodology")
def methodology():
    found = operations(CONTRACTS)
    figures = [(dataset, found[dataset.operation]) for dataset in DATASETS]
    return render_template("methodology.html", title="Methodology and glossary", sections=RULE_SECTIONS, figures=figures)
