#!/usr/bin/env bash
# Runs the node benchmark (3-node TCP + SQLite cluster in one process, with same-run baselines) in Release.
# Extra arguments go to the program, e.g. `bench/run-node.sh --seconds 5 --warmup 1 --payload 256`.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/Node.Bench -- "$@"
