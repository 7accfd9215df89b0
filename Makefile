# Two commands are all the set-up a user needs: `make test` and `make book`.
# Both create .venv on first use and install the pinned requirements and the `helpers` package.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbval runs each notebook in a fresh kernel; xdist spreads notebooks and tests over the cores.
WORKERS ?= 2
# Extra flags for jupyter-book, for example `make book BOOK_FLAGS=--all` to rebuild every page.
BOOK_FLAGS ?=
# make test-site: Debian's Chromium (or $CHROMIUM), driven by Playwright (requirements-site.txt); never a
# downloaded browser. SITE_TEST_FLAGS passes flags to pytest, e.g. SITE_TEST_FLAGS='-k search'.
SITE_STAMP := $(VENV)/.site-installed
SITE_TEST_FLAGS ?=

.PHONY: help setup test book test-site setup-cells lab data clean

help:
	@echo "make test   set up .venv, check formatting (ruff), run pytest on tests/ and every notebook (smoke)"
	@echo "make book   set up .venv, build the site into _build/html (full profile, committed results)"
	@echo "make test-site  check the built site in headless Chromium (screenshots in _build/screenshots/)"
	@echo "make setup-cells  write the set-up cell (repository URL from _config.yml) into every notebook"
	@echo "make lab    open the notebooks in JupyterLab"
	@echo "make data   download (or verify) MNIST, CIFAR-10 and Tiny Shakespeare"
	@echo "make clean  remove the build, caches and .venv"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), f"Python 3.10+ is needed, found {sys.version.split()[0]}; run make PYTHON=python3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff format --check helpers tests site_tests notebooks
	$(BIN)/ruff check --select E501 notebooks
	SCALING_BOOK_PROFILE=smoke MPLBACKEND=Agg $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile \
		tests notebooks --nbval-lax -p no:cacheprovider

# MPLBACKEND is unset: a non-inline backend (`make test` uses Agg) would make glued figures text only,
# and the jupyter-cache would keep those outputs.
book: $(STAMP)
	env -u MPLBACKEND SCALING_BOOK_PROFILE=full $(BIN)/jupyter-book build . --warningiserror --keep-going $(BOOK_FLAGS)

# The site as a reader sees it: serves _build/html on 127.0.0.1 and checks every page of _toc.yml in
# Debian's Chromium (installed here with apt-get when missing), with every other address blocked.
$(SITE_STAMP): $(STAMP) requirements-site.txt
	$(BIN)/python -m pip install --quiet -r requirements-site.txt
	touch $(SITE_STAMP)

test-site: $(SITE_STAMP)
	@test -f _build/html/index.html || { echo "no site in _build/html: run make book first"; exit 1; }
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "make test-site needs Debian's chromium: sudo apt-get install chromium"; exit 1; fi; \
		echo "installing Debian's chromium (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core fonts-liberation >/dev/null; \
	fi
	$(BIN)/python -m pytest site_tests -p no:cacheprovider -rfEsxX $(SITE_TEST_FLAGS)

setup-cells: $(STAMP)
	$(BIN)/python _ext/course_site.py setup-cell --write notebooks/*.ipynb

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet jupyterlab==4.6.6
	$(BIN)/jupyter lab notebooks

data: $(STAMP)
	$(BIN)/scaling-book data download

clean:
	rm -rf _build $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
