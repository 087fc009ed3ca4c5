"""Member rules without a database."""

from datetime import date

import pytest

from ledger.domain.errors import Conflict, ValidationFailed
from ledger.domain.members import MemberStatus, StatusFact, validate_admission, validate_status_change


def test_admission_normalises_the_code_and_defaults_the_name():
    admission = validate_admission(" deu ", "", "Member", "2022-01-01")
    assert (admission.code, admission.name, admission.status, admission.joined) == ("DEU", "Germany", MemberStatus.MEMBER, date(2022, 1, 1))


@pytest.mark.parametrize("code", ["DE", "DEUT", "D3U", "ÄÖÜ", "XXX", ""])
def test_codes_outside_iso_3166_alpha_3_are_refused(code):
    with pytest.raises(ValidationFailed) as caught:
        validate_admission(code, None, "member", "2022-01-01")
    assert [p.field for p in caught.value.problems] == ["code"]


def test_a_member_cannot_be_admitted_as_withdrawn():
    with pytest.raises(ValidationFailed, match="accepted: member, associate, observer"):
        validate_admission("FRA", None, "withdrawn", "2022-01-01")


HISTORY = (StatusFact(MemberStatus.ASSOCIATE, date(2023, 7, 1)), StatusFact(MemberStatus.MEMBER, date(2025, 1, 1)))


def test_a_status_change_follows_the_history():
    assert validate_status_change(HISTORY, "withdrawn", "2026-06-30") == StatusFact(MemberStatus.WITHDRAWN, date(2026, 6, 30))


@pytest.mark.parametrize(
    "status, effective, phrase",
    [
        ("withdrawn", "2023-06-30", "before the member joined on 2023-07-01"),
        ("observer", "2024-12-31", "before the latest status change on 2025-01-01"),
        ("member", "2026-01-01", "already member"),
        ("expelled", "2026-01-01", "accepted: member, associate, observer, withdrawn"),
        ("observer", "31.12.2026", "YYYY-MM-DD"),
    ],
)
def test_status_changes_that_break_the_history_are_refused(status, effective, phrase):
    with pytest.raises(ValidationFailed, match=phrase):
        validate_status_change(HISTORY, status, effective)


def test_after_withdrawal_only_a_new_accession_helps():
    withdrawn = (*HISTORY, StatusFact(MemberStatus.WITHDRAWN, date(2026, 6, 30)))
    with pytest.raises(Conflict, match="new accession"):
        validate_status_change(withdrawn, "member", "2027-01-01")


# --------------------------------------------------------------------------- the membership timeline

from ledger.domain.members import MembershipTimeline  # noqa: E402


def _timeline(*facts: tuple[str, str]) -> MembershipTimeline:
    return MembershipTimeline.from_facts("XXX", [StatusFact(MemberStatus(status), date.fromisoformat(day)) for status, day in facts])


def test_observer_turned_member_pays_from_the_day_it_becomes_member():
    """DESIGN.md: pro rata temporis counts from the day a member becomes paying, whatever it was before."""
    timeline = _timeline(("observer", "2024-01-01"), ("member", "2026-04-01"))
    assert timeline.joined == date(2024, 1, 1)
    assert timeline.paying_days(date(2026, 1, 1), date(2026, 12, 31)) == 275
    assert timeline.first_paying_day(date(2026, 1, 1), date(2026, 12, 31)) == date(2026, 4, 1)
    assert timeline.paying_days(date(2025, 1, 1), date(2025, 12, 31)) == 0
    assert not timeline.is_member_on(date(2026, 3, 31)) and timeline.is_member_on(date(2026, 4, 1))


def test_withdrawal_ends_paying_and_a_readmission_starts_again():
    timeline = _timeline(("member", "2022-01-01"), ("withdrawn", "2026-07-01"), ("member", "2028-01-01"))
    assert timeline.paying_days(date(2026, 1, 1), date(2026, 12, 31)) == 181
    assert timeline.paying_days(date(2027, 1, 1), date(2027, 12, 31)) == 0
    assert timeline.paying_status_in(date(2027, 1, 1), date(2027, 12, 31)) is None
    assert timeline.status_on(date(2028, 1, 1)) is MemberStatus.MEMBER
    assert timeline.status_on(date(2021, 12, 31)) is None


def test_a_later_fact_on_the_same_day_supersedes_and_repeats_merge():
    timeline = _timeline(("member", "2022-01-01"), ("associate", "2023-01-01"), ("member", "2023-01-01"), ("member", "2024-01-01"))
    assert len(timeline.stints) == 1
    assert timeline.status_on(date(2023, 6, 1)) is MemberStatus.MEMBER


def test_associate_pays_but_does_not_vote():
    timeline = _timeline(("associate", "2023-07-01"))
    assert timeline.is_paying_on(date(2023, 7, 1)) and not timeline.is_member_on(date(2023, 7, 1))
    assert timeline.paying_status_in(date(2023, 1, 1), date(2023, 12, 31)) is MemberStatus.ASSOCIATE


def test_readmission_follows_a_withdrawal_and_pays_from_the_return():
    """A return after withdrawal is a new accession (CERN Convention Art. III); the timeline has
    the member paying again only from the day of its return (pro rata temporis counts from it)."""
    from ledger.domain.members import MembershipTimeline, validate_readmission

    facts = (StatusFact(MemberStatus.MEMBER, date(2022, 1, 1)), StatusFact(MemberStatus.WITHDRAWN, date(2025, 6, 30)))
    timeline = MembershipTimeline.from_facts("FRA", facts)
    readmitted = validate_readmission(timeline, validate_admission("FRA", None, "member", "2026-04-01"))
    assert readmitted.readmission and readmitted.joined == date(2026, 4, 1)
    with pytest.raises(ValidationFailed, match="a day after the withdrawal on 2025-06-30"):
        validate_readmission(timeline, validate_admission("FRA", None, "member", "2025-06-30"))
    with pytest.raises(Conflict, match="already a member of the ledger"):
        validate_readmission(MembershipTimeline.from_facts("FRA", facts[:1]), validate_admission("FRA", None, "member", "2026-04-01"))
    back = MembershipTimeline.from_facts("FRA", (*facts, StatusFact(MemberStatus.MEMBER, date(2026, 4, 1))))
    assert back.first_paying_day(date(2026, 1, 1), date(2026, 12, 31)) == date(2026, 4, 1)
    assert back.paying_days(date(2025, 1, 1), date(2025, 12, 31)) == 180
