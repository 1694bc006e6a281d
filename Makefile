# Integrationsmonitor Kreis Kleve — `make` lists the targets.
# The two commands of the README: `make briefings` (main job) and `make test`.
# `briefings` and `update` run bin/scheduled-run, which schedulers call directly: make reports every
# failure as exit 2, the script passes the command's own exit code (75 = another run is active).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done
KERNEL := integrationsmonitor
PRODUCT_NOTEBOOKS := notebooks/kommune_profil.ipynb notebooks/kreis_uebersicht.ipynb notebooks/kommunen_vergleich.ipynb \
                     notebooks/kommune_kurz.ipynb
# one pytest worker per core and one more (at most 5): a worker often waits for its briefing run, kernel or
# browser, and the extra one fills that time (on 2 cores: 534 s instead of 584 s for the suite, measured 7.12.2026);
# tests marked xdist_group("…") share a worker, so an expensive shared run (the full briefing run, the Kreise run,
# the toy project of the fault tests) happens once. TEST_WORKERS=2 make test overrides the count.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; n = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') \
                  else os.cpu_count() or 1; print(min(n + 1, 5))")
PYTEST := $(PY) -m pytest --numprocesses $(TEST_WORKERS) --dist loadgroup
CHECKED_NOTEBOOKS := $(PRODUCT_NOTEBOOKS) notebooks/explore/nrw_forschungsfragen.ipynb
NBVAL  := $(CHECKED_NOTEBOOKS) --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
FAST   := tests/batch/test_batch.py::test_run_writes_briefings_index_and_record tests/browser/test_briefings.py
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_PORT  ?= 8888
LAB_TOKEN ?=

.DEFAULT_GOAL := help
.PHONY: help setup data update briefings test test-fast lab bench notebooks clean distclean

## Show this list
help:
	@awk '/^## /{h=substr($$0,4)} /^[a-z-]+:/{if(h){split($$1,t,":");printf "  make %-11s %s\n",t[1],h;h=""}}' $(MAKEFILE_LIST)

## Create .venv with this Python, install the project (editable, with test extras) and its Jupyter kernel
setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,fetch]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Integrationsmonitor (.venv)"
	touch $@

## Build data/processed from data/raw (validates first; keeps the old build on any error)
data: setup
	$(PY) -m helpers data build

## Fetch the declared official tables (data update, all or nothing), then make briefings
update: setup
	@bin/scheduled-run update

## Main job: every briefing from the committed data → reports/latest/index.html
briefings: setup
	@bin/scheduled-run briefings

## The whole test suite: lint, unit, data, notebooks (nbval), end-to-end, browser (CI runs this)
test: setup
	$(PYTEST) tests $(NBVAL)

## While developing: lint, unit, data (not slow), one toy batch, one browser page per briefing kind and language
test-fast: setup
	$(PYTEST) tests/unit tests/data tests/browser/test_ci_policy.py -m "not slow"
	$(PYTEST) $(FAST) --sample-pages

## JupyterLab on this repository, project kernel, localhost only (make lab LAB_PORT=8890 LAB_TOKEN=...)
lab: setup
	$(PY) -m jupyter lab --no-browser --ServerApp.open_browser=False --ServerApp.ip=127.0.0.1 \
	  --ServerApp.port=$(LAB_PORT) --ServerApp.root_dir=. \
	  --MappingKernelManager.default_kernel_name=$(KERNEL) \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  $(if $(LAB_TOKEN),--IdentityProvider.token=$(LAB_TOKEN),) $(ROOT_FLAG)

## Benchmarks: --kreis all, growth over the Kreise, Kreis Kleve against a papermill pool (BENCH="--only kleve")
bench: setup
	$(PY) benchmarks/bench_briefings.py $(BENCH)

## Re-execute the product notebooks and notebooks/explore/nrw_forschungsfragen.ipynb in place, for nbval
notebooks: setup
	$(PY) -m helpers briefings --refresh-notebooks

## Remove generated output (reports, processed data, caches); keeps .venv
clean:
	rm -rf reports/ .pytest_cache test-output/
	find data/processed -mindepth 1 ! -name README.md ! -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -prune -exec rm -rf {} + -o -name .ipynb_checkpoints -prune -exec rm -rf {} +

## clean, and remove .venv too
distclean: clean
	rm -rf $(VENV)
