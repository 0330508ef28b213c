# `make demo` and `make test` are the README's two commands; both set up first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup demo test test-fuzz test-fork bench clean

setup:
	@tools/setup.sh

demo: setup
	$(BIN)/ape run deploy

# With no TEST_ARGS: the mainnet-fork tests first (a loopback Anvil with chain id 1 stands in
# for mainnet unless MAINNET_RPC_URL is set), then the whole suite on a local Anvil.
test: setup
	@if [ -z "$(TEST_ARGS)" ]; then tools/fork-test.sh; fi
	$(BIN)/ape test $(TEST_ARGS)

test-fuzz: setup
	HYPOTHESIS_PROFILE=fuzzing $(BIN)/ape test -m fuzzing $(TEST_ARGS)

test-fork: setup
	tools/fork-test.sh $(TEST_ARGS)

bench: setup
	$(BIN)/ape run benchmark

clean:
	rm -rf .build .cache $(VENV) node_modules
