"""The public voting simulator, POST /api/v1/voting/simulate: cases checked by hand and real councils' tables."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest


URL = "/api/v1/voting/simulate"

# Real ISO 3166-1 alpha-3 codes, for councils of equals.
CODES = (
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE "
    "CHE NOR GBR ISR SRB"
).split()


def post(client, body, status=200):
    response = client.post(URL, json=body)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def equals(count: int) -> list[dict]:
    return [{"code": code} for code in CODES[:count]]


def ballots(yes=(), no=(), abstain=()) -> dict[str, str]:
    cast = {}
    for choice, codes in (("yes", yes), ("no", no), ("abstain", abstain)):
        cast.update(dict.fromkeys(codes, choice))
    return cast


def by_code(answer: dict) -> dict[str, dict]:
    return {member["code"]: member for member in answer["members"]}


# --- hand-checked ------------------------------------------------------------------------


def test_simple_majority_counts_abstentions_as_not_cast(client):
    body = {"members": equals(12), "rule": {"preset": "simple_majority"}, "ballots": ballots(CODES[:5], CODES[5:9], CODES[9:12])}
    answer = post(client, body)
    assert answer["outcome"] == "adopted"
    assert answer["explanation"] == "Adopted: 5 of 9 members voted yes (55.6 %), above the required half (50 %) of votes cast."
    assert answer["tally"] == {"members": {"in_favour": 5, "against": 4, "abstaining": 3, "absent": 0, "base": 9}, "votes": None}
    assert answer["checks"] == [
        {"measure": "members", "threshold": {"op": "more_than", "fraction": "1/2"}, "count": "5", "base": "9",
         "share": "0.555556", "met": True, "deemed_met": False},
    ]  # fmt: skip
    assert answer["quorum"] is None and answer["power"] is None
    assert answer["members"][0] == {"code": "AUT", "votes": "1", "votes_exact": "1/1", "vote_share": "0.083333", "vote_share_exact": "1/12"}
    assert answer["rule"]["members_threshold"] == {"op": "more_than", "fraction": "1/2"}  # the preset, expanded

    tied = post(client, {**body, "ballots": ballots(CODES[:4], CODES[4:8])})
    assert tied["outcome"] == "rejected"  # 4 of 8 is not more than half


def test_two_thirds_of_votes_cast(client):
    rule = {"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "at_least", "fraction": "2/3"}}
    # 14 of 22 cast is 63.6 %; one member absent, two abstaining
    answer = post(client, {"members": equals(25), "rule": rule, "ballots": ballots(CODES[:14], CODES[14:22], CODES[22:24])})
    assert answer["outcome"] == "rejected"
    assert answer["explanation"] == "Rejected: 14 of 22 members voted yes (63.6 %), short of the required two-thirds (66.7 %) of votes cast."
    assert answer["tally"]["members"] == {"in_favour": 14, "against": 8, "abstaining": 2, "absent": 1, "base": 22}
    # 16 of 24 is exactly two-thirds, which "at least" accepts
    exactly = post(client, {"members": equals(25), "rule": rule, "ballots": ballots(CODES[:16], CODES[16:24])})
    assert exactly["outcome"] == "adopted" and exactly["checks"][0]["share"] == "0.666667"


def test_unanimity_is_not_prevented_by_an_abstention_but_by_one_no(client):
    body = {"members": equals(12), "rule": {"preset": "unanimity"}}
    abstention = post(client, {**body, "ballots": ballots(CODES[:11], abstain=CODES[11:12])})
    assert abstention["outcome"] == "adopted"
    assert abstention["checks"][0]["count"] == "11" and abstention["checks"][0]["base"] == "11"
    assert abstention["quorum"]["met"] is True
    assert post(client, {**body, "ballots": ballots(CODES[:11], CODES[11:12])})["outcome"] == "rejected"


def test_a_thin_room_fails_the_quorum(client):
    answer = post(client, {"members": equals(12), "rule": {"preset": "unanimity"}, "ballots": ballots(CODES[:6])})
    assert answer["outcome"] == "no_quorum"
    assert answer["explanation"] == (
        "No quorum: 6 of 12 members entitled to vote were present (50 %), not above the required half (50 %) for a quorum."
    )
    assert answer["quorum"] == {
        "measure": "quorum", "threshold": {"op": "more_than", "fraction": "1/2"}, "count": "6", "base": "12",
        "share": "0.500000", "met": False, "deemed_met": False,
    }  # fmt: skip
    assert answer["tally"]["members"]["absent"] == 6


def test_without_ballots_nothing_is_decided_and_everyone_is_absent(client):
    answer = post(client, {"members": equals(5), "rule": {"preset": "two_thirds_of_all_members"}})
    assert answer["outcome"] is None
    assert answer["explanation"] == "No ballots were given, so nothing was decided: every member counts as absent."
    assert answer["tally"]["members"] == {"in_favour": 0, "against": 0, "abstaining": 0, "absent": 5, "base": 5}
    assert answer["checks"] is None and answer["quorum"] is None
    assert [member["vote_share"] for member in answer["members"]] == ["0.200000"] * 5
    assert post(client, {"members": equals(5), "rule": {"preset": "unanimity"}, "ballots": {}})["outcome"] is None


def test_weights_are_exact_decimals_whether_numbers_or_strings(client):
    rule = {"weights": "weighted", "base": "cast", "abstention": "not_cast", "weight_threshold": {"op": "more_than", "fraction": 0.5}}
    answer = post(client, {"members": [{"code": "FRA", "weight": 0.1}, {"code": "DEU", "weight": "0.2"}], "rule": rule})
    shares = {code: member["vote_share_exact"] for code, member in by_code(answer).items()}
    assert shares == {"FRA": "1/3", "DEU": "2/3"}  # a binary float would not give 1/3
    assert by_code(answer)["FRA"]["votes"] == "0.1" and by_code(answer)["DEU"]["vote_share"] == "0.666667"
    assert answer["rule"]["weight_threshold"]["fraction"] == "1/2"


# --- Council of the EU: qualified majority --------------------------------------------------

# Population of each member state for 2024, as fixed by the Council in Annex III to its Rules
# of Procedure (Council Decision (EU, Euratom) 2023/2935 of 11 December 2023, from Eurostat's
# population on 1 January 2023); total 448 387 872.
EU_POPULATION_2024 = {
    "DEU": 84358845, "FRA": 68070697, "ITA": 58850717, "ESP": 48059777, "POL": 36753736, "ROU": 19051562,
    "NLD": 17811291, "BEL": 11754004, "CZE": 10827529, "SWE": 10521556, "PRT": 10467366, "GRC": 10394055,
    "HUN": 9597085, "AUT": 9104772, "BGR": 6447710, "DNK": 5932654, "FIN": 5563970, "SVK": 5428792,
    "IRL": 5194336, "HRV": 3850894, "LTU": 2857279, "SVN": 2116792, "LVA": 1883008, "EST": 1365884,
    "CYP": 920701, "LUX": 660809, "MLT": 542051,
}  # fmt: skip
# The same Annex's percentages of the Union's population, to two decimals.
EU_PUBLISHED_PERCENT_2024 = {"DEU": "18.81", "FRA": "15.18", "MLT": "0.12"}
EU_MEMBERS = [{"code": code, "weight": population} for code, population in EU_POPULATION_2024.items()]


def eu_vote(client, no=(), abstain=()) -> dict:
    """Everyone votes yes but the members named."""
    others = set(no) | set(abstain)
    yes = [code for code in EU_POPULATION_2024 if code not in others]
    return post(client, {"members": EU_MEMBERS, "rule": {"preset": "eu_qualified_majority"}, "ballots": ballots(yes, no, abstain)})


def test_eu_vote_shares_are_the_councils_published_percentages(client):
    answer = eu_vote(client)
    members = by_code(answer)
    for code, published in EU_PUBLISHED_PERCENT_2024.items():
        percent = (Decimal(members[code]["vote_share"]) * 100).quantize(Decimal("0.01"))
        assert percent == Decimal(published), code
    assert members["DEU"]["vote_share_exact"] == str(Fraction(84358845, 448387872))
    assert members["MLT"]["vote_share"] == "0.001209"
    assert answer["tally"]["votes"]["base"] == "448387872"
    assert answer["outcome"] == "adopted"


def test_eu_four_largest_states_block(client):
    answer = eu_vote(client, no=("DEU", "FRA", "ITA", "ESP"))
    assert answer["outcome"] == "rejected"
    members_check, weight_check = answer["checks"]
    assert members_check["met"] and members_check["count"] == "23"
    # 448 387 872 - 259 340 036 = 189 047 836 of the population voted yes: 42.2 %
    assert weight_check == {
        "measure": "weight", "threshold": {"op": "at_least", "fraction": "13/20"}, "count": "189047836",
        "base": "448387872", "share": "0.421617", "met": False, "deemed_met": False,
    }  # fmt: skip
    assert "4 members did not vote yes, enough for a blocking minority of 4" in answer["explanation"]


def test_eu_three_largest_states_cannot_block_alone(client):
    # 52.9 % of the population voted yes, but a blocking minority needs four members
    answer = eu_vote(client, no=("DEU", "FRA", "ITA"))
    assert answer["outcome"] == "adopted"
    assert answer["checks"][1]["share"] == "0.528800"
    assert answer["checks"][1]["met"] and answer["checks"][1]["deemed_met"]
    assert "fewer than the 4 a blocking minority needs, so the weight threshold counts as met" in answer["explanation"]


def test_eu_fifteen_small_states_are_enough_members_but_too_few_people(client):
    smallest = sorted(EU_POPULATION_2024, key=EU_POPULATION_2024.__getitem__)[:15]
    answer = eu_vote(client, no=[code for code in EU_POPULATION_2024 if code not in smallest])
    assert answer["outcome"] == "rejected"
    members_check, weight_check = answer["checks"]
    assert members_check["met"] and members_check["share"] == "0.555556"  # 15 of 27 reaches 55 %
    assert not weight_check["met"] and weight_check["share"] == "0.137084"  # far from 65 %


def test_eu_an_abstention_counts_against(client):
    # Poland abstaining is the fourth member not voting yes: 52.9 % - 8.2 % of the population
    answer = eu_vote(client, no=("DEU", "FRA", "ITA"), abstain=("POL",))
    assert answer["outcome"] == "rejected"
    assert answer["tally"]["votes"]["abstaining"] == "36753736"


def test_eu_power_on_raw_populations_is_refused_with_what_is_accepted(client):
    body = {"members": EU_MEMBERS, "rule": {"preset": "eu_qualified_majority"}, "power": True}
    message = post(client, body, status=400)["fields"]["power"]
    assert "448,387,872" in message and "populations in tens of thousands" in message and "power: false" in message


def test_eu_power_on_populations_in_tens_of_thousands(client):
    rounded = [{"code": code, "weight": round(population / 10_000)} for code, population in EU_POPULATION_2024.items()]
    power = post(client, {"members": rounded, "rule": {"preset": "eu_qualified_majority"}, "power": True})["power"]
    assert power["method"] == {"banzhaf": "exact", "shapley_shubik": "exact"}
    banzhaf = {code: Decimal(value) for code, value in power["banzhaf"].items()}
    shapley_shubik = {code: Decimal(value) for code, value in power["shapley_shubik"].items()}
    assert abs(sum(banzhaf.values()) - 1) < Decimal("0.00002") and abs(sum(shapley_shubik.values()) - 1) < Decimal("0.00002")
    # power follows population: Germany most, Malta least, and Malta still has some
    assert max(banzhaf, key=banzhaf.get) == "DEU" and min(banzhaf, key=banzhaf.get) == "MLT" and banzhaf["MLT"] > 0


# --- IMF: quotas and basic votes ---------------------------------------------------------

# IMF, "IMF Members' Quotas and Voting Power, and IMF Board of Governors" (2024): quota in SDR
# millions, votes, and votes in percent of the total of all members. Votes are one per SDR
# 100,000 of quota plus 1,459 basic votes per member (Articles of Agreement, Art. XII,
# Sec. 5(a); basic votes are 5.502 % of all members' votes).
IMF_2024 = {
    "USA": ("82994.2", 831401, "16.49"), "JPN": ("30820.5", 309664, "6.14"), "CHN": ("30482.9", 306288, "6.08"),
    "DEU": ("26634.4", 267803, "5.31"), "FRA": ("20155.1", 203010, "4.03"), "GBR": ("20155.1", 203010, "4.03"),
    "ITA": ("15070.0", 152159, "3.02"), "IND": ("13114.4", 132603, "2.63"), "RUS": ("12903.7", 130496, "2.59"),
    "BRA": ("11042.0", 111879, "2.22"), "CAN": ("11023.9", 111698, "2.22"), "SAU": ("9992.6", 101385, "2.01"),
}  # fmt: skip
IMF_BASIC_VOTES_2024 = 1459


def quota_votes(quota: str) -> int:
    return int(Decimal(quota) * 10)  # one vote per SDR 100,000


IMF_MEMBERS = [{"code": code, "weight": quota_votes(quota)} for code, (quota, _, _) in IMF_2024.items()]
# The basic votes' share of these twelve members' votes (in the whole IMF, 5.502 % of all votes), so each has the 1,459
# the table publishes: basic votes are a share of the total (IMF Art. XII, Sec. 5(a)).
IMF_SUBSET_BASIC_SHARE = Fraction(len(IMF_2024) * IMF_BASIC_VOTES_2024, sum(votes for _, votes, _ in IMF_2024.values()))
IMF_RULE = {"preset": "imf_85_percent", "basic_votes_share": f"{IMF_SUBSET_BASIC_SHARE.numerator}/{IMF_SUBSET_BASIC_SHARE.denominator}"}


def test_imf_votes_and_shares_match_the_published_table_within_the_subset(client):
    answer = post(client, {"members": IMF_MEMBERS, "rule": IMF_RULE})
    members = by_code(answer)
    subset_votes = sum(votes for _, votes, _ in IMF_2024.values())
    subset_percent = sum(Decimal(percent) for _, _, percent in IMF_2024.values())
    for code, (_, votes, percent) in IMF_2024.items():
        assert members[code]["votes"] == str(votes), code  # basic votes included, exactly as published
        # shares are relative to these twelve members, not to all of the IMF's
        assert members[code]["vote_share_exact"] == str(Fraction(votes, subset_votes)), code
        # and agree with the published percentages rescaled to the subset, to their two decimals' precision
        assert abs(Decimal(members[code]["vote_share"]) - Decimal(percent) / subset_percent) < Decimal("0.0002"), code
    assert members["USA"]["vote_share"] == "0.290558"


def test_imf_85_percent_majority_the_united_states_alone_blocks(client):
    body = {"members": IMF_MEMBERS, "rule": IMF_RULE}
    others = [code for code in IMF_2024 if code != "USA"]
    blocked = post(client, {**body, "ballots": ballots(others, ["USA"])})
    assert blocked["outcome"] == "rejected"  # the US holds 29.1 % of this subset's votes (16.49 % of all), over 15 %
    assert blocked["checks"][0]["share"] == "0.709442"
    assert blocked["explanation"].startswith("Rejected: 70.9 % of the weight voted yes, short of the required 85 %")
    not_japan = [code for code in IMF_2024 if code != "JPN"]
    assert post(client, {**body, "ballots": ballots(not_japan, ["JPN"])})["outcome"] == "adopted"  # 10.8 % cannot block


def test_imf_basic_votes_as_a_share_of_the_total(client):
    """IMF Art. XII, Sec. 5(a) as amended 2008/2010, the preset's rule: basic votes are 5.502 % of all votes, spread
    equally, whatever the unit of the weights (quota votes here, percentages below)."""
    weights = [quota_votes(quota) for quota, _, _ in IMF_2024.values()]
    answer = post(client, {"members": IMF_MEMBERS, "rule": {"preset": "imf_85_percent"}})
    votes = [Fraction(member["votes_exact"]) for member in answer["members"]]
    assert (sum(votes) - sum(weights)) / sum(votes) == Fraction(5502, 100000)
    assert len({vote - weight for vote, weight in zip(votes, weights)}) == 1  # equally
    assert answer["rule"]["basic_votes_share"] == "2751/50000"


def test_imf_basic_votes_let_a_fifth_of_contributions_block_an_85_percent_decision(client):
    """Defect 9. With contribution shares (percent) as weights, a member with 20 % of them holds more than 15 % of the
    votes and blocks an 85 % decision (IMF Art. XII, Sec. 5(a): basic votes are a share of the total votes)."""
    others = "AUT BEL CAN DEU DNK ESP FIN FRA GBR IRL ITA JPN NLD NOR POL SWE".split()
    members = [{"code": "USA", "weight": "20"}, *({"code": code, "weight": "5"} for code in others)]
    answer = post(client, {"members": members, "rule": {"preset": "imf_85_percent"}, "ballots": ballots(others, ["USA"])})
    assert answer["outcome"] == "rejected"
    assert Decimal("0.19") < Decimal(by_code(answer)["USA"]["vote_share"]) < Decimal("0.20")


# --- CERN: one member state, one vote ----------------------------------------------------

# CERN's 23 member states before Estonia's accession on 30 August 2024.
CERN_2023 = "AUT BEL BGR CZE DNK FIN FRA DEU GRC HUN ISR ITA NLD NOR POL PRT ROU SRB SVK ESP SWE CHE GBR".split()


def test_cern_two_thirds_of_member_states_represented_and_voting(client):
    members = [{"code": code} for code in CERN_2023]
    body = {"members": members, "rule": {"preset": "cern_budget"}}
    # all 23 voting: 15 yes is 65.2 %, short of two-thirds (15.33 would be needed)
    all_voting = post(client, {**body, "ballots": ballots(CERN_2023[:15], CERN_2023[15:])})
    assert all_voting["outcome"] == "rejected"
    assert all_voting["explanation"] == (
        "Rejected: 15 of 23 members voted yes (65.2 %), short of the required two-thirds (66.7 %) of votes cast."
    )
    # one abstaining: 15 of 22 voting is 68.2 %
    one_abstains = post(client, {**body, "ballots": ballots(CERN_2023[:15], CERN_2023[15:22], CERN_2023[22:])})
    assert one_abstains["outcome"] == "adopted" and one_abstains["checks"][0]["share"] == "0.681818"
    # Art. I.2 / V.6 count all member states: 15 of 23 falls short whoever abstains, 16 reaches it
    all_members = {"members": members, "rule": {"preset": "two_thirds_of_all_members"}}
    assert post(client, {**all_members, "ballots": ballots(CERN_2023[:15], abstain=CERN_2023[15:])})["outcome"] == "rejected"
    assert post(client, {**all_members, "ballots": ballots(CERN_2023[:16])})["outcome"] == "adopted"


# --- voting power --------------------------------------------------------------------------


def weighted(*weights: int, fraction: str = "51/100") -> dict:
    codes = ("AAA", "BBB", "CCC", "DDD", "EEE")
    return {
        "members": [{"code": code, "weight": weight} for code, weight in zip(codes, weights)],
        "rule": {"weights": "weighted", "base": "eligible", "abstention": "against", "weight_threshold": {"op": "at_least", "fraction": fraction}},
        "power": True,
    }


def test_power_of_51_50_49_1_by_hand(client):
    """[51; 50, 49, 1]: A wins with either of the others; B and C together have only 50.

    Banzhaf: A swings in {A,B}, {A,C} and {A,B,C}; B only in {A,B}; C only in {A,C}: 3/5, 1/5, 1/5.
    Shapley-Shubik, the member whose arrival makes 51 in each of the six orderings:
    ABC -> B, ACB -> C, BAC -> A, BCA -> A, CAB -> A, CBA -> A: 4/6, 1/6, 1/6.
    """
    power = post(client, weighted(50, 49, 1))["power"]
    assert power == {
        "method": {"banzhaf": "exact", "shapley_shubik": "exact"},
        "banzhaf": {"AAA": "0.600000", "BBB": "0.200000", "CCC": "0.200000"},
        "banzhaf_exact": {"AAA": "3/5", "BBB": "1/5", "CCC": "1/5"},
        "shapley_shubik": {"AAA": "0.666667", "BBB": "0.166667", "CCC": "0.166667"},
        "shapley_shubik_exact": {"AAA": "2/3", "BBB": "1/6", "CCC": "1/6"},
        "standard_error": None,
        "samples": None,
        "seed": None,
    }


def test_large_weights_sample_shapley_shubik_and_say_so(client):
    # [51; 50, 49, 1] again, in weights whose table by size and weight (4 sizes x 2.5 million
    # weights) exceeds the budget, while Banzhaf's single row fits
    body = weighted(2_500_000, 2_449_999, 50_001)
    body["rule"]["weight_threshold"] = {"op": "more_than", "fraction": "1/2"}
    power = post(client, body)["power"]
    assert power["method"] == {"banzhaf": "exact", "shapley_shubik": "sampled"}
    assert power["banzhaf"] == {"AAA": "0.600000", "BBB": "0.200000", "CCC": "0.200000"}
    assert power["banzhaf_exact"] == {"AAA": "3/5", "BBB": "1/5", "CCC": "1/5"}
    assert power["shapley_shubik_exact"] is None  # an estimate has no exact value
    assert power["samples"] == 20_000 and power["seed"] == 0
    exact = {"AAA": Fraction(2, 3), "BBB": Fraction(1, 6), "CCC": Fraction(1, 6)}
    for code, estimate in power["shapley_shubik"].items():
        error = Fraction(power["standard_error"]["shapley_shubik"][code])
        assert 0 < error < Fraction(1, 100)
        assert abs(Fraction(estimate) - exact[code]) < 4 * error, code
    assert post(client, body)["power"] == power  # seeded: the same request, the same answer


def test_equal_rules_give_everyone_the_same_power(client):
    power = post(client, {"members": equals(3), "rule": {"preset": "unanimity"}, "power": True})["power"]
    assert power["banzhaf"] == power["shapley_shubik"] == {"AUT": "0.333333", "BEL": "0.333333", "BGR": "0.333333"}


def test_four_hundred_members_are_accepted_and_answered_quickly(client):
    codes = [a + b + c for a in "ABCD" for b in "ABCDEFGHIJ" for c in "ABCDEFGHIJ"]
    members = [{"code": code, "weight": 1 + index % 3} for index, code in enumerate(codes)]
    power = post(client, {"members": members, "rule": weighted()["rule"], "power": True})["power"]
    assert len(power["banzhaf"]) == 400 and power["method"]["banzhaf"] == "exact"


# --- refused -------------------------------------------------------------------------------

GOOD = {"members": [{"code": "FRA", "weight": 3}, {"code": "DEU", "weight": 4}], "rule": {"preset": "eu_qualified_majority"}}
MANY = [{"code": a + b + c, "weight": 1} for a in "ABCDE" for b in "ABCDEFGHIJ" for c in "ABCDEFGHIJ"][:401]


def changed(**fields) -> dict:
    return {**GOOD, **fields}


def weighted_rule(**parameters) -> dict:
    return {"weights": "weighted", "base": "cast", "abstention": "not_cast", "weight_threshold": {"op": "more_than", "fraction": "1/2"}, **parameters}


BAD = [
    ("more than 400 members", changed(members=MANY), "members"),
    ("no members", changed(members=[]), "members"),
    ("members missing", {"rule": GOOD["rule"]}, "members"),
    ("a member not an object", changed(members=["FRA"]), "members[0]"),
    ("a code not alpha-3", changed(members=[{"code": "fr", "weight": 1}]), "members[0].code"),
    ("a duplicate code", changed(members=[{"code": "FRA", "weight": 1}, {"code": "FRA", "weight": 2}]), "members[1].code"),
    ("a negative weight", changed(members=[{"code": "FRA", "weight": -1}]), "members[0].weight"),
    ("a weight not a number", changed(members=[{"code": "FRA", "weight": "ten"}]), "members[0].weight"),
    ("a weight true", changed(members=[{"code": "FRA", "weight": True}]), "members[0].weight"),
    ("a weight with seven decimals", changed(members=[{"code": "FRA", "weight": "0.1234567"}]), "members[0].weight"),
    ("a weight too large", changed(members=[{"code": "FRA", "weight": 10**16}]), "members[0].weight"),
    ("a weight missing under a weighted rule", changed(members=[{"code": "FRA"}]), "members[0].weight"),
    ("an unknown member field", changed(members=[{"code": "FRA", "weight": 1, "votes": 3}]), "members[0].votes"),
    ("every weight zero", changed(members=[{"code": "FRA", "weight": 0}]), "members"),
    ("a ballot for a code not among members", changed(ballots={"ITA": "yes"}), "ballots.ITA"),
    ("an unknown option", changed(ballots={"FRA": "maybe"}), "ballots.FRA"),
    ("ballots not an object", changed(ballots=["FRA"]), "ballots"),
    ("rule missing", {"members": GOOD["members"]}, "rule"),
    ("an unknown preset", changed(rule={"preset": "eu_double_majority"}), "rule.preset"),
    ("a fraction above 1", changed(rule=weighted_rule(weight_threshold={"op": "at_least", "fraction": "3/2"})), "rule.weight_threshold.fraction"),
    ("a fraction below 0", changed(rule=weighted_rule(weight_threshold={"op": "at_least", "fraction": -0.5})), "rule.weight_threshold.fraction"),
    ("a fraction over long", changed(rule=weighted_rule(quorum={"op": "at_least", "fraction": "1/" + "3" * 200})), "rule.quorum.fraction"),
    ("an unknown op", changed(rule={"preset": "simple_majority", "members_threshold": {"op": "most", "fraction": "1/2"}}), "rule.members_threshold.op"),
    ("basic votes without weighted weights", changed(rule={"preset": "simple_majority", "basic_votes_share": "1/20"}), "rule.basic_votes_share"),
    ("basic votes all of the votes", changed(rule={"preset": "imf_85_percent", "basic_votes_share": "1"}), "rule.basic_votes_share"),
    ("a blocking minority of 2^63", changed(rule={"preset": "eu_qualified_majority", "blocking_minority_min_members": 2**63}), "rule.blocking_minority_min_members"),
    ("an unknown rule parameter", changed(rule=weighted_rule(majority="simple")), "rule.majority"),
    ("an unknown field", changed(present=["FRA"]), "present"),
    ("power not a boolean", changed(power="yes"), "power"),
    # 1, 2.000001 and 3 are whole only in millionths: the compound game's table needs about 16 MB
    ("a weight with so many decimals that power exceeds the budget",
     changed(members=[{"code": "FRA", "weight": 1}, {"code": "DEU", "weight": "2.000001"}, {"code": "ITA", "weight": 3}], power=True), "power"),
    ("power where every coalition wins",
     changed(rule=weighted_rule(weight_threshold={"op": "at_least", "fraction": "0"}), power=True), "power"),
    ("power where no coalition wins",
     changed(rule={"preset": "simple_majority", "members_threshold": {"op": "more_than", "fraction": "1"}}, power=True), "power"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input_is_a_400_naming_the_field(client, body, field):
    response = client.post(URL, json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    answer = response.get_json()
    assert field in answer["fields"], answer
    assert field in answer["error"] and len(answer["fields"][field]) > 20, answer  # says what was wrong and what to do


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("[1, 2]", "application/json"),
        ('"members"', "application/json"),
        ("{not json", "application/json"),
        ('{"members": [{"code": "FRA", "weight": NaN}], "rule": {"preset": "simple_majority"}}', "application/json"),
        ('{"members": [{"code": "FRA", "weight": ' + "9" * 5000 + '}], "rule": {"preset": "simple_majority"}}', "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        (json.dumps({"members": [{"code": "FRA"}], "padding": "x" * 1_000_000}), "application/json"),
        (json.dumps(GOOD), "text/plain"),
        ("members=FRA", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/json"),
    ],
    ids=["array", "string", "malformed", "NaN", "huge integer", "deep nesting", "oversized", "text/plain", "form", "not UTF-8"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, data, content_type):
    response = client.post(URL, data=data, content_type=content_type)
    assert response.status_code == 400
    assert "body" in response.get_json()["fields"]


@pytest.mark.parametrize(
    ("weight", "rule"),
    [
        ("1e308", None), ('"1e308"', None), ("9" * 40, None), ('"' + "9" * 40 + '"', None), (str(2**63), None),
        ("1", '{"preset": "eu_qualified_majority", "quorum": {"op": "at_least", "fraction": "' + "9" * 40 + "/" + "9" * 41 + '0"}}'),
        ("1", '{"preset": "eu_qualified_majority", "quorum": {"op": "at_least", "fraction": 1e308}}'),
        ("1", '{"preset": "eu_qualified_majority", "blocking_minority_min_members": ' + str(2**63) + "}"),
        ("1", '{"preset": "eu_qualified_majority", "quorum": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    ],
    ids=["1e308", "1e308-text", "forty-9s", "forty-9s-text", "2^63", "fraction-forty-9s", "fraction-1e308", "blocking-2^63", "rule-50000-deep"],
)
def test_numbers_past_what_the_engine_takes_are_a_400_naming_the_field(client, weight, rule):
    """Issue 9: every count the simulator takes is bounded, with the field named and the accepted range said."""
    body = '{"members": [{"code": "FRA", "weight": %s}, {"code": "DEU", "weight": 1}], "rule": %s, "ballots": {"FRA": "yes"}}' % (
        weight, rule or '{"preset": "eu_qualified_majority"}')
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    fields = response.get_json()["fields"]
    assert set(fields) <= {"members[0].weight", "rule.quorum.fraction", "rule.quorum", "rule.blocking_minority_min_members", "body"}, fields
    assert all("accepted" in message for message in fields.values()), fields


def test_every_problem_is_reported_at_once(client):
    body = {
        "members": [{"code": "FRA", "weight": -1}, {"code": "FRA", "weight": 2}],
        "rule": {"preset": "eu_qualified_majority", "quorum": {"op": "most", "fraction": "1/2"}},
        "ballots": {"ITA": "yes"},
        "power": 1,
    }
    fields = post(client, body, status=400)["fields"]
    assert set(fields) == {"members[0].weight", "members[1].code", "rule.quorum.op", "ballots.ITA", "power"}
    # ballots are not blamed when the members themselves cannot be read
    fields = post(client, {**body, "members": MANY, "ballots": {"AAA": "yes", "ABC": "maybe"}}, status=400)["fields"]
    assert set(fields) == {"members", "rule.quorum.op", "ballots.ABC", "power"}


def test_only_post_is_accepted(client):
    """RFC 9110 §15.5.6: a 405 carries Allow, listing the methods the resource has."""
    response = client.get(URL)
    assert response.status_code == 405 and "error" in response.get_json()
    assert "POST" in response.headers["Allow"].split(", ")
