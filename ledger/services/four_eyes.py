"""Four eyes on money: a booking above a threshold waits for a second official.

A payment, a payment's reversal or an in-kind credit worth more than the `four_eyes_threshold`
setting (in the base currency), and a GPU-hour adjustment of more than `four_eyes_gpu_hours`
either way, take effect only when a second official approves them: another treasurer or the
secretariat, never their author. Until then the booking is a PendingBooking that no figure
counts; the approval carries it out, with the same code that books it at once below the
threshold, in the entry that journals the approval. The journal shows both entries.

Source: OWASP ASVS 4.0.3 V1.11.2 and V11.1.x (business-logic limits, multi-person approval of
high-value transactions); INTOSAI-P 12 and COSO internal control (segregation of duties).

Each kind registers, in the module that owns its noun (contributions, compute), how it is
carried out; `book` and `approve` are the one implementation of "pending until approved".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ledger.db.tables import BookingApproval, PendingBooking
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.errors import Conflict, Forbidden, NotFound
from ledger.domain.journal import canonical_json
from ledger.domain.settings import Settings


@dataclass(frozen=True, slots=True)
class BookingKind:
    """How one kind of booking is carried out and when it needs a second official.

    `carry_out(params, uow)` writes the booking's rows (revalidating what may have changed since
    it was proposed) and returns (the id of its main row, the journal summary); `threshold(settings)`
    is the value above which a second official approves, or None when no threshold is set;
    `journal_kind` journals a booking carried out at once.
    """

    name: str
    label: str
    journal_kind: str
    threshold: Callable[[Settings], int | None]
    carry_out: Callable[[dict, UnitOfWork], tuple[int, str]]


KINDS: dict[str, BookingKind] = {}


def register(kind: BookingKind) -> BookingKind:
    """Declare a kind of booking (once, in the module that owns it)."""
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True, slots=True)
class Booked:
    """What `book` did: carried out (`id` is the booked row's), or `pending` (`id` is the
    pending booking's); `created` is False when the same booking was pending already."""

    id: int
    pending: bool
    created: bool = True


def book(kind: BookingKind, params: dict, *, value: int, subject: str | None, summary: str, settings: Settings,
         actor: Actor, uow: UnitOfWork) -> Booked:
    """Carry a validated booking out now, or keep it pending a second official when `value`
    (its absolute size) exceeds the kind's threshold. Call inside the use case's `with uow`.

    A subject (a payment's reference, a pledge) has at most one pending booking of a kind: the
    same one sent again is answered with it (`created` False), a different one refused.
    """
    uow.reserve()  # under the journal lock: of two racing bookings of one subject, the second sees the first
    stored = canonical_json(params)
    if subject is not None:
        waiting = pending_of(uow, kind, subject)
        if waiting is not None:
            if waiting.params_json == stored:
                return Booked(waiting.id, pending=True, created=False)
            raise Conflict(f"{subject} has a {kind.label} awaiting a second official already (pending booking #{waiting.id}): "
                           "it is approved, or it stays pending")
    threshold = kind.threshold(settings)
    if threshold is None or abs(value) <= threshold:
        row_id, done = kind.carry_out(json.loads(stored), uow)
        uow.commit(actor=actor, kind=kind.journal_kind, summary=done)
        return Booked(row_id, pending=False)
    booking = uow.add(PendingBooking(kind=kind.name, subject=subject, params_json=stored, value=abs(value), summary=summary[:400],
                                     proposed_by=actor.ref, journal_seq=0))
    uow.commit(actor=actor, kind=f"{kind.name}.proposed",
               summary=f"{summary}: proposed as pending booking #{booking.id}, awaiting a second official; it counts in no figure until approved")
    return Booked(booking.id, pending=True)


def pending_of(uow: UnitOfWork, kind: BookingKind, subject: str) -> PendingBooking | None:
    """The booking of this kind and subject still waiting for approval, if any."""
    approved = select(BookingApproval.booking_id)
    return uow.session.execute(
        select(PendingBooking).where(PendingBooking.kind == kind.name, PendingBooking.subject == subject,
                                     PendingBooking.id.not_in(approved))
    ).scalar()


def approve(booking_id: int, *, actor: Actor, uow: UnitOfWork) -> int:
    """A second official (another treasurer or the secretariat, never the author) approves a
    pending booking: only now is it carried out and counted. Returns the booked row's id."""
    require(actor, Permission.APPROVE_BOOKINGS)
    from ledger.services import compute, contributions  # noqa: F401 - the modules whose kinds register on import
    with uow:
        uow.reserve()  # under the journal lock: two approvals of one booking cannot both pass
        booking = uow.session.get(PendingBooking, booking_id)
        if booking is None:
            raise NotFound(f"no pending booking #{booking_id}; see the bookings awaiting approval")
        if uow.session.execute(select(BookingApproval.id).where(BookingApproval.booking_id == booking_id)).first():
            raise Conflict(f"pending booking #{booking_id} is approved already")
        if booking.proposed_by == actor.ref:
            raise Forbidden(f"pending booking #{booking_id} is yours: a second official must approve it")
        row_id, done = KINDS[booking.kind].carry_out(json.loads(booking.params_json), uow)
        uow.add(BookingApproval(booking_id=booking.id, approved_by=actor.ref, journal_seq=0))
        uow.commit(actor=actor, kind=f"{booking.kind}.approved",
                   summary=f"Approved pending booking #{booking.id} of {booking.proposed_by}: {done}")
    return row_id
