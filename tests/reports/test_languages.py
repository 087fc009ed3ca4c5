"""Every message the reports print has its French, with the same fields (issue 15: English and French, the same figures)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from ledger.domain import labels
from ledger.domain.errors import ValidationFailed
from ledger.domain.governance import explain
from ledger.reports import annual
from ledger.reports.catalogue_fr import FRENCH
from ledger.reports.i18n import Translator, parse_language
from ledger.reports.render import annual_report, charts, statement

RENDERER = Path(annual_report.__file__).parent
SOURCES = (Path(annual.__file__), *sorted(RENDERER.glob("*.py")), Path(explain.__file__))  # explain: the decisions' sentences


def _literal_messages() -> set[str]:
    """The first argument of every call `t("...")` in the report modules."""
    found = set()
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "t"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def _data_messages() -> set[str]:
    """Messages the reports translate from data: labels, section titles, month names, fixed sentences."""
    label_maps = [value for name, value in vars(labels).items() if name.isupper()]
    return {
        *(text for mapping in label_maps for text in mapping.values() if text),
        *annual_report.STANDING_COUNT_LABELS.values(), *annual_report.COVER_STATUS.values(), *statement.STANDING_SENTENCES.values(),
        *annual_report.BOUND_NOTES.values(),
        *explain.SENTENCE_WORDS, *charts.MONTH_ABBREVIATIONS, *(title for title, _build in annual_report.SECTIONS), annual.DEMO_NOTE,
        "Y", "N", "A", "-", "S",
    }


MESSAGES = sorted(_literal_messages() | _data_messages())


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name}


def test_the_reports_use_many_messages():
    """The scan finds the messages (a broken scan would pass the next test vacuously)."""
    assert len(MESSAGES) > 150 and "Annual report {year}" in MESSAGES


def test_french_has_every_message_with_the_same_fields():
    assert [message for message in MESSAGES if message not in FRENCH] == []
    assert [message for message in MESSAGES if _fields(FRENCH[message]) != _fields(message)] == []


def test_french_has_no_message_the_reports_do_not_use():
    assert sorted(set(FRENCH) - set(MESSAGES)) == []


def test_a_translator_formats_the_same_figures_in_each_language():
    assert Translator("en")("Annual report {year}", year=2024) == "Annual report 2024"
    assert Translator("fr")("Annual report {year}", year=2024) == "Rapport annuel 2024"
    assert Translator("fr").label(labels.VOTING_RULES, "two_thirds_of_votes_cast") == "Deux tiers des suffrages exprimés"


def test_an_unknown_language_is_refused_naming_the_accepted_ones():
    with pytest.raises(ValidationFailed) as refused:
        parse_language("de")
    assert refused.value.problems[0].field == "lang" and "en, fr" in refused.value.problems[0].message
