"""Officials' account rules and the role grants, without a database."""

import pytest

from ledger.domain.access import Actor, Permission, Role, require, system_actor
from ledger.domain.errors import Forbidden, ValidationFailed
from ledger.domain.officials import validate_official


def test_a_valid_delegate():
    official = validate_official(" Anna@Example.ORG ", "twelve chars!", "Delegate", "fra")
    assert (official.email, official.role, official.member_code) == ("anna@example.org", Role.DELEGATE, "FRA")


def test_every_problem_at_once():
    with pytest.raises(ValidationFailed) as caught:
        validate_official("nobody", "short", "king", None)
    assert {p.field for p in caught.value.problems} == {"email", "password", "role"}


@pytest.mark.parametrize(
    "role, allowed",
    [
        (Role.SECRETARIAT, {Permission.ENTER_OFFICE, Permission.VIEW_MEMBERS, Permission.MANAGE_MEMBERS,
                            Permission.MANAGE_BUDGETS, Permission.VIEW_FINANCES, Permission.MANAGE_GOVERNANCE,
                            Permission.VIEW_GOVERNANCE, Permission.SEE_WHO_VOTED, Permission.MANAGE_PROJECTS,
                            Permission.MANAGE_COMPUTE, Permission.VIEW_COMPUTE, Permission.MANAGE_USERS,
                            Permission.APPROVE_BOOKINGS}),
        (Role.TREASURER, {Permission.ENTER_OFFICE, Permission.RECORD_PAYMENTS, Permission.VIEW_FINANCES,
                          Permission.APPROVE_BOOKINGS}),
        (Role.DELEGATE, {Permission.ENTER_OFFICE, Permission.CAST_BALLOT, Permission.VIEW_GOVERNANCE}),
        (Role.AUDITOR, {Permission.ENTER_OFFICE, Permission.VIEW_MEMBERS, Permission.READ_JOURNAL, Permission.VIEW_FINANCES,
                        Permission.VIEW_GOVERNANCE, Permission.SEE_WHO_VOTED, Permission.VIEW_COMPUTE}),
    ],
)
def test_grants(role, allowed):
    actor = Actor(ref="user:1", role=role)
    assert {p for p in Permission if actor.can(p)} == allowed
    for permission in set(Permission) - allowed:
        with pytest.raises(Forbidden, match=f"the {role.value} role may not"):
            require(actor, permission)


def test_the_operator_at_the_command_line_may_do_anything():
    assert all(system_actor().can(p) for p in Permission)
