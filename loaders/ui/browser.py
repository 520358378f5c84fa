"""Driving `cx ui` in headless Chromium: for the browser test, the page-load bench and the README screenshots.

Uses Debian's ``/usr/bin/chromium`` through Playwright's Python package (``playwright install`` is never run:
no browser download). The flags keep Chromium off the network it would otherwise call at start-up.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from loaders.ui.dashboards import PAGES

CHROMIUM = os.environ.get("CX_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}
READY = re.compile(r"(\d+) charts on this page")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    """A running `cx ui` server (its own process: `cx ui` execs Streamlit)."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page_url(self, slug: str) -> str:
        """The first page is the app's default, served at /; the others at /<slug>."""
        return self.url + "/" + ("" if slug == PAGES[0].slug else slug)


@contextmanager
def running_app(db: str | os.PathLike, decisions: str | os.PathLike, *, show_pii: bool = False,
                port: int | None = None, log_dir: str | os.PathLike | None = None,
                timeout: float = 60.0) -> Iterator[App]:
    port = port or free_port()
    log = Path(log_dir or tempfile.mkdtemp()) / f"cx-ui-{port}.log"
    command = [str(Path(sys.executable).parent / "cx"), "ui", "--db", str(db), "--port", str(port),
               "--decisions", str(decisions)] + (["--show-pii"] if show_pii else [])
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    app = App(process, port, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"cx ui exited with {process.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(app.url + "/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"cx ui did not answer within {timeout:.0f}s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield app
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Browser:
    context: Any  # playwright BrowserContext
    page: Any  # playwright Page
    errors: list[str] = field(default_factory=list)  # console errors and uncaught page errors


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="cx-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                        args=FLAGS, viewport=VIEWPORT)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            browser = Browser(context, page)
            page.on("console", lambda m: browser.errors.append(f"console: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: browser.errors.append(f"page error: {e}"))
            yield browser
        finally:
            context.close()


def wait_ready(page: Any, title: str, timeout_ms: int = 60_000) -> int:
    """Wait until ``title``'s page finished its run (its footer caption) and every chart it announced is drawn;
    the number of charts."""
    caption = page.get_by_text(re.compile(rf"^{re.escape(title)} · \d+ charts on this page"))
    caption.wait_for(timeout=timeout_ms)
    expected = int(READY.search(caption.inner_text()).group(1))  # type: ignore[union-attr]
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"stMain\"] .js-plotly-plot .main-svg').length >= n"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"] [data-testid=\"stStatusWidgetRunningIcon\"]')",
        arg=expected, timeout=timeout_ms)
    return expected


def open_page(browser: Browser, app: App, slug: str, *, via_sidebar: bool) -> float:
    """Show page ``slug`` (a fresh navigation to its URL, or a click on its sidebar link) and wait until it is
    ready; seconds from the navigation to the last chart drawn."""
    page = next(p for p in PAGES if p.slug == slug)
    started = time.perf_counter()
    if via_sidebar:
        browser.page.locator('[data-testid="stSidebarNav"] a', has_text=page.title).first.click()
    else:
        browser.page.goto(app.page_url(slug))
    wait_ready(browser.page, page.title)
    return time.perf_counter() - started


def exceptions_on_page(page: Any) -> list[str]:
    return [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]


def screenshot(page: Any, path: str | os.PathLike) -> Path:
    """The whole page (Streamlit scrolls inside its main block, so the viewport is grown to fit it)."""
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stMainBlockContainer', 'stAppViewContainer'].map("
        "id => (document.querySelector(`[data-testid=\"${id}\"]`) || {scrollHeight: 0}).scrollHeight))")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], int(height) + 40)})
    page.wait_for_timeout(400)  # plotly's responsive charts redraw at the new size
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    return path
