# propdesk: one-word commands. `make` alone prints this help.
#
# Everything installs what it needs (venv, RabbitMQ, chromium) on a fresh Debian 12 machine.
# Pass extra pytest arguments with PYTEST_ARGS, e.g.  make test PYTEST_ARGS="-k calendar -x"

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PROPDESK  := $(VENV)/bin/propdesk
PYTHON    := $(VENV)/bin/python
PYTEST_ARGS ?=
BENCH_ARGS ?=
CHAOS_ARGS ?=

.PHONY: help venv frontend broker chromium print promtool alertmanager postgres database pg-package migrate demo backup run test test-unit test-postgres bench chaos status clean

help: ## show this help
	@echo "usage: make <target>"
	@echo
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {name[NR] = $$1; text[NR] = $$2; if (length($$1) > width) width = length($$1)} \
	       END {for (i = 1; i <= NR; i++) printf "  %-" width "s  %s\n", name[i], text[i]}'
	@echo
	@echo "  PYTEST_ARGS=...  extra arguments for 'make test'"
	@echo "  BENCH_ARGS=...   extra arguments for 'make bench' (--quick, --only B1,S1, --reps N)"
	@echo "  CHAOS_ARGS=...   extra arguments for 'make chaos' (--quick, --only DRILL)"

venv: ## create/refresh .venv from the lock files, and the desk's npm packages (no-op when unchanged)
	@bash scripts/ensure-venv.sh
	@bash scripts/ensure-frontend.sh

frontend: ## install the desk's pinned npm packages (htmx, ECharts) with npm ci (no-op when unchanged)
	@bash scripts/ensure-frontend.sh

broker: ## make sure a local RabbitMQ with the management plugin is running
	@bash scripts/ensure-rabbitmq.sh

chromium: ## make sure Debian's chromium is installed (for browser tests)
	@bash scripts/ensure-chromium.sh

promtool: ## make sure Prometheus' promtool is installed (Debian's prometheus package), for the alert rules' tests
	@bash scripts/ensure-promtool.sh

alertmanager: ## make sure Alertmanager's amtool is installed (Debian's prometheus-alertmanager), for the alert routing's tests
	@bash scripts/ensure-alertmanager.sh

print: ## make sure printing has what it needs from Debian (Pango, the Noto CJK font) for the PDF notices
	@bash scripts/ensure-print.sh

postgres: ## install Debian's PostgreSQL; with PROPDESK_DB=postgresql (no PROPDESK_PG_URL) start the local server in var/postgres
	@bash scripts/ensure-postgres.sh --install
	@bash scripts/ensure-postgres.sh

# the local PostgreSQL when PROPDESK_DB=postgresql and no PROPDESK_PG_URL; nothing for SQLite (the default)
database:
	@bash scripts/ensure-postgres.sh

# Debian's PostgreSQL server binaries (tests start private servers with them)
pg-package:
	@bash scripts/ensure-postgres.sh --install

migrate: venv database ## run every service's database migrations
	$(PROPDESK) migrate

demo: venv broker database ## load demo data
	$(PROPDESK) demo

backup: venv database ## every service database copied at one moment into var/backups/ (BACKUP_ARGS="--to DIR"); restore: propdesk restore FOLDER
	$(PROPDESK) backup $(BACKUP_ARGS)

run: venv broker database print ## migrate, load demo data, then run all services in the foreground (PROPDESK_DB=postgresql: on PostgreSQL; SCALE=billing=3,notify=2: processes per service)
	$(PROPDESK) migrate && $(PROPDESK) demo && exec $(PROPDESK) run $(if $(SCALE),--scale '$(SCALE)')

test: venv broker chromium print pg-package promtool alertmanager ## run the test suite (PYTEST_ARGS=... passes through)
	@rc=0; $(PYTHON) -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	if [[ $$rc == 5 ]]; then \
	  echo "make test: FAILED: pytest collected no tests (exit 5); check testpaths and PYTEST_ARGS" >&2; \
	fi; \
	exit $$rc

test-unit: venv promtool alertmanager ## the unit tier only: domains and handlers on the fake unit of work (no broker needed)
	$(PYTHON) -m pytest -q -m unit $(PYTEST_ARGS)

# The integration tier, the system move-out and tests/postgres with every service on PostgreSQL: one
# private server for the run (initdb in /tmp, removed after), a database per service per test. As in
# production, every service connects as its own least-privilege broker user (PROPDESK_TEST_BROKER_USERS,
# docs/operations.md "Broker users"): a broker operation a service needs but was not granted fails here.
PG_TESTS ?= $(wildcard services/*/tests/integration) tests/postgres tests/system/test_move_out.py
test-postgres: venv broker pg-package ## the integration tier and the system move-out on a private PostgreSQL
	@rc=0; env -u PROPDESK_PG_URL PROPDESK_DB=postgresql PROPDESK_TEST_BROKER_USERS=1 $(PYTHON) -m pytest -q -p propdesk.testing.postgres \
	  $(PG_TESTS) $(PYTEST_ARGS) || rc=$$?; \
	if [[ $$rc == 5 ]]; then \
	  echo "make test-postgres: FAILED: pytest collected no tests (exit 5)" >&2; \
	fi; \
	exit $$rc

bench: venv broker ## benchmarks vs raw RabbitMQ (~31 min; BENCH_ARGS=--quick for a smoke run)
	$(PYTHON) -m bench.run $(BENCH_ARGS)

chaos: venv broker ## fault drills with the lost/duplicated/stuck checker (CHAOS_ARGS=--quick)
	$(PYTHON) -m chaos.run $(CHAOS_ARGS)

status: ## show what is installed and running (never fails)
	@if [[ -x $(PYTHON) ]]; then \
	  if [[ -f $(VENV)/.installed ]] && [[ "$$(cat $(VENV)/.installed)" == "$$(cat pyproject.toml requirements.lock requirements-test.lock | sha256sum | cut -d' ' -f1)" ]]; \
	  then echo "venv       ok ($(VENV))"; else echo "venv       stale (run: make venv)"; fi; \
	else echo "venv       missing (run: make venv)"; fi
	@if PATH="$$PATH:/usr/sbin" rabbitmq-diagnostics -q ping >/dev/null 2>&1; \
	  then echo "broker     running"; else echo "broker     not running (run: make broker)"; fi
	@if curl -fsS -m 2 -u guest:guest -o /dev/null http://127.0.0.1:15672/api/overview 2>/dev/null; \
	  then echo "management http://127.0.0.1:15672/ (guest/guest)"; else echo "management not answering"; fi
	@if [[ -x /usr/bin/chromium ]]; then echo "chromium   /usr/bin/chromium"; else echo "chromium   missing (run: make chromium)"; fi
	@if [[ -x $(PROPDESK) ]]; then $(PROPDESK) status || true; fi

clean: ## remove var/ (local databases, spools, logs; stops the local PostgreSQL first); keeps .venv
	@bash scripts/ensure-postgres.sh --stop
	rm -rf var/
