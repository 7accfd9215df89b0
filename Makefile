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

.PHONY: help setup test book lab data clean

help:
	@echo "make test   set up .venv, run pytest on tests/ and every notebook (smoke profile)"
	@echo "make book   set up .venv, build the site into _build/html (full profile, committed results)"
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
	SCALING_BOOK_PROFILE=smoke MPLBACKEND=Agg $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile \
		tests notebooks --nbval-lax -p no:cacheprovider

book: $(STAMP)
	SCALING_BOOK_PROFILE=full $(BIN)/jupyter-book build . --warningiserror --keep-going $(BOOK_FLAGS)

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet jupyterlab==4.6.6
	$(BIN)/jupyter lab notebooks

data: $(STAMP)
	$(BIN)/scaling-book data download

clean:
	rm -rf _build $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
