"""The dashboards' shared components, tested once for every page that uses them."""

from __future__ import annotations

import pytest

from dashboards.components import year_in_query


@pytest.mark.parametrize(
    ("raw", "example", "year", "message"),
    [
        ("2024", 2025, 2024, None),
        (" 2025 ", 2025, 2025, None),
        (" 2029 ", 2029, 2029, None),
        ("abc", 2025, None, "'abc' is not a year: give a four-digit year in the address, e.g. ?year=2025."),
        ("abc", 2029, None, "'abc' is not a year: give a four-digit year in the address, e.g. ?year=2029."),
        ("2025.0", 2025, None, "is not a year"),
        ("2029.0", 2029, None, "'2029.0' is not a year"),
        ("", 2029, None, "'' is not a year"),
        ("٢٠٢٥", 2025, None, "is not a year"),  # Arabic-Indic digits: int() reads them, the address should not
        ("٢٠٢٩", 2029, None, "is not a year"),
        (["2024", "2025"], 2025, None, "Give one year in the address"),
        (["2028", "2029"], 2029, None, "Give one year in the address"),
    ],
)
def test_the_year_comes_from_the_query_string_or_a_message_says_why_not(raw, example, year, message):
    number, problem = year_in_query(raw, example)
    assert number == year
    assert (problem is None) if message is None else (message in problem)
