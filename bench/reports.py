"""Time the annual report PDF of a 40-member year with 12 payments per member (goal: under 2 s).

Run: .venv/bin/python bench/reports.py [members] [payments_per_member]
Renders the same report 5 times and prints the median; the figures are made up.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from datetime import date
from decimal import Decimal

from ledger.reports.model import (
    AnnualReport,
    ContributionLine,
    InKindLine,
    JournalCheckpoint,
    PaymentLine,
    ScaleRow,
    ScaleSection,
)
from ledger.reports.render import render_annual_report

YEAR = 2025
BUDGET_MINOR = 2_500_000_000_00  # EUR 2.5 billion
RUNS = 5


def made_up_year(members: int, payments_per_member: int) -> AnnualReport:
    """A closed year: shares growing with the member's position, equal instalments, every ninth member behind."""
    codes = [f"M{index:02d}" for index in range(members)]
    weights = range(1, members + 1)
    shares = [Decimal(weight * 100_000 // sum(weights)).scaleb(-3) for weight in weights]
    contributions, payments, in_kind = [], [], []
    for index, (code, share) in enumerate(zip(codes, shares)):
        assessed = int(BUDGET_MINOR * share / 100)
        instalment = assessed // (payments_per_member + 4)
        for number in range(payments_per_member):
            on = date(YEAR, 1 + number % 12, 1 + index % 28)
            payments.append(PaymentLine(code, on, "EUR", instalment, Decimal(1), on, "base currency", instalment,
                                        f"{code}-{YEAR}-{number + 1:02d}"))
        credited = assessed // 25 if index % 4 == 0 else 0
        if credited:
            in_kind.append(InKindLine(code, f"Accelerator hours offered by member {code}", "credited",
                                      credited, credited))
        paid = instalment * payments_per_member
        behind = index % 9 == 4
        contributions.append(ContributionLine(
            code, f"Member state number {index + 1}", share, assessed, paid, credited, assessed - paid - credited,
            assessed // 2 if behind else 0, "arrears" if behind else "good",
        ))
    scale = ScaleSection("2024-2026", "Motion 2023/14", Decimal(25), Decimal("0.001"), Decimal("0.001"),
                         tuple(ScaleRow(line.code, line.name, Decimal(10_000 + index * 991), line.share_pct)
                               for index, line in enumerate(contributions)))
    return AnnualReport(
        year=YEAR, status="closed", currency="EUR", budget_minor=BUDGET_MINOR, as_of=date(YEAR, 12, 31), scale=scale,
        contributions=tuple(contributions), payments=tuple(payments), in_kind=tuple(in_kind),
        standing_rule="CERN Convention Art. V.8: arrears above the contributions due for the current and previous "
                      "year suspend the vote.",
        checkpoint=JournalCheckpoint(10_000, hashlib.sha256(b"bench").hexdigest(), date(YEAR + 1, 1, 15)),
        data_note="Made-up figures for a timing run.",
    )


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    payments_per_member = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    report = made_up_year(members, payments_per_member)
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        pdf = render_annual_report(report)
        seconds.append(time.perf_counter() - started)
    print(
        f"Annual report, {members} members x {payments_per_member} payments: median {statistics.median(seconds):.2f} s "
        f"over {RUNS} runs (min {min(seconds):.2f}, max {max(seconds):.2f}); {len(pdf):,} bytes"
    )


if __name__ == "__main__":
    main()
