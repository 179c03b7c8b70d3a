using Xunit.Abstractions;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>The contract suite on RaftActors' own SQLite journal and snapshot store.</summary>
public sealed class RaftSqliteContractTests(ITestOutputHelper output) : PersistencePluginContract(new RaftSqlitePlugin(), output);
