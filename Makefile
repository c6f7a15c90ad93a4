# genrelearn: one command for the paper, one for the tests.
#   make paper                 build results/<dataset>/paper/paper.pdf (default: synthetic data)
#   make paper CONFIG=FILE     overlay another config (e.g. a bigger synthetic set)
#   make test                  lint + unit and workflow tests, then the unit tests on other kernels
#   make test-slurm            the tiny workflow on a throw-away local SLURM cluster (root)
#   make lock                  regenerate requirements/lock.txt (UPGRADE=1: newest allowed)
# Each creates .venv and installs the project on first use, and makes sure TeX is there.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
CONFIG ?=
STAMP := $(VENV)/.installed-stamp
SNAKEMAKE := $(BIN)/snakemake --cores $(CORES) $(if $(CONFIG),--configfile $(CONFIG),)

# The lock: every package of .venv (pyproject's pins, their dependencies, pip and the build
# tools) at one version, with its hashes, for CPython $(LOCK_PYTHON) on Linux x86-64.
LOCK := requirements/lock.txt
LOCK_PYTHON := 3.11
LOCK_PLATFORM := x86_64-manylinux_2_28
# The lock's torch is PyTorch's CPU build, which is not on PyPI: pip gets it from this index when
# the index answers (the build machines cannot reach it; their pip.conf has the wheel locally).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# make lock: where uv (which ignores pip.conf) finds the CPU wheel; the build machines need
# make lock TORCH_WHEELS=/opt/wheels. uv itself is installed, at UV_VERSION, into build/uv.
TORCH_WHEELS ?= $(TORCH_INDEX)/torch/
UV_VERSION := 0.13.9

# Debian packages that provide pdflatex, latexmk, bibtex, booktabs, siunitx, pgf and lmodern.
TEX_PACKAGES := latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended \
	texlive-science texlive-pictures lmodern

.PHONY: help install lock tex paper report lint test test-portable test-slurm clean

help:
	@sed -n '2,7p' Makefile

# Every package from the lock, hash-checked, then this repository alone (no build isolation:
# its build backend is the lock's setuptools). A Python or platform the lock does not cover stops.
$(STAMP): pyproject.toml $(LOCK)
	@py=$(BIN)/python; test -x $$py || py=$(PYTHON); \
	$$py -c 'import platform, sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(LOCK_PYTHON)" or sys.platform != "linux" or platform.machine() != "x86_64")' || \
	  { echo "error: $(LOCK) covers CPython $(LOCK_PYTHON) on Linux x86-64; $$py is $$($$py -c 'import platform; print(platform.python_version(), platform.system(), platform.machine())')." >&2; \
	    echo "Use make PYTHON=python$(LOCK_PYTHON) (after rm -rf $(VENV) if it was made with another Python); README: Software environments." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@index=$$($(BIN)/python -c 'import sys, urllib.request as r; r.urlopen(sys.argv[1] + "/torch/", timeout=10).close(); print("--extra-index-url", sys.argv[1])' '$(TORCH_INDEX)' 2>/dev/null) || \
	  echo "$(TORCH_INDEX) does not answer: torch's CPU wheel must come from pip's own configuration"; \
	echo "$(BIN)/python -m pip install --quiet --require-hashes $$index -r $(LOCK)"; \
	$(BIN)/python -m pip install --quiet --require-hashes $$index -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@# Every Python of the venv gets a private numba cache folder (genrelearn.jitcache), and
	@# librosa's numba functions are compiled once, alone, for this CPU.
	$(BIN)/python -m genrelearn.jitcache install-pth
	$(BIN)/python -m genrelearn.jitcache warm
	@touch $(STAMP)

install: $(STAMP)

# Regenerate the lock from pyproject.toml and requirements/lock.in. Versions already in the lock
# are kept unless a pin forces another; UPGRADE=1 takes the newest that the pins allow.
lock:
	@test -x build/uv/bin/uv || { $(PYTHON) -m venv build/uv && build/uv/bin/pip install --quiet uv==$(UV_VERSION); }
	build/uv/bin/uv pip compile pyproject.toml requirements/lock.in --extra dev --generate-hashes \
	  --python-version $(LOCK_PYTHON) --python-platform $(LOCK_PLATFORM) --find-links $(TORCH_WHEELS) \
	  $(if $(UPGRADE),--upgrade,) --custom-compile-command 'make lock' --quiet -o $(LOCK)

tex:
	@missing=""; \
	for tool in pdflatex latexmk bibtex kpsewhich; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ]; then \
	  for sty in booktabs.sty siunitx.sty pgf.sty lmodern.sty; do \
	    [ -n "$$(kpsewhich $$sty)" ] || missing="$$missing $$sty"; done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "TeX pieces missing ($$missing): installing Debian packages $(TEX_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	  else \
	    echo "error: TeX pieces missing:$$missing" >&2; \
	    echo "Install them (as root): apt-get install --no-install-recommends $(TEX_PACKAGES)" >&2; \
	    exit 1; \
	  fi; \
	fi

paper: install tex
	$(SNAKEMAKE)
	@echo "PDF: $$($(BIN)/python -c 'import sys, yaml; c = {}; [c.update(yaml.safe_load(open(f)).get("dataset", {})) for f in sys.argv[1:]]; print("results/" + c.get("name", "synth") + "/paper/paper.pdf")' config/config.yaml $(CONFIG))"

# Snakemake's HTML report of the finished study (every figure and table, captioned, by stage),
# next to its results: results/<dataset>/report.html.
report: paper
	@out="$$($(BIN)/python -c 'import sys, yaml; c = {}; [c.update(yaml.safe_load(open(f)).get("dataset", {})) for f in sys.argv[1:]]; print("results/" + c.get("name", "synth") + "/report.html")' config/config.yaml $(CONFIG))"; \
	$(SNAKEMAKE) --report "$$out"; \
	echo "report: $$out"

lint: install
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install tex lint
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory test-portable

# The unit tests again on other kernels than this CPU's best ones, so that a float tolerance that
# only holds for the build machine's rounding fails here: PyTorch's non-SIMD ATen kernels, numba
# compiling for a generic x86-64, MKL's compatible code path (like MKL on AMD CPUs)
# and NumPy's baseline (x86-64-v2) loops. OPENBLAS_CORETYPE is left alone: some machines set
# it because older OpenBLAS builds crash or compute wrong results without it. numba's cache store
# is a fresh one (numba keys its entries by CPU name), removed afterwards; the cold-cache race
# tests (marker numba_cache) ran in the first leg and are not repeated.
PORTABLE_ENV := ATEN_CPU_CAPABILITY=default NUMBA_CPU_NAME=generic MKL_CBWR=COMPATIBLE \
	NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"

test-portable: install
	@cache="$$(mktemp -d)"; trap 'rm -rf "$$cache"' EXIT; \
	echo 'unit tests on portable kernels: $(PORTABLE_ENV)'; \
	env $(PORTABLE_ENV) GENRELEARN_NUMBA_CACHE="$$cache" $(BIN)/python -m pytest tests/unit \
	  -m 'not slurm and not numba_cache'

# tests/slurm/cluster.sh installs slurmctld, slurmd, slurm-client, munge, slurmdbd and
# mariadb-server when root (exit 3 when it cannot: the tests then skip and say why, or fail
# under GENRELEARN_REQUIRE_SLURM=1, as in CI).
test-slurm: install tex
	tests/slurm/cluster.sh install || [ $$? = 3 ]
	$(BIN)/python -m pytest -m slurm tests/slurm

clean:
	rm -rf results .snakemake
