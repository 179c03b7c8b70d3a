namespace RaftActors.Persistence.Plugin;

/// <summary>Asks a plugin actor for its <see cref="StoreCounts"/>; tests use it to see the group commit at work.</summary>
internal sealed class GetStoreCounts
{
    public static readonly GetStoreCounts Instance = new();

    private GetStoreCounts() { }
}

/// <summary>How many transactions a store committed, and how many jobs (writes, deletes, reads) they held.</summary>
internal sealed record StoreCounts(long Commits, long Jobs);
