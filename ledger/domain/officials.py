"""Officials' accounts: what makes a valid e-mail, password, role and member binding."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.access import Role
from ledger.domain.errors import Problem, raise_if_any
from ledger.domain.members import check_country_code

MIN_PASSWORD_LENGTH = 12
ACCEPTED_ROLES = ", ".join(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class NewOfficial:
    """A validated request to add an official (the password is not kept here)."""

    email: str
    role: Role
    member_code: str | None


def validate_official(email: str, password: str, role: str, member_code: str | None) -> NewOfficial:
    """Check every field at once: e-mail shape, password length, role, delegate's member."""
    problems: list[Problem] = []
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254 or domain.startswith("."):
        problems.append(Problem("email", f"{email!r} is not an e-mail address such as name@example.org"))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(Problem("password", f"give at least {MIN_PASSWORD_LENGTH} characters"))
    try:
        parsed_role = Role((role or "").strip().lower())
    except ValueError:
        parsed_role = None
        problems.append(Problem("role", f"{role!r} is not a role; accepted: {ACCEPTED_ROLES}"))
    code = None
    if member_code:
        code, code_problems = check_country_code(member_code, field="member")
        problems += code_problems
    if parsed_role is Role.DELEGATE and not member_code:
        problems.append(Problem("member", "a delegate is bound to one member: give its ISO 3166-1 alpha-3 code"))
    elif parsed_role is not None and parsed_role is not Role.DELEGATE and member_code:
        problems.append(Problem("member", f"only delegates are bound to a member; leave it empty for the {parsed_role.value} role"))
    raise_if_any(problems)
    return NewOfficial(email=email, role=parsed_role, member_code=code)
