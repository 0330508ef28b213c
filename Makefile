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

test: setup
	$(BIN)/ape test $(TEST_ARGS)

test-fuzz: setup
	HYPOTHESIS_PROFILE=fuzzing $(BIN)/ape test -m fuzzing $(TEST_ARGS)

test-fork: setup
	tools/fork-test.sh $(TEST_ARGS)

bench: setup
	$(BIN)/ape run benchmark

clean:
	rm -rf .build .cache $(VENV) node_modules
