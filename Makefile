# The README's commands. `make demo` runs the main job, `make test` every test; each installs
# what it needs on a fresh Debian 12 machine (run as root): Debian packages, then a venv pinned
# by constraints.txt.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
APT_PACKAGES := prometheus prometheus-alertmanager postgresql chromium python3-venv git \
	prometheus-node-exporter prometheus-postgres-exporter victoria-metrics \
	podman runc netavark aardvark-dns iptables debootstrap qemu-system-x86 qemu-utils
WHEELHOUSE ?= .cache/wheelhouse
STAMP := $(VENV)/.installed
export AIRDROPS_CACHE_DIR ?= $(CURDIR)/.cache
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help demo test test-fast lint typecheck bench docs generate system-deps clean wheelhouse molecule-image

help:
	@echo "make demo       run the local node, a bot and Prometheus; print a summary"
	@echo "make test       lint, type checks and every test (what CI runs)"
	@echo "make test-fast  unit tests only"
	@echo "make bench      benchmarks, side by side with the alternatives"
	@echo "make generate   regenerate docs, rules, the Alertmanager config and dashboards from the code"
	@echo "make wheelhouse both airdrops distributions and their pinned dependencies as wheels, for the Ansible roles"

# Debian packages, installed only when something is missing. Their services are disabled again:
# the demo and the tests start their own servers on free loopback ports.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  for svc in prometheus prometheus-alertmanager postgresql prometheus-node-exporter prometheus-postgres-exporter victoria-metrics; do \
	    case "$$missing" in *" $$svc"*) systemctl disable --now $$svc >/dev/null 2>&1 \
	      || service $$svc stop >/dev/null 2>&1 || true;; esac; \
	  done; \
	fi

# Two distributions, both editable here: airdrops-monitoring (sdk/, the SDK alone) and airdrops-stack
# (the rest, depending on it). A checkout installed before the split held one `airdrops`: removed.
$(STAMP): pyproject.toml sdk/pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(BIN)/pip uninstall -q -y --disable-pip-version-check airdrops >/dev/null 2>&1 || true
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e ./sdk -e '.[all]'
	@touch $@

venv: $(STAMP)

demo: system-deps $(STAMP)
	$(BIN)/airdrops demo

test: system-deps $(STAMP) lint typecheck wheelhouse molecule-image
	$(BIN)/pytest -q --durations=25

# The quick loop: no real servers, no containers.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not integration and not provision"

# Wheels of both distributions (airdrops-stack with extras bot, analytics) and every pinned
# dependency: the Ansible roles install from this directory, offline, so hosts get exactly the
# versions tested here.
wheelhouse: $(STAMP)
	$(BIN)/pip wheel -q --disable-pip-version-check -c constraints.txt --wheel-dir $(WHEELHOUSE) ./sdk '.[bot,analytics]'

# The Debian 12 image with systemd that the molecule scenarios boot (built once, then reused).
molecule-image:
	molecule/build-image.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

bench: system-deps $(STAMP) wheelhouse molecule-image
	$(PY) benchmarks/run.py
	$(PY) benchmarks/etl.py
	$(PY) benchmarks/events.py
	$(PY) benchmarks/views.py
	$(PY) benchmarks/ansible_rerun.py
	$(PY) benchmarks/fleet.py

# Everything generated from code (docs, rules, Alertmanager config, dashboards); tests fail on drift.
generate: $(STAMP)
	$(BIN)/airdrops rules build
	$(BIN)/airdrops alerting build
	$(BIN)/airdrops dashboards build
	$(BIN)/airdrops docs build

docs: $(STAMP)
	$(BIN)/airdrops docs build --out docs

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache demo-out
