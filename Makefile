# Two entry points for a fresh machine (Python >= 3.11 and make):
#   make run   - the API on the embedded Postgres with demo data
#   make test  - lint, type-check and the whole test suite
# Both create .venv and install everything they need on first use.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && \
	echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

#: The kiosk page tests drive Debian's Chromium; `make test` installs it if missing.
CHROMIUM ?= /usr/bin/chromium
#: Chinese text in the page screenshots needs a CJK font (a kiosk device needs one too).
CJK_FONT ?= /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck unit install browser bench bench-quick clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@echo "installing Debian's chromium for the kiosk page tests"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

$(CJK_FONT):
	@echo "installing Debian's fonts-noto-cjk for Chinese text in the browser tests"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends fonts-noto-cjk

browser: $(CHROMIUM) $(CJK_FONT)

#: The HTTP benchmark drives the API with wrk, so that the client is not the limit.
WRK ?= /usr/bin/wrk

$(WRK):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk

run: $(STAMP)
	$(BIN)/vledger serve --demo

test: $(STAMP) $(CHROMIUM) $(CJK_FONT)
	$(BIN)/ruff check .
	$(BIN)/mypy
	VLEDGER_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/python -m tests.run_suite

bench: $(STAMP) $(WRK)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP) $(WRK)
	$(BIN)/python -m bench.run --quick

unit: $(STAMP)
	$(BIN)/pytest tests/unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
