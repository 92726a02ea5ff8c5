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
FLAGS     ?=

# Debian packages: CJK fonts, HarfBuzz subsetting (fast font embedding),
# Pango for WeasyPrint, poppler-utils for reading PDFs back in tests.
SYS_PKGS  := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
             poppler-utils fontconfig

.PHONY: all setup sysdeps demo test lint bench eval briefings pack clean help
.DEFAULT_GOAL := help

help:
	@echo "make demo       build briefings of samples/ into $(OUT)/ (installs what it needs)"
	@echo "make test       run the test suite (installs what it needs)"
	@echo "make briefings  rebuild changed per-page briefings in $(OUT)/ (use -j4)"
	@echo "make pack       build the samples briefing pack in $(OUT)/pack/"
	@echo "make bench      speed and size benchmarks -> benchmarks/results.json"
	@echo "make eval       extraction scores on ../shared/corpus/dev and dev2 (when present)"
	@echo "make lint       ruff"

setup: sysdeps $(STAMP)

sysdeps: $(SYSSTAMP)
$(SYSSTAMP):
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
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

demo: setup
	$(DOCPIPE) convert samples -o $(OUT) -f pdf,docx,html,md,json $(FLAGS)
	$(DOCPIPE) convert samples/000_0e4211b785ff5086.txt -o $(OUT)/tw --to tw
	$(DOCPIPE) pack samples -o $(OUT)/pack --name samples --title "docpipe 样例简报" --no-pages -q
	@echo
	@echo "Briefings written to $(OUT)/ (Traditional, Taiwan: $(OUT)/tw/; the pack: $(OUT)/pack/)"
	@ls -1 $(OUT)/*.pdf $(OUT)/tw/*.pdf $(OUT)/pack/*.pdf

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks

bench: setup
	$(BIN)/python benchmarks/bench.py

eval: setup
	$(BIN)/python benchmarks/eval.py

# --- Make-driven publishing: one briefing per saved page, rebuilt only when it changed.
PAGES_TXT  := $(wildcard samples/*.txt)
PAGES_HTML := $(wildcard samples/*.html)
BRIEFINGS  := $(foreach f,$(basename $(notdir $(PAGES_TXT) $(PAGES_HTML))),$(OUT)/$(f).pdf $(OUT)/$(f).docx)

briefings: $(BRIEFINGS)

# One docpipe run writes both files: a pattern rule with two targets is a grouped
# rule in GNU make (its recipe runs once per page, also under -j).
$(OUT)/%.pdf $(OUT)/%.docx: samples/%.txt | $(STAMP)
	$(DOCPIPE) convert $< -o $(OUT) -f pdf,docx $(FLAGS)

$(OUT)/%.pdf $(OUT)/%.docx: samples/%.html | $(STAMP)
	$(DOCPIPE) convert $< -o $(OUT) -f pdf,docx $(FLAGS)

# `docpipe pack` is incremental and leaves unchanged files alone: `touch` tells Make
# the pack is current. The folder is a prerequisite so an added or removed page counts.
pack: $(OUT)/pack/samples.pdf
$(OUT)/pack/samples.pdf: $(PAGES_TXT) $(PAGES_HTML) samples | $(STAMP)
	$(DOCPIPE) pack samples -o $(@D) --name samples --title "docpipe 样例简报" --no-pages $(FLAGS)
	@touch $@

clean:
	rm -rf $(OUT) .pytest_cache
