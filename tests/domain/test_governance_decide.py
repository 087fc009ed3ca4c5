"""The rule engine: presets checked by hand, the parts of a rule one by one, and properties."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.errors import ValidationFailed
from ledger.domain.governance.decide import Voter, decide, voter_votes
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.rules import Abstention, Base, Outcome, Rule, Threshold, ThresholdOp, Weighting

# Real ISO 3166-1 alpha-3 codes, enough for any test here.
CODES = (
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE "
    "CHE NOR GBR ISR SRB"
).split()


def equal_members(count: int) -> list[Voter]:
    return [Voter(code) for code in CODES[:count]]


def ballots(yes: str = "", no: str = "", abstain: str = "") -> dict[str, str]:
    """Ballots from space-separated codes: ballots(yes="FRA DEU", no="ITA")."""
    cast = {}
    for choice, codes in (("yes", yes), ("no", no), ("abstain", abstain)):
        cast.update(dict.fromkeys(codes.split(), choice))
    return cast


def first(count: int, start: int = 0) -> str:
    return " ".join(CODES[start : start + count])


# --- presets, by hand ----------------------------------------------------------------------


def test_simple_majority_needs_more_yes_than_no_among_votes_cast():
    members = equal_members(12)
    adopted = decide(PRESETS["simple_majority"], members, ballots(yes=first(5), no=first(4, 5), abstain=first(3, 9)))
    assert adopted.outcome is Outcome.ADOPTED
    assert adopted.explanation == "Adopted: 5 of 9 members voted yes (55.6 %), above the required half (50 %) of votes cast."

    tied = decide(PRESETS["simple_majority"], members, ballots(yes=first(4), no=first(4, 4)))
    assert tied.outcome is Outcome.REJECTED
    assert tied.explanation == "Rejected: 4 of 8 members voted yes (50 %), not above the required half (50 %) of votes cast."


def test_two_thirds_of_votes_cast_reads_like_the_minutes():
    decision = decide(PRESETS["two_thirds_of_votes_cast"], equal_members(25), ballots(yes=first(14), no=first(8, 14), abstain=first(2, 22)))
    assert decision.outcome is Outcome.REJECTED
    assert decision.members.in_favour == 14 and decision.members.base == 22
    assert decision.members.abstaining == 2 and decision.members.absent == 1
    assert decision.explanation == "Rejected: 14 of 22 members voted yes (63.6 %), short of the required two-thirds (66.7 %) of votes cast."


def test_two_thirds_of_all_members_counts_the_absent_as_not_yes():
    members = equal_members(27)
    assert decide(PRESETS["two_thirds_of_all_members"], members, ballots(yes=first(18))).outcome is Outcome.ADOPTED
    short = decide(PRESETS["two_thirds_of_all_members"], members, ballots(yes=first(17)))
    assert short.outcome is Outcome.REJECTED
    assert short.members.absent == 10 and short.members.base == 27
    assert short.explanation == (
        "Rejected: 17 of 27 members voted yes (63.0 %), short of the required two-thirds (66.7 %) of all members entitled to vote."
    )


def test_unanimity_is_not_prevented_by_abstentions_but_by_one_no_or_a_thin_room():
    members = equal_members(12)
    rule = PRESETS["unanimity"]
    assert decide(rule, members, ballots(yes=first(10), abstain=first(2, 10))).outcome is Outcome.ADOPTED
    assert decide(rule, members, ballots(yes=first(11), no=first(1, 11))).outcome is Outcome.REJECTED
    thin = decide(rule, members, ballots(yes=first(6)))
    assert thin.outcome is Outcome.NO_QUORUM
    assert thin.explanation == "No quorum: 6 of 12 members entitled to vote were present (50 %), not above the required half (50 %) for a quorum."


def test_cern_budget_is_two_thirds_of_member_states_represented_and_voting():
    members = equal_members(23)
    rule = PRESETS["cern_budget"]
    # 15 of 22 voting is 68.2 %; the abstention is not a vote
    decision = decide(rule, members, ballots(yes=first(15), no=first(7, 15), abstain=first(1, 22)))
    assert decision.outcome is Outcome.ADOPTED
    assert decision.explanation == "Adopted: 15 of 22 members voted yes (68.2 %), reaching the required two-thirds (66.7 %) of votes cast."
    assert decide(rule, members, ballots(yes=first(14), no=first(8, 14))).outcome is Outcome.REJECTED


# Population shares of the EU-27 in hundredths of a percent, as fixed by the Council for
# 2025 from Eurostat's population on 1 January 2024 (Agence Europe, 12 December 2024).
# They add up to 10001 because each share is rounded.
EU_2025_SHARES = {
    "DEU": 1849, "FRA": 1517, "ITA": 1323, "ESP": 1078, "POL": 833, "ROU": 423, "NLD": 401,
    "BEL": 262, "CZE": 242, "PRT": 236, "SWE": 234, "GRC": 231, "HUN": 213, "AUT": 202,
    "BGR": 143, "DNK": 132, "FIN": 125, "SVK": 121, "IRL": 119, "HRV": 86, "LTU": 64,
    "SVN": 47, "LVA": 42, "EST": 30, "CYP": 21, "LUX": 15, "MLT": 12,
}  # fmt: skip
EU_MEMBERS = [Voter(code, weight) for code, weight in EU_2025_SHARES.items()]


def eu_vote(no: str = "", abstain: str = "", absent: str = "") -> dict[str, str]:
    """Everyone votes yes except the members named."""
    others = set(no.split()) | set(abstain.split()) | set(absent.split())
    return ballots(yes=" ".join(code for code in EU_2025_SHARES if code not in others), no=no, abstain=abstain)


def test_eu_three_largest_states_cannot_block_alone():
    # 24 of 27 members (88.9 %) but 10001 - 4689 = 5312 of 10001 (53.1 %) of the population
    decision = decide(PRESETS["eu_qualified_majority"], EU_MEMBERS, eu_vote(no="DEU FRA ITA"))
    assert decision.outcome is Outcome.ADOPTED
    weight_check = decision.checks[1]
    assert weight_check.deemed_met and weight_check.count == 5312 and weight_check.base == 10001
    assert decision.explanation == (
        "Adopted: 24 of 27 members voted yes (88.9 %), reaching the required 55 % of all members entitled to vote; "
        "53.1 % of the weight voted yes, short of the required 65 % of the weight of all members entitled to vote, "
        "but only 3 members did not vote yes, fewer than the 4 a blocking minority needs, so the weight threshold counts as met; "
        "quorum met (27 of 27 members entitled to vote present)."
    )


def test_eu_four_largest_states_block():
    decision = decide(PRESETS["eu_qualified_majority"], EU_MEMBERS, eu_vote(no="DEU FRA ITA ESP"))
    assert decision.outcome is Outcome.REJECTED
    assert decision.checks[0].met and not decision.checks[1].met
    assert "42.3 % of the weight voted yes, short of the required 65 %" in decision.explanation
    assert "4 members did not vote yes, enough for a blocking minority of 4" in decision.explanation


def test_eu_abstention_counts_against():
    # Poland abstaining is the fourth member not voting yes: 5312 - 833 = 4479 (44.8 %)
    decision = decide(PRESETS["eu_qualified_majority"], EU_MEMBERS, eu_vote(no="DEU FRA ITA", abstain="POL"))
    assert decision.outcome is Outcome.REJECTED
    assert decision.weight.in_favour == 4479 and decision.weight.abstaining == 833


def test_eu_fifteen_smallest_states_are_enough_members_but_too_few_people():
    smallest = sorted(EU_2025_SHARES, key=EU_2025_SHARES.__getitem__)[:15]
    others = " ".join(code for code in EU_2025_SHARES if code not in smallest)
    decision = decide(PRESETS["eu_qualified_majority"], EU_MEMBERS, eu_vote(no=others))
    assert decision.outcome is Outcome.REJECTED
    assert decision.checks[0].met  # 15 of 27 is 55.6 %
    assert decision.weight.in_favour == 1372  # 13.7 % of the population


def test_eu_ordinary_qualified_majority():
    # 23 members with 10001 - 1099 = 8902 (89.0 %)
    decision = decide(PRESETS["eu_qualified_majority"], EU_MEMBERS, eu_vote(no="NLD BEL SWE AUT"))
    assert decision.outcome is Outcome.ADOPTED
    assert not decision.checks[1].deemed_met


def test_textbook_treaty_of_rome_weighted_votes():
    """EEC Treaty (1957) Art. 148(2): 12 of 17 weighted votes; FRA, DEU, ITA 4, BEL, NLD 2, LUX 1."""
    rule = Rule(Weighting.WEIGHTED, Base.ELIGIBLE, Abstention.AGAINST, weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(12, 17)))
    members = [Voter("FRA", 4), Voter("DEU", 4), Voter("ITA", 4), Voter("BEL", 2), Voter("NLD", 2), Voter("LUX", 1)]
    assert decide(rule, members, ballots(yes="FRA DEU ITA")).outcome is Outcome.ADOPTED  # 12
    assert decide(rule, members, ballots(yes="FRA DEU BEL NLD", no="ITA LUX")).outcome is Outcome.ADOPTED  # 12
    assert decide(rule, members, ballots(yes="FRA DEU BEL LUX", no="ITA NLD")).outcome is Outcome.REJECTED  # 11


def test_skao_budget_needs_two_thirds_of_members_and_of_contributions_voting():
    members = [Voter("GBR", 30), Voter("ITA", 20), Voter("NLD", 10), Voter("PRT", 5), Voter("CHE", 5), Voter("ESP", 30)]
    rule = PRESETS["skao_budget"]
    # 5 of 6 members with 70 of the 100 weight cast
    decision = decide(rule, members, ballots(yes="GBR ITA NLD PRT CHE", no="ESP"))
    assert decision.outcome is Outcome.ADOPTED
    decision = decide(rule, members, ballots(yes="ITA NLD PRT CHE", no="GBR ESP"))
    assert decision.outcome is Outcome.REJECTED  # 4 of 6 members meet two-thirds; 40 of 100 do not
    assert decision.checks[0].met and not decision.checks[1].met
    # three members present is half of six, short of the two-thirds quorum
    assert decide(rule, members, ballots(yes="GBR ITA ESP")).outcome is Outcome.NO_QUORUM


def test_imf_basic_votes_are_a_share_of_the_total_votes():
    """IMF Articles of Agreement Art. XII, Sec. 5(a) (as amended 2008/2010): basic votes are 5.502 % of the total
    votes, spread equally; with 10 % and quota votes 90 among 3 members, B = 0.1 (B + 90), so B = 10, 10/3 each."""
    members = [Voter("USA", 50), Voter("JPN", 30), Voter("CHN", 10)]
    rule = dataclasses.replace(PRESETS["imf_85_percent"], basic_votes_share=Fraction(1, 10))
    votes = voter_votes(rule, members)
    assert votes == {"USA": Fraction(160, 3), "JPN": Fraction(100, 3), "CHN": Fraction(40, 3)}
    assert (sum(votes.values()) - 90) / sum(votes.values()) == Fraction(1, 10)
    assert PRESETS["imf_85_percent"].basic_votes_share == Fraction(5502, 100_000)


def test_imf_basic_votes_mean_the_same_whatever_the_weights_unit():
    """IMF Art. XII, Sec. 5(a): basic votes are a share of the total, so weights in percent (contribution shares)
    or in units of account give the same vote shares. Defect 9: 250 basic votes were added to percent shares, so a
    member with 20 % of contributions could not block an 85 % decision, the point of the IMF rule."""
    others = ("AUT BEL CAN DEU DNK ESP FIN FRA GBR IRL ITA JPN NLD NOR POL SWE").split()
    percent = [Voter("USA", 20), *(Voter(code, 5) for code in others)]
    units = [Voter(voter.code, voter.weight * 1_000_000) for voter in percent]
    rule = PRESETS["imf_85_percent"]
    shares = []
    for members in (percent, units):
        votes = voter_votes(rule, members)
        shares.append({code: vote / sum(votes.values()) for code, vote in votes.items()})
    assert shares[0] == shares[1]
    assert Fraction(19, 100) < shares[0]["USA"] < Fraction(20, 100)
    for members in (percent, units):
        assert decide(rule, members, ballots(yes=" ".join(others), no="USA")).outcome is Outcome.REJECTED  # USA blocks


def test_suspended_members_leave_the_basic_votes_total():
    """IMF Art. XXVI, Sec. 2(b): a suspended member's votes leave the total, basic votes included."""
    rule = dataclasses.replace(PRESETS["imf_85_percent"], basic_votes_share=Fraction(1, 10))
    members = [Voter("USA", 45), Voter("JPN", 45), Voter("CHN", 1000, suspension="arrears")]
    votes = voter_votes(rule, members)
    assert votes["USA"] == votes["JPN"] == 45 + 5  # B = 0.1 * 90 / 0.9 = 10, shared by the two eligible
    assert votes["CHN"] == 1000


# --- the parts of a rule -------------------------------------------------------------------


def test_abstention_against_enters_the_base_of_votes_cast():
    members = equal_members(12)
    cast = ballots(yes=first(6), no=first(3, 6), abstain=first(3, 9))
    majority = Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2))
    not_cast = Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=majority)
    against = dataclasses.replace(not_cast, abstention=Abstention.AGAINST)
    assert decide(not_cast, members, cast).outcome is Outcome.ADOPTED  # 6 of 9
    decision = decide(against, members, cast)
    assert decision.outcome is Outcome.REJECTED  # 6 of 12
    assert decision.explanation.endswith("of votes cast, abstentions counting as against.")


def test_present_base_and_quorum_count_members_present_without_a_ballot():
    members = equal_members(10)
    rule = Rule(
        Weighting.EQUAL, Base.PRESENT, Abstention.NOT_CAST,
        members_threshold=Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2)),
        quorum=Threshold(ThresholdOp.AT_LEAST, Fraction(3, 5)),
    )  # fmt: skip
    cast = ballots(yes=first(3), no=first(1, 3))
    assert decide(rule, members, cast).outcome is Outcome.NO_QUORUM  # 4 of 10 present
    # two more in the room without voting: quorum 6 of 10, but 3 of 6 present is not a majority
    decision = decide(rule, members, cast, present=set(first(6).split()))
    assert decision.outcome is Outcome.REJECTED
    assert (decision.members.abstaining, decision.members.absent, decision.members.base) == (2, 4, 6)


def test_a_ballot_proves_presence_whatever_the_roll_call_says():
    rule = Rule(Weighting.EQUAL, Base.PRESENT, Abstention.NOT_CAST, members_threshold=Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2)))
    decision = decide(rule, equal_members(4), ballots(yes="AUT BEL", no="BGR"), present={"AUT", "HRV"})
    assert decision.present == {"AUT", "BEL", "BGR", "HRV"}
    assert decision.outcome is Outcome.REJECTED  # 2 of 4 present


def test_suspended_member_leaves_the_base_and_its_ballot_is_refused():
    members = equal_members(10)
    members[9] = Voter(members[9].code, suspension="arrears above two years of contributions")
    rule = PRESETS["two_thirds_of_all_members"]
    decision = decide(rule, members, ballots(yes=first(6)))
    assert decision.outcome is Outcome.ADOPTED  # 6 of 9 eligible
    assert decision.members.base == 9 and members[9].code not in decision.eligible

    with pytest.raises(ValidationFailed) as refused:
        decide(rule, members, ballots(yes=first(6), no=members[9].code))
    (problem,) = refused.value.problems
    assert problem.field == f"ballots.{members[9].code}"
    assert problem.message == f"{members[9].code} may not vote: its vote is suspended (arrears above two years of contributions) and no waiver holds."


def test_waiver_restores_the_vote():
    members = equal_members(10)
    members[9] = Voter(members[9].code, suspension="arrears", waiver="motion 2025-07")
    decision = decide(PRESETS["two_thirds_of_all_members"], members, ballots(yes=first(6), no=members[9].code))
    assert decision.outcome is Outcome.REJECTED  # 6 of 10
    assert decision.members.against == 1


def test_ballots_from_strangers_and_bad_choices_are_all_reported():
    with pytest.raises(ValidationFailed) as refused:
        decide(PRESETS["simple_majority"], equal_members(3), {"AUT": "maybe", "USA": "yes"}, present={"ATA"})
    assert [problem.field for problem in refused.value.problems] == ["ballots.AUT", "ballots.USA", "present.ATA"]


def test_members_must_be_iso_codes_listed_once_with_exact_weights():
    with pytest.raises(ValidationFailed) as refused:
        decide(PRESETS["skao_budget"], [Voter("fr", 1), Voter("ITA", 0.5), Voter("ESP", -1), Voter("ESP", 2)], {})
    fields = [problem.field for problem in refused.value.problems]
    assert fields == ["members[0].code", "members[1].weight", "members[2].weight", "members[3].code"]


def test_decimal_and_fraction_weights_are_exact():
    members = [Voter("AUT", Decimal("0.1")), Voter("BEL", Fraction(1, 10)), Voter("BGR", Decimal("0.2"))]
    rule = Rule(Weighting.WEIGHTED, Base.CAST, Abstention.NOT_CAST, weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(1, 2)))
    decision = decide(rule, members, ballots(yes="AUT BEL", no="BGR"))
    assert decision.weight.in_favour == Fraction(1, 5) and decision.weight.base == Fraction(2, 5)
    assert decision.outcome is Outcome.ADOPTED  # exactly one half


def test_nothing_cast_adopts_nothing():
    rule = Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(0)))
    decision = decide(rule, equal_members(3), ballots(abstain="AUT BEL BGR"))
    assert decision.outcome is Outcome.REJECTED
    assert decision.explanation == "Rejected: 0 of 0 members voted yes (no share), short of the required 0 % of votes cast."


def test_close_shares_get_enough_decimals_to_differ():
    members = [Voter("AUT", 66_666), Voter("BEL", 33_334)]
    rule = Rule(Weighting.WEIGHTED, Base.CAST, Abstention.NOT_CAST, weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(2, 3)))
    decision = decide(rule, members, ballots(yes="AUT", no="BEL"))
    assert decision.outcome is Outcome.REJECTED
    assert "66.666 % of the weight voted yes, short of the required two-thirds (66.667 %)" in decision.explanation


# --- the JSON form -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_survive_json(name):
    rule = PRESETS[name]
    assert Rule.from_json(rule.to_json()) == rule


def test_json_form_of_a_rule():
    assert PRESETS["eu_qualified_majority"].to_json() == {
        "weights": "weighted",
        "basic_votes_share": None,
        "base": "eligible",
        "abstention": "against",
        "members_threshold": {"op": "at_least", "fraction": "11/20"},
        "weight_threshold": {"op": "at_least", "fraction": "13/20"},
        "blocking_minority_min_members": 4,
        "quorum": {"op": "more_than", "fraction": "1/2"},
    }
    decimal = Rule.from_json({"weights": "equal", "base": "cast", "abstention": "not_cast", "members_threshold": {"op": "at_least", "fraction": "0.55"}})
    assert decimal.members_threshold.fraction == Fraction(11, 20)


def test_rules_stored_before_basic_votes_became_a_share_still_read():
    """Closed motions keep their rule as stored; those stored with the old, unused parameter (null) still parse, a
    non-null one is refused (IMF Art. XII, Sec. 5(a): basic votes are a share of the total, not a count)."""
    stored = {**PRESETS["eu_qualified_majority"].to_json(), "basic_votes_per_member": None}
    del stored["basic_votes_share"]
    assert Rule.from_json(stored) == PRESETS["eu_qualified_majority"]
    with pytest.raises(ValidationFailed, match="rule.basic_votes_per_member: unknown parameter"):
        Rule.from_json({**stored, "basic_votes_per_member": 250})


def test_json_problems_are_all_reported_with_their_paths():
    with pytest.raises(ValidationFailed) as refused:
        Rule.from_json(
            {
                "weights": "population",
                "base": "cast",
                "abstention": "against",
                "weight_threshold": {"op": "at_least", "fraction": "3/2"},
                "quorum": {"op": "most", "fraction": "1/0"},
                "basic_votes_share": "3/2",
                "colour": "red",
            }
        )
    fields = [problem.field for problem in refused.value.problems]
    assert fields == [
        "rule.colour",
        "rule.weights",
        "rule.weight_threshold.fraction",
        "rule.quorum.op",
        "rule.quorum.fraction",
        "rule.basic_votes_share",
    ]
    assert "accepted: 'equal', 'weighted'" in str(refused.value)


def test_json_consistency_problems_use_the_callers_path():
    with pytest.raises(ValidationFailed) as refused:
        Rule.from_json(
            {"weights": "equal", "base": "cast", "abstention": "not_cast", "weight_threshold": {"op": "at_least", "fraction": "1/2"}},
            path="motion.rule",
        )
    assert [problem.field for problem in refused.value.problems] == ["motion.rule.members_threshold", "motion.rule.weight_threshold"]


def test_weighted_rules_need_a_weight_threshold():
    with pytest.raises(ValidationFailed, match="rule.weight_threshold: required when weights is 'weighted'"):
        Rule(Weighting.WEIGHTED, Base.CAST, Abstention.NOT_CAST, members_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(1, 2)))


def test_decision_json_is_exact():
    decision = decide(PRESETS["eu_qualified_majority"], EU_MEMBERS, eu_vote(no="DEU FRA ITA"))
    snapshot = decision.to_json()
    assert snapshot["outcome"] == "adopted"
    assert snapshot["weight"]["in_favour"] == "5312/1"
    assert snapshot["checks"][1] == {
        "measure": "weight",
        "threshold": {"op": "at_least", "fraction": "13/20"},
        "count": "5312/1",
        "base": "10001/1",
        "met": True,
        "deemed_met": True,
    }


# --- properties ----------------------------------------------------------------------------

fractions = st.builds(Fraction, st.integers(0, 12), st.integers(1, 12)).filter(lambda value: value <= 1)
thresholds = st.builds(Threshold, st.sampled_from(ThresholdOp), fractions)


@st.composite
def rules(draw, weights=st.sampled_from(Weighting)):
    weighting = draw(weights)
    weighted = weighting is Weighting.WEIGHTED
    return Rule(
        weighting,
        draw(st.sampled_from(Base)),
        draw(st.sampled_from(Abstention)),
        members_threshold=draw(thresholds if not weighted else st.none() | thresholds),
        weight_threshold=draw(thresholds) if weighted else None,
        basic_votes_share=draw(st.none() | st.fractions(0, Fraction(9, 10))) if weighted else None,
        blocking_minority_min_members=draw(st.none() | st.integers(1, 5)) if weighted else None,
        quorum=draw(st.none() | thresholds),
    )


@st.composite
def meetings(draw, equal=False):
    """Members (some suspended, some of those waived) and ballots of eligible members."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=12, unique=True))
    members = []
    for code in codes:
        suspended = not equal and draw(st.booleans())
        members.append(
            Voter(
                code,
                1 if equal else draw(st.integers(0, 50)),
                suspension="arrears" if suspended else None,
                waiver="motion 1" if suspended and draw(st.booleans()) else None,
            )
        )
    choices = st.sampled_from(["yes", "no", "abstain", None])
    cast = {voter.code: choice for voter in members if voter.eligible and (choice := draw(choices)) is not None}
    return members, cast


@settings(max_examples=200)
@given(rules(), meetings(), st.data())
def test_turning_a_no_into_a_yes_never_defeats_an_adopted_motion(rule, meeting, data):
    members, cast = meeting
    noes = sorted(code for code, choice in cast.items() if choice == "no")
    if not noes:
        return
    convert = data.draw(st.sampled_from(noes))
    before = decide(rule, members, cast)
    after = decide(rule, members, {**cast, convert: "yes"})
    if before.outcome is Outcome.ADOPTED:
        assert after.outcome is Outcome.ADOPTED


@given(rules(weights=st.just(Weighting.EQUAL)), meetings(equal=True), st.randoms(use_true_random=False))
def test_under_equal_weights_who_voted_what_does_not_matter(rule, meeting, random):
    members, cast = meeting
    codes = [voter.code for voter in members]
    shuffled = codes[:]
    random.shuffle(shuffled)
    renamed = {shuffled[codes.index(code)]: choice for code, choice in cast.items()}
    before, after = decide(rule, members, cast), decide(rule, members, renamed)
    assert (after.outcome, after.members, after.explanation) == (before.outcome, before.members, before.explanation)


@given(rules(), meetings(), st.randoms(use_true_random=False))
def test_the_order_members_are_listed_in_does_not_matter(rule, meeting, random):
    members, cast = meeting
    reordered = members[:]
    random.shuffle(reordered)
    assert decide(rule, reordered, cast) == decide(rule, members, cast)
