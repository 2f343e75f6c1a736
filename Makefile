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

.PHONY: install run test check audio translations
install: $(VENV)/.installed

# Telephone audio is built here, not committed (see audio/README.md); without espeak-ng the
# hotline still runs and speaks with <Say>.
audio: install
	$(VENV)/bin/hotline audio build

run: install
	-$(VENV)/bin/hotline audio build
	$(VENV)/bin/hotline up --port $(PORT)

# Four processes (pytest-xdist), whole files each so module fixtures are built once: half of the suite's time
# is waiting (outages, timeouts, subprocesses), so four keep two cores busy. TEST_PROCS=0: one process.
TEST_PROCS ?= 4
test: install
	$(PY) -m pytest $(if $(filter 0,$(TEST_PROCS)),,-n $(TEST_PROCS) --dist loadfile)

check: install
	$(VENV)/bin/hotline content check

# The dashboard's words (ivr/ops/translations): after changing t('…') ids, update the catalogs, translate
# the new entries in ru/en messages.po (poedit, Lokalize, any PO editor), then compile.
translations:
	.venv/bin/pybabel extract -F ivr/ops/babel.cfg -k t -k N_ --no-location --sort-output -o ivr/ops/translations/messages.pot ivr/ops
	.venv/bin/pybabel update -i ivr/ops/translations/messages.pot -d ivr/ops/translations --no-fuzzy-matching --width 100
	.venv/bin/pybabel compile -d ivr/ops/translations --use-fuzzy
