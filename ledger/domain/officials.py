"""Officials' accounts: what makes a valid e-mail, password, role and member binding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from ledger.domain.access import Role
from ledger.domain.errors import Problem, raise_if_any
from ledger.domain.members import check_country_code

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).with_name("data") / "common_passwords.txt"
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
    problems += password_problems(password)
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


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problems(password: str | None, field: str = "password") -> list[Problem]:
    """A password must have at least 12 characters, not all blank, and not be a common one.

    Source: OWASP ASVS 4.0.3 V2.1.1 (at least 12 characters), V2.1.7 (checked against a set
    of breached or common passwords), NIST SP 800-63B 5.1.1.2 (no composition rules beyond that).
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem(field, f"give at least {MIN_PASSWORD_LENGTH} characters")]
    if not password.strip():
        return [Problem(field, "a password of blanks only is not accepted; give at least 12 characters that are not all spaces")]
    if password.lower() in _common_passwords() or len(set(password)) == 1:
        return [Problem(field, "this password is one of the most common ones; choose another of at least 12 characters")]
    return []


FREE_FAILURES = 5
"""Wrong passwords for one account from one client before each further try must wait."""
FIRST_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=15)
FAILURES_PER_CLIENT = 100
"""Wrong passwords from one client, whatever the account, before it is refused outright; a
counter is forgotten after THROTTLE_WINDOW without failures."""
THROTTLE_WINDOW = timedelta(hours=1)


def sign_in_delay(failures: int) -> timedelta:
    """How long after its last failure an account+client pair must wait before its next try:
    nothing for the first FREE_FAILURES, then 2 s doubling per failure, at most 15 minutes.

    Source: OWASP ASVS 4.0.3 V2.2.1 (anti-automation that does not lock out the legitimate
    user: delays grow per client, another client is never refused), NIST SP 800-63B 5.2.2
    (rate limiting to at most 100 consecutive failures).
    """
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 20)  # 2 s * 2^20 is far past the ceiling already
    return min(FIRST_DELAY * 2**doublings, MAX_DELAY)
