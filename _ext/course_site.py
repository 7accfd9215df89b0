"""Sphinx extension for the course's site, loaded by _config.yml (`sphinx: local_extensions`).

What it adds to Jupyter Book 1.x, each for a problem a reader met on the site:

- `{{ repository_url }}` in a book page is replaced by the repository URL set once in _config.yml
  (`repository: url:`), so that the preface's `git clone` line names the real repository;
- author-year citations: `(Kaplan et al., 2020)` in the text (reference style `author_year_round`)
  and a bibliography labelled `[Kaplan et al., 2020]` and sorted by author (formatting style
  `course_author_year`), instead of pybtex's alpha labels such as `[KMH+20]`;
- an inline script that sphinx-thebe adds twice (`THEBE_JS_URL` declared twice, an error in the
  console of every page) is written once;
- the notebook a reader downloads from a page ("Download .ipynb") is the executed notebook, with its
  outputs, and starts with the set-up cell below when the notebook has none, so that it runs outside
  the repository (Colab, a laptop without a clone).

The set-up cell installs the course package `helpers` when it is missing: it uses the clone it runs
in, else clones the repository (shallow) and installs it with pip. `python _ext/course_site.py
setup-cell` prints it; `python _ext/course_site.py setup-cell --write notebooks/*.ipynb` puts it first
in each notebook, or refreshes the URL of the one already there (`make setup-cells`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

SETUP_CELL_MARKER = "# Set-up for Colab or a downloaded copy"
SETUP_CELL_TAGS = ["remove-cell"]  # executed everywhere, shown nowhere on the site
_URL_LINE = re.compile(r'^REPOSITORY = "([^"]*)"', re.MULTILINE)


def setup_cell_source(repository_url: str) -> str:
    """The first cell of every notebook: installs `helpers` where it is missing (no import of it)."""
    return f'''{SETUP_CELL_MARKER}: installs `helpers` if it is missing.
import importlib.util
import pathlib
import subprocess
import sys

REPOSITORY = "{repository_url}"  # set in _config.yml

if importlib.util.find_spec("helpers") is None:
    here = pathlib.Path.cwd().resolve()
    clone = next(
        (p for p in [here, *here.parents] if (p / "helpers/__init__.py").is_file()),
        None,
    )
    if clone is None:  # not inside a clone: fetch one beside the notebook
        clone = here / "scaling-book"
        if not clone.exists():
            git = ["git", "clone", "--depth", "1", REPOSITORY, str(clone)]
            subprocess.run(git, check=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "-e", str(clone)]
        subprocess.run(pip, check=True)
    sys.path.insert(0, str(clone))'''


SETUP_CELL_ID = "course-setup"


def setup_cell(repository_url: str, with_id: bool = True) -> dict:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": list(SETUP_CELL_TAGS)},
        "outputs": [],
        "source": setup_cell_source(repository_url).splitlines(keepends=True),
    }
    if with_id:  # nbformat 4.5 and later: every cell has an id
        cell["id"] = SETUP_CELL_ID
    return cell


def find_setup_cell(notebook: dict) -> int | None:
    """Index of the notebook's set-up cell, or None."""
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") == "code" and SETUP_CELL_MARKER in "".join(
            cell.get("source", [])
        ):
            return index
    return None


def with_setup_cell(notebook: dict, repository_url: str) -> dict:
    """The notebook with an up-to-date set-up cell first (the one it has is replaced in place)."""
    notebook = dict(notebook)
    cells = list(notebook.get("cells", []))
    index = find_setup_cell(notebook)
    if index is None:
        with_id = (
            notebook.get("nbformat", 4),
            notebook.get("nbformat_minor", 0),
        ) >= (4, 5)
        cells.insert(0, setup_cell(repository_url, with_id=with_id))
    else:
        cell = dict(cells[index])
        cell["source"] = setup_cell_source(repository_url).splitlines(keepends=True)
        cells[index] = cell
    notebook["cells"] = cells
    return notebook


def dump_notebook(notebook: dict) -> str:
    """JSON with one-space indent and a trailing newline, keys in their order: small diffs."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------------
# Bibliography: author-year labels and parenthetical citations


def _register_bibliography_styles() -> None:
    from pybtex.database import Entry
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle
    from sphinxcontrib.bibtex.plugin import (
        register_plugin as register_bibtex_plugin,
    )
    from sphinxcontrib.bibtex.style.referencing import BracketStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import (
        AuthorYearReferenceStyle,
    )

    def last_name(person) -> str:
        return (
            " ".join(person.prelast_names + person.last_names)
            .replace("{", "")
            .replace("}", "")
        )

    class AuthorYearLabelStyle(BaseLabelStyle):
        """`Kaplan et al., 2020`, `Pearce and Song, 2024`, `Rosset, 2020`; `a`, `b` on duplicates."""

        def format_label(self, entry) -> str:
            persons = (
                entry.persons.get("author") or entry.persons.get("editor") or []
            )
            named = [p for p in persons if str(p) != "others"]
            if not named:
                who = (
                    entry.fields.get("organization")
                    or entry.fields.get("institution")
                    or entry.key
                )
            elif len(named) == 1 and len(persons) == 1:
                who = last_name(named[0])
            elif len(named) == 2 and len(persons) == 2:
                who = f"{last_name(named[0])} and {last_name(named[1])}"
            else:
                who = f"{last_name(named[0])} et al."
            return f"{who}, {entry.fields.get('year', 'n.d.')}"

        def format_labels(self, sorted_entries):
            labels = [self.format_label(entry) for entry in sorted_entries]
            count, seen = Counter(labels), Counter()
            for label in labels:
                if count[label] == 1:
                    yield label
                else:
                    yield label + chr(ord("a") + seen[label])
                    seen[label] += 1

    class CourseAuthorYearStyle(PlainStyle):
        """pybtex's plain style (sorted by author, year, title) with author-year labels; an arXiv
        preprint's `howpublished = {arXiv:ID}` is not printed beside its eprint link a second time."""

        default_label_style = "course_author_year"

        def format_entry(self, label, entry, bib_data=None):
            eprint = entry.fields.get("eprint")
            if eprint and entry.fields.get("howpublished") == f"arXiv:{eprint}":
                fields = {
                    k: v
                    for k, v in entry.fields.items()
                    if k.lower() != "howpublished"
                }
                shown = Entry(entry.type, fields=fields, persons=entry.persons)
                shown.key = entry.key
                entry = shown
            return super().format_entry(label, entry, bib_data=bib_data)

    def author_year_round() -> AuthorYearReferenceStyle:
        round_brackets = BracketStyle(left="(", right=")")
        return AuthorYearReferenceStyle(
            bracket_parenthetical=round_brackets,
            bracket_textual=round_brackets,
            bracket_author=round_brackets,
            bracket_label=round_brackets,
            bracket_year=round_brackets,
        )

    register_plugin(
        "pybtex.style.labels",
        "course_author_year",
        AuthorYearLabelStyle,
        force=True,
    )
    register_plugin(
        "pybtex.style.formatting",
        "course_author_year",
        CourseAuthorYearStyle,
        force=True,
    )
    register_bibtex_plugin(
        "sphinxcontrib.bibtex.style.referencing",
        "author_year_round",
        author_year_round,
        force=True,
    )


# ---------------------------------------------------------------------------------------------------
# Sphinx hooks


def repository_url(app) -> str:
    return (app.config.html_theme_options or {}).get("repository_url", "") or ""


def _substitute_repository_url(app, docname, source):
    url = repository_url(app)
    if url and "{{ repository_url }}" in source[0]:
        source[0] = source[0].replace("{{ repository_url }}", url)
        app.env.note_dependency(
            str(Path(app.srcdir) / "_config.yml")
        )  # re-read when the URL changes


def _write_scripts_once(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        filename = (
            getattr(script, "filename", script) or ""
        )  # an inline script's is '' or None
        key = (
            str(filename),
            repr(sorted(getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def _check_setup_cells(app, env):
    """A notebook's set-up cell must install from the repository named in _config.yml."""
    from sphinx.util import logging

    url = repository_url(app)
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".ipynb":
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        index = find_setup_cell(notebook)
        if index is None:
            continue
        match = _URL_LINE.search("".join(notebook["cells"][index]["source"]))
        if not match or match.group(1) != url:
            logging.getLogger(__name__).warning(
                f"{path.name}: its set-up cell installs from {match.group(1) if match else '?'!r}, "
                f"but _config.yml sets the repository to {url!r}: run `make setup-cells`",
                location=docname,
            )


def _executed_notebook(app, docname: str, source: Path) -> dict:
    """The notebook as the page shows it: with the outputs of its execution.

    MyST-NB writes _build/jupyter_execute/DOC.ipynb without outputs when they come from the
    jupyter-cache, so the cache is asked first; the executed file is the fallback (other modes)."""
    import nbformat

    notebook = nbformat.read(str(source), as_version=4)
    config = getattr(app.env, "mystnb_config", None)
    if (
        config is not None
        and config.execution_mode == "cache"
        and config.execution_cache_path
    ):
        from jupyter_cache import get_cache

        cache_path = Path(config.execution_cache_path)
        if not cache_path.is_absolute() and not cache_path.exists():
            cache_path = Path(app.srcdir) / cache_path
        try:
            _, merged = get_cache(str(cache_path)).merge_match_into_notebook(
                notebook
            )
            return json.loads(nbformat.writes(merged))
        except KeyError:
            pass
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if executed.is_file():
        return json.loads(executed.read_text(encoding="utf-8"))
    return json.loads(nbformat.writes(notebook))


def _write_downloads(app, exception):
    """Make each notebook's "Download .ipynb" the executed notebook, starting with the set-up cell."""
    if exception is not None or app.builder.format != "html":
        return
    url = repository_url(app)
    outdir = Path(app.outdir)
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if source.suffix != ".ipynb":
            continue
        notebook = _executed_notebook(app, docname, source)
        target = outdir / "_sources" / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            dump_notebook(with_setup_cell(notebook, url)), encoding="utf-8"
        )


def setup(app):
    _register_bibliography_styles()
    app.connect("source-read", _substitute_repository_url)
    app.connect("html-page-context", _write_scripts_once, priority=900)
    app.connect("env-check-consistency", _check_setup_cells)
    app.connect("build-finished", _write_downloads, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


# ---------------------------------------------------------------------------------------------------
# Command line: print the set-up cell, or write it into notebooks


def _configured_url(config: Path) -> str:
    import yaml

    return yaml.safe_load(config.read_text(encoding="utf-8"))["repository"]["url"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cell = sub.add_parser(
        "setup-cell", help="print the set-up cell, or --write it into notebooks"
    )
    cell.add_argument("notebooks", nargs="*", type=Path)
    cell.add_argument(
        "--write",
        action="store_true",
        help="put it first in each notebook (or refresh it)",
    )
    cell.add_argument(
        "--config",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "_config.yml",
    )
    args = parser.parse_args(argv)
    url = _configured_url(args.config)
    if not args.write:
        print(setup_cell_source(url))
        return 0
    for path in args.notebooks:
        text = path.read_text(encoding="utf-8")
        updated = dump_notebook(with_setup_cell(json.loads(text), url))
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            print(f"{path}: set-up cell written ({url})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
