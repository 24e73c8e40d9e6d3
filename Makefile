# Every target bootstraps .venv itself (idempotently: reinstalls only when requirements change).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
REQS   := requirements.txt requirements-dev.txt lambdas/requirements.txt
STAMP  := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv demo test lint synth bench clean

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(STAMP)

demo: venv            ## play the scenarios on the embedded local runtime (no AWS account)
	$(BIN)/python -m sim demo

test: venv            ## unit, integration (moto) and end-to-end tests
	$(BIN)/python -m pytest -q

lint: venv            ## ruff + mypy over lambdas/, stacks/, sim/
	$(BIN)/ruff check lambdas stacks sim tests app.py
	$(BIN)/mypy

synth: venv           ## CloudFormation templates with the cdk-nag packs (offline once wheels are cached)
	$(BIN)/python app.py

bench: venv           ## benchmarks (pytest-benchmark)
	$(BIN)/python -m pytest bench --benchmark-enable -q

clean:
	rm -rf $(VENV) cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
