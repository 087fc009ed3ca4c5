"""Who may do what: roles, permissions and the actor every use case receives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.domain.errors import Forbidden


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    TREASURER = "treasurer"
    DELEGATE = "delegate"
    AUDITOR = "auditor"


class Permission(StrEnum):
    ENTER_OFFICE = "enter the officials' workspace"
    VIEW_MEMBERS = "view members in the workspace"
    MANAGE_MEMBERS = "admit members and change their status"
    READ_JOURNAL = "browse the journal with its actors"
    MANAGE_USERS = "add officials, deactivate and reactivate them, change their roles and reset their passwords"
    MANAGE_BUDGETS = "prepare fiscal years, budgets and scales and record the board's decisions on them"
    RECORD_PAYMENTS = "book payments, reversals and contributions in kind"
    VIEW_FINANCES = "view the finances in the workspace"
    APPROVE_BOOKINGS = "approve a payment, reversal, in-kind credit or GPU-hour adjustment above a four-eyes threshold that another official booked"
    MANAGE_GOVERNANCE = "prepare meetings and motions, record presence and proxies, open and close votes"
    CAST_BALLOT = "cast a member's ballot"
    SEE_WHO_VOTED = "see which members have cast a ballot on a motion still open"
    VIEW_GOVERNANCE = "view meetings and motions in the workspace"
    MANAGE_PROJECTS = "register projects and ingest their Slurm usage"
    MANAGE_COMPUTE = "record capacity plans, allocate GPU-hour quotas, adjust and close the GPU-hour ledgers"
    VIEW_COMPUTE = "view capacity plans, quotas and GPU-hour ledgers in the workspace"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.SECRETARIAT: frozenset(
        {Permission.ENTER_OFFICE, Permission.VIEW_MEMBERS, Permission.MANAGE_MEMBERS, Permission.MANAGE_USERS,
         Permission.MANAGE_BUDGETS, Permission.VIEW_FINANCES, Permission.APPROVE_BOOKINGS, Permission.MANAGE_GOVERNANCE, Permission.VIEW_GOVERNANCE,
         Permission.SEE_WHO_VOTED, Permission.MANAGE_PROJECTS, Permission.MANAGE_COMPUTE, Permission.VIEW_COMPUTE}
    ),
    Role.TREASURER: frozenset({Permission.ENTER_OFFICE, Permission.RECORD_PAYMENTS, Permission.APPROVE_BOOKINGS, Permission.VIEW_FINANCES}),
    Role.DELEGATE: frozenset({Permission.ENTER_OFFICE, Permission.CAST_BALLOT, Permission.VIEW_GOVERNANCE}),
    Role.AUDITOR: frozenset(
        {Permission.ENTER_OFFICE, Permission.VIEW_MEMBERS, Permission.READ_JOURNAL, Permission.VIEW_FINANCES,
         Permission.VIEW_GOVERNANCE, Permission.SEE_WHO_VOTED, Permission.VIEW_COMPUTE}
    ),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a use case: a signed-in official, or the operator at the command line.

    `ref` is what the public journal shows: `user:<id>` or `system:<name>`, never an e-mail.
    """

    ref: str
    role: Role | None = None
    member_code: str | None = None

    @property
    def is_system(self) -> bool:
        return self.ref.startswith("system:")

    def can(self, permission: Permission) -> bool:
        """The operator at the command line may do anything; officials what their role grants."""
        return self.is_system or (self.role is not None and permission in GRANTS[self.role])


def require(actor: Actor, permission: Permission) -> None:
    """Raise Forbidden unless the actor holds the permission."""
    if not actor.can(permission):
        role = actor.role.value if actor.role else "anonymous"
        raise Forbidden(f"the {role} role may not {permission.value}")


def system_actor(name: str = "cli") -> Actor:
    """The operator running a command on the server."""
    return Actor(ref=f"system:{name}")
