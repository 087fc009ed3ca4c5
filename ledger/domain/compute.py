"""Compute capacity, member quotas and the GPU-hour quota ledger.

Long because it holds every compute rule (capacity, projects and accounts, quotas, the
GPU-hour ledger's entries, carry-over, fairness) over the units defined once below; each
part is short and the parts share those units.

Units. Capacity and quotas are whole reference GPU-hours (one hour of one GPU of factor 1).
Usage and the quota ledger are integers in *reference GPU-milliseconds*
(``REFERENCE_GPU_MS_PER_GPU_HOUR`` = 3,600,000 to the GPU-hour): pool factors carry at most
three decimal places, so ``GPUs x factor x elapsed seconds`` is always a whole number of
reference GPU-milliseconds and no usage is ever rounded. A year of the whole facility is
876e6 x 3.6e6 ~ 3.2e15, far inside a 64-bit integer.

Suspension policy (decided): "reduced" takes a percentage off a suspended member's quota
and returns the freed hours to a reserve (the open-call reserve by default) instead of
spreading them over the other members, so that one member's arrears never change the
quotas the others were told; "frozen" keeps the quota but marks it unusable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from ledger.domain.apportion import apportion
from ledger.domain.errors import Conflict, Problem, ValidationFailed, collect, raise_if_any
from ledger.domain.members import is_member_code

REFERENCE_GPU_MS_PER_GPU_HOUR = 3_600_000
"""Reference GPU-milliseconds in one reference GPU-hour."""

FACTOR_DECIMAL_PLACES = 3
"""Decimal places a normalisation factor may carry: what keeps usage exact in GPU-ms."""

MAX_FACTOR = Decimal(1000)
"""Largest normalisation factor accepted: no accelerator is worth more than 1,000 reference GPUs."""

AVAILABILITY_DECIMAL_PLACES = 6
"""Decimal places an availability may carry (a millionth of a year is half a minute)."""

MAX_CAPACITY_GPU_HOURS = 10**11
"""Largest capacity a year may have, in reference GPU-hours: over a hundred times the design's
876 million, and 3.6e17 reference GPU-ms, so that every sum of a year's ledger stays far inside
the 64-bit integers SQLite (whose SUM raises on overflow) and PostgreSQL store and add."""

OPEN_CALL_RESERVE = "open_calls"
"""Name of the reserve that receives hours freed by a "reduced" suspension by default."""

_HUNDRED = Decimal(100)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def reference_gpu_ms_per_second(factor: Decimal, field: str = "factor") -> int:
    """Reference GPU-milliseconds one GPU of this normalisation factor earns per second."""
    if not isinstance(factor, Decimal) or not factor.is_finite() or not 0 < factor <= MAX_FACTOR:
        raise ValidationFailed.single(field, f"must be a Decimal greater than 0 and at most {MAX_FACTOR}, got {factor!r}")
    if factor.as_tuple().exponent < -FACTOR_DECIMAL_PLACES:  # type: ignore[operator]
        raise ValidationFailed.single(
            field, f"at most {FACTOR_DECIMAL_PLACES} decimal places are accepted, got {factor}"
        )
    return int(factor * 1000)


def gpu_hours(reference_gpu_ms: int) -> Decimal:
    """Reference GPU-milliseconds as GPU-hours, to a thousandth (for display and reports)."""
    return (Decimal(reference_gpu_ms) / REFERENCE_GPU_MS_PER_GPU_HOUR).quantize(Decimal("0.001"))


# Event names of a fiscal year's GPU-hour ledger (YearEvent.event).
ALLOCATED = "quotas_allocated"
"""The fiscal-year event recording that a year's quotas were allocated."""

CLOSED = "compute_closed"
"""The fiscal-year event recording that a year's GPU-hour ledger was closed."""


# Capacity ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pool:
    """A pool of identical accelerators.

    type: the GPU type, as Slurm names it in ``gres/gpu:TYPE`` (e.g. "h100").
    count: how many accelerators the pool has.
    availability: the share of the year they can run jobs, in (0, 1].
    factor: reference GPU-hours one hour of one of these GPUs is worth (at most 3 decimals).
    """

    type: str
    count: int
    availability: Decimal
    factor: Decimal

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if not self.type or not isinstance(self.type, str):
            problems.append(Problem("type", "a GPU type name is required"))
        if not isinstance(self.count, int) or self.count < 0:
            problems.append(Problem("count", f"must be a whole number >= 0, got {self.count!r}"))
        if (
            not isinstance(self.availability, Decimal)
            or not self.availability.is_finite()
            or not Decimal(0) < self.availability <= Decimal(1)
        ):
            problems.append(
                Problem("availability", f"must be a Decimal in (0, 1], got {self.availability!r}")
            )
        elif self.availability.as_tuple().exponent < -AVAILABILITY_DECIMAL_PLACES:  # type: ignore[operator]
            problems.append(
                Problem("availability", f"at most {AVAILABILITY_DECIMAL_PLACES} decimal places are accepted, got {self.availability}")
            )
        try:
            reference_gpu_ms_per_second(self.factor)
        except ValidationFailed as error:
            problems.extend(error.problems)
        raise_if_any(problems)


def capacity_gpu_hours(pools: Iterable[Pool], hours_in_year: int) -> int:
    """Whole reference GPU-hours the pools deliver in a year (rounded down)."""
    if not isinstance(hours_in_year, int) or hours_in_year <= 0:
        raise ValidationFailed.single(
            "hours_in_year", f"must be a positive whole number, got {hours_in_year!r}"
        )
    pools = tuple(pools)
    types = [pool.type for pool in pools]
    duplicates = sorted({name for name in types if types.count(name) > 1})
    if duplicates:
        raise ValidationFailed.single(
            "pools", f"each GPU type once; repeated: {', '.join(duplicates)}"
        )
    # The default 28 digits would round a large sum before it is floored.
    with localcontext() as context:
        context.prec = 60
        total = _floor(sum(
            (pool.count * hours_in_year * pool.availability * pool.factor for pool in pools),
            Decimal(0),
        ))
    if total > MAX_CAPACITY_GPU_HOURS:
        raise ValidationFailed.single(
            "pools", f"give {total:,} reference GPU-hours; at most {MAX_CAPACITY_GPU_HOURS:,} reference GPU-hours a year are accepted"
        )
    return total


# Projects ----------------------------------------------------------------------------------


class SafetyLevel(StrEnum):
    """How strictly a project's work is contained, like biosafety levels: SL-1 least, SL-4 most."""

    SL_1 = "SL-1"
    SL_2 = "SL-2"
    SL_3 = "SL-3"
    SL_4 = "SL-4"


ACCOUNT_MAX_LENGTH = 64
"""Longest Slurm account name accepted (the column's width)."""

ACCOUNT_FORBIDDEN = frozenset("|,='\"")
"""Characters no account name may hold: ``|`` is sacct's delimiter, ``,`` separates sacctmgr's
lists and ``=`` its options, and quotes are stripped by sacctmgr (sacctmgr(1), "Account")."""

PROJECT_CODE_MAX_LENGTH = 32
_PROJECT_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
_TITLE_LENGTH = (3, 200)


def normal_account(raw: object, field: str = "account") -> str:
    """A Slurm account name as the site named it, in lower case; ValidationFailed otherwise.

    Slurm's accounting keeps account names in lower case (sacctmgr lowers them, so ``DEU``,
    ``ac10000``, ``ec313`` and ``chaff`` are all accounts as sites name them), so names
    compare case-insensitively. Accepted: 1 to ``ACCOUNT_MAX_LENGTH`` printable characters
    without spaces and without any of ``| , = ' "``.
    """
    name = raw.strip().lower() if isinstance(raw, str) else ""
    if (
        not name
        or len(name) > ACCOUNT_MAX_LENGTH
        or not name.isprintable()
        or any(character.isspace() or character in ACCOUNT_FORBIDDEN for character in name)
    ):
        raise ValidationFailed.single(
            field,
            f"a Slurm account name as sacct prints it: 1 to {ACCOUNT_MAX_LENGTH} printable characters "
            f"without spaces, '|', ',', '=' or quotes, e.g. ac10000; not {raw!r}",
        )
    return name


def normal_project_code(raw: object, field: str = "project") -> str:
    """A project's own code, upper case: a letter or digit, then letters, digits, '.', '-', '_'."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if not _PROJECT_CODE.fullmatch(code):
        raise ValidationFailed.single(
            field,
            f"a project code of 1 to {PROJECT_CODE_MAX_LENGTH} letters, digits, '.', '-' or '_', "
            f"starting with a letter or digit, e.g. LLM-SAFETY; not {raw!r}",
        )
    return code


@dataclass(frozen=True, slots=True)
class ProjectDraft:
    """A project as validated: its code, member, title, first Slurm account and safety level."""

    member_code: str
    title: str
    account: str
    safety_level: SafetyLevel
    code: str


def validate_project(
    member_code: object, title: object, account: object, safety_level: object, code: object = None
) -> ProjectDraft:
    """Check a new project, reporting every problem at once.

    The account is taken as the site named it (see `normal_account`); the project's code
    defaults to the account in upper case.
    """
    problems: list[Problem] = []
    member = member_code.strip().upper() if isinstance(member_code, str) else ""
    if not is_member_code(member):
        problems.append(Problem("member", f"an ISO 3166-1 alpha-3 code such as DEU; not {member_code!r}"))
    text = " ".join(title.split()) if isinstance(title, str) else ""
    low, high = _TITLE_LENGTH
    if not low <= len(text) <= high:
        problems.append(Problem("title", f"{low} to {high} characters"))
    name = collect(problems, normal_account, account)
    chosen = code if code not in (None, "") else (name or "")
    project_code = collect(problems, normal_project_code, chosen, "code") if name or code not in (None, "") else None
    level = safety_level.strip().upper() if isinstance(safety_level, str) else ""
    if level not in {member.value for member in SafetyLevel}:
        problems.append(
            Problem("safety_level", f"one of {', '.join(SafetyLevel)}; not {safety_level!r}")
        )
    raise_if_any(problems)
    return ProjectDraft(member, text, name, SafetyLevel(level), project_code)


@dataclass(frozen=True, slots=True)
class AccountCharge:
    """Who an account's usage is charged to from a moment on (a journaled fact).

    since: the first moment (UTC) it holds; None for "from the beginning" (the account a
        project was registered with, or one added to it without a date).
    """

    since: datetime | None
    project_id: int
    member_code: str


def charge_at(timeline: Sequence[AccountCharge], moment: datetime) -> AccountCharge | None:
    """The charge in force at `moment` on an account's timeline (sorted by `since`, None first)."""
    found = None
    for charge in timeline:
        if charge.since is None or charge.since <= moment:
            found = charge
        else:
            break
    return found


# Quotas ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuspensionPolicy:
    """What a suspension does to a member's quota.

    kind: "none" (no change), "frozen" (quota kept, marked unusable) or "reduced".
    reduction_percent: for "reduced", the percentage taken off (rounded down to whole hours).
    freed_to: for "reduced", the reserve that receives the hours taken off.
    """

    kind: Literal["none", "frozen", "reduced"] = "none"
    reduction_percent: Decimal = Decimal(0)
    freed_to: str = OPEN_CALL_RESERVE

    def __post_init__(self) -> None:
        if self.kind not in ("none", "frozen", "reduced"):
            raise ValidationFailed.single(
                "policy", f"unknown suspension policy {self.kind!r}; accepted: none, frozen, reduced"
            )
        if self.kind == "reduced" and not (
            isinstance(self.reduction_percent, Decimal)
            and Decimal(0) < self.reduction_percent <= _HUNDRED
        ):
            raise ValidationFailed.single(
                "reduction_percent", f"must be a Decimal in (0, 100], got {self.reduction_percent!r}"
            )
        if self.kind == "reduced" and not self.freed_to:
            raise ValidationFailed.single("freed_to", "name the reserve that receives freed hours")


def parse_suspension_policy(text: object) -> SuspensionPolicy:
    """A policy from its setting's text: "none", "frozen" or "reduced P %"."""
    words = " ".join(text.lower().replace("%", " %").split()) if isinstance(text, str) else ""
    if words in ("none", "frozen"):
        return SuspensionPolicy(words)  # type: ignore[arg-type]
    if words.startswith("reduced ") and words.endswith(" %"):
        try:
            percent = Decimal(words[len("reduced ") : -len(" %")])
        except ArithmeticError:
            percent = Decimal(-1)
        if percent.is_finite() and Decimal(0) < percent <= _HUNDRED:
            return SuspensionPolicy("reduced", percent)
    raise ValidationFailed.single(
        "value", f'"none", "frozen" or "reduced P %" with P in (0, 100], e.g. "reduced 50 %"; not {text!r}'
    )


@dataclass(frozen=True, slots=True)
class MemberQuota:
    """A member's quota for the year in whole reference GPU-hours.

    share: the contribution share (any non-negative weight) the quota is proportional to.
    proportional_hours: the quota before any suspension policy.
    hours: the quota granted (after a "reduced" policy).
    frozen: True when the member is suspended under a "frozen" policy: kept, not usable.
    """

    code: str
    share: Decimal
    proportional_hours: int
    hours: int
    frozen: bool


@dataclass(frozen=True, slots=True)
class QuotaAllocation:
    """The year's capacity split into reserves and member quotas; the parts sum to capacity."""

    capacity: int
    reserves: tuple[tuple[str, int], ...]
    members: tuple[MemberQuota, ...]

    @property
    def distributable(self) -> int:
        """Hours left for members after the reserves, before any suspension."""
        return sum(member.proportional_hours for member in self.members)


def _percent_problems(field: str, percents: Mapping[str, Decimal]) -> list[Problem]:
    return [
        Problem(f"{field}.{name}", f"must be a Decimal in [0, 100], got {value!r}")
        for name, value in percents.items()
        if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= _HUNDRED
    ]


def quota_allocation(
    capacity: int,
    reserves: Mapping[str, Decimal],
    shares: Mapping[str, Decimal],
    suspended: Set[str] = frozenset(),
    policy: SuspensionPolicy = SuspensionPolicy(),
) -> QuotaAllocation:
    """Split a year's capacity: reserves first, then members by contribution share.

    Each reserve is its percentage of capacity rounded down to whole hours; what remains is
    split between members in proportion to their shares (percentages, or any non-negative
    weights such as the amounts assessed) by largest remainder (ties to the
    earlier code), so member quotas sum exactly to it. Suspended members are then treated by
    ``policy``.
    """
    problems: list[Problem] = []
    if not isinstance(capacity, int) or capacity < 0:
        problems.append(Problem("capacity", f"must be whole GPU-hours >= 0, got {capacity!r}"))
    problems += _percent_problems("reserves", reserves)
    problems += [
        Problem(f"shares.{code}", f"must be a Decimal >= 0, got {value!r}")
        for code, value in shares.items()
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0
    ]
    if not problems and sum(reserves.values(), Decimal(0)) > _HUNDRED:
        problems.append(
            Problem("reserves", f"sum to {sum(reserves.values())} %; at most 100 % is accepted")
        )
    problems += [
        Problem("shares", f"{code!r} is not an ISO 3166-1 alpha-3 code")
        for code in shares
        if not is_member_code(code)
    ]
    if not shares or not any(value > 0 for value in shares.values() if isinstance(value, Decimal)):
        problems.append(Problem("shares", "at least one member needs a positive share"))
    unknown = sorted(set(suspended) - set(shares))
    if unknown:
        problems.append(Problem("suspended", f"not among the members: {', '.join(unknown)}"))
    raise_if_any(problems)

    reserve_hours = {
        name: _floor(capacity * percent / _HUNDRED)
        for name, percent in sorted(reserves.items())
    }
    codes = sorted(shares)
    proportional = apportion(capacity - sum(reserve_hours.values()), [Fraction(shares[code]) for code in codes])

    members = []
    freed = 0
    for code, hours in zip(codes, proportional):
        is_suspended = code in suspended
        granted = hours
        if is_suspended and policy.kind == "reduced":
            taken = _floor(hours * policy.reduction_percent / _HUNDRED)
            granted -= taken
            freed += taken
        members.append(
            MemberQuota(
                code=code,
                share=shares[code],
                proportional_hours=hours,
                hours=granted,
                frozen=is_suspended and policy.kind == "frozen",
            )
        )
    if freed:
        reserve_hours[policy.freed_to] = reserve_hours.get(policy.freed_to, 0) + freed
    return QuotaAllocation(
        capacity=capacity,
        reserves=tuple(sorted(reserve_hours.items())),
        members=tuple(members),
    )


# Quota ledger ------------------------------------------------------------------------------


class EntryKind(StrEnum):
    """Kinds of quota ledger entry; the sign each one may carry is checked on the entry."""

    CREDIT = "credit"
    DEBIT = "debit"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    FORFEIT = "forfeit"
    CARRY_OUT = "carry_out"
    CARRY_IN = "carry_in"
    ADJUSTMENT = "adjustment"


_SIGN_RULES = {
    EntryKind.CREDIT: (lambda amount: amount >= 0, ">= 0"),
    EntryKind.TRANSFER_IN: (lambda amount: amount > 0, "> 0"),
    EntryKind.DEBIT: (lambda amount: amount <= 0, "<= 0"),
    EntryKind.TRANSFER_OUT: (lambda amount: amount < 0, "< 0"),
    EntryKind.FORFEIT: (lambda amount: amount <= 0, "<= 0"),
    EntryKind.CARRY_OUT: (lambda amount: amount != 0, "not 0"),
    EntryKind.CARRY_IN: (lambda amount: amount != 0, "not 0"),
    EntryKind.ADJUSTMENT: (lambda amount: amount != 0, "not 0"),
}


@dataclass(frozen=True, slots=True)
class QuotaEntry:
    """One immutable line of a member's quota ledger.

    member: ISO 3166-1 alpha-3 code of the member whose balance the entry changes.
    kind: what the entry is (see EntryKind).
    amount: signed effect on the balance in reference GPU-milliseconds (credit and
        transfer_in add, debit, transfer_out and forfeit take away, adjustment either way;
        at a year's end carry_out closes what is carried and carry_in opens it in the next
        year, with opposite signs, negative when an overdrawn balance is carried as owed).
    counterparty: for transfers, the other member.
    motion_id: for transfers, the adopted board motion that authorises it.
    reason: why; required for adjustments.
    """

    member: str
    kind: EntryKind
    amount: int
    counterparty: str | None = None
    motion_id: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if not is_member_code(self.member):
            problems.append(Problem("member", f"{self.member!r} is not an ISO 3166-1 alpha-3 code"))
        if not isinstance(self.kind, EntryKind):
            problems.append(Problem("kind", f"accepted: {', '.join(EntryKind)}"))
            raise_if_any(problems)
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            problems.append(Problem("amount", "must be whole reference GPU-milliseconds"))
        else:
            sign_ok, expected = _SIGN_RULES[self.kind]
            if not sign_ok(self.amount):
                problems.append(
                    Problem("amount", f"a {self.kind} must be {expected}, got {self.amount}")
                )
        if self.kind in (EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN):
            if not self.motion_id:
                problems.append(
                    Problem("motion_id", "a transfer needs the adopted motion that authorises it")
                )
            if not is_member_code(self.counterparty) or self.counterparty == self.member:
                problems.append(
                    Problem("counterparty", "a transfer needs another member's alpha-3 code")
                )
        if self.kind == EntryKind.ADJUSTMENT and not (self.reason and self.reason.strip()):
            problems.append(Problem("reason", "an adjustment needs a reason"))
        raise_if_any(problems)


def balance(entries: Iterable[QuotaEntry]) -> int:
    """A balance is the sum of the entries' signed amounts, never a stored figure."""
    return sum(entry.amount for entry in entries)


def transfer(
    giver: str, receiver: str, amount: int, *, motion_id: str | None, giver_balance: int
) -> tuple[QuotaEntry, QuotaEntry]:
    """The out/in entry pair moving ``amount`` from giver to receiver under an adopted motion.

    Raises ValidationFailed without a motion or for a non-positive amount, and Conflict when
    the giver's balance does not cover the amount.
    """
    entries = (
        QuotaEntry(
            giver, EntryKind.TRANSFER_OUT, -amount, counterparty=receiver, motion_id=motion_id
        ),
        QuotaEntry(
            receiver, EntryKind.TRANSFER_IN, amount, counterparty=giver, motion_id=motion_id
        ),
    )
    if amount > giver_balance:
        raise Conflict(
            f"{giver} has a balance of {giver_balance} reference GPU-ms; cannot transfer {amount}"
        )
    return entries


def carry_over_percent(rule: object) -> Decimal:
    """The P of a `quota_carry_over` rule: "none" (0) or "up to P %" with P in [0, 100]."""
    text = " ".join(rule.lower().replace("%", " %").split()) if isinstance(rule, str) else ""
    if text == "none":
        return Decimal(0)
    if text.startswith("up to ") and text.endswith(" %"):
        try:
            percent = Decimal(text[len("up to ") : -len(" %")])
        except ArithmeticError:
            percent = Decimal(-1)
        if percent.is_finite() and 0 <= percent <= _HUNDRED:
            return percent
        raise ValidationFailed.single("rule", f"the percentage must be in [0, 100], got {rule!r}")
    raise ValidationFailed.single("rule", f'accepted: "none" or "up to P %", got {rule!r}')


def carry_over(balance: int, rule: str, quota: int = 0, frozen: int = 0) -> tuple[int, int]:
    """Split a member's year-end balance into (carried, forfeited) under `quota_carry_over`.

    "up to P %" is a cap, not a rate: the unused hours are carried up to P % of the year's
    quota (the member's allocation credit, rounded down) and only what exceeds the cap is
    forfeited, as unused allocations expire under the EuroHPC JU access policy and PRACE
    calls; "none" forfeits everything unused. Frozen hours (a quota credited frozen under
    ``quota_suspension`` "frozen") were never usable in their year and are never carried:
    they are forfeited, so a suspension cannot be undone by carry-over. What is left after
    the frozen part, when negative (the member used more than its usable hours), is carried
    in full and nothing of it is forfeited: it is owed. carried + forfeited == balance.

    balance: every line minus usage, in reference GPU-ms. quota: the year's credit to the
    member (the cap's base). frozen: the part of the balance credited frozen.
    """
    percent = carry_over_percent(rule)
    usable = balance - frozen
    if usable <= 0:
        return usable, frozen
    carried = min(usable, _floor(quota * percent / _HUNDRED))
    return carried, balance - carried


def fairness(usage_share: Decimal, contribution_share: Decimal) -> Decimal | None:
    """Usage share / contribution share (1 = used exactly its share); None if it paid nothing."""
    problems = [
        Problem(name, f"must be a Decimal >= 0, got {value!r}")
        for name, value in (
            ("usage_share", usage_share),
            ("contribution_share", contribution_share),
        )
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0
    ]
    raise_if_any(problems)
    if contribution_share == 0:
        return None
    return usage_share / contribution_share
