"""What the browser tests share: Debian's Chromium driven by Playwright, a live server, a recorded visit.

One Chromium serves the whole run (Playwright's sync API allows one instance per thread);
the `browser` fixture in conftest.py starts it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "instance" / "screenshots"


@contextmanager
def served(app) -> Iterator[str]:
    """Serve a WSGI app on a free port of 127.0.0.1 for the block; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


class Visit:
    """A page opened with every request and console error recorded; off-site requests blocked."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.off_site: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.context.route("**/*", self._route)
        self.base = base

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname != "127.0.0.1":
            self.off_site.append(url)
            route.abort()
        else:
            route.continue_()

    def open(self, path: str):
        self.page.goto(self.base + path, wait_until="networkidle")
        return self.page

    def assert_clean(self, *, axe: bool = True) -> None:
        """No request left 127.0.0.1 (off-site ones were blocked and listed), no console error and, with `axe`, no axe violation."""
        assert self.off_site == [], f"off-site requests: {self.off_site}"
        assert self.errors == [], f"console errors: {self.errors}"
        if axe:
            violations = self.axe_violations()
            assert violations == [], f"axe violations: {violations}"

    def axe_violations(self) -> list[str]:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]]

    def close(self):
        self.context.close()
