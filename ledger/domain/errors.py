"""Errors the domain raises, each mapped to one HTTP status by the shells."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: the field it concerns and what is accepted."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class DomainError(Exception):
    """Base of every error a user can act on."""

    status = 400


class ValidationFailed(DomainError):
    """The input breaks one or more rules; every problem is reported at once."""

    status = 400

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, field: str, message: str) -> "ValidationFailed":
        return cls((Problem(field, message),))


class NotFound(DomainError):
    """The thing named does not exist."""

    status = 404


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (duplicate, closed, ...)."""

    status = 409


class Forbidden(DomainError):
    """The actor's role does not allow this action."""

    status = 403


def raise_if_any(problems: list[Problem]) -> None:
    """Raise ValidationFailed with all problems, or return when there are none."""
    if problems:
        raise ValidationFailed(problems)


def collect(problems: list[Problem], check, *args, **kwargs):
    """Run one parser; on failure keep its problems and return None, so every field is checked."""
    try:
        return check(*args, **kwargs)
    except ValidationFailed as failed:
        problems.extend(failed.problems)
        return None
