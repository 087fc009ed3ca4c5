"""Weight against voting power in the annual report (issue 15): one chart per weighted rule and
weights, with the indices of ledger.domain.governance.power and the weights the snapshots recorded."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from ledger.domain.governance.presets import eu_qualified_majority, simple_majority
from ledger.reports.annual import _Words, _weight_and_power

NAMES = {"DEU": "Germany", "FRA": "France", "ITA": "Italy", "LUX": "Luxembourg", "MLT": "Malta"}
# Populations in millions: TEU Art. 16(4) needs 55 % of the members and 65 % of the population.
POPULATIONS = {"DEU": "83", "FRA": "68", "ITA": "59", "LUX": "1", "MLT": "1"}


def _motion(number: int, rule, weights=POPULATIONS):
    row = SimpleNamespace(id=number, title=f"Motion {number}", rule_name="eu_qualified_majority")
    return row, {"rule": rule.to_json(), "weights": dict(weights), "weights_basis": "weight_set:Population",
                 "decision": {"eligible": sorted(weights)}}


def test_one_chart_per_rule_and_weights_naming_the_other_motions():
    decided = [_motion(3, eu_qualified_majority()), _motion(5, eu_qualified_majority()),
               _motion(7, eu_qualified_majority(), {**POPULATIONS, "LUX": "2"}),
               (SimpleNamespace(id=9, title="Equal", rule_name="simple_majority"),
                {"rule": simple_majority().to_json(), "weights": {}, "decision": {"eligible": sorted(NAMES)}})]
    charts = _weight_and_power(decided, NAMES, _Words.of("en"))
    assert [(chart.number, chart.also_decided) for chart in charts] == [(3, (5,)), (7, ())]
    first = charts[0]
    assert first.basis == "Population" and first.rule == "EU qualified majority (55 % of members, 65 % of population)"
    assert [member.code for member in first.members] == ["DEU", "FRA", "ITA", "LUX", "MLT"]  # largest weight first
    assert first.members[0].weight_pct == Decimal("39.15")  # 83 of 212
    for name in ("weight_pct", "banzhaf_pct", "shapley_shubik_pct"):
        assert abs(sum(getattr(member, name) for member in first.members) - 100) <= Decimal("0.05")
    # Weight is not power: under a double majority the smallest members still swing some coalitions.
    smallest = first.members[-1]
    assert smallest.banzhaf_pct > smallest.weight_pct


def test_french_names_the_members_in_french():
    charts = _weight_and_power([_motion(3, eu_qualified_majority())], NAMES, _Words.of("fr"))
    assert [member.name for member in charts[0].members][:3] == ["Allemagne", "France", "Italie"]
    assert charts[0].rule.startswith("Majorité qualifiée de l'UE")
