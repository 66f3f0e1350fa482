# The two commands a reader needs: `make book` and `make test` (see README.md).
# Each sets up .venv from requirements.txt when it is missing or stale, installs pgtools into it,
# and installs the book's front-end files (pinned in web/package-lock.json) from the npm registry.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := web/site/_static/pgbook/vendor
NODE_STAMP := web/node_modules/.installed
WHEELS := web/site/wheels
BUILD  := _build/html
# nbval on 2 workers, each notebook whole on one of them (its cells share one kernel, in order)
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -n 2 --dist loadfile
UNIT   := tests --ignore=tests/browser --ignore=tests/fresh --ignore=tests/editions -n 2
BROWSER := -n 2 tests/browser
FRESH  := -n 2 tests/fresh
BOOK_STAMP := _build/.book-built
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: wheel book test unit fresh nbval nbval-portable browser notebooks bench lab lint mutants clean setup assets

## make book: build the HTML book into _build/html, executing every notebook
book: setup assets wheel
	@rm -rf _build/html _build/.doctrees $(BOOK_STAMP)
	$(BIN)/jupyter-book build --all -W -n --keep-going .
	@touch $(BOOK_STAMP)
	@echo
	@echo "The book is built. Open $(CURDIR)/$(BUILD)/index.html"
	@echo "(or serve it: $(BIN)/python -m http.server -d $(BUILD) 8000, then http://127.0.0.1:8000/)"

## make test: every stage (lint, unit tests, nbval, the book build, browser tests, downloaded
## notebooks in a fresh venv, the three editions), each one even when an earlier one fails, then a
## one-screen summary; exits non-zero if any stage failed. The book is built only when it is
## missing or older than its sources (so not again right after `make book`).
test: setup assets
	@$(BIN)/python tools/run_stages.py \
	  "lint=$(MAKE) --no-print-directory lint" \
	  "unit=$(BIN)/pytest -q -p no:cacheprovider $(UNIT)" \
	  "nbval=$(BIN)/pytest -q -p no:cacheprovider $(NBVAL) $(NOTEBOOKS)" \
	  "book=$(MAKE) --no-print-directory book-current" \
	  "browser=$(BIN)/pytest -q -p no:cacheprovider $(BROWSER)" \
	  "fresh=$(BIN)/pytest -q -p no:cacheprovider $(FRESH)" \
	  "editions=$(MAKE) --no-print-directory editions"

unit: setup
	$(BIN)/pytest -q -p no:cacheprovider $(UNIT)

## make fresh: each chapter's downloaded .ipynb runs in a fresh venv by its page's instruction
fresh: setup
	$(BIN)/pytest -q -p no:cacheprovider $(FRESH)

nbval: setup
	$(BIN)/pytest -q -p no:cacheprovider $(NBVAL) $(NOTEBOOKS)

## make nbval-portable: nbval again under another BLAS kernel and one thread (as on other CPUs)
nbval-portable: setup
	OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1 \
	  $(BIN)/pytest -q -p no:cacheprovider $(NBVAL) $(NOTEBOOKS)

## make mutants: break one formula at a time; the book's own asserts must catch every mutant
mutants: setup
	$(BIN)/python -m mutants

browser: setup
	$(BIN)/pytest -q -p no:cacheprovider $(BROWSER)

## make notebooks: re-execute every notebook in place (outputs and widget state are committed)
notebooks: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=180 --ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)

# The three editions (issue 14, tools/editions/). The key and the PDF are made from the built
# HTML book, which is built first when it is missing or older than its sources.
BOOK_SOURCES := _config.yml _toc.yml $(wildcard book/*.ipynb book/*.md book/*.bib book/_ext/*.py) \
  $(shell find pgtools web/site -type f -not -path '*/__pycache__/*' -not -path '$(VENDOR)/*' \
    -not -path '$(WHEELS)/*' 2>/dev/null)
.PHONY: key pdf student

# The last successful `make book` (the stamp is written only when the build passed), and the
# target that builds the book only when it is missing or older than any of its sources.
$(BOOK_STAMP): $(BOOK_SOURCES) requirements.txt pyproject.toml
	$(MAKE) --no-print-directory book

.PHONY: book-current
book-current: setup assets $(BOOK_STAMP)
	@echo "The book in $(BUILD) is built from the current sources (make book rebuilds it)."

## make key: the instructor's key, _build/html/key.html (every exercise: prompt, answer, solution)
key: setup $(BOOK_STAMP)
	$(BIN)/python -m tools.editions.key

## make pdf: the whole book in one PDF, _build/pdf/book.pdf (printed by Chromium, the key last)
pdf: setup $(BOOK_STAMP)
	$(BIN)/python -m tools.editions.pdf

## make student: the student edition, _build/student/html and _build/student/notebooks
student: setup assets
	$(BIN)/python -m tools.editions.student

## make editions: build the key, the PDF and the student edition, then test all three
.PHONY: editions
editions: setup
	@status=0; $(MAKE) --no-print-directory key pdf student || status=1; \
	  $(BIN)/pytest -q -p no:cacheprovider -n 2 tests/editions || status=1; exit $$status

## make bench: speed figures (printed, never asserted in unit tests)
bench: setup
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## make lab: JupyterLab on the book's notebooks (as root too), without the Jupyter-news prompt
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: setup
	@mkdir -p $(LAB_SETTINGS)
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
	  > $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate book/

## make lint: ruff on the package code (100 columns, pyproject.toml) and on the book's notebooks
## (book/ruff.toml: the same rules, code cells within the 76-column page)
lint: setup
	$(BIN)/ruff check pgtools tests benchmarks mutants tools
	$(BIN)/ruff check --config book/ruff.toml book/*.ipynb

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@$(BIN)/python -m pip uninstall -q -y pgtools 2>/dev/null || true  # the old distribution name
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $@

assets: $(NODE_STAMP)
	@rm -rf $(VENDOR) && mkdir -p $(VENDOR)/requirejs $(VENDOR)/@jupyter-widgets/html-manager \
	  $(VENDOR)/anywidget $(VENDOR)/mathjax/output/chtml/fonts
	cp web/node_modules/requirejs/require.js $(VENDOR)/requirejs/
	cp -r web/node_modules/@jupyter-widgets/html-manager/dist $(VENDOR)/@jupyter-widgets/html-manager/
	# the widget bundle also asks for its icon fonts one folder up; serve them there too
	cp web/node_modules/@jupyter-widgets/html-manager/dist/*.woff2 \
	  web/node_modules/@jupyter-widgets/html-manager/dist/*.woff \
	  web/node_modules/@jupyter-widgets/html-manager/dist/*.ttf $(VENDOR)/@jupyter-widgets/
	rm -f $(VENDOR)/@jupyter-widgets/html-manager/dist/*.map
	cp -r web/node_modules/anywidget/dist $(VENDOR)/anywidget/
	cp web/node_modules/mathjax/es5/tex-mml-chtml.js $(VENDOR)/mathjax/
	cp -r web/node_modules/mathjax/es5/output/chtml/fonts/woff-v2 $(VENDOR)/mathjax/output/chtml/fonts/

## the pgtools wheel the book serves, so that a downloaded notebook can install it
wheel: setup
	@rm -rf $(WHEELS) && mkdir -p $(WHEELS)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w $(WHEELS) .
	@rm -rf build

$(NODE_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

clean:
	rm -rf _build $(VENDOR)
