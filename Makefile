# genrelearn: one command for the paper, one for the tests.
#   make paper                 build results/<dataset>/paper/paper.pdf (default: synthetic data)
#   make paper CONFIG=FILE     overlay another config (e.g. a bigger synthetic set)
#   make test                  lint + unit and workflow tests, then the unit tests on other kernels
#   make test-slurm            the tiny workflow on a throw-away local SLURM cluster (root)
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

# Debian packages that provide pdflatex, latexmk, bibtex, booktabs, siunitx, pgf and lmodern.
TEX_PACKAGES := latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended \
	texlive-science texlive-pictures lmodern

.PHONY: help install tex paper report lint test test-portable test-slurm clean

help:
	@sed -n '2,7p' Makefile

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "error: genrelearn needs Python >= 3.11; '$(PYTHON)' is older. Use make PYTHON=python3.11" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

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
# compiling for a generic x86-64, MKL's compatible code path (like MKL on AMD CPUs), OpenBLAS's
# AVX2 kernels and NumPy's baseline (x86-64-v2) loops. Its own, fresh numba cache (numba caches
# per CPU name, and a cold cache must not be shared by several processes), removed afterwards.
PORTABLE_ENV := ATEN_CPU_CAPABILITY=default NUMBA_CPU_NAME=generic MKL_CBWR=COMPATIBLE \
	OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"

test-portable: install
	@cache="$$(mktemp -d)"; trap 'rm -rf "$$cache"' EXIT; \
	echo 'unit tests on portable kernels: $(PORTABLE_ENV)'; \
	env $(PORTABLE_ENV) NUMBA_CACHE_DIR="$$cache" $(BIN)/python -m pytest tests/unit

# tests/slurm/cluster.sh installs slurmctld, slurmd, slurm-client, munge, slurmdbd and
# mariadb-server when root (exit 3 when it cannot: the tests then skip and say why, or fail
# under GENRELEARN_REQUIRE_SLURM=1, as in CI).
test-slurm: install tex
	tests/slurm/cluster.sh install || [ $$? = 3 ]
	$(BIN)/python -m pytest -m slurm tests/slurm

clean:
	rm -rf results .snakemake
