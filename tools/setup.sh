#!/usr/bin/env bash
# One idempotent set-up step for collabml; `make demo` and `make test` run it first.
# Needs only python3 (3.10-3.12), node and npm, and the PyPI and npm registries.
# A second run checks stamps and returns in about a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${COLLABML_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
SOLC_VERSION="$(sed -n 's/^ *version: *\([0-9.]*\) *# solc$/\1/p' ape-config.yaml)"
SOLCX_DIR="${SOLCX_BINARY_PATH:-$HOME/.solcx}"
SHARED_DATA="${COLLABML_SHARED_DATA:-$ROOT/../shared/data}"

say() { printf '[setup] %s\n' "$*"; }
stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# 1. Python environment, reinstalled only when pyproject.toml changes.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
py_stamp="$(stamp_of pyproject.toml)"
if [ "$(cat "$VENV/.collabml-stamp" 2>/dev/null)" != "$py_stamp" ]; then
  say "installing Python packages (pinned in pyproject.toml)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
  echo "$py_stamp" > "$VENV/.collabml-stamp"
fi

# 2. Node toolchain: solc-js, Anvil and OpenZeppelin at the exact versions of package-lock.json.
npm_stamp="$(stamp_of package.json package-lock.json)"
if [ "$(cat node_modules/.collabml-stamp 2>/dev/null)" != "$npm_stamp" ]; then
  say "installing npm packages (exact versions from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_stamp" > node_modules/.collabml-stamp
fi

# 3. Anvil where ape-foundry looks for it: on the venv's PATH.
ln -sf "$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" "$VENV/bin/anvil"

# 4. solc for py-solc-x: `solc-vX.Y.Z` in $SOLCX_BINARY_PATH (default ~/.solcx),
#    a small executable that runs solc-js through tools/solc-js.js: that of the checkout it
#    is run from (Ape compiles from the project's root), else that of the last checkout set up
#    here, so several clones or worktrees share ~/.solcx and a removed one breaks nothing.
mkdir -p "$SOLCX_DIR"
solc_exe="$SOLCX_DIR/solc-v$SOLC_VERSION"
want="#!/bin/sh
# collabml: solc $SOLC_VERSION as solc-js (tools/setup.sh writes this file)
js=\"\$PWD/tools/solc-js.js\"
[ -f \"\$js\" ] && [ -d \"\$PWD/node_modules/solc\" ] || js=\"$ROOT/tools/solc-js.js\"
exec node \"\$js\" \"\$@\""
if [ "$(cat "$solc_exe" 2>/dev/null)" != "$want" ]; then
  say "installing $solc_exe (solc-js $SOLC_VERSION)"
  printf '%s\n' "$want" > "$solc_exe"
  chmod +x "$solc_exe"
fi
got="$("$solc_exe" --version | sed -n 's/^Version: \([0-9.]*\)+.*/\1/p')"
if [ "$got" != "$SOLC_VERSION" ]; then
  echo "[setup] solc-js answers version '$got' but ape-config.yaml pins $SOLC_VERSION: update package.json" >&2
  exit 1
fi

# 5. Data: link the shared data sets into data/ when that folder exists (never copied into git).
if [ -d "$SHARED_DATA" ]; then
  for f in "$SHARED_DATA"/*; do
    name="$(basename "$f")"
    [ "$name" = "README.md" ] && continue
    [ -e "data/$name" ] || ln -s "$(cd "$(dirname "$f")" && pwd)/$name" "data/$name"
  done
fi
