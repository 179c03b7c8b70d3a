namespace RaftActors.Persistence.Tests;

public sealed class SqliteJournalContractTests : JournalContractTests
{
    private readonly TempFolder _folder = new();

    protected override IJournal OpenJournal() => SqliteJournal.Open(_folder.JournalPath);

    public override void Dispose()
    {
        base.Dispose();
        _folder.Dispose();
    }
}
