"""The reports' languages: English, the source text, and French from ledger.reports.catalogue_fr.

A message is its English text with ``{named}`` fields, looked up in the language's
catalogue and then formatted, so the figures put in are the same in every language and
only the words around them change. Labels of code names come from ledger.domain.labels and
are translated like any other message. A message missing from a catalogue prints in
English; a test reads every message the reports use and checks that French has it.

Members are countries: a report names each by its registered name in English and by the
French name of its ISO 3166-1 code from pycountry's own gettext catalogue (the Debian
iso-codes translations) in French, so "Germany" prints "Allemagne".
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Mapping
from functools import cache

import pycountry

from ledger.domain.errors import ValidationFailed
from ledger.domain.labels import label
from ledger.domain.members import country_name
from ledger.reports.catalogue_fr import FRENCH
from ledger.reports.model import LANGUAGES

CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": {}, "fr": FRENCH}


def parse_language(raw: str | None, field: str = "lang") -> str:
    """The report language asked for ("en" when none is), or a refusal naming the accepted ones."""
    lang = (raw or "en").strip().lower()
    if lang not in LANGUAGES:
        raise ValidationFailed.single(field, f"one of {', '.join(LANGUAGES)}; not {(raw or '')[:20]!r}")
    return lang


def name_order(name: str) -> str:
    """The key that lists names alphabetically in any of the reports' languages: accents and case
    set aside, so "Émirats" sorts with the E and "Tchéquie" after "Suisse"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@cache
def _country_names(lang: str) -> gettext.NullTranslations:
    """pycountry's ISO 3166-1 catalogue for `lang` (its English names are the message ids)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])


class Translator:
    """Messages and labels in one language; `t("Annual report {year}", year=2024)`."""

    __slots__ = ("lang", "_catalogue")

    def __init__(self, lang: str):
        self.lang = parse_language(lang)
        self._catalogue = CATALOGUES[self.lang]

    def __call__(self, message: str, /, **fields: object) -> str:
        template = self._catalogue.get(message, message)
        return template.format(**fields) if fields else template

    def label(self, labels: Mapping[str, str], code: str) -> str:
        """The label of a code name in this language."""
        return self(label(labels, code))

    def member(self, code: str, name: str) -> str:
        """A member's name in this language: its registered name in English, its country's name in the others."""
        if self.lang == "en":
            return name
        english = country_name(code)  # the common name where pycountry has one: "South Korea", not "Korea, Republic of"
        return name if english is None else _country_names(self.lang).gettext(english)
