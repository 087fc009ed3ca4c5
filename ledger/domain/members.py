"""Members of the facility: ISO 3166-1 codes, statuses and their history of status facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

import pycountry

from ledger.domain.errors import Conflict, Problem, ValidationFailed, raise_if_any


class MemberStatus(StrEnum):
    """CERN and EMBL: associates pay a reduced contribution and have no vote; observers neither."""

    MEMBER = "member"
    ASSOCIATE = "associate"
    OBSERVER = "observer"
    WITHDRAWN = "withdrawn"


ACCEPTED_STATUSES = ", ".join(s.value for s in MemberStatus)
ADMISSION_STATUSES = (MemberStatus.MEMBER, MemberStatus.ASSOCIATE, MemberStatus.OBSERVER)


@dataclass(frozen=True, slots=True)
class Admission:
    """A validated request to admit a member; `readmission` when the member had withdrawn."""

    code: str
    name: str
    status: MemberStatus
    joined: date
    readmission: bool = False


@dataclass(frozen=True, slots=True)
class StatusFact:
    """A member's status from a date on; a member's history is a sequence of these."""

    status: MemberStatus
    effective: date


_MEMBER_CODE = re.compile(r"[A-Z]{3}")


def is_member_code(code: object) -> bool:
    """Whether `code` has the shape of an ISO 3166-1 alpha-3 code: three capital letters A to Z."""
    return isinstance(code, str) and _MEMBER_CODE.fullmatch(code) is not None


def country_name(code: str) -> str | None:
    """The common English name of an ISO 3166-1 alpha-3 code, or None when unknown."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name


def check_country_code(raw: str, field: str = "code") -> tuple[str, list[Problem]]:
    """Normalise a country code to upper case and report whether ISO 3166-1 alpha-3 knows it."""
    code = (raw or "").strip().upper()
    if not is_member_code(code):
        return code, [Problem(field, f"{raw!r} is not a country code: give the ISO 3166-1 alpha-3 code, three letters such as DEU or CAN")]
    if country_name(code) is None:
        return code, [Problem(field, f"{code} is not an ISO 3166-1 alpha-3 country code (for example DEU, FRA, USA)")]
    return code, []


def parse_status(raw: str, field: str = "status", allowed=tuple(MemberStatus)) -> tuple[MemberStatus | None, list[Problem]]:
    """Read a status name; report the accepted ones when it is not one of them."""
    try:
        status = MemberStatus((raw or "").strip().lower())
    except ValueError:
        status = None
    if status is None or status not in allowed:
        accepted = ", ".join(s.value for s in allowed)
        return None, [Problem(field, f"{raw!r} is not a status here; accepted: {accepted}")]
    return status, []


def parse_date(raw: str | date | None, field: str) -> tuple[date | None, list[Problem]]:
    """Read an ISO 8601 calendar date (YYYY-MM-DD)."""
    if isinstance(raw, date):
        return raw, []
    try:
        return date.fromisoformat((raw or "").strip()), []
    except ValueError:
        return None, [Problem(field, f"{raw!r} is not a date; give it as YYYY-MM-DD, e.g. 2025-01-01")]


def validate_admission(code: str, name: str | None, status: str, joined: str | date) -> Admission:
    """Check every field of an admission at once; the name defaults to the ISO short name."""
    problems: list[Problem] = []
    code, code_problems = check_country_code(code)
    problems += code_problems
    admission_status, status_problems = parse_status(status, allowed=ADMISSION_STATUSES)
    problems += status_problems
    joined_date, date_problems = parse_date(joined, "joined")
    problems += date_problems
    name = (name or "").strip() or (country_name(code) if not code_problems else "")
    if not code_problems and not (1 <= len(name) <= 120):
        problems.append(Problem("name", "give the member's name, 1 to 120 characters"))
    raise_if_any(problems)
    return Admission(code=code, name=name, status=admission_status, joined=joined_date)


def validate_readmission(timeline: MembershipTimeline, admission: Admission) -> Admission:
    """A known code may be admitted again only after its withdrawal, from a later day: a return
    is a new accession (CERN Convention Art. III: admission by decision of the Council), and
    pro rata temporis counts from it. The member keeps the name the ledger has for it."""
    last = timeline.stints[-1]
    if last.status is not MemberStatus.WITHDRAWN:
        raise Conflict(f"{timeline.code} is already a member of the ledger ({last.status.value}); change its status instead")
    if admission.joined <= last.start:
        raise ValidationFailed.single(
            "joined",
            f"a day after the withdrawal on {last.start.isoformat()}: a readmission starts after leaving; "
            f"not {admission.joined.isoformat()}",
        )
    return replace(admission, readmission=True)


def validate_status_change(
    history: tuple[StatusFact, ...], status: str, effective: str | date
) -> StatusFact:
    """Check a new status fact against the member's history (oldest first)."""
    new_status, problems = parse_status(status)
    effective_date, date_problems = parse_date(effective, "effective")
    problems += date_problems
    raise_if_any(problems)
    current = history[-1]
    joined = history[0].effective
    if current.status is MemberStatus.WITHDRAWN:
        raise Conflict(
            f"the member withdrew on {current.effective.isoformat()}; a return is a new accession, "
            "not a status change: admit it again with the admission form, from a day after its withdrawal"
        )
    if new_status is current.status:
        raise ValidationFailed.single("status", f"the member is already {current.status.value}; choose another status")
    if effective_date < joined:
        raise ValidationFailed.single(
            "effective",
            f"{effective_date.isoformat()} is before the member joined on {joined.isoformat()}; "
            "give a date on or after joining",
        )
    if effective_date < current.effective:
        raise ValidationFailed.single(
            "effective",
            f"{effective_date.isoformat()} is before the latest status change on "
            f"{current.effective.isoformat()}; give that date or a later one",
        )
    return StatusFact(status=new_status, effective=effective_date)


# --------------------------------------------------------------------------- the membership timeline

PAYING_STATUSES = frozenset({MemberStatus.MEMBER, MemberStatus.ASSOCIATE})


@dataclass(frozen=True, slots=True)
class Stint:
    """A run of days under one status: from `start` up to the day before `end` (None: still)."""

    status: MemberStatus
    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def days_within(self, first: date, last: date) -> int:
        """How many days of the inclusive range first..last this stint covers."""
        start = max(self.start, first)
        stop = last.toordinal() + 1 if self.end is None else min(self.end.toordinal(), last.toordinal() + 1)
        return max(0, stop - start.toordinal())


@dataclass(frozen=True, slots=True)
class MembershipTimeline:
    """One member's status on every day, derived from its status facts alone.

    The one place membership is derived (DESIGN.md, Members): scale, pro rata temporis,
    standing, votes, proxies, payments and projects all ask this record. A member is
    *paying* while it is a member or an associate (CERN Convention Art. VII and the
    associate membership agreements: associates pay a reduced contribution); it *votes*
    only as a member (associates and observers have no vote: CERN Convention Art. V,
    EMBL Agreement Art. 5); withdrawal ends every right, and a readmission starts a new
    stint. Facts are taken in the order given (by effective date, then as recorded); on
    one day the later fact wins.
    """

    code: str
    stints: tuple[Stint, ...]

    @classmethod
    def from_facts(cls, code: str, facts: tuple[StatusFact, ...] | list[StatusFact]) -> MembershipTimeline:
        """Build from facts ordered by effective date then recording order."""
        runs: list[tuple[MemberStatus, date]] = []
        for fact in facts:
            if runs and runs[-1][1] == fact.effective:
                runs.pop()  # a later fact on the same day supersedes it
            if runs and runs[-1][0] is fact.status:
                continue
            runs.append((fact.status, fact.effective))
        stints = tuple(
            Stint(status, start, runs[index + 1][1] if index + 1 < len(runs) else None)
            for index, (status, start) in enumerate(runs)
        )
        return cls(code, stints)

    @property
    def joined(self) -> date | None:
        """The first day of any status (observers included), as the member list shows it."""
        return self.stints[0].start if self.stints else None

    def status_on(self, day: date) -> MemberStatus | None:
        """The status in force on `day`; None before the first fact."""
        for stint in reversed(self.stints):
            if stint.start <= day:
                return stint.status
        return None

    def is_paying_on(self, day: date) -> bool:
        return self.status_on(day) in PAYING_STATUSES

    def is_member_on(self, day: date) -> bool:
        """Full member on `day`: the status that carries a vote and may carry a proxy."""
        return self.status_on(day) is MemberStatus.MEMBER

    def paying_stints(self, first: date, last: date) -> tuple[Stint, ...]:
        """The member's and associate's stints that overlap the inclusive range first..last."""
        return tuple(s for s in self.stints if s.status in PAYING_STATUSES and s.days_within(first, last) > 0)

    def paying_days(self, first: date, last: date) -> int:
        """Days of first..last on which the member pays (member or associate): pro rata temporis counts these."""
        return sum(s.days_within(first, last) for s in self.paying_stints(first, last))

    def paying_status_in(self, first: date, last: date) -> MemberStatus | None:
        """The paying status held last within first..last (member or associate), or None if it never pays then."""
        stints = self.paying_stints(first, last)
        return stints[-1].status if stints else None

    def first_paying_day(self, first: date, last: date) -> date | None:
        stints = self.paying_stints(first, last)
        return max(stints[0].start, first) if stints else None


def timelines_from_facts(rows) -> dict[str, MembershipTimeline]:
    """Timelines from (code, status, effective) rows ordered by code, effective and recording order."""
    grouped: dict[str, list[StatusFact]] = {}
    for code, status, effective in rows:
        grouped.setdefault(code, []).append(StatusFact(MemberStatus(status), effective))
    return {code: MembershipTimeline.from_facts(code, facts) for code, facts in grouped.items()}
