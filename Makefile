# Envelope: `make run` opens the app, `make test` runs the whole suite. Both bootstrap from nothing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-all lint syslibs testsyslibs benchsyslibs bench bench-full clean fuzz cluster cluster-down

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || bash scripts/python-venv.sh $(PYTHON) $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

syslibs: $(STAMP)
	@$(PY) scripts/qt_system_libs.py

# What the tests run besides Qt: a private PulseAudio daemon (voice notes), a private PostgreSQL (metadata on PostgreSQL).
testsyslibs:
	@$(PYTHON) scripts/test_system_packages.py

# What the benchmarks compare with: nginx and curl (transfers), vipsthumbnail (photo compression).
benchsyslibs:
	@$(PYTHON) scripts/test_system_packages.py scripts/bench-system-packages.txt

run: $(STAMP) syslibs
	$(PY) main.py $(ARGS)

test: $(STAMP) syslibs testsyslibs
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# As `make test`, with every server integration test on PostgreSQL as well as SQLite (make test runs the
# metadata tests and the modules marked both_engines on both).
test-all: $(STAMP) syslibs testsyslibs
	ENVELOPE_TEST_ENGINES=all QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# schemathesis against a real server for 10 minutes with every check (make test runs it for 45 s, five checks).
fuzz: $(STAMP)
	FUZZ_SECONDS=600 FUZZ_CHECKS=all $(PY) -m pytest -s tests/integration/test_fuzz_api.py

# The scale-out layout on this machine (SeaweedFS, PostgreSQL, two replicas, nginx), under .cluster/.
cluster: $(STAMP) testsyslibs
	$(PY) scripts/cluster.py up

cluster-down: $(STAMP)
	$(PY) scripts/cluster.py down

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Every row of BENCHMARKS.md's table, each beside its reference in the same run: quick sizes (< 5 min), or
# the sizes issue 15 names (bench-full). Prints one table; BENCH_MD=FILE also writes it as Markdown.
bench: $(STAMP) syslibs testsyslibs benchsyslibs
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.suite $(if $(BENCH_MD),--markdown $(BENCH_MD))

bench-full: $(STAMP) syslibs testsyslibs benchsyslibs
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.suite --full $(if $(BENCH_MD),--markdown $(BENCH_MD))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The applications-menu entry and icons for this clone's venv (`envelope` on the menu runs $(VENV)/bin/envelope).
DATA_HOME  = $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
ICON_SIZES = 16 32 48 64 128 256 512
.PHONY: install-desktop
install-desktop: $(STAMP)
	for size in $(ICON_SIZES); do \
	  install -D -m 644 desktop/ui/assets/icons/envelope-$$size.png \
	    "$(DATA_HOME)/icons/hicolor/$${size}x$${size}/apps/envelope.png" || exit 1; \
	done
	install -D -m 644 desktop/ui/assets/icons/envelope.svg "$(DATA_HOME)/icons/hicolor/scalable/apps/envelope.svg"
	install -d "$(DATA_HOME)/applications"
	sed 's|^Exec=envelope$$|Exec=$(abspath $(VENV))/bin/envelope|' desktop/ui/assets/envelope.desktop \
	  > "$(DATA_HOME)/applications/envelope.desktop"
	@echo "Envelope is in the applications menu ($(DATA_HOME)/applications/envelope.desktop)"
