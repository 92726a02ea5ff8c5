# docpipe: set-up, demo, tests, benchmarks and Make-driven publishing.
# `make demo` and `make test` install everything they need on a fresh Debian
# machine (system packages with apt-get when run as root, a virtualenv otherwise).

PYTHON    ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
DOCPIPE   := $(BIN)/docpipe
STAMP     := $(VENV)/.installed
SYSSTAMP  := $(VENV)/.sysdeps
OUT       ?= out
TO        ?=
FLAGS     ?=

# Debian packages: CJK fonts, fallback fonts for the CJK extension planes (Hanazono:
# Ext-B..F, BabelStone Han: Ext-G/H in part) and emoji, HarfBuzz subsetting (fast font
# embedding), Pango for WeasyPrint, poppler-utils (every PDF docpipe writes is read back
# with its pdftotext), qpdf (the tests read PDFs back with it too).
SYS_PKGS  := fonts-noto-cjk fonts-hanazono fonts-babelstone-han fonts-noto-color-emoji \
             libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
             poppler-utils qpdf fontconfig

.PHONY: all setup sysdeps demo test test-fast lint bench eval briefings pack docs clean help
.DEFAULT_GOAL := help

help:
	@echo "make demo       build briefings of samples/ into $(OUT)/ (installs what it needs)"
	@echo "make test       run the test suite (installs what it needs)"
	@echo "make test-fast  the suite without the slow tests"
	@echo "make briefings  rebuild changed per-page briefings in $(OUT)/ (use -j4; TO=tw: $(OUT)/tw/)"
	@echo "make pack       build the samples briefing pack in $(OUT)/pack/"
	@echo "make bench      speed and size benchmarks -> benchmarks/results.json"
	@echo "make eval       extraction scores on ../shared/corpus/dev, dev2, dev3 (when present)"
	@echo "make lint       ruff"
	@echo "make docs       regenerate docs/cli.md from the commands' --help"

setup: sysdeps $(STAMP)

sysdeps: $(SYSSTAMP)
$(SYSSTAMP): Makefile
	@missing=""; for p in $(SYS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,dask]'
	@touch $@

demo: setup
	$(DOCPIPE) convert samples -o $(OUT) -f pdf,docx,html,md,json $(FLAGS)
	$(DOCPIPE) convert samples/000_0e4211b785ff5086.txt -o $(OUT)/tw --to tw
	$(DOCPIPE) pack samples -o $(OUT)/pack --name samples --title "docpipe 样例简报" --no-pages -q
	@echo
	@echo "Briefings written to $(OUT)/ (Traditional, Taiwan: $(OUT)/tw/; the pack: $(OUT)/pack/)"
	@ls -1 $(OUT)/*.pdf $(OUT)/tw/*.pdf $(OUT)/pack/*.pdf

# The whole suite, slow tests included, on every core (pytest-xdist): about 2 min 45 s
# on 2 cores. While working: make test-fast (no slow tests) or one file with pytest.
test: setup
	$(BIN)/python -m pytest -q -n auto

test-fast: setup
	$(BIN)/python -m pytest -q -n auto -m "not slow"

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench: setup
	$(BIN)/python benchmarks/bench.py

eval: setup
	$(BIN)/python benchmarks/eval.py

# --- Make-driven publishing: one briefing per saved page, rebuilt only when it changed.
# Each script in its own folder: $(OUT)/ the pages' own, $(OUT)/tw/ with TO=tw, and so on.
# TO and FLAGS are remembered in an options stamp, $(BDIR)/.docpipe-options, rewritten
# only when they change: every briefing depends on it, so changing them rebuilds.
# DOCPIPE is this checkout's command; to publish with another, e.g. the one on your
# PATH: `make briefings DOCPIPE=docpipe`. Page names with spaces are not supported by
# Make and are skipped (samples/ has none).
TO_FLAG    := $(if $(strip $(TO)),--to $(strip $(TO)))
BDIR       := $(OUT)$(if $(strip $(TO)),/$(strip $(TO)))
OPTS       := $(strip $(TO_FLAG) $(FLAGS))
OPTIONS    := $(BDIR)/.docpipe-options
PAGES_TXT  := $(shell find samples -maxdepth 1 -type f -name '*.txt' ! -name '* *' | LC_ALL=C sort)
PAGES_HTML := $(shell find samples -maxdepth 1 -type f -name '*.html' ! -name '* *' | LC_ALL=C sort)
BRIEFINGS  := $(foreach f,$(basename $(notdir $(PAGES_TXT) $(PAGES_HTML))),$(BDIR)/$(f).pdf $(BDIR)/$(f).docx)

ifneq ($(filter briefings pack,$(MAKECMDGOALS)),)
$(shell mkdir -p '$(BDIR)')
ifneq ($(if $(shell test -f '$(OPTIONS)' && echo y),$(file <$(OPTIONS)),(none)),$(OPTS))
$(file >$(OPTIONS),$(OPTS))
endif
endif
$(OPTIONS):
	$(shell mkdir -p '$(@D)')$(file >$@,$(OPTS))

briefings: $(BRIEFINGS)

# One docpipe run writes both files: a pattern rule with two targets is a grouped
# rule in GNU make (its recipe runs once per page, also under -j).
$(BDIR)/%.pdf $(BDIR)/%.docx: samples/%.txt $(OPTIONS) | $(STAMP)
	$(DOCPIPE) convert $< -o $(BDIR) -f pdf,docx $(OPTS)

$(BDIR)/%.pdf $(BDIR)/%.docx: samples/%.html $(OPTIONS) | $(STAMP)
	$(DOCPIPE) convert $< -o $(BDIR) -f pdf,docx $(OPTS)

# `docpipe pack` is incremental and leaves unchanged files alone: `touch` tells Make
# the pack is current. The folder is a prerequisite so an added or removed page counts.
pack: $(BDIR)/pack/samples.pdf
$(BDIR)/pack/samples.pdf: $(PAGES_TXT) $(PAGES_HTML) samples $(OPTIONS) | $(STAMP)
	$(DOCPIPE) pack samples -o $(@D) --name samples --title "docpipe 样例简报" --no-pages $(OPTS)
	@touch $@

# docs/cli.md is generated from the commands' --help (a test fails when it is stale).
docs: $(STAMP)
	$(BIN)/python -m docpipe.clidoc > docs/cli.md

clean:
	rm -rf $(OUT) .pytest_cache
