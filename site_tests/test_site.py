"""Every page of _toc.yml, in Chromium, at 1366 px and at 390 px. See conftest.py for how."""

from __future__ import annotations

import html.parser
import json
import re
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from conftest import (
    NOTEBOOK_PAGES,
    PAGES,
    PHONE,
    ROOT,
    SCREENSHOTS,
    SITE,
    fail,
    new_context,
    page_url,
    record,
    relative,
    split_url,
)

sys.path.insert(0, str(ROOT / "_ext"))
from course_site import SETUP_CELL_MARKER, find_setup_cell  # noqa: E402

REPOSITORY_URL = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
    "repository"
]["url"]


# --------------------------------------------------------------------------------------------------
# 1366 px: nothing leaves 127.0.0.1, nothing errs, images load, math renders


@pytest.mark.parametrize("docname", PAGES)
def test_no_console_errors_and_no_request_leaves_localhost(visit_desktop, docname):
    visit = visit_desktop(docname)
    problems = (
        [f"request for another address (blocked): {url}" for url in visit.external]
        + [f"failed: {item}" for item in visit.failed]
        + visit.console_errors
    )
    record(
        "console errors, failed or external requests",
        [f"{docname}: {p}" for p in problems],
    )
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("docname", PAGES)
def test_every_image_loads(visit_desktop, docname):
    broken = [
        img["src"]
        for img in visit_desktop(docname).data["images"]
        if not img["complete"] or img["naturalWidth"] == 0
    ]
    record("images that do not load", [f"{docname}: {src}" for src in broken])
    assert not broken, f"{docname}: images that do not load: {broken}"


@pytest.mark.parametrize("docname", PAGES)
def test_every_figure_shows_an_image(visit_desktop, docname):
    """A figure whose output lost its image shows "<Figure size 640x480 with 1 Axes>" instead."""
    data = visit_desktop(docname).data
    problems = [
        f"figure without an image: {name}" for name in data["figuresWithoutImage"]
    ] + [f"a figure printed as text: {text}" for text in data["figureReprs"]]
    record("figures without an image", [f"{docname}: {p}" for p in problems])
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


def _alt_missing(img: dict) -> bool:
    """No alt text, or only the file name MyST-NB writes there when a figure has none."""
    alt, src = img["alt"], img["src"] or ""
    return (
        not alt
        or alt == src
        or alt.split("/")[-1] == src.split("/")[-1]
        or bool(re.fullmatch(r"\S+\.(png|jpe?g|svg|gif|webp)", alt, re.IGNORECASE))
    )


def test_every_image_has_alt_text(visit_desktop):
    missing = []
    for docname in PAGES:
        images = visit_desktop(docname).data["images"]
        missing += [
            f"{docname}: {img['src']} (alt={img['alt']!r})"
            for img in images
            if _alt_missing(img)
        ]
    record("images without alt text", missing)
    if missing:
        fail(
            "image alt text",
            f"{len(missing)} images without alt text:\n  " + "\n  ".join(missing),
        )


@pytest.mark.parametrize("docname", PAGES)
def test_math_renders_without_a_cdn(visit_desktop, docname):
    data = visit_desktop(docname).data
    problems = (
        [f"raw TeX in the text: ...{snippet}..." for snippet in data["raw"]]
        + [f"not typeset: {tex}" for tex in data["untypeset"]]
        + [f"MathJax error: {error}" for error in data["mathErrors"]]
    )
    if data["mathCount"] and not data["mathJax"]:
        problems.insert(0, "MathJax did not load")
    record("math not rendered", [f"{docname}: {p}" for p in problems])
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


def test_math_is_served_by_the_site(visit_desktop):
    """The pages load MathJax from the site's own _static (the CDN is nowhere in them)."""
    text = (
        (SITE / "book" / "02_foundations.html").read_text(encoding="utf-8")
        if (SITE / "book" / "02_foundations.html").is_file()
        else (SITE / f"{PAGES[0]}.html").read_text(encoding="utf-8")
    )
    scripts = re.findall(
        r'<script[^>]+src="([^"]*mathjax[^"]*)"', text, re.IGNORECASE
    )
    assert scripts and all(
        src.startswith(("../_static/mathjax/", "_static/mathjax/"))
        for src in scripts
    ), scripts
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert any(visit_desktop(name).data["mathCount"] for name in PAGES), (
        "no page has any math to check"
    )


@pytest.mark.parametrize("docname", PAGES)
def test_one_search_field_the_title_and_a_favicon(visit_desktop, site_url, docname):
    data = visit_desktop(docname).data
    assert data["searchFields"] == 1, (
        f"{data['searchFields']} search fields at 1366 px"
    )
    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
        "title"
    ]
    assert title in data["brand"], (
        f"the book's title is not shown: {data['brand']!r}"
    )
    assert data["favicon"] and data["favicon"].startswith(site_url), data["favicon"]
    assert (SITE / relative(data["favicon"], site_url).split("?")[0]).is_file(), (
        data["favicon"]
    )


# --------------------------------------------------------------------------------------------------
# Citations: author-year, as the text names the papers


def test_bibliography_and_citations_are_author_year():
    references = (SITE / "book" / "references.html").read_text(encoding="utf-8")
    labels = re.findall(
        r'<span class="label"><span class="fn-bracket">\[</span>([^<]*)<',
        references,
    )
    assert labels, "no bibliography entries"
    bad = [
        label
        for label in labels
        if not re.fullmatch(
            r"[^\W\d][\w' -]*( et al\.| and [\w' -]+)?, \d{4}[a-z]?", label
        )
    ]
    assert not bad, f"bibliography labels that are not author-year: {bad}"
    alpha = []
    for docname in PAGES:
        text = re.sub(
            r"<[^>]+>", "", (SITE / f"{docname}.html").read_text(encoding="utf-8")
        )
        alpha += [
            f"{docname}: {m}"
            for m in re.findall(r"\[[A-Z][A-Za-z]*\+?\d{2}[a-z]?\]", text)
        ]
    assert not alpha, f"alpha-style citation labels: {alpha}"


# --------------------------------------------------------------------------------------------------
# Links and anchors


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@lru_cache(maxsize=None)
def _ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


@pytest.mark.parametrize("docname", PAGES)
def test_no_broken_internal_links_or_anchors(visit_desktop, site_url, docname):
    broken = []
    for url in sorted(set(visit_desktop(docname).data["links"])):
        if not url.startswith(site_url + "/"):
            continue
        path, fragment = split_url(url)
        target = SITE / unquote(path.lstrip("/"))
        if path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"missing page: {relative(url, site_url)}")
        elif (
            fragment
            and target.suffix == ".html"
            and unquote(fragment) not in _ids_of(target)
        ):
            broken.append(f"missing anchor: {relative(url, site_url)}")
    record("broken internal links or anchors", [f"{docname}: {b}" for b in broken])
    assert not broken, f"{docname}:\n  " + "\n  ".join(broken)


def test_search_finds_a_term_of_chapter_3(desktop, site_url):
    _, page, _ = desktop
    page.goto(f"{site_url}/search.html?q=IsoFLOP", wait_until="load")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(state="attached", timeout=20_000)
    hrefs = [
        results.nth(i).get_attribute("href") or "" for i in range(results.count())
    ]
    assert any(re.search(r"(^|/)(book|notebooks)/03", href) for href in hrefs), (
        hrefs
    )


# --------------------------------------------------------------------------------------------------
# 390 px: the ☰ button opens the table of contents; no page scrolls sideways


@pytest.mark.parametrize("docname", PAGES)
def test_phone_no_page_or_table_scrolls_sideways(visit_phone, docname):
    data = visit_phone(docname).data
    problems = visit_phone(docname).console_errors + visit_phone(docname).external
    if data["scrollWidth"] > data["clientWidth"] + 1:
        problems.append(
            f"the page is {data['scrollWidth']} px wide in a {data['clientWidth']} px screen; "
            f"sticking out: {data['culprits']}"
        )
    problems += [
        f"a table wider than the screen (it scrolls in its box), first cell {first!r}"
        for first in data["wideTables"]
    ]
    record(
        "pages that scroll sideways at 390 px",
        [f"{docname}: {p}" for p in problems],
    )
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("docname", PAGES)
def test_phone_menu_button_opens_the_table_of_contents(
    phone, visit_phone, site_url, docname
):
    _, page, _ = phone
    # the page is loaded (or reload it: another test may have moved on)
    visit_phone(docname)
    if page.url.split("#")[0] != page_url(site_url, docname):
        page.goto(page_url(site_url, docname), wait_until="load")
    title = page.locator(".bd-header-article .course-title")
    assert title.is_visible() and title.inner_text().strip(), (
        "the book's title is not shown at 390 px"
    )
    button = page.locator(".bd-header-article .primary-toggle")
    assert button.is_visible(), "no visible ☰ button"
    dialog = page.locator("#pst-primary-sidebar-modal")
    try:
        button.tap()
        dialog.wait_for(state="visible", timeout=5_000)
        links = dialog.locator("nav.bd-docs-nav a.reference")
        assert links.count() >= len(PAGES) - 1, (
            f"the drawer holds {links.count()} links"
        )
        first = links.first.bounding_box()
        assert (
            first
            and 0 <= first["x"] < PHONE["width"]
            and 0 <= first["y"] < PHONE["height"]
        ), first
        assert links.first.is_visible()
    finally:
        page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5_000)


def test_phone_on_this_page_button_opens_the_page_contents(phone, site_url):
    _, page, _ = phone
    docname = next(
        (n for n in PAGES if "03" in n and n.startswith("notebooks/")), PAGES[1]
    )
    page.goto(page_url(site_url, docname), wait_until="load")
    button = page.locator(".bd-header-article .secondary-toggle")
    assert button.is_visible(), "no visible 'On this page' button"
    dialog = page.locator("#pst-secondary-sidebar-modal")
    button.tap()
    dialog.wait_for(state="visible", timeout=5_000)
    assert dialog.locator("a.nav-link").first.is_visible()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5_000)


def test_desktop_menu_button_folds_the_sidebar(browser, site_url):
    context, _ = new_context(browser, site_url, {"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.goto(page_url(site_url, PAGES[0]), wait_until="load")
        sidebar = page.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        page.locator(".bd-header-article .primary-toggle").click()
        page.wait_for_function(
            "document.querySelector('#pst-primary-sidebar').classList.contains('pst-sidebar-hidden')",
            timeout=5_000,
        )
        page.locator(".bd-header-article .primary-toggle").click()
        page.wait_for_function(
            "!document.querySelector('#pst-primary-sidebar').classList.contains('pst-sidebar-hidden')",
            timeout=5_000,
        )
    finally:
        context.close()


# --------------------------------------------------------------------------------------------------
# 1366 px: code fits its column


def test_no_code_block_wider_than_its_column(visit_desktop):
    wide, pages_scrolling = [], []
    for docname in PAGES:
        data = visit_desktop(docname).data
        if data["scrollWidth"] > data["clientWidth"] + 1:
            pages_scrolling.append(
                f"{docname}: the whole page scrolls sideways at 1366 px"
            )
        for block in data["codeBlocks"]:
            if block["scrollWidth"] > block["clientWidth"] + 1:
                wide.append(
                    f"{docname}: {block['kind']} block {block['index']}, {block['longest']} characters "
                    f"({block['scrollWidth']} px in {block['clientWidth']} px): {block['sample']}"
                )
    record("pages that scroll sideways at 1366 px", pages_scrolling)
    record("code blocks wider than their column at 1366 px", wide)
    assert not pages_scrolling, "\n".join(pages_scrolling)
    if wide:
        fail(
            "code block width",
            f"{len(wide)} code blocks wider than their column:\n  "
            + "\n  ".join(wide),
        )


# --------------------------------------------------------------------------------------------------
# Running the notebooks elsewhere: launch buttons and downloads


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_notebook_pages_launch_on_binder_and_colab(docname):
    text = (SITE / f"{docname}.html").read_text(encoding="utf-8")
    repo = REPOSITORY_URL.rstrip("/").split("github.com/")[-1]
    assert (
        f"https://mybinder.org/v2/gh/{repo}/" in text and f"{docname}.ipynb" in text
    ), "no Binder button"
    assert f"https://colab.research.google.com/github/{repo}/blob/" in text, (
        "no Colab button"
    )


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_downloaded_notebook_runs_elsewhere(docname):
    """The page's .ipynb download: outputs included, and the set-up cell first, with the configured URL."""
    notebook = json.loads(
        (SITE / "_sources" / f"{docname}.ipynb").read_text(encoding="utf-8")
    )
    index = find_setup_cell(notebook)
    assert index is not None, "the download has no set-up cell"
    source = "".join(notebook["cells"][index]["source"])
    assert f'REPOSITORY = "{REPOSITORY_URL}"' in source
    assert "import helpers" not in source and "from helpers" not in source
    assert any(
        cell.get("outputs")
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    ), "no outputs"


def test_notebooks_start_with_the_set_up_cell():
    """Colab opens the committed notebook, so it must carry the set-up cell itself (`make setup-cells`)."""
    missing = []
    for docname in NOTEBOOK_PAGES:
        notebook = json.loads(
            (ROOT / f"{docname}.ipynb").read_text(encoding="utf-8")
        )
        index = find_setup_cell(notebook)
        if index is None:
            missing.append(
                f"{docname}.ipynb: no cell starting {SETUP_CELL_MARKER!r}"
            )
        elif f'REPOSITORY = "{REPOSITORY_URL}"' not in "".join(
            notebook["cells"][index]["source"]
        ):
            missing.append(
                f"{docname}.ipynb: the set-up cell names another repository"
            )
    record("notebooks without the set-up cell (Colab)", missing)
    if missing:
        fail(
            "notebook set-up cell",
            f"{len(missing)} notebooks:\n  " + "\n  ".join(missing),
        )


def test_preface_names_the_configured_repository():
    text = (SITE / "book" / "preface.html").read_text(encoding="utf-8")
    assert "{{ repository_url }}" not in text
    assert REPOSITORY_URL in text


# --------------------------------------------------------------------------------------------------
# Screenshots: the home page and a notebook page, desktop and phone


def test_screenshots(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    notebook = next(
        (n for n in NOTEBOOK_PAGES if "03c" in n),
        NOTEBOOK_PAGES[0] if NOTEBOOK_PAGES else PAGES[-1],
    )
    shots = []
    for label, viewport, is_phone in (
        ("desktop", {"width": 1366, "height": 900}, False),
        ("phone", PHONE, True),
    ):
        context, _ = new_context(browser, site_url, viewport, phone=is_phone)
        try:
            page = context.new_page()
            for name, url in (
                ("home", f"{site_url}/index.html"),
                ("notebook", page_url(site_url, notebook)),
            ):
                page.goto(url, wait_until="load")
                if name == "home":
                    page.wait_for_url(page_url(site_url, PAGES[0]), timeout=10_000)
                page.evaluate(
                    "async () => { if (window.MathJax?.startup?.promise) await MathJax.startup.promise; }"
                )
                path = SCREENSHOTS / f"{name}-{label}.png"
                page.screenshot(path=str(path))
                shots.append(path)
            if is_phone:
                page.locator(".bd-header-article .primary-toggle").tap()
                page.locator("#pst-primary-sidebar-modal").wait_for(
                    state="visible", timeout=5_000
                )
                path = SCREENSHOTS / "notebook-phone-menu.png"
                page.screenshot(path=str(path))
                shots.append(path)
        finally:
            context.close()
    assert all(path.stat().st_size > 10_000 for path in shots), shots
