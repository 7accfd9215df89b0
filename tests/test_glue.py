"""Numbers in the prose come from the notebooks that compute them (MyST-NB ``glue``): every pasted name
must be glued by the notebook it names, so that regenerating results regenerates the text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROLE = re.compile(r"\{glue(?::(?:any|text|md|math|figure))?:?\}`([^`]+)`")
DIRECTIVE = re.compile(
    r"^[`:]{3,}\{glue(?::(?:any|text|md|math|figure))?:?\}\s+(\S+)", re.MULTILINE
)
GLUE_CALL = re.compile(r"""\bglue\(\s*["']([^"']+)["']""")


def notebook_cells(path: Path, kind: str) -> list[str]:
    return [
        "".join(cell["source"])
        for cell in json.loads(path.read_text())["cells"]
        if cell["cell_type"] == kind
    ]


def glued_names(notebook: Path) -> set[str]:
    """The names a notebook glues (literal first arguments of ``glue(...)``)."""
    return {
        name
        for source in notebook_cells(notebook, "code")
        for name in GLUE_CALL.findall(source)
    }


def references(text: str) -> list[str]:
    return ROLE.findall(text) + DIRECTIVE.findall(text)


def resolve(reference: str, page: Path) -> tuple[Path | None, str]:
    """``(notebook, name)`` of a paste: ``path/to/notebook.ipynb::name[:format]`` names another document
    (relative to the page, or to the book's root when it starts with ``/``), as MyST-NB resolves it;
    ``name[:format]`` is the page's own notebook (``None`` for a .md page, or a path without ``.ipynb``)."""
    if "::" in reference:
        document, rest = reference.split("::", 1)
        if not document.endswith(".ipynb"):
            return None, rest.split(":")[0]
        base = ROOT if document.startswith("/") else page.parent
        return (base / document.lstrip("/")).resolve(), rest.split(":")[0]
    return (page if page.suffix == ".ipynb" else None), reference.split(":")[0]


PAGES = sorted((ROOT / "book").glob("*.md")) + sorted(
    (ROOT / "notebooks").glob("*.ipynb")
)


def page_text(page: Path) -> str:
    return (
        "\n".join(notebook_cells(page, "markdown"))
        if page.suffix == ".ipynb"
        else page.read_text()
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_pasted_number_is_glued_by_the_notebook_it_names(page):
    missing = []
    for reference in references(page_text(page)):
        notebook, name = resolve(reference, page)
        if notebook is None or not notebook.is_file():
            missing.append(
                f"{reference!r}: no notebook {notebook} (from a .md page write "
                "`../notebooks/NAME.ipynb::name`)"
            )
        elif name not in glued_names(notebook):
            missing.append(
                f"{reference!r}: {notebook.relative_to(ROOT)} glues no {name!r}"
            )
    assert not missing, "\n".join(missing)


def test_the_checker_reads_roles_and_directives(tmp_path):
    text = "a {glue:text}`../notebooks/x.ipynb::alpha:.2f` b {glue}`beta`\n```{glue:figure} gamma\n:name: f\n```\n"
    assert references(text) == ["../notebooks/x.ipynb::alpha:.2f", "beta", "gamma"]
    page = ROOT / "book" / "page.md"
    assert resolve("../notebooks/x.ipynb::alpha:.2f", page) == (
        ROOT / "notebooks" / "x.ipynb",
        "alpha",
    )
    assert resolve("/notebooks/x.ipynb::alpha", page) == (
        ROOT / "notebooks" / "x.ipynb",
        "alpha",
    )
    # MyST-NB needs the extension
    assert resolve("../notebooks/x::alpha", page) == (
        None,
        "alpha",
    )
    assert resolve("beta", page) == (None, "beta")
    assert GLUE_CALL.findall(
        'glue("alpha", 0.5, display=False)\nglue( "beta" ,1)'
    ) == ["alpha", "beta"]


TEXT_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")


def unreadable_text_pastes(text: str) -> list[str]:
    """``{glue:text}`` pastes from another document with no format: MyST-NB splits the role at its
    last colon to find a format, so ``path::name`` is read as the key ``path:`` with the format
    ``name``, and the build fails. ``path::name:s`` (or ``:d``, ``:.2f``) is read as meant."""
    return [
        reference
        for reference in TEXT_ROLE.findall(text)
        if "::" in reference and ":" not in reference.split("::", 1)[1]
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_text_paste_from_another_document_has_a_format(page):
    assert not unreadable_text_pastes(page_text(page))


def test_the_format_checker_finds_a_paste_without_a_format():
    text = (
        "{glue:text}`../notebooks/x.ipynb::width` and "
        "{glue:text}`../notebooks/x.ipynb::width:d` and {glue:text}`local`"
    )
    assert unreadable_text_pastes(text) == ["../notebooks/x.ipynb::width"]
