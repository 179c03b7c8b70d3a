using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using static RaftActors.Actors.Tests.Runtime.ServiceHarness;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>Snapshots: taken every N entries, restored from a file or from the journal, and recovery.</summary>
public sealed class ServiceActorSnapshotTests
{
    private static readonly ConfState TwoVoters = new([1, 2]);

    [Fact]
    public async Task A_snapshot_is_taken_every_N_entries_with_its_index_term_and_membership()
    {
        await using var h = new ServiceHarness();
        h.Start([new KvService()], snapshotEvery: 3);

        h.Apply(new CommittedEntry(Set(1, "a", "1"), null),
            new CommittedEntry(new Entry(1, 2, EntryType.ConfChange, [1]), TwoVoters),
            new CommittedEntry(Set(3, "b", "1", term: 2), null),
            new CommittedEntry(Set(4, "c", "1", term: 2), null));
        h.Apply(NoOp(5, term: 3), Set(6, "d", "1", term: 3), Set(7, "e", "1", term: 3));

        var first = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(new SnapshotMetadata(3, 2, TwoVoters), first.Metadata);
        Assert.True(File.Exists(first.PayloadPath));
        Assert.StartsWith(h.StagingDirectory, first.PayloadPath, StringComparison.Ordinal);
        var second = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(new SnapshotMetadata(6, 3, TwoVoters), second.Metadata);
        await h.Settle();
        await h.Raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_snapshot_file_restores_a_fresh_ServiceActor_to_the_same_state_and_sessions()
    {
        await using var source = new ServiceHarness();
        var original = new KvService();
        source.Start([original], snapshotEvery: 4);
        source.Apply(Set(1, "a", "1", client: 9, sequence: 1), Set(2, "b", "2", client: 9, sequence: 2),
            Set(3, "c", "3", client: 5, sequence: 7), Set(4, "a", "4"));
        var taken = await source.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();

        await using var target = new ServiceHarness();
        var copy = new KvService();
        target.Start([copy]);
        var waiting = target.Query("get a", atIndex: 4);
        target.Actor.Tell(new RestoreServiceSnapshot(taken.Metadata, taken.PayloadPath));

        Assert.Equal("4", Text(await waiting.WaitAsync(Deadline)));
        Assert.Equal(original.Data, copy.Data);
        Assert.Equal(4UL, target.State.AppliedIndex);
        Assert.False(File.Exists(taken.PayloadPath));

        // The sessions came along: a retry is answered from the cache, an old sequence is stale.
        var (retry, retryReply) = target.Waiter();
        var (stale, staleReply) = target.Waiter();
        target.Apply(Set(5, "b", "2", retry, client: 9, sequence: 2), Set(6, "a", "old", stale, client: 9, sequence: 1));
        Assert.Equal("2:b=2", Text(await retryReply.WaitAsync(Deadline)));
        var error = await Assert.ThrowsAsync<RaftNodeException>(() => staleReply.WaitAsync(Deadline));
        Assert.Equal(RaftErrorCode.StaleSequence, error.Code);
        Assert.Equal(0, copy.AppliedCount);
    }

    [Fact]
    public async Task On_start_the_journal_snapshot_is_restored_and_Recovered_completes_at_the_target()
    {
        await using var h = new ServiceHarness();
        await SaveJournalSnapshot(h, new SnapshotMetadata(5, 2, TwoVoters), "x", "5");
        var kv = new KvService();

        h.Start([kv], recoveryTarget: 7, snapshotEvery: 3);
        await h.Settle();

        Assert.Equal("5", kv.Data["x"]);
        Assert.Equal(5UL, h.State.AppliedIndex);
        Assert.False(h.State.Recovered.IsCompleted);

        h.Apply(Set(4, "x", "old"), Set(5, "x", "old"), Set(6, "y", "6", term: 2));
        await h.Settle();
        Assert.False(h.State.Recovered.IsCompleted);
        h.Apply(Set(7, "z", "7", term: 2), Set(8, "w", "8", term: 2));

        await h.State.Recovered.WaitAsync(Deadline);
        Assert.Equal("5", Text(await h.Query("get x").WaitAsync(Deadline)));
        // Counted from the journal's snapshot, with its membership.
        var taken = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(new SnapshotMetadata(8, 2, TwoVoters), taken.Metadata);
    }

    [Fact]
    public async Task Recovered_completes_at_once_when_the_snapshot_reaches_the_target()
    {
        await using var h = new ServiceHarness();
        await SaveJournalSnapshot(h, new SnapshotMetadata(5, 1, TwoVoters), "x", "5");

        h.Start([new KvService()], recoveryTarget: 5);

        await h.State.Recovered.WaitAsync(Deadline);
        Assert.Equal(5UL, h.State.AppliedIndex);
    }

    [Fact]
    public async Task Recovered_completes_at_once_on_an_empty_journal()
    {
        await using var h = new ServiceHarness();

        h.Start([new KvService()]);

        await h.State.Recovered.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_corrupted_journal_snapshot_stops_the_actor_and_faults_Recovered()
    {
        await using var h = new ServiceHarness();
        ((RaftActors.Persistence.IJournal)h.Journal).SaveSnapshot(new SnapshotMetadata(5, 1, TwoVoters), new MemoryStream("not a snapshot at all"u8.ToArray()));

        var actor = h.Start([new KvService()], recoveryTarget: 5);

        var stop = await Assert.ThrowsAsync<ActorFailStopException>(() => h.System.WhenStopped(actor).WaitAsync(Deadline));
        Assert.Contains("journal", stop.Message, StringComparison.Ordinal);
        Assert.Contains("bad magic", stop.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ActorFailStopException>(() => h.State.Recovered.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_corrupted_snapshot_from_the_leader_stops_the_actor_with_a_clear_error_and_is_deleted()
    {
        await using var h = new ServiceHarness();
        var actor = h.Start([new KvService()]);
        Directory.CreateDirectory(h.StagingDirectory);
        var path = Path.Combine(h.StagingDirectory, "from-leader.snap");
        await File.WriteAllBytesAsync(path, [.. "RASVSNAP"u8, 1, 200, 0, 0, 0]);

        actor.Tell(new RestoreServiceSnapshot(new SnapshotMetadata(9, 1, TwoVoters), path));

        var stop = await Assert.ThrowsAsync<ActorFailStopException>(() => h.System.WhenStopped(actor).WaitAsync(Deadline));
        Assert.Contains("from the leader at index 9", stop.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", stop.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_failing_snapshot_is_skipped_and_applying_goes_on()
    {
        await using var h = new ServiceHarness();
        var kv = new KvService { FailSnapshots = true };
        h.Start([kv], snapshotEvery: 2);
        var (id, reply) = h.Waiter();

        h.Apply(Set(1, "a", "1"), Set(2, "a", "2"), Set(3, "a", "3", id));

        Assert.Equal("3:a=3", Text(await reply.WaitAsync(Deadline)));
        await h.Raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        Assert.Empty(Directory.Exists(h.StagingDirectory) ? Directory.GetFiles(h.StagingDirectory) : []);
    }

    [Fact]
    public async Task A_snapshot_older_than_what_is_applied_is_ignored_and_deleted()
    {
        await using var h = new ServiceHarness();
        var kv = new KvService();
        var actor = h.Start([kv]);
        h.Apply(Set(1, "a", "1"), Set(2, "a", "2"));
        Directory.CreateDirectory(h.StagingDirectory);
        var path = Path.Combine(h.StagingDirectory, "old.snap");
        await File.WriteAllBytesAsync(path, [1, 2, 3]);

        actor.Tell(new RestoreServiceSnapshot(new SnapshotMetadata(2, 1, TwoVoters), path));
        await h.Settle();

        Assert.False(File.Exists(path));
        Assert.Equal("2", kv.Data["a"]);
        Assert.False(h.System.WhenStopped(actor).IsCompleted);
    }

    private static async Task SaveJournalSnapshot(ServiceHarness h, SnapshotMetadata meta, string key, string value)
    {
        var state = new KvService();
        state.Apply(new ApplyContext(1, 1), System.Text.Encoding.UTF8.GetBytes($"set {key} {value}"));
        using var payload = new MemoryStream();
        await ServiceSnapshotFormat.WriteAsync(payload, meta.Index, meta.Term, new SessionTable(10), [state], CancellationToken.None);
        payload.Position = 0;
        h.Journal.Save(RaftActors.Persistence.JournalBatch.Empty.WithSnapshot(meta, payload));
    }
}
