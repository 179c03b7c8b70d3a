namespace RaftActors.Persistence.Plugin;

/// <summary>
/// What makes a database file one of ours: a schema row with a magic string and a version, and a set of tables
/// created in the same transaction. A file lacking either is refused rather than written to.
/// </summary>
internal sealed record StoreSchema(string Magic, long Version, string[] Tables, string CreateTables)
{
    public const string SchemaTable = "store_schema";

    public const string CreateSchemaTable =
        $"CREATE TABLE {SchemaTable}(id INTEGER PRIMARY KEY CHECK (id = 1), magic TEXT NOT NULL, version INTEGER NOT NULL);";
}
