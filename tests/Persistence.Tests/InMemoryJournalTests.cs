namespace RaftActors.Persistence.Tests;

public sealed class InMemoryJournalContractTests : JournalContractTests
{
    private readonly InMemoryJournalStore _store = new("test-store");

    protected override IJournal OpenJournal() => new InMemoryJournal(_store);

    [Fact]
    public void A_store_that_fails_writes_makes_the_journal_fail_stop()
    {
        Append(Range(1, 2, 1));
        _store.FailWrites = true;
        Assert.Throws<JournalWriteException>(() => Append(E(3, 1)));
        _store.FailWrites = false;
        Assert.Throws<JournalWriteException>(() => Journal.LastIndex);
        Assert.Equal(2ul, Reopen().LastIndex);
    }
}
