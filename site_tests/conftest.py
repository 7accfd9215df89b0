"""The built site (`_build/html`) as a reader sees it, in Debian's Chromium driven by Playwright.

`make test-site` runs these after `make book`; `make test` does not collect them. The site is served
on 127.0.0.1 only, and every request for any other address is blocked and reported, so a page that
needs a CDN fails here exactly as it fails for a reader without one.

Each page of _toc.yml is opened once at 1366 px and once at 390 px (a phone); what the browser saw is
kept in `visit_desktop` / `visit_phone` and the tests assert on it. Screenshots go to
_build/screenshots/ and a summary of every finding to _build/screenshots/findings.txt.

Checks named in PENDING fail for content that other parts of the project still have to supply (alt
text in notebooks, reformatted code, the notebooks' set-up cell): they are reported as xfail, with
every offender listed, until `SITE_STRICT=1` (or the entry is removed from PENDING) makes them hard
failures.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("SITE_DIR", ROOT / "_build" / "html"))
SCREENSHOTS = Path(
    os.environ.get("SITE_SCREENSHOTS", ROOT / "_build" / "screenshots")
)
STRICT = os.environ.get("SITE_STRICT", "") not in ("", "0")

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NAVIGATION_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 15_000
TEST_TIMEOUT_S = 240  # pytest-timeout, per test: nothing here may hang CI

# Checks that wait on content owned elsewhere; see the module docstring.
PENDING: dict[str, str] = {}

FINDINGS: dict[str, list[str]] = {}


def record(check: str, lines: list[str]) -> None:
    """Keep a check's findings for the summary printed at the end (and findings.txt)."""
    FINDINGS.setdefault(check, []).extend(lines)


def fail(check: str, message: str) -> None:
    """Fail `check`, or mark it xfail while it is PENDING (unless SITE_STRICT=1)."""
    if check in PENDING and not STRICT:
        pytest.xfail(f"[pending: {PENDING[check]}] {message}")
    pytest.fail(message, pytrace=False)


# --------------------------------------------------------------------------------------------------
# Which pages


def toc_docnames(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page of the table of contents, in reading order (root first)."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(items):
        for item in items or []:
            if "file" in item:
                names.append(item["file"])
            for key in ("parts", "chapters", "sections"):
                walk(item.get(key))

    walk(toc.get("parts") or toc.get("chapters") or toc.get("sections"))
    return [
        str(Path(name).with_suffix(""))
        if Path(name).suffix in (".md", ".ipynb")
        else name
        for name in names
    ]


PAGES = toc_docnames()
NOTEBOOK_PAGES = [name for name in PAGES if (ROOT / f"{name}.ipynb").is_file()]


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


# --------------------------------------------------------------------------------------------------
# The server: 127.0.0.1 only, a port the system picks


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").is_file():
        pytest.exit(f"no built site in {SITE}: run `make book` first", returncode=2)
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name="site-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------------------------------
# The browser: Debian's chromium, never one that Playwright downloads


def chromium_executable() -> str:
    candidates = [
        os.environ.get("CHROMIUM"),
        "/usr/lib/chromium/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    for candidate in candidates:
        if (
            candidate
            and Path(candidate).is_file()
            and os.access(candidate, os.X_OK)
        ):
            return candidate
    pytest.exit(
        "no chromium: `apt-get install chromium` (make test-site does it when run as root), "
        "or set CHROMIUM=/path/to/chromium",
        returncode=2,
    )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(),
            timeout=60_000,
            args=[
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class Traffic:
    """What one browser context asked for and said."""

    base: str
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def snapshot(self) -> tuple[int, int, int]:
        return len(self.external), len(self.failed), len(self.console_errors)


def new_context(browser, site_url: str, viewport: dict, phone: bool = False):
    """A browser context that reaches 127.0.0.1 only and records what went wrong."""
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=1,
        is_mobile=phone,
        has_touch=phone,
        service_workers="block",
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    traffic = Traffic(base=site_url)

    def route(route):
        url = route.request.url
        if url.startswith(site_url + "/") or url == site_url:
            route.continue_()
        else:
            traffic.external.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)

    def on_request(request):  # what routing does not see (web sockets and the like)
        url = request.url
        if not url.startswith(
            (site_url, "http:", "https:", "data:", "blob:", "about:")
        ):
            traffic.external.append(url)

    def on_response(response):
        if response.status >= 400:
            traffic.failed.append(f"HTTP {response.status} {response.url}")

    def on_request_failed(request):
        if request.url.startswith(site_url):
            traffic.failed.append(f"{request.failure} {request.url}")

    def on_page(page):
        page.on("request", on_request)
        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and traffic.console_errors.append(
                    f"console.error: {m.text} ({m.location.get('url', '')}:{m.location.get('lineNumber', '')})"
                )
            ),
        )
        page.on(
            "pageerror", lambda e: traffic.console_errors.append(f"uncaught: {e}")
        )

    context.on("page", on_page)
    return context, traffic


def page_url(site_url: str, docname: str) -> str:
    return f"{site_url}/{docname}.html"


def relative(url: str, site_url: str) -> str:
    return url[len(site_url) + 1 :] if url.startswith(site_url + "/") else url


# --------------------------------------------------------------------------------------------------
# Visiting pages: each page once per width, what was seen kept for every test

# Run in the page once it has loaded: waits for MathJax and for every image, then measures.
DESKTOP_PROBE = r"""
async () => {
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  const images = [...document.images];
  for (const img of images) img.loading = "eager";
  await Promise.all(images.map((img) => img.decode().catch(() => null)));

  const skip = "pre, code, script, style, textarea, mjx-container, mjx-assistive-mml, .highlight, noscript";
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.getClientRects().length) continue;   // not displayed
    const text = node.textContent;
    for (const token of ["\\(", "\\)", "\\[", "\\]", "$$", "\\begin{"]) {
      const at = text.indexOf(token);
      if (at >= 0) { raw.push(text.slice(Math.max(0, at - 30), at + 40).replace(/\s+/g, " ").trim()); break; }
    }
  }
  const mathNodes = [...document.querySelectorAll("span.math, div.math")];
  const untypeset = mathNodes.filter((m) => !m.querySelector("mjx-container"))
                             .map((m) => m.textContent.replace(/\s+/g, " ").trim().slice(0, 60));
  const mathErrors = [...document.querySelectorAll("mjx-merror")]
                       .map((m) => (m.getAttribute("data-mjx-error") || m.textContent).slice(0, 80));

  const main = document.querySelector(".bd-article") || document.body;
  const codeBlocks = [...main.querySelectorAll("pre")].map((pre, index) => {
    const lines = pre.textContent.split("\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    const kind = pre.closest(".cell_output, .output") ? "output" : "code";
    return {index, kind, scrollWidth: pre.scrollWidth, clientWidth: pre.clientWidth,
            longest: longest.length, sample: longest.trim().slice(0, 70)};
  }).filter((b) => b.clientWidth > 0);
  const column = main.getBoundingClientRect().width;
  const media = "img, svg, canvas, iframe, video, object";
  const hasImage = (f) => [...f.querySelectorAll(media)].some((m) => !m.closest("button, .copybtn"));
  const figuresWithoutImage = [...main.querySelectorAll("figure")].filter((f) => !hasImage(f))
    .map((f) => f.id || (f.querySelector("figcaption") || f).textContent.trim().slice(0, 60));
  const figureReprs = [...main.querySelectorAll("pre")].map((pre) => pre.textContent)
    .filter((text) => /<(Figure|matplotlib\.figure\.Figure)[^>]*>/.test(text))
    .map((text) => text.trim().slice(0, 60));

  return {
    title: document.title,
    raw, untypeset, mathErrors,
    mathCount: mathNodes.length,
    mathJax: !!(window.MathJax && window.MathJax.version),
    images: images.map((img) => ({
      src: img.getAttribute("src"), alt: (img.getAttribute("alt") || "").trim(),
      complete: img.complete, naturalWidth: img.naturalWidth,
    })),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    codeBlocks, column, figuresWithoutImage, figureReprs,
    searchFields: [...document.querySelectorAll(".search-button-field, form.bd-search")]
      .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden").length,
    brand: [...document.querySelectorAll(".navbar-brand, .course-title")]
      .filter((el) => el.getClientRects().length).map((el) => el.textContent.trim()).join(" | "),
    favicon: (document.querySelector("link[rel~='icon']") || {}).href || null,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  };
}
"""

# Elements that stick out of the viewport on their own (not inside something that scrolls or clips).
OVERFLOW_PROBE = r"""
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll(".bd-main *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const o = getComputedStyle(up).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") { clipped = true; break; }
    }
    if (clipped || (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1)) continue;
    out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (right edge ${Math.round(box.right)} px)`);
  }
  const wideTables = [...document.querySelectorAll(".bd-article table")].filter((table) => {
    const box = table.parentElement.getBoundingClientRect();
    return table.getBoundingClientRect().width > box.width + 1;
  }).map((table) => (table.querySelector("th, td")?.textContent || "").trim().slice(0, 40));
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, culprits: out.slice(0, 8),
          wideTables};
}
"""


@dataclass
class Visit:
    docname: str
    url: str
    data: dict
    external: list[str]
    failed: list[str]
    console_errors: list[str]


def _visit(page, traffic: Traffic, url: str, docname: str, probe: str) -> Visit:
    before = traffic.snapshot()
    page.goto(url, wait_until="load")
    data = page.evaluate(probe)
    page.wait_for_timeout(100)  # late console messages
    ext, fail_, err = before
    return Visit(
        docname,
        url,
        data,
        traffic.external[ext:],
        traffic.failed[fail_:],
        traffic.console_errors[err:],
    )


@pytest.fixture(scope="session")
def desktop(browser, site_url):
    context, traffic = new_context(browser, site_url, DESKTOP)
    page = context.new_page()
    yield context, page, traffic
    context.close()


@pytest.fixture(scope="session")
def phone(browser, site_url):
    context, traffic = new_context(browser, site_url, PHONE, phone=True)
    page = context.new_page()
    yield context, page, traffic
    context.close()


@pytest.fixture(scope="session")
def visit_desktop(desktop, site_url):
    """visit_desktop(docname) -> Visit: the page at 1366 px, opened once."""
    _, page, traffic = desktop

    @functools.lru_cache(maxsize=None)
    def visit(docname: str) -> Visit:
        return _visit(
            page, traffic, page_url(site_url, docname), docname, DESKTOP_PROBE
        )

    return visit


@pytest.fixture(scope="session")
def visit_phone(phone, site_url):
    """visit_phone(docname) -> Visit: the page at 390 px, opened once, with what sticks out."""
    _, page, traffic = phone

    @functools.lru_cache(maxsize=None)
    def visit(docname: str) -> Visit:
        return _visit(
            page, traffic, page_url(site_url, docname), docname, OVERFLOW_PROBE
        )

    return visit


# --------------------------------------------------------------------------------------------------
# The summary


def pytest_terminal_summary(terminalreporter):
    if not FINDINGS:
        return
    lines = []
    for check, found in FINDINGS.items():
        lines.append(f"{check}: {len(found)}")
        lines.extend(f"    {line}" for line in found)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "findings.txt").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    terminalreporter.section(
        "site findings (also in _build/screenshots/findings.txt)"
    )
    for line in lines:
        terminalreporter.write_line(line)


def split_url(url: str):
    parts = urlsplit(url)
    return parts.path, parts.fragment
