"""Times in sacct exports, and the split of usage by month.

sacct prints the local time of the host it runs on, without an offset; each
cluster's time zone (an IANA name) says what that time is. A time written with an offset
(``+01:00``, ``Z``) is taken as written. Everything is returned in UTC. A local time that
occurs twice (the hour repeated when clocks fall back) is resolved with the elapsed time:
of the possible (Start, End) pairs the one whose difference is the job's ElapsedRaw is
taken; a running job's Start and any Submit take the earlier reading (PEP 495's fold=0).
A local time that never occurred (the hour skipped when clocks spring forward) is
reported ("time_in_gap").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.domain.apportion import apportion
from ledger.domain.errors import ValidationFailed

UTC_SUFFIX = "+00:00"

_ONE_MICROSECOND = timedelta(microseconds=1)

LOCAL_TIME_LENGTH = len("2025-01-01T00:00:00")


def time_zone(name: str, field: str = "timezone") -> tzinfo:
    """An IANA time zone by name (e.g. Europe/Oslo, UTC); ValidationFailed naming `field`."""
    if isinstance(name, str) and name.strip().upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError, AttributeError):
        raise ValidationFailed.single(
            field, f"an IANA time zone name such as Europe/Oslo, America/Chicago or UTC; not {name!r}"
        ) from None


def utc_seconds(moment: datetime) -> datetime:
    """``moment`` in UTC to the whole second (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


class AmbiguousTime(ValueError):
    """A local time that occurs twice; `readings` are its two UTC readings, earlier first."""

    def __init__(self, readings: tuple[datetime, datetime]):
        super().__init__("ambiguous local time")
        self.readings = readings


class SkippedTime(ValueError):
    """A local time the clocks skipped."""


class LocalClock:
    """Reads sacct times as UTC: naive ones in a time zone, ones with an offset as written.

    Fast for the common case: the UTC offset of each local hour is found once and cached, so
    a time costs one ``fromisoformat`` and one subtraction. Hours in which the offset changes
    are read the slow way and raise ``AmbiguousTime`` or ``SkippedTime`` for the caller to resolve.
    `offsets` is that cache, by the first 13 characters of a local time (None: read the slow
    way); the row loop reads it directly and calls the clock only when it has no offset.
    """

    __slots__ = ("zone", "offsets")

    def __init__(self, zone: tzinfo):
        self.zone = zone
        self.offsets: dict[str, timedelta | None] = {}

    def __call__(self, text: str) -> datetime:
        if len(text) == LOCAL_TIME_LENGTH:
            hour = text[:13]
            offset = self.offsets.get(hour, False)
            if offset is False:
                offset = self.offsets[hour] = self._hour_offset(hour)
            if offset is not None:
                moment = datetime.fromisoformat(text + UTC_SUFFIX)
                return moment - offset if offset else moment
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        return self._local(moment)

    def _hour_offset(self, hour: str) -> timedelta | None:
        """The hour's one UTC offset, or None when it changes within the hour (or the text is bad)."""
        try:
            first = datetime.fromisoformat(hour + ":00:00")
        except ValueError:
            return None
        if self.zone is UTC:
            return timedelta(0)
        last = first + timedelta(minutes=59, seconds=59)
        offsets = {moment.replace(tzinfo=self.zone, fold=fold).utcoffset() for moment in (first, last) for fold in (0, 1)}
        return offsets.pop() if len(offsets) == 1 else None

    def _local(self, naive: datetime) -> datetime:
        early = naive.replace(tzinfo=self.zone, fold=0)
        late = naive.replace(tzinfo=self.zone, fold=1)
        readings = (early.astimezone(UTC), late.astimezone(UTC))
        if readings[0] == readings[1]:
            return readings[0]
        if readings[0].astimezone(self.zone).replace(tzinfo=None) != naive:
            raise SkippedTime(f"{naive:%Y-%m-%dT%H:%M:%S} never occurred in {self.zone}: the clocks skipped it")
        raise AmbiguousTime(tuple(sorted(readings)))

    def readings(self, text: str) -> tuple[datetime, ...]:
        """Every UTC reading of a time: one, or two in a repeated hour; ValueError if none."""
        try:
            return (self(text),)
        except AmbiguousTime as ambiguous:
            return ambiguous.readings

    def earliest(self, text: str) -> datetime:
        """The time in UTC, the earlier reading of a repeated hour."""
        return self.readings(text)[0]


def resolve_fold(
    clock: LocalClock, submit_text: str, start_text: str, end_text: str, elapsed: int | None,
    is_provisional: bool, cut: datetime | None,
) -> tuple[datetime, datetime, datetime]:
    """Submit, Start and End in UTC when one of them falls in a repeated local hour.

    Submit and a running job's Start take the earlier reading; a finished job's (Start, End)
    is the pair whose difference is its elapsed time (else the pair closest to it that does
    not end before it starts, else the earlier readings).
    """
    submit = clock.earliest(submit_text)
    starts = clock.readings(start_text)
    if is_provisional:
        start = starts[0]
        end = cut if elapsed is None else start + timedelta(seconds=elapsed)
        return submit, start, end
    ends = clock.readings(end_text)
    pairs = [(start, end) for start in starts for end in ends]
    if elapsed is None:
        ordered = [pair for pair in pairs if pair[1] >= pair[0]] or pairs
        return (submit, *ordered[0])
    target = timedelta(seconds=elapsed)
    fitting = sorted((abs((end - start) - target), start, end) for start, end in pairs if end >= start)
    start, end = (fitting[0][1], fitting[0][2]) if fitting else pairs[0]
    return submit, start, end


def month_of(moment: datetime, zone: tzinfo = UTC) -> str:
    """The "YYYY-MM" month a moment falls in, in the reporting time zone (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(zone)
    return f"{moment.year:04d}-{moment.month:02d}"


def split_by_month(start: datetime, end: datetime, usage: int, zone: tzinfo = UTC) -> tuple[tuple[str, int], ...]:
    """Split whole ``usage`` between the months [start, end) touches, by time, exactly.

    Months are those of the reporting time zone `zone` (UTC by default): a month begins at
    midnight on its first day there. Each month gets its share of the run time by largest
    remainder, so the parts sum to ``usage``; a run of no length goes to the month of its start.
    """
    if not isinstance(usage, int) or usage < 0:
        raise ValidationFailed.single("usage", f"must be a whole number >= 0, got {usage!r}")
    if start.tzinfo is None:
        start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
    start, end = start.astimezone(zone), end.astimezone(zone)
    if end < start:
        raise ValidationFailed.single("end", f"{end.isoformat()} is before start {start.isoformat()}")
    if (start.year, start.month) == (end.year, end.month) or end == start:
        return ((f"{start.year:04d}-{start.month:02d}", usage),)

    months: list[str] = []
    durations: list[int] = []
    month_start = start
    while month_start < end:
        year, month = month_start.year, month_start.month
        next_month = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
        months.append(f"{year:04d}-{month:02d}")
        # Aware datetimes of one zone subtract as wall time; UTC gives the elapsed time.
        durations.append((min(next_month, end).astimezone(UTC) - month_start.astimezone(UTC)) // _ONE_MICROSECOND)
        month_start = next_month
    return tuple(zip(months, apportion(usage, durations)))
