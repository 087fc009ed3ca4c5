"""The declared invariants as pure checks: a few facts stated inline, the problems they must give
(beancount's validation tests: a small ledger, which entries produced which errors)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from ledger.domain.invariants import (
    HUNDRED_PERCENT,
    INVARIANTS,
    AllocationTotal,
    AssessedMember,
    Carry,
    Citation,
    ClosedMotion,
    EffectRow,
    LedgerFacts,
    MemberClosing,
    ShareTotal,
    TransferTotal,
    YearTotals,
    check_invariants,
    cited_motions,
)
from ledger.domain.members import MemberStatus, MembershipTimeline, StatusFact

HOUR = 3_600_000


def timeline(code: str, *facts: tuple[str, str]) -> MembershipTimeline:
    return MembershipTimeline.from_facts(code, [StatusFact(MemberStatus(status), date.fromisoformat(day)) for status, day in facts])


def snapshot(voted, eligible, ineligible=None) -> str:
    return json.dumps({"voted": voted, "decision": {"eligible": eligible}, "ineligible": ineligible or {}})


# A sound little ledger: two members, 2025 adopted, allocated, closed with DEU carrying 10 h.
SOUND = LedgerFacts(
    scale_shares=(ShareTotal("scale 1 (2025-2027)", HUNDRED_PERCENT),),
    year_shares=(ShareTotal("2025", HUNDRED_PERCENT),),
    year_totals=(YearTotals(2025, "EUR", 100_000, 100_000),),
    allocations=(AllocationTotal(2025, 1, 1_000, 1_000 * HOUR),),
    assessed=(AssessedMember(2025, "DEU", 60_000, "EUR", date(2025, 1, 1), date(2025, 12, 31)),
              AssessedMember(2025, "FRA", 40_000, "EUR", date(2025, 1, 1), date(2025, 12, 31))),
    timelines=(timeline("DEU", ("member", "2020-01-01")), timeline("FRA", ("member", "2020-01-01"))),
    closings=(MemberClosing(2025, "DEU", 100 * HOUR, 10 * HOUR, 0), MemberClosing(2025, "FRA", 0, 0, 0)),
    carries=(Carry(2025, "DEU", 10 * HOUR, 10 * HOUR),),
    transfers=(TransferTotal(7, 2, 0),),
    closed_motions=(ClosedMotion(7, "quota_transfer", date(2025, 6, 12), "adopted", snapshot(["DEU", "FRA"], ["DEU", "FRA"])),),
    effect_rows=(EffectRow("quota_entry", 11, "2025 DEU transfer_out", 7, "quota_transfer", "adopted"),
                 EffectRow("quota_entry", 12, "2025 FRA transfer_in", 7, "quota_transfer", "adopted")),
    citations=(Citation("fiscal_year_event", 3, "2025 quotas_allocated", 7, "quota_transfer", "adopted"),),
)


def problems(facts: LedgerFacts) -> list[str]:
    return [str(problem) for problem in check_invariants(facts)]


def test_a_sound_ledger_breaks_no_invariant_and_every_check_is_declared_once():
    assert problems(SOUND) == []
    assert len(set(INVARIANTS)) == len(INVARIANTS) == 8


def test_every_broken_invariant_is_reported_at_once_naming_its_subject():
    """Users see every problem at once (beancount/ops/validation.py)."""
    broken = replace(
        SOUND,
        scale_shares=(ShareTotal("scale 1 (2025-2027)", HUNDRED_PERCENT + 1_000_000),),
        year_totals=(YearTotals(2025, "EUR", 100_000, 99_999),),
        allocations=(AllocationTotal(2025, 1, 1_000, 999 * HOUR),),
    )
    assert problems(broken) == [
        "shares_sum_to_100: scale 1 (2025-2027): the shares sum to 100.001 %, not 100 %",
        "assessments_sum_to_the_budget: 2025: the assessments sum to 999.99 EUR, the budget is 1000.00 EUR",
        "reserves_and_quotas_make_the_capacity: 2025: reserves and quotas credit 999.000 GPU-hours, the capacity of plan 1 is 1,000",
    ]


def test_an_assessment_outside_every_paying_period_is_named():
    """Pro rata temporis: no assessment outside paying periods (DESIGN.md Members); an associate pays."""
    observer = replace(SOUND, timelines=(timeline("DEU", ("observer", "2020-01-01")), timeline("FRA", ("associate", "2020-01-01"))))
    assert problems(observer) == [
        "assessed_only_while_paying: 2025 DEU: assessed 600.00 EUR but neither a member nor an associate on any day of 2025",
        "counted_ballots_were_entitled: motion #7 DEU: its ballot was counted but on 2025-06-12 its status was observer, "
        "and only members vote",
        "counted_ballots_were_entitled: motion #7 FRA: its ballot was counted but on 2025-06-12 its status was associate, "
        "and only members vote",
    ]


def test_frozen_hours_carried_and_carries_that_do_not_arrive_are_named():
    """Frozen hours are never carried (README, Compute rules); a balance is the sum of its lines."""
    frozen = replace(SOUND, closings=(MemberClosing(2025, "DEU", -5 * HOUR, 10 * HOUR, 0),),
                     carries=(Carry(2025, "DEU", 10 * HOUR, 9 * HOUR),), transfers=(TransferTotal(7, 2, HOUR),))
    assert problems(frozen) == [
        "no_frozen_hours_made_usable: 2025 DEU: carried 10.000 GPU-hours out of 2025 but only 0.000 were usable: frozen hours were carried",
        "balances_are_the_sum_of_their_lines: 2025 DEU: carried 10.000 GPU-hours out of 2025 but 9.000 into 2026",
        "balances_are_the_sum_of_their_lines: motion #7: its 2 transfer lines sum to 1.000 GPU-hours, not 0",
    ]
    owed = replace(SOUND, closings=(MemberClosing(2025, "DEU", -5 * HOUR, -5 * HOUR, 0),), carries=(Carry(2025, "DEU", -5 * HOUR, -5 * HOUR),))
    assert problems(owed) == []  # an overdraft is carried as owed: no frozen hour became usable


def test_a_suspended_voter_counted_without_a_waiver_is_named():
    """Members whose vote is suspended are excluded unless waived (UN Charter Art. 19, CERN Art. V.8)."""
    suspended = replace(SOUND, closed_motions=(replace(SOUND.closed_motions[0], snapshot_json=snapshot(
        ["DEU", "FRA"], ["DEU", "FRA"], {"FRA": "arrears of 2 years"})),))
    assert problems(suspended) == [
        "counted_ballots_were_entitled: motion #7 FRA: its ballot was counted but its vote was suspended without a waiver: arrears of 2 years",
    ]
    excluded = replace(SOUND, closed_motions=(replace(SOUND.closed_motions[0], snapshot_json=snapshot(
        ["DEU", "FRA"], ["DEU"], {"FRA": "arrears of 2 years"})),))
    assert problems(excluded) == []  # voted, but not counted


def test_effects_of_motions_not_adopted_and_citations_of_unknown_motions_are_named():
    """An adopted motion applies its effect and the effect cites it (DESIGN.md Governance)."""
    rejected = replace(
        SOUND,
        closed_motions=(replace(SOUND.closed_motions[0], outcome="rejected"), ClosedMotion(8, "budget", date(2025, 6, 12), "adopted", snapshot([], []))),
        effect_rows=(replace(SOUND.effect_rows[0], outcome="rejected"), EffectRow("quota_entry", 13, "2025 DEU transfer_in", None, None, None),
                     EffectRow("scale", 2, "scale 2025-2027", 7, "quota_transfer", "adopted")),
        citations=(Citation("scale", 2, "scale 2025", 99, None, None),),
    )
    assert problems(rejected) == [
        "effects_cite_adopted_motions: quota_entry 11 (2025 DEU transfer_out): written by motion #7, which was rejected",
        "effects_cite_adopted_motions: quota_entry 13 (2025 DEU transfer_in): a quota transfer without the motion that authorises it",
        "effects_cite_adopted_motions: scale 2 (scale 2025-2027): written by motion #7, a quota_transfer motion, not scale",
        "effects_cite_adopted_motions: scale 2 (scale 2025): cites motion #99, which does not exist or was never closed",
        "effects_cite_adopted_motions: motion #8: a budget motion adopted without its effect recorded",
    ]


def test_a_decision_may_cite_several_motions():
    assert cited_motions("Board, June 2024, motion #17 'Open calls' (10 %); motion #16 'Safety labs' (5 %)") == (17, 16)
    assert cited_motions("Board, 10 December 2024, item 7") == ()
