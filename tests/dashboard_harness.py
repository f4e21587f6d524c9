"""Helpers for the browser tests of the Solara dashboard (a plain module, not a conftest).

* :func:`free_port` picks a free loopback port.
* :func:`solara_server` runs ``solara run <app>`` (or a given command) on a loopback
  address in its own process group and yields the URL once it answers HTTP 200.
* :func:`offline_browser` launches Debian's headless Chromium through Playwright
  with every non-loopback request aborted, i.e. the page sees no internet.
* :func:`button` finds a button by its exact accessible name; :func:`http_status` sends
  one GET with a chosen ``Host`` header.

Tests wait on page state (locators, ``expect``), never on wall-clock time. Typical use::

    with solara_server() as url, offline_browser() as browser:
        page = browser.new_page()
        load_dashboard(page, url)
        button(page, STEP).click()
        expect(page.locator(RUN_STATE)).to_have_text("Paused at week 1 of 104")
        assert browser.blocked == [] and browser.unexpected_page_errors() == []
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_APP = "sim.app"  # module form: `solara run sim.app` keeps sim/ off the front of sys.path
LOOPBACK_HOST = "127.0.0.1"

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM_MISSING = (
    f"Chromium not found at {CHROMIUM_PATH}: install it with `apt-get install -y chromium` "
    "(the CI script does this)"
)

# What the dashboard renders (solara 1.64.1, ipyvuetify 1.x). Buttons are v-btn elements whose
# accessible name is their label (CSS shows it upper case); match names exactly, since a
# substring match of "Reset" also finds the "Scenario preset" select. Sliders have aria-label =
# their label: page.get_by_role("slider", name="<label>"), then ArrowRight/ArrowLeft (one step).
STEP = "Step"
RESET = "Reset"
PLAY = "▶"  # the label becomes "❚❚" while playing
PAUSE = "❚❚"
RUN_STATE = ".ceasefire-state"  # "Paused at week 3 of 104", "Playing: week 5 of 104", ...
MATPLOTLIB_PLOT = "img.widget-image"  # solara.FigureMatplotlib -> ipywidgets Image (src="blob:...")
ALTAIR_PLOT = ".vega-embed .chart-wrapper .marks"  # solara.FigureAltair -> vega-embed; a <canvas class="marks">

# Uncaught page errors that are known and harmless: solara 1.64.1's vegalite.vue
# re-defines the Vega modules per chart (requirejs.undef), and now and then one
# render runs against a half-loaded vega-embed; the chart still draws and updates.
KNOWN_BENIGN_PAGE_ERRORS = ("Cannot read properties of undefined (reading 'usermeta')",)


def free_port(host: str = LOOPBACK_HOST) -> int:
    """Return a TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def solara_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a test server: no telemetry, no CDN fallback, repo importable.

    ``SOLARA_ASSETS_CDN`` points at a closed loopback port, so an asset missing from
    the local cache fails at once instead of being fetched from the internet.
    """
    env = dict(os.environ)
    env.update(
        {
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_ASSETS_CDN": f"http://{LOOPBACK_HOST}:9/",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p),
        }
    )
    env.pop("HOST", None)  # solara's default host comes from $HOST; we pass --host anyway
    if extra:
        env.update(extra)
    return env


def solara_command(app: str | Path, port: int, *, production: bool = True,
                   host: str = LOOPBACK_HOST) -> list[str]:
    """The ``solara run`` command line used by :func:`solara_server`."""
    cmd = [
        sys.executable, "-m", "solara", "run", str(app),
        "--host", host, "--port", str(port),
        "--no-open", "--no-check-version",
    ]  # fmt: skip
    if production:
        cmd.append("--production")
    return cmd


def _stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate the process group of ``proc`` (SIGTERM, then SIGKILL)."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:  # children left in the group after the leader exited
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@contextmanager
def solara_server(
    app: str | Path = DEFAULT_APP,
    *,
    port: int | None = None,
    host: str = LOOPBACK_HOST,
    timeout: float = 120.0,
    production: bool = True,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    command: Callable[[int], Sequence[str]] | None = None,
) -> Iterator[str]:
    """Run ``solara run app`` on a loopback address and yield its URL once it answers HTTP 200.

    Args:
        app: Script, notebook or module name passed to ``solara run``.
        port: Port to bind; a free one by default.
        host: Loopback address the server binds (``command`` must bind the same one).
        timeout: Seconds to wait for the first HTTP 200.
        production: Pass ``--production`` (minified assets, no version-check iframe).
        env: Extra environment variables on top of :func:`solara_env`.
        cwd: Working directory of the server.
        command: Builds the server's command line from the port instead of
            :func:`solara_command` (e.g. a console script that must bind 127.0.0.1 itself).

    Raises:
        AssertionError: The server exited or did not answer in time; the message
            holds the end of its log.
    """
    port = free_port(host) if port is None else port
    url = f"http://{host}:{port}/"
    with tempfile.TemporaryFile() as log:
        if command is not None:
            cmd = list(command(port))
        else:
            cmd = solara_command(app, port, production=production, host=host)
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=solara_env(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, so _stop() reaches every child
        )

        def log_tail() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")[-4000:]

        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"solara exited with {proc.returncode} before serving {url}:\n{log_tail()}")
                try:
                    with urllib.request.urlopen(url, timeout=5) as resp:
                        if resp.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"solara did not answer HTTP 200 at {url} within {timeout:.0f}s:\n{log_tail()}")
                time.sleep(0.25)
            yield url
        finally:
            _stop(proc)


def is_loopback_url(url: str) -> bool:
    """True for URLs the offline browser may load: loopback hosts and inline schemes."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


@dataclass
class OfflineBrowser:
    """A Playwright browser whose contexts only let loopback requests through.

    Attributes:
        context: The first Playwright ``BrowserContext`` (one browser session).
        browser: The Playwright ``Browser``; :meth:`new_session` opens further contexts.
        blocked: URLs that were aborted because they left the machine (all contexts).
        page_errors: Uncaught JavaScript errors of all pages of all contexts.
    """

    context: BrowserContext
    browser: Browser | None = None
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    viewport: tuple[int, int] = (1400, 1000)
    timeout_ms: float = 30_000

    def new_page(self, context: BrowserContext | None = None) -> Page:
        """Open a page in ``context`` (default: the first), recording its uncaught JS errors."""
        page = (context or self.context).new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        return page

    def new_session(self) -> BrowserContext:
        """A further, isolated context (own cookies and storage: a separate browser session)."""
        assert self.browser is not None, "OfflineBrowser was created without its Browser"
        return _offline_context(self.browser, self)

    def unexpected_page_errors(self) -> list[str]:
        """Page errors other than :data:`KNOWN_BENIGN_PAGE_ERRORS`."""
        return [e for e in self.page_errors if not any(k in e for k in KNOWN_BENIGN_PAGE_ERRORS)]


def _offline_context(browser: Browser, session: OfflineBrowser) -> BrowserContext:
    """A new context of ``browser`` whose non-loopback requests are aborted and logged."""
    width, height = session.viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(session.timeout_ms)

    def route(route: Route) -> None:
        if is_loopback_url(route.request.url):
            route.continue_()
        else:
            session.blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", route)
    return context


def button(page: Page, name: str) -> Locator:
    """The button whose accessible name is exactly ``name``."""
    return page.get_by_role("button", name=name, exact=True)


def load_dashboard(page: Page, url: str, *, timeout_ms: float = 60_000) -> None:
    """Open ``url`` and wait until the dashboard has rendered its Step button."""
    page.goto(url)
    button(page, STEP).wait_for(timeout=timeout_ms)


def http_status(url: str, host_header: str | None, path: str = "/") -> tuple[int, bytes]:
    """GET ``path`` from the server at ``url`` with the given ``Host`` header (or none).

    Returns:
        The status code and the start of the body.
    """
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True)
        if host_header is not None:
            conn.putheader("Host", host_header)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read(2000)
    finally:
        conn.close()


def websocket_handshake_status(url: str, host_header: str, path: str) -> int:
    """Send a websocket upgrade request for ``path`` with ``host_header``; return the status."""
    parts = urlsplit(url)
    request = (f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request.encode("ascii"))
        status_line = sock.makefile("rb").readline().decode("latin-1")
    return int(status_line.split()[1])


@contextmanager
def offline_browser(*, viewport: tuple[int, int] = (1400, 1000), timeout_ms: float = 30_000) -> Iterator[OfflineBrowser]:
    """Launch Debian's headless Chromium via Playwright with all non-loopback requests aborted.

    Raises:
        AssertionError: Chromium is not installed at :data:`CHROMIUM_PATH`
            (a failure, not a skip: the browser test must run in CI).
    """
    if not os.access(CHROMIUM_PATH, os.X_OK):
        raise AssertionError(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        try:
            session = OfflineBrowser(context=None, browser=browser,  # type: ignore[arg-type]
                                     viewport=viewport, timeout_ms=timeout_ms)
            session.context = _offline_context(browser, session)
            yield session
        finally:
            browser.close()  # closes every context
