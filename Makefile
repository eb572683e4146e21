# The README's two commands: `make demo` and `make test`. Each bootstraps .venv first.
# TORCH_SPEC pins a CPU build of torch installed before everything else, so that the
# other packages resolve against it instead of pulling a multi-GB CUDA build. Override it
# where another build is wanted: make test TORCH_SPEC="torch==2.5.1".

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= agents,plot,dev
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(EXTRAS)

.PHONY: demo test test-slow test-all test-rllib lint docs clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

# The main job: train the reference hybrid multi-agent PPO on the default scenario (the demo
# budget, about 5 minutes on 2 idle cores), then compare it with every baseline and the
# per-slot oracle on the same 20 seeded episodes. Outputs: runs/demo/ (checkpoint,
# progress.csv, learning curve) and results/demo/ (summary.csv/json, episodes.csv, comparison
# plot).
demo: $(STAMP)
	$(BIN)/mec-ea-env info --scenario paper
	$(BIN)/mec-ea-env train --algo hmappo --scenario paper --seed 0 --output runs/demo
	$(BIN)/mec-ea-env evaluate --scenario paper --episodes 20 --seed 0 --output results/demo \
		--policies random,all-local,nearest-edge,greedy,best-response,oracle,hmappo:runs/demo/checkpoint.pt

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

# RLlib pulls in ray (several hundred MB with its dependencies), so it is an optional extra and
# its tests run only here, in their own .venv-rllib because ray pins an older gymnasium;
# without ray they are skipped.
test-rllib:
	$(MAKE) venv VENV=.venv-rllib EXTRAS=agents,plot,dev,rllib
	.venv-rllib/bin/python -m pytest -m rllib -q

lint: $(STAMP)
	$(BIN)/ruff check mec_ea_env tests examples benchmarks

# Build the documentation site into site/; --strict fails on any warning (missing page, bad link).
docs:
	$(MAKE) venv EXTRAS=agents,plot,dev,docs
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache
