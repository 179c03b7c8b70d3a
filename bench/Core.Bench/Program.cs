using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Not a test: bench/run.sh runs this with a short job and prints the summary table.
BenchmarkSwitcher.FromAssembly(typeof(RaftActors.Core.Bench.ProposalBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.AddColumn(StatisticColumn.OperationsPerSecond));
