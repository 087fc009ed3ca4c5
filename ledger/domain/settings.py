"""Settings that change figures: every number of the rules is a setting, not a constant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from types import MappingProxyType
from decimal import Decimal, InvalidOperation

from ledger.domain.compute import SuspensionPolicy, carry_over, parse_suspension_policy
from ledger.domain.contributions import CERN_CONVENTION_ART_V_8, DEFAULT_IN_KIND_CAP_PERCENT, UN_CHARTER_ART_19, StandingRule
from ledger.domain.errors import ValidationFailed
from ledger.domain.money import currency_exponent
from ledger.domain.sacct_times import time_zone

STANDING_RULES: dict[str, StandingRule] = {"cern": CERN_CONVENTION_ART_V_8, "un": UN_CHARTER_ART_19}


def _standing_rule(value: str) -> str:
    if value not in STANDING_RULES:
        raise ValidationFailed.single("value", f"a standing rule preset: {', '.join(STANDING_RULES)} ({', '.join(r.name for r in STANDING_RULES.values())})")
    return value


def _percentage(value: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100 or -number.as_tuple().exponent > 6:
        raise ValidationFailed.single("value", f"a percentage from 0 to 100 with at most 6 decimals, e.g. 25; not {value[:40]!r}")
    return str(number)


def _currency(value: str) -> str:
    currency_exponent(value)
    return value


def _suspension_policy(value: str) -> str:
    parse_suspension_policy(value)
    return " ".join(value.lower().replace("%", " %").split())


def _carry_over_rule(value: str) -> str:
    try:
        carry_over(0, value)
    except ValidationFailed:
        raise ValidationFailed.single("value", f'"none" or "up to P %" with P from 0 to 100, e.g. "up to 10 %"; not {value!r}') from None
    return " ".join(value.lower().replace("%", " %").split())


def _four_eyes_threshold(value: str) -> str:
    """ "none", or an amount of the base currency (checked against it when a payment is booked)."""
    if value.lower() == "none":
        return "none"
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or -number.as_tuple().exponent > 3 or number >= 10**15:
        raise ValidationFailed.single("value", f'"none" or an amount of the base currency from 0, e.g. 250000.00; not {value[:40]!r}')
    return str(number)


def _four_eyes_gpu_hours(value: str) -> str:
    """ "none", or whole GPU-hours: an adjustment by more than this either way needs a second official."""
    if value.lower() == "none":
        return "none"
    text = value.replace(",", "")
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise ValidationFailed.single("value", f'"none" or whole GPU-hours from 0, e.g. 5000; not {value[:40]!r}')
    return str(int(text))


def _facility_name(value: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 120:
        raise ValidationFailed.single("value", f"the facility's name, 1 to 120 characters; not {value[:40]!r}")
    return name


def _time_zone(value: str) -> str:
    return "UTC" if time_zone(value, "value") is UTC else value


def parse_cluster_time_zones(value: str, field: str = "value") -> dict[str, tzinfo]:
    """``cluster=Zone`` pairs separated by commas or spaces, e.g. "aurora=Europe/Oslo, lumi=Europe/Helsinki"."""
    zones: dict[str, tzinfo] = {}
    for item in value.replace(",", " ").split():
        cluster, equals, name = item.partition("=")
        if not equals or not cluster:
            raise ValidationFailed.single(field, f"cluster=Zone pairs, e.g. aurora=Europe/Oslo, lumi=Europe/Helsinki; not {item!r}")
        zones[cluster] = time_zone(name, field)
    return zones


def _cluster_time_zones(value: str) -> str:
    parse_cluster_time_zones(value)
    return ", ".join(item for item in value.replace(",", " ").split())


# key -> (default, parser, what it means)
SETTINGS = {
    "facility_name": ("International Facility for Public AI Research", _facility_name, "the facility's name, as the reports' covers and headers print it"),
    "base_currency": ("EUR", _currency, "the currency of budgets, assessments and the base amount of every payment"),
    "standing_rule": ("cern", _standing_rule, "when arrears suspend a member's vote: cern (CERN Convention Art. V.8) or un (UN Charter Art. 19)"),
    "in_kind_cap_pct": (str(DEFAULT_IN_KIND_CAP_PERCENT), _percentage, "the most of an assessment that in-kind contributions may settle, in percent"),
    "quota_suspension": ("frozen", _suspension_policy, "what a suspension does to a member's GPU-hour quota when quotas are allocated: none, frozen (kept but not usable) or reduced P % (taken off and returned to the open-call reserve)"),
    "four_eyes_threshold": ("none", _four_eyes_threshold, "a payment, a payment's reversal or an in-kind credit worth more than this in the base currency takes effect only once a second official (another treasurer or the secretariat, never its author) approves it: none, or an amount such as 250000.00"),
    "four_eyes_gpu_hours": ("none", _four_eyes_gpu_hours, "a GPU-hour adjustment of more than this many GPU-hours either way takes effect only once a second official (another treasurer or the secretariat, never its author) approves it: none, or whole GPU-hours such as 5000"),
    "quota_carry_over": ("none", _carry_over_rule, "how much of a member's unused GPU-hours a closed year carries into the next: none, or up to P % of its quota for the year (the rest is forfeited, and so are frozen hours)"),
    "cluster_time_zones": ("", _cluster_time_zones, "the IANA time zone each cluster's sacct prints its times in, e.g. aurora=Europe/Oslo, lumi=Europe/Helsinki; a cluster not named is read in UTC"),
    "reporting_time_zone": ("UTC", _time_zone, "the IANA time zone whose months and years usage is split into; set it before the first ingestion, as usage already published keeps its months"),
}


def parse_setting(key: str, value: str) -> str:
    """Check a setting's new value; the message says what the key accepts."""
    if key not in SETTINGS:
        raise ValidationFailed.single("key", f"a setting: {', '.join(SETTINGS)}")
    return SETTINGS[key][1]((value or "").strip())


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings in force."""

    base_currency: str
    standing_rule: StandingRule
    in_kind_cap_pct: Decimal
    quota_suspension: SuspensionPolicy
    quota_carry_over: str
    four_eyes_threshold: Decimal | None
    four_eyes_gpu_hours: int | None
    texts: Mapping[str, str]
    """Every setting in force as written, defaults included, by key."""
    cluster_time_zones: Mapping[str, tzinfo] = field(default_factory=lambda: MappingProxyType({}))
    """The time zone of each cluster named in the cluster_time_zones setting."""
    reporting_time_zone: tzinfo = UTC
    """Where months and years of usage begin."""

    @classmethod
    def from_values(cls, values: dict[str, str]) -> "Settings":
        """Settings from the latest stored values, defaults for the rest."""
        chosen = {key: values.get(key, default) for key, (default, _parser, _meaning) in SETTINGS.items()}
        return cls(
            base_currency=chosen["base_currency"],
            standing_rule=STANDING_RULES[chosen["standing_rule"]],
            in_kind_cap_pct=Decimal(chosen["in_kind_cap_pct"]),
            quota_suspension=parse_suspension_policy(chosen["quota_suspension"]),
            quota_carry_over=chosen["quota_carry_over"],
            four_eyes_threshold=None if chosen["four_eyes_threshold"] == "none" else Decimal(chosen["four_eyes_threshold"]),
            four_eyes_gpu_hours=None if chosen["four_eyes_gpu_hours"] == "none" else int(chosen["four_eyes_gpu_hours"]),
            texts=MappingProxyType(chosen),
            cluster_time_zones=MappingProxyType(parse_cluster_time_zones(chosen["cluster_time_zones"])),
            reporting_time_zone=time_zone(chosen["reporting_time_zone"]),
        )
