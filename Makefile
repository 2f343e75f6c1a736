# Two commands on a fresh machine:  make run   (the hotline)   and   make test   (the tests).
VENV ?= .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

.PHONY: install run test check
install: $(VENV)/.installed

run: install
	$(VENV)/bin/hotline up

test: install
	$(PY) -m pytest

check: install
	$(VENV)/bin/hotline content check
