# Every target bootstraps .venv itself (idempotently: reinstalls only when requirements change).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
REQS   := requirements.txt requirements-dev.txt lambdas/requirements.txt
STAMP  := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export PYTHONDONTWRITEBYTECODE := 1

WHEELS := .cache/lambda-wheels
# Example context so `make synth` works out of the box; override with SYNTH_CONTEXT="-c ..." for a real account.
SYNTH_CONTEXT ?= -c connectInstanceArn=arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555 \
                 -c connectSourcePhoneNumber=+15555550100

.PHONY: venv wheels demo test lint synth bench clean

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
	$(BIN)/ruff check lambdas stacks sim tools tests app.py
	$(BIN)/mypy

# Lambda layer wheels (manylinux, arm64, CPython 3.12), cached so later synths work offline.
$(WHEELS)/.stamp: lambdas/requirements.txt | venv
	$(BIN)/python -m pip download -q --disable-pip-version-check -r lambdas/requirements.txt --dest $(WHEELS) \
		--platform manylinux2014_aarch64 --implementation cp --python-version 3.12 --only-binary=:all:
	@touch $@

wheels: $(WHEELS)/.stamp

synth: venv wheels    ## CloudFormation templates with the cdk-nag packs (offline once wheels are cached)
	$(BIN)/python app.py $(SYNTH_CONTEXT)

# Cold starts measured from the synthesized assets (bench/results.json, and the README table generated from it),
# then the AWS calls per sign-in on the local runtime. Not part of `make test`.
bench: synth          ## benchmarks: handler import time as shipped, AWS calls per sign-in
	$(BIN)/python -m bench.cold_start --assembly cdk.out
	$(BIN)/python -m bench.report
	$(BIN)/python -m pytest bench --benchmark-enable -q

clean:
	rm -rf $(VENV) cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
