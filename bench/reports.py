"""Contributions benchmark on a real ledger: 10 years x 40 members x 12 payments a year.

    .venv/bin/python bench/reports.py [--postgres URL] [--requests 300]   (--requests 0: reports only)

Builds the ledger through the officials' use cases on a fresh SQLite file and, where
reachable, a fresh PostgreSQL database (dropped afterwards), then measures:
- the annual report of one year end to end (queries, assembly, PDF/A with its attachments), in
  English and French, median of 5 (goal < 2 s), with the PDF step alone beside it;
- a member's statement of account the same way;
- GET /api/v1/years/<year>/contributions over HTTP from a local server, p50 and p95 (goal p95 < 50 ms).
"""

from __future__ import annotations

import argparse
import http.client
import logging
import statistics
import sys
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

# Run as a script, Python puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pycountry
from sqlalchemy import text
from werkzeug.serving import make_server

from bench.ingest import POSTGRES, on_each_database
from ledger.config import Settings
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.money import format_minor
from ledger.queries.contributions import View, settled_instalments
from ledger.queries.snapshot import HeadCache
from ledger.reports.annual import build_annual_report, build_member_statement
from ledger.reports.render import render_annual_report, render_member_statement
from ledger.services import contributions as finance
from ledger.services.members import admit_member
from ledger.web import create_app

ACTOR = system_actor("bench")
YEARS = range(2016, 2026)
MEMBERS = 40
MONTHS = 12
TODAY = date.today()


def build(engine) -> None:
    codes = sorted(country.alpha_3 for country in pycountry.countries)[:: len(pycountry.countries) // MEMBERS][:MEMBERS]
    for code in codes:
        admit_member(code, None, "member", "2016-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    incomes = {code: str(1000 + 37 * index) for index, code in enumerate(codes)}
    proposal = finance.propose_scale(YEARS[0], YEARS[-1], incomes, ceiling="25", floor="0.1", precision="0.001", associate_factor="10", uow=UnitOfWork(engine))
    finance.adopt_scale(proposal, income_measure="bench incomes",
                        decision="bench", adopted_on="2015-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
    for year in YEARS:
        due = ", ".join(date(year, month, 28).isoformat() for month in range(1, MONTHS + 1))
        finance.open_year(year, due, "2400000000.00", actor=ACTOR, uow=UnitOfWork(engine))
        finance.adopt_budget(year, "bench", f"{year - 1}-12-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))
        with engine.connect() as connection:
            lines = [line for line in settled_instalments(connection, View(TODAY)) if line.year == year]
        for line in lines:
            finance.record_payment(
                line.member_code, line.due_on, "EUR", format_minor(line.amount_minor, "EUR"), "1", line.due_on, "bench",
                f"{line.member_code}-{year}-{line.number}", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine),
            )
        if year < YEARS[-1]:
            finance.close_year(year, "bench", f"{year + 1}-02-01", today=TODAY, actor=ACTOR, uow=UnitOfWork(engine))


def report_seconds(engine, year: int, lang: str, *, statement_of: str | None = None) -> tuple[float, float]:
    """Median seconds of 5 builds, end to end and of the PDF step alone, of the annual report (or a statement)."""
    totals, renders = [], []
    for _ in range(5):
        started = time.perf_counter()
        with engine.connect() as connection:
            if statement_of is None:
                record = build_annual_report(connection, year, TODAY, lang)
            else:
                record = build_member_statement(connection, year, statement_of, TODAY, lang)
        assembled = time.perf_counter()
        (render_annual_report if statement_of is None else render_member_statement)(record)
        finished = time.perf_counter()
        totals.append(finished - started)
        renders.append(finished - assembled)
    return statistics.median(totals), statistics.median(renders)


def api_latencies(engine, url: str, path: str, requests: int, *, cached: bool) -> list[float]:
    """Seconds each of `requests` GETs of `path` takes from a local server over one kept-alive connection."""
    app = create_app(Settings(database_url=url, secret_key="bench", env="test"), engine=engine)
    if not cached:  # a cache that keeps nothing: every request computes the figures
        app.extensions["ledger"] = replace(app.extensions["ledger"], cache=HeadCache(size=0))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port)
    times = []
    try:
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            times.append(time.perf_counter() - started)
            assert response.status == 200 and body
    finally:
        connection.close()
        server.shutdown()
        thread.join()
    return times


def percentiles(times: list[float]) -> str:
    """The median and the 95th percentile of request times, as the benchmarks print them."""
    ordered = sorted(times)
    p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def run(label: str, engine, url: str, requests: int) -> None:
    started = time.perf_counter()
    build(engine)
    with engine.connect() as connection:
        payments = connection.execute(text("SELECT count(*) FROM payment")).scalar()
    print(f"{label}: built {len(YEARS)} years x {MEMBERS} members, {payments:,} payments in {time.perf_counter() - started:.0f} s")
    with engine.connect() as connection:
        member = connection.execute(text("SELECT min(code) FROM member")).scalar()
    for year, state in ((YEARS[-2], "closed"), (YEARS[-1], "open")):
        for lang in ("en", "fr"):
            total, pdf = report_seconds(engine, year, lang)
            print(f"{label}: annual report {year} ({state}, {lang}), queries + PDF/A, median of 5: {total:.2f} s (PDF/A alone {pdf:.2f} s)")
            total, pdf = report_seconds(engine, year, lang, statement_of=member)
            print(f"{label}: statement {year} {member} ({lang}), median of 5: {total:.2f} s (PDF/A alone {pdf:.2f} s)")
        for cached in (False, True) if requests else ():
            times = api_latencies(engine, url, f"/api/v1/years/{year}/contributions", requests, cached=cached)
            how = "cached by journal head" if cached else "computed every time"
            print(f"{label}: GET /api/v1/years/{year}/contributions x {requests} ({how}): {percentiles(times)}")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    on_each_database(args.postgres, lambda label, database: run(label, database.engine, database.url, args.requests))


if __name__ == "__main__":
    main()
