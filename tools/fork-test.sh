#!/usr/bin/env bash
# Mainnet-fork tests: `ape test tests/fork --network ethereum:mainnet-fork:foundry`.
# With MAINNET_RPC_URL set, Anvil forks that endpoint (a real mainnet RPC). Without it, an
# upstream Anvil with chain id 1 on loopback stands in for mainnet, as in CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"

if [ -z "${MAINNET_RPC_URL:-}" ]; then
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  anvil --chain-id 1 --host 127.0.0.1 --port "$port" --silent &
  upstream=$!
  trap 'kill "$upstream" 2>/dev/null || true' EXIT
  export MAINNET_RPC_URL="http://127.0.0.1:$port"
  python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the stand-in mainnet Anvil did not start")
PY
  echo "[fork-test] stand-in mainnet: Anvil (chain id 1) at $MAINNET_RPC_URL"
fi
ape test tests/fork -m fork --network ethereum:mainnet-fork:foundry -p no:cacheprovider "$@"
