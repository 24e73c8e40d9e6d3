# Every target bootstraps .venv itself (idempotently: reinstalls only when requirements change).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
REQS   := requirements.txt requirements-dev.txt lambdas/requirements.txt
STAMP  := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export PYTHONDONTWRITEBYTECODE := 1
# The browser tests drive Debian's Chromium (make browser), never a browser Playwright downloads.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM := /usr/bin/chromium

WHEELS := .cache/lambda-wheels
# Example context so `make synth` works out of the box; override with SYNTH_CONTEXT="-c ..." for a real account.
SYNTH_CONTEXT ?= -c connectInstanceArn=arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555 \
                 -c connectSourcePhoneNumber=+15555550100

NODE_MIN_MAJOR := 22
# pip-audit reads PyPI's JSON API per pinned version; a registry mirror may serve only the unversioned pages.
VULNERABILITY_PROBE := https://pypi.org/pypi/aws-lambda-powertools/$(shell sed -n 's/^aws-lambda-powertools==\([^ ]*\).*/\1/p' lambdas/requirements.txt)/json
# pytest-xdist: one worker per core; a test file stays on one worker, so each synth fixture runs once, and the
# files that synthesize share one worker (tests/conftest.py), so only it starts the CDK's jsii kernel.
XDIST := -n auto --dist loadfile

.PHONY: venv browser wheels demo test test-time node-check lint synth bench audit clean web

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@# the repository on the venv's path: `.venv/bin/python -m sim` works from any directory
	$(BIN)/python -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "secure-caller-transactions.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	@touch $@

node-check:           ## warn when Node is older than the CDK supports (Node 22 LTS or newer)
	@v=$$(node --version 2>/dev/null | sed 's/^v//; s/\..*//'); \
	if [ -z "$$v" ]; then echo "WARNING: node not found: CDK synth needs Node $(NODE_MIN_MAJOR) or newer" >&2; \
	elif [ "$$v" -lt $(NODE_MIN_MAJOR) ]; then echo "WARNING: Node $$v is end-of-life for the CDK: use Node $(NODE_MIN_MAJOR) LTS or newer" >&2; fi

venv: $(STAMP)

demo: venv            ## play the scenarios on the embedded local runtime (no AWS account)
	$(BIN)/python -m sim demo

browser:              ## Debian's Chromium for the browser tests (apt-get, as root or with passwordless sudo)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	  else echo "make: $(CHROMIUM) is missing and installing it needs root: browser tests skip (fail under CI=true)" >&2; \
	  fi; }

test: venv browser node-check ## unit, integration (moto), end-to-end and browser tests, in parallel (pytest-xdist)
	$(BIN)/python -m pytest -q $(XDIST)

test-time: venv       ## the wall time of `make test` (the goal: under 90 s on 2 cores; see README Benchmarks)
	@start=$$(date +%s); $(BIN)/python -m pytest -q $(XDIST) >/dev/null; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s wall on $$(nproc) core(s)"; exit $$status

lint: venv            ## ruff + mypy, then pip-audit of the Lambda requirements where PyPI's vulnerability data is reachable
	$(BIN)/ruff check lambdas stacks sim tools tests web app.py
	$(BIN)/mypy
	@if $(BIN)/python -c 'import urllib.request; urllib.request.urlopen("$(VULNERABILITY_PROBE)", timeout=10)' 2>/dev/null; \
	then $(MAKE) --no-print-directory audit; \
	else echo "lint: pip-audit NOT run: PyPI's vulnerability data ($(VULNERABILITY_PROBE)) is unreachable from here; run 'make audit' where it is" >&2; fi

# Lambda layer wheels (manylinux, arm64, CPython 3.12), cached so later synths work offline.
$(WHEELS)/.stamp: lambdas/requirements.txt | venv
	$(BIN)/python -m pip download -q --disable-pip-version-check -r lambdas/requirements.txt --dest $(WHEELS) \
		--platform manylinux2014_aarch64 --implementation cp --python-version 3.12 --only-binary=:all:
	@touch $@

wheels: $(WHEELS)/.stamp

synth: venv wheels node-check ## CloudFormation templates with the cdk-nag packs (offline once wheels are cached)
	$(BIN)/python app.py $(SYNTH_CONTEXT)

web:                  ## rebuild the ordering chat page's committed bundle (web/ordering_chat/dist) from npm
	cd web/ordering_chat && npm ci --no-audit --no-fund && npm run build

# Every figure of bench/results.json, measured in one run on this machine, then the README's tables regenerated
# from it (python -m bench.report). Not part of `make test`.
bench: synth          ## benchmarks: cold starts as shipped, AWS calls per flow, warm turns, concurrency, load, sizes, wall times
	$(BIN)/python -m bench.cold_start --assembly cdk.out
	$(BIN)/python -m bench.flows
	$(BIN)/python -m bench.turns
	$(BIN)/python -m bench.concurrency
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.assets --assembly cdk.out
	$(BIN)/python -m pytest bench --benchmark-enable -q -p no:xdist
	$(BIN)/python -m bench.wall
	$(BIN)/python -m bench.report

audit: venv           ## pip-audit of what the Lambdas ship (needs PyPI's JSON API; --strict fails on anything unaudited)
	$(BIN)/pip-audit --strict -s pypi -r lambdas/requirements.txt

clean:
	rm -rf $(VENV) cdk.out .cache .pytest_cache .mypy_cache .ruff_cache
