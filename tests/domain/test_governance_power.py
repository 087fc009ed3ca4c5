"""Power indices: textbook games by hand, every small game against brute force, sampling."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.governance import coalitions
from ledger.domain.governance import power as voting_power
from ledger.domain.errors import ValidationFailed
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.rules import Abstention, Base, Rule, Threshold, ThresholdOp, Weighting
from ledger.domain.governance.coalitions import PowerMethod, banzhaf, shapley_shubik
from ledger.domain.governance.power import integer_weights, rule_game, rule_voting_power

EEC_1958 = {"FRA": 4, "DEU": 4, "ITA": 4, "BEL": 2, "NLD": 2, "LUX": 1}


def brute_force(weights, quota, members_quota=0, weight_waived_from=None):
    """Both indices by listing every coalition: the definitions, for small games only."""
    codes = sorted(weights)
    count = len(codes)
    waived_from = count + 1 if weight_waived_from is None else weight_waived_from

    def wins(coalition):
        size = len(coalition)
        return size >= members_quota and (sum(weights[code] for code in coalition) >= quota or size >= waived_from)

    swings = dict.fromkeys(codes, 0)
    pivots = dict.fromkeys(codes, Fraction(0))
    for size in range(count):
        for coalition in combinations(codes, size):
            if wins(coalition):
                continue
            for code in set(codes) - set(coalition):
                if wins((*coalition, code)):
                    swings[code] += 1
                    pivots[code] += Fraction(math.factorial(size) * math.factorial(count - 1 - size), math.factorial(count))
    total = sum(swings.values())
    return {code: Fraction(swing, total) for code, swing in swings.items()}, pivots


# --- textbook games ------------------------------------------------------------------------


def test_the_small_party_is_as_strong_as_the_large_one():
    # [51; 50, 49, 1]: B and C are each needed by A exactly as often as each other
    weights = {"AAA": 50, "BBB": 49, "CCC": 1}
    assert banzhaf(weights, 51) == {"AAA": Fraction(3, 5), "BBB": Fraction(1, 5), "CCC": Fraction(1, 5)}
    result = shapley_shubik(weights, 51)
    assert result.method is PowerMethod.EXACT
    assert dict(result.index) == {"AAA": Fraction(2, 3), "BBB": Fraction(1, 6), "CCC": Fraction(1, 6)}


def test_luxembourg_had_no_power_in_the_1958_eec_council():
    # Treaty of Rome Art. 148(2): 12 of 17 votes; any coalition reaching 12 without LUX
    # reaches it with LUX's vote too, and 11 + 1 never happens (all other sums are even)
    assert banzhaf(EEC_1958, 12) == {
        "FRA": Fraction(5, 21), "DEU": Fraction(5, 21), "ITA": Fraction(5, 21),
        "BEL": Fraction(1, 7), "NLD": Fraction(1, 7), "LUX": Fraction(0),
    }  # fmt: skip
    assert dict(shapley_shubik(EEC_1958, 12).index) == {
        "FRA": Fraction(7, 30), "DEU": Fraction(7, 30), "ITA": Fraction(7, 30),
        "BEL": Fraction(3, 20), "NLD": Fraction(3, 20), "LUX": Fraction(0),
    }  # fmt: skip


def test_a_dictator_has_all_the_power():
    weights = {"AAA": 60, "BBB": 30, "CCC": 10}
    assert banzhaf(weights, 60) == {"AAA": 1, "BBB": 0, "CCC": 0}
    assert dict(shapley_shubik(weights, 60).index) == {"AAA": 1, "BBB": 0, "CCC": 0}


def test_equal_weights_share_power_equally():
    weights = dict.fromkeys(["AAA", "BBB", "CCC", "DDD", "EEE"], 7)
    assert set(banzhaf(weights, 18).values()) == {Fraction(1, 5)}
    assert set(shapley_shubik(weights, 18).index.values()) == {Fraction(1, 5)}


def test_a_members_threshold_gives_a_weightless_member_power():
    # weight 70 of 100 and at least 3 members: ZZZ adds no weight but can be the third member
    weights = {"AAA": 50, "BBB": 40, "CCC": 10, "ZZZ": 0}
    assert banzhaf(weights, 70)["ZZZ"] == 0
    compound = banzhaf(weights, 70, members_quota=3)
    assert compound["ZZZ"] > 0
    assert compound == brute_force(weights, 70, members_quota=3)[0]


# --- every small game ----------------------------------------------------------------------


@st.composite
def games(draw, compound=True):
    count = draw(st.integers(1, 8))
    weights = {f"M{index:02d}": draw(st.integers(0, 30)) for index in range(count)}
    total = sum(weights.values())
    if total == 0:
        weights["M00"] = total = 1
    quota = draw(st.integers(1, total))
    members_quota = draw(st.integers(0, count)) if compound else 0
    waived_from = draw(st.none() | st.integers(1, count + 1)) if compound else None
    return weights, quota, members_quota, waived_from


@settings(max_examples=150)
@given(games())
def test_both_indices_match_brute_force(game):
    weights, quota, members_quota, waived_from = game
    expected_banzhaf, expected_shapley_shubik = brute_force(weights, quota, members_quota, waived_from)
    options = dict(members_quota=members_quota, weight_waived_from=waived_from)
    assert banzhaf(weights, quota, **options) == expected_banzhaf
    assert dict(shapley_shubik(weights, quota, **options).index) == expected_shapley_shubik


@settings(max_examples=60)
@given(games(compound=False), st.integers(1, 4))
def test_packing_in_tiny_blocks_changes_nothing(game, block_bytes):
    # blocks of a few slots exercise the carries between blocks and the widening of slots
    weights, quota, _, _ = game
    expected = brute_force(weights, quota)[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coalitions, "_BLOCK_BYTES", block_bytes)
        assert banzhaf(weights, quota) == expected


def test_many_members_widen_the_slots():
    # 40 members make counts beyond 2^32, so the slots widen several times
    weights = {f"M{index:02d}": 1 + index % 7 for index in range(40)}
    quota = sum(weights.values()) // 2 + 1
    index = banzhaf(weights, quota)
    assert sum(index.values()) == 1
    # equal weights, equal power; heavier, at least as much
    assert index["M00"] == index["M07"] and index["M06"] >= index["M05"] >= index["M00"]
    # only the grand coalition wins on members alone, and it wins anyway: the same game,
    # counted by the table by size and weight instead of the polynomial in x
    assert banzhaf(weights, quota, weight_waived_from=40) == index
    exact = shapley_shubik(weights, quota)
    assert exact.method is PowerMethod.EXACT and sum(exact.index.values()) == 1


# --- sampling ------------------------------------------------------------------------------


def test_sampled_shapley_shubik_is_within_four_standard_errors_of_exact():
    weights = {"DEU": 18, "FRA": 15, "ITA": 13, "ESP": 11, "POL": 8, "ROU": 4, "NLD": 4, "BEL": 3, "SWE": 2, "AUT": 2}
    quota = 54
    exact = shapley_shubik(weights, quota)
    sampled = shapley_shubik(weights, quota, memory_budget=0, samples=4000, seed=7)
    assert exact.method is PowerMethod.EXACT and sampled.method is PowerMethod.SAMPLED
    assert (sampled.samples, sampled.seed) == (4000, 7)
    assert sum(sampled.index.values()) == 1  # each ordering has exactly one pivot
    for code, share in exact.index.items():
        assert abs(sampled.index[code] - share) <= 4 * sampled.standard_error[code], code
    assert shapley_shubik(weights, quota, memory_budget=0, samples=4000, seed=7) == sampled


def test_sampled_standard_error_is_binomial():
    sampled = shapley_shubik({"AAA": 1, "BBB": 1}, 2, memory_budget=0, samples=100, seed=1)
    # each member pivots in about half the orderings; sqrt(p (1 - p) / 100)
    for code, share in sampled.index.items():
        expected = math.sqrt(float(share * (1 - share)) / 100)
        assert abs(float(sampled.standard_error[code]) - expected) < 1e-9


# --- weights and rules ---------------------------------------------------------------------


def test_integer_weights_are_exact_and_smallest():
    assert integer_weights({"AAA": Decimal("0.125"), "BBB": Decimal("0.250")}) == ({"AAA": 1, "BBB": 2}, Fraction(8))
    assert integer_weights({"AAA": Fraction(1, 3), "BBB": Fraction(1, 6), "CCC": 0}) == ({"AAA": 2, "BBB": 1, "CCC": 0}, Fraction(6))
    assert integer_weights({"AAA": 300, "BBB": 450}) == ({"AAA": 2, "BBB": 3}, Fraction(1, 150))


def test_integer_weights_refuse_floats_and_negatives():
    with pytest.raises(ValidationFailed) as refused:
        integer_weights({"AAA": 0.5, "BBB": -1, "CCC": True})
    assert [problem.field for problem in refused.value.problems] == ["weights.AAA", "weights.BBB", "weights.CCC"]


def test_eu_rule_game_is_the_double_majority_with_blocking_minority():
    shares = {code: 1 + index for index, code in enumerate("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL".split())}
    game = rule_game(PRESETS["eu_qualified_majority"], shares)
    assert sum(game.weights.values()) == 105
    assert game.quota == 69  # 65 % of 105 is 68.25
    assert game.members_quota == 8  # 55 % of 14 is 7.7
    assert game.weight_waived_from == 11  # 14 - 4 + 1: three members outside cannot block


def test_imf_rule_game_adds_basic_votes_before_scaling():
    # basic votes 1/8 of the total (IMF Art. XII, Sec. 5(a)): B = 1/8 (B + 10.5), B = 1.5, 1/2 each
    rule = dataclasses.replace(PRESETS["imf_85_percent"], basic_votes_share=Fraction(1, 8))
    game = rule_game(rule, {"USA": Decimal("8.5"), "JPN": Decimal("1"), "CHN": 1})
    # (9, 1.5, 1.5) times 2 is (18, 3, 3), divided by 3 is (6, 1, 1)
    assert dict(game.weights) == {"USA": 6, "JPN": 1, "CHN": 1}
    assert game.scale == Fraction(2, 3)
    assert game.quota == 7  # 85 % of 8 is 6.8
    assert (game.members_quota, game.weight_waived_from) == (0, None)


def test_rule_voting_power_agrees_with_brute_force_on_the_whole_rule():
    shares = {"DEU": 18, "FRA": 15, "ITA": 13, "ESP": 11, "POL": 8, "NLD": 4, "BEL": 3}
    power = rule_voting_power(PRESETS["eu_qualified_majority"], shares)
    game = power.game
    expected_banzhaf, expected_shapley_shubik = brute_force(game.weights, game.quota, game.members_quota, game.weight_waived_from)
    assert dict(power.banzhaf) == expected_banzhaf
    assert dict(power.shapley_shubik.index) == expected_shapley_shubik


def test_power_is_for_weighted_rules():
    with pytest.raises(ValidationFailed, match="rule.weights: power indices are for weighted rules"):
        rule_game(PRESETS["simple_majority"], {"AAA": 1})


def test_games_are_checked():
    with pytest.raises(ValidationFailed) as refused:
        banzhaf({"AAA": 3, "BBB": 2}, 6, members_quota=3)
    assert [problem.field for problem in refused.value.problems] == ["quota", "members_quota"]
    with pytest.raises(ValidationFailed, match="weights.AAA"):
        banzhaf({"AAA": Decimal(3), "BBB": 2}, 3)


def test_too_large_a_game_is_refused_with_a_way_out():
    with pytest.raises(ValidationFailed, match="coarser integer weights"):
        banzhaf({"AAA": 10**9, "BBB": 10**9 - 1}, 10**9)


def test_results_do_not_depend_on_the_order_members_are_given_in():
    reordered = dict(reversed(list(EEC_1958.items())))
    assert banzhaf(reordered, 12) == banzhaf(EEC_1958, 12)
    assert shapley_shubik(reordered, 12, memory_budget=0, seed=3) == shapley_shubik(EEC_1958, 12, memory_budget=0, seed=3)


def test_rule_game_rounds_the_quota_per_its_operator():
    rule = Rule(Weighting.WEIGHTED, Base.ELIGIBLE, Abstention.AGAINST, weight_threshold=Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2)))
    assert rule_game(rule, {"AAA": 2, "BBB": 1, "CCC": 1}).quota == 3  # more than 2 of 4
    at_least = dataclasses.replace(rule, weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(1, 2)))
    assert rule_game(at_least, {"AAA": 2, "BBB": 1, "CCC": 1}).quota == 2


def test_rule_voting_power_gives_equal_rules_one_nth_each():
    power = rule_voting_power(PRESETS["unanimity"], {"AAA": 1, "BBB": 5, "CCC": 0})
    assert dict(power.banzhaf) == dict(power.shapley_shubik.index) == dict.fromkeys(("AAA", "BBB", "CCC"), Fraction(1, 3))
    assert power.shapley_shubik.method is PowerMethod.EXACT


def test_rule_voting_power_refuses_a_rule_nobody_can_swing():
    nobody = Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=Threshold(ThresholdOp.MORE_THAN, Fraction(1)))
    with pytest.raises(ValidationFailed, match="cannot be met even by all members together"):
        rule_voting_power(nobody, {"AAA": 1, "BBB": 1})
    everyone = Rule(Weighting.WEIGHTED, Base.CAST, Abstention.NOT_CAST, weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(0)))
    with pytest.raises(ValidationFailed, match="met by every coalition"):
        rule_voting_power(everyone, {"AAA": 1, "BBB": 2})


def test_rule_voting_power_over_budget_is_its_own_error_naming_the_reduced_total():
    rule = Rule(Weighting.WEIGHTED, Base.CAST, Abstention.NOT_CAST, weight_threshold=Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2)))
    with pytest.raises(coalitions.PowerBudgetExceeded, match="here 6,000,001 .*times 1000000"):
        rule_voting_power(rule, {"AAA": 1, "BBB": Decimal("2.000001"), "CCC": 3}, memory_budget=1_000_000)


def test_rounded_voting_power_rounds_weights_too_fine_and_says_to_what():
    rule = PRESETS["eu_qualified_majority"]
    populations = {"DEU": 83118501, "FRA": 67407241, "ITA": 59641488, "ESP": 47332614, "NLD": 17407585, "POL": 37958138}
    power, parts = voting_power.rounded_voting_power(rule, populations)
    assert parts == voting_power.COARSE_PARTS and sum(power.banzhaf.values()) == 1
    assert voting_power.rounded_voting_power(rule, {"DEU": 3, "FRA": 2, "ITA": 2, "ESP": 1})[1] is None
