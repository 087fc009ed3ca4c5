"""The public dashboards and API as a visitor meets them: the demo served by gunicorn, read in Chromium.

    .venv/bin/python bench/dashboards.py [--workers 2] [--seconds 5] [--clients 8]
                                         [--postgres URL] [--skip-sqlite] [--skip-postgres]

For each backend the demo is loaded into a fresh database (PostgreSQL: created and dropped
here) and served by gunicorn (`wsgi:app`, `--workers`), beside a bare Flask app under the same
gunicorn settings: the baseline, which answers a page of the same size as the dashboards'
shell and a JSON document of the same size as the API's answer, without any work.

Issue 14's targets, measured here (not by timed tests):
- every dashboard's data ready within 1 s of a first visit and 300 ms warm, also right after an
  official's write. In Debian's Chromium (Playwright), "ready" is the moment the page's content
  is in place and no Dash component is still loading (`data-dash-is-loading`), counted from the
  start of navigation. "first" is the first visit after gunicorn started (every cache empty);
  "after write" the first visit after an official was added through `ledger users add` (the
  journal head moves, as after any write); "warm" the visit after that.
- the public API at least half the requests per second of a bare Flask JSON endpoint under the
  same gunicorn: `--clients` threads on keep-alive connections for `--seconds` against
  GET /api/v1/years/2025/contributions, then against the bare endpoint.

The machine is 2 cores: the client competes with the server, so the ratios, taken in the same
run, say more than the absolute figures; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

DEMO_TODAY = "2026-11-22"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PAGES = ("/dashboards/", "/dashboards/members", "/dashboards/contributions", "/dashboards/board", "/dashboards/compute")
API_PATH = "/api/v1/years/2025/contributions"
READY = """() => {
  const content = document.querySelector('#_pages_content');
  return content !== null && content.children.length > 0 && document.querySelector('[data-dash-is-loading="true"]') === null;
}"""
BIN = Path(sys.executable).parent


def bare_app():
    """The baseline: Flask answering, without any work, bodies the size of the real ones (gunicorn calls this factory)."""
    from flask import Flask, Response

    app = Flask("bare")
    page_bytes, json_bytes = int(os.environ["BARE_PAGE_BYTES"]), int(os.environ["BARE_JSON_BYTES"])
    page = "<!DOCTYPE html><html lang=\"en\"><title>bare</title><main id=\"_pages_content\"><p>" + "x" * page_bytes + "</p></main></html>"
    document = '{"padding": "' + "x" * max(0, json_bytes - 16) + '"}'

    @app.get("/page")
    def bare_page():
        return Response(page, mimetype="text/html")

    @app.get("/data.json")
    def bare_json():
        return Response(document, mimetype="application/json")

    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict, workers: int):
    """gunicorn serving `target` on a free port for the block; yields its base URL once it answers."""
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
                              cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def visit_ms(browser, url: str, ready: str = READY) -> float:
    """Milliseconds from the start of navigation until `ready` holds, in a fresh browser context."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_function(ready, timeout=60_000, polling=10)
        return page.evaluate("() => performance.now()")
    finally:
        context.close()


def requests_per_second(base: str, path: str, clients: int, seconds: float) -> float:
    """Completed GETs per second from `clients` threads, each on its own keep-alive connection."""
    host, port = base.removeprefix("http://").split(":")
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def hammer(index: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while time.monotonic() < stop:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status}")
            counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=hammer, args=(index,)) for index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def body_size(base: str, path: str) -> int:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request("GET", path)
    size = len(connection.getresponse().read())
    connection.close()
    return size


def ledger_env(database_url: str, instance: Path) -> dict:
    return {**os.environ, "LEDGER_DATABASE_URL": database_url, "LEDGER_TODAY": DEMO_TODAY, "LEDGER_INSTANCE_DIR": str(instance),
            "LEDGER_SECRET_KEY": "bench-secret-key-of-at-least-32-bytes"}


def measure(label: str, database_url: str, args, browser) -> None:
    instance = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    env = ledger_env(database_url, instance)
    try:
        for command in (["init"], ["demo"]):
            subprocess.run([str(BIN / "ledger"), *command], env=env, check=True, capture_output=True)
        rows = []
        with gunicorn("wsgi:app", env, args.workers) as base:
            first = {path: visit_ms(browser, base + path) for path in PAGES}
            added = subprocess.run([str(BIN / "ledger"), "users", "add", f"bench-{uuid.uuid4().hex[:8]}@example.org", "--role", "auditor",
                                    "--password-stdin"], env=env, input="a long bench password\n", text=True, capture_output=True)
            if added.returncode != 0:
                raise RuntimeError(added.stderr)
            after_write = {path: visit_ms(browser, base + path) for path in PAGES}
            warm = {path: visit_ms(browser, base + path) for path in PAGES}
            page_bytes, json_bytes = body_size(base, PAGES[0]), body_size(base, API_PATH)
            api = requests_per_second(base, API_PATH, args.clients, args.seconds)
        bare_env = {**env, "BARE_PAGE_BYTES": str(page_bytes), "BARE_JSON_BYTES": str(json_bytes)}
        with gunicorn("bench.dashboards:bare_app()", bare_env, args.workers) as bare:
            bare_page = min(visit_ms(browser, bare + "/page", "() => document.querySelector('#_pages_content') !== null") for _ in range(3))
            bare_api = requests_per_second(bare, "/data.json", args.clients, args.seconds)
        print(f"\n{label} (load average {open('/proc/loadavg').read().split()[0]}; targets: first and after write <= 1000 ms, warm <= 300 ms)")
        print(f"{'page':30} {'first ms':>9} {'after write':>12} {'warm ms':>8}")
        for path in PAGES:
            rows.append((path, first[path], after_write[path], warm[path]))
            print(f"{path:30} {first[path]:9.0f} {after_write[path]:12.0f} {warm[path]:8.0f}")
        print(f"{'bare Flask page (baseline)':30} {bare_page:9.0f}")
        print(f"API {API_PATH}: {api:.0f} requests/s; bare Flask JSON of the same size: {bare_api:.0f}/s; "
              f"ratio {api / bare_api:.2f} (target >= 0.5)")
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if not args.skip_sqlite:
            folder = Path(tempfile.mkdtemp(prefix="bench-dash-db-"))
            try:
                measure("SQLite", f"sqlite:///{folder / 'ledger.sqlite'}", args, browser)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        if not args.skip_postgres:
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            name = f"bench_dashboards_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                measure("PostgreSQL", args.postgres.rsplit("/", 1)[0] + f"/{name}", args, browser)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
        browser.close()


if __name__ == "__main__":
    main()
