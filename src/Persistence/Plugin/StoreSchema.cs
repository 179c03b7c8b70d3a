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

    /// <summary>
    /// The CREATE TABLE statement of each table (the schema table included), as SQLite keeps it in sqlite_master (the
    /// statement's text without its semicolon), with runs of white space made one space.
    /// </summary>
    public Dictionary<string, string> Definitions() =>
        (CreateSchemaTable + CreateTables).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Normalize)
            .ToDictionary(statement => statement["CREATE TABLE ".Length..statement.IndexOf('(', StringComparison.Ordinal)].Trim());

    /// <summary>A statement with every run of white space made one space, so indentation does not count.</summary>
    public static string Normalize(string sql) => string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
