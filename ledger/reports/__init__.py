"""PDF reports built with ReportLab from plain data objects; the renderers never query."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReportLink:
    """A downloadable report as /reports/ lists it."""

    title: str
    url: str
    description: str


def available_reports() -> list[ReportLink]:
    """The reports the ledger can produce now: none yet. The annual report and members'
    statements of account arrive with the contributions capability."""
    return []
