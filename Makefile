# Two commands on a fresh machine:  make run   (the hotline)   and   make test   (the tests).
VENV ?= .venv
PY := $(VENV)/bin/python
# make run PORT=8001: another port (a second run at the same time also needs its own HOTLINE_VAR_DIR)
PORT ?= 8000

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

.PHONY: install run test check audio
install: $(VENV)/.installed

# Telephone audio is built here, not committed (see audio/README.md); without espeak-ng the
# hotline still runs and speaks with <Say>.
audio: install
	$(VENV)/bin/hotline audio build

run: install
	-$(VENV)/bin/hotline audio build
	$(VENV)/bin/hotline up --port $(PORT)

test: install
	$(PY) -m pytest

check: install
	$(VENV)/bin/hotline content check
