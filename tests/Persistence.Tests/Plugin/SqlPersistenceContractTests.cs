using Xunit.Abstractions;

namespace RaftActors.Persistence.Tests.Plugin;

/// <summary>The contract suite on Akka.Persistence.Sql 1.5.73 over SQLite (Microsoft.Data.Sqlite, WAL, one writer).</summary>
public sealed class SqlPersistenceContractTests(ITestOutputHelper output) : PersistencePluginContract(new SqlPersistencePlugin(), output);
