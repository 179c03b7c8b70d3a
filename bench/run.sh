#!/usr/bin/env bash
# Runs the core benchmarks (a short BenchmarkDotNet job) and prints the summary table.
# Extra arguments go to BenchmarkDotNet, e.g. `bench/run.sh --job medium`.
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--job short)
dotnet run -c Release --project bench/Core.Bench -- --filter '*' "${args[@]}" --artifacts bench/Core.Bench/BenchmarkDotNet.Artifacts
echo
cat bench/Core.Bench/BenchmarkDotNet.Artifacts/results/*-report-github.md
