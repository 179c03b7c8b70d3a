using System.Text;
using Akka.Actor;
using RaftActors.Actors.Runtime;
using RaftActors.Messages;
using Xunit.Abstractions;

namespace RaftActors.Actors.Tests.Runtime;

/// <summary>
/// Snapshots: taken every N entries (or when the RaftActor asks), restored from the leader's or from the stored
/// one the RaftActor recovered, and recovery. A payload file the ServiceActor is handed (RecoverServices,
/// RestoreServiceSnapshot) is the node's stored snapshot, owned by the RaftActor: the ServiceActor reads it and
/// leaves it where it is.
/// </summary>
public sealed class ServiceActorSnapshotTests(ITestOutputHelper output) : ServiceActorTestKit(output)
{
    private static readonly ConfState TwoVoters = new([1, 2]);

    [Fact]
    public async Task A_snapshot_is_taken_every_N_entries_with_its_index_term_and_membership()
    {
        var h = Start([new KvService()], snapshotEvery: 3);

        h.Apply(new CommittedEntry(Set(1, "a", "1"), null),
            new CommittedEntry(new Entry(1, 2, EntryType.ConfChange, [1]), TwoVoters),
            new CommittedEntry(Set(3, "b", "1", term: 2), null),
            new CommittedEntry(Set(4, "c", "1", term: 2), null));
        var first = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(new SnapshotMetadata(3, 2, TwoVoters), first.Metadata);
        Assert.True(File.Exists(first.PayloadPath));
        Assert.StartsWith(h.StagingDirectory, first.PayloadPath, StringComparison.Ordinal);
        // Written off the actor's loop: the next one falls due once this one is handed over.
        h.Apply(NoOp(5, term: 3), Set(6, "d", "1", term: 3), Set(7, "e", "1", term: 3));

        var second = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(new SnapshotMetadata(6, 3, TwoVoters), second.Metadata);
        await h.Settle();
        await h.Raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_snapshot_records_the_addresses_the_applied_membership_entries_gave_its_members()
    {
        var h = Start([new KvService()]);
        static CommittedEntry Member(ulong index, ConfChange change, ConfState after) =>
            new(new Entry(1, index, EntryType.ConfChange, RaftCodec.Encode(change)), after);
        h.Apply(Member(1, ConfChange.AddVoter(1, new MembershipContext(0, 0, "h:1").Encode()), new ConfState([1])),
            Member(2, ConfChange.AddVoter(2, new MembershipContext(0, 0, "h:2").Encode()), new ConfState([1, 2])),
            Member(3, ConfChange.AddLearner(3, new MembershipContext(0, 0, "h:3").Encode()), new ConfState([1, 2], [3])),
            Member(4, ConfChange.Remove(1), new ConfState([2], [3])));

        h.Actor.Tell(TakeSnapshotNow.Instance);
        var taken = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();

        var addresses = ServiceSnapshotFormat.ReadAddresses(taken.PayloadPath, taken.Metadata);
        Assert.Equal(new Dictionary<ulong, string> { [2] = "h:2", [3] = "h:3" }, addresses!.ToDictionary());
    }

    [Fact]
    public async Task TakeSnapshotNow_writes_a_snapshot_only_when_something_was_applied_since_the_last()
    {
        var h = Start([new KvService()]);
        h.Apply(Set(1, "a", "1"), Set(2, "b", "2"));

        h.Actor.Tell(TakeSnapshotNow.Instance);
        var taken = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(2UL, taken.Metadata.Index);

        // Nothing new since: the stored snapshot is as recent as one taken now would be.
        h.Actor.Tell(TakeSnapshotNow.Instance);
        await h.Settle();
        await h.Raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));

        h.Apply(Set(3, "c", "3"));
        h.Actor.Tell(TakeSnapshotNow.Instance);
        Assert.Equal(3UL, (await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>()).Metadata.Index);
    }

    [Fact]
    public async Task A_snapshot_file_restores_a_fresh_ServiceActor_to_the_same_state_and_sessions()
    {
        var original = new KvService();
        var source = Start([original], snapshotEvery: 4);
        source.Apply(Set(1, "a", "1", client: 9, sequence: 1), Set(2, "b", "2", client: 9, sequence: 2),
            Set(3, "c", "3", client: 5, sequence: 7), Set(4, "a", "4"));
        var taken = await source.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();

        var copy = new KvService();
        var target = Start([copy]);
        var waiting = target.Query("get a", atIndex: 4);
        target.Actor.Tell(new RestoreServiceSnapshot(taken.Metadata, taken.PayloadPath));

        Assert.Equal("4", Text(await waiting.WaitAsync(Deadline)));
        Assert.Equal(original.Data, copy.Data);
        Assert.Equal(4UL, target.State.AppliedIndex);
        Assert.True(File.Exists(taken.PayloadPath), "the RaftActor's stored snapshot must stay");

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
        var meta = new SnapshotMetadata(5, 2, TwoVoters);
        var path = await WriteSnapshotFile(meta, "x", "5");
        var kv = new KvService();

        var h = Start([kv], recoveryTarget: 7, snapshotEvery: 3, snapshot: meta, snapshotPath: path);
        await h.Settle();

        Assert.Equal("5", kv.Data["x"]);
        Assert.Equal(5UL, h.State.AppliedIndex);
        Assert.False(h.State.Recovered.IsCompleted);
        Assert.True(File.Exists(path), "the RaftActor's stored snapshot must stay");

        h.Apply(Set(4, "x", "old"), Set(5, "x", "old"), Set(6, "y", "6", term: 2));
        await h.Settle();
        Assert.False(h.State.Recovered.IsCompleted);
        h.Apply(Set(7, "z", "7", term: 2), Set(8, "w", "8", term: 2));

        await h.State.Recovered.WaitAsync(Deadline);
        Assert.Equal("5", Text(await h.Query("get x").WaitAsync(Deadline)));
        // Counted from the stored snapshot, with its membership.
        var taken = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(new SnapshotMetadata(8, 2, TwoVoters), taken.Metadata);
    }

    [Fact]
    public async Task Recovered_completes_at_once_when_the_snapshot_reaches_the_target()
    {
        var meta = new SnapshotMetadata(5, 1, TwoVoters);
        var path = await WriteSnapshotFile(meta, "x", "5");

        var h = Start([new KvService()], recoveryTarget: 5, snapshot: meta, snapshotPath: path);

        await h.State.Recovered.WaitAsync(Deadline);
        Assert.Equal(5UL, h.State.AppliedIndex);
    }

    [Fact]
    public async Task Recovered_completes_at_once_on_an_empty_journal()
    {
        var h = Start([new KvService()]);

        await h.State.Recovered.WaitAsync(Deadline);
        Assert.Equal(0UL, h.State.AppliedIndex);
    }

    [Fact]
    public async Task Nothing_is_applied_before_RecoverServices_and_what_came_before_it_is_handled_after_in_order()
    {
        var kv = new KvService();
        var h = Start([kv], recover: false);
        var (id, reply) = h.Waiter();
        var read = h.Query("get x");
        h.Apply(Set(1, "x", "1"), Set(2, "x", "2", id));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Assert.False(read.IsCompleted);
        Assert.Equal(0, kv.AppliedCount);
        Assert.False(h.State.Recovered.IsCompleted);

        // The RaftActor recovered its journal: the stash is replayed behind the (empty) snapshot.
        h.Recover(recoveryTarget: 2);

        Assert.Equal("", Text(await read.WaitAsync(Deadline)));
        Assert.Equal("2:x=2", Text(await reply.WaitAsync(Deadline)));
        await h.State.Recovered.WaitAsync(Deadline);
        Assert.Equal(2, kv.AppliedCount);
    }

    [Fact]
    public async Task Snapshots_are_taken_and_restored_when_the_service_hooks_complete_asynchronously()
    {
        var source = Start([new KvService { AsyncSnapshots = true }], snapshotEvery: 2);
        source.Apply(Set(1, "a", "1"), Set(2, "b", "2"));
        var taken = await source.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(2UL, taken.Metadata.Index);

        var copy = new KvService { AsyncSnapshots = true };
        var target = Start([copy], recoveryTarget: 3, snapshot: taken.Metadata, snapshotPath: taken.PayloadPath);
        var (id, reply) = target.Waiter();
        target.Apply(Set(3, "c", "3", id));

        // Recovery switched the actor to serving, and it goes on applying after the restore.
        Assert.Equal("3:c=3", Text(await reply.WaitAsync(Deadline)));
        await target.State.Recovered.WaitAsync(Deadline);
        Assert.Equal("1", Text(await target.Query("get a").WaitAsync(Deadline)));
        Assert.Empty(source.Failures);
        Assert.Empty(target.Failures);
    }

    [Fact]
    public async Task A_corrupted_journal_snapshot_stops_the_actor_and_faults_Recovered()
    {
        var meta = new SnapshotMetadata(5, 1, TwoVoters);
        var path = TempFile("corrupt.bin");
        await File.WriteAllBytesAsync(path, "not a snapshot at all"u8.ToArray());

        var h = Start([new KvService()], recoveryTarget: 5, snapshot: meta, snapshotPath: path);

        var stop = await ExpectFailStopAsync(h);
        Assert.Contains("restoring the stored snapshot", stop.Message, StringComparison.Ordinal);
        Assert.Contains("bad magic", stop.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ActorFailStopException>(() => h.State.Recovered.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_corrupted_snapshot_from_the_leader_stops_the_actor_with_a_clear_error()
    {
        var h = Start([new KvService()]);
        var (id, reply) = h.Waiter();
        Directory.CreateDirectory(h.StagingDirectory);
        var path = Path.Combine(h.StagingDirectory, "from-leader.snap");
        await File.WriteAllBytesAsync(path, [.. "RASVSNAP"u8, 1, 200, 0, 0, 0]);

        h.Actor.Tell(new RestoreServiceSnapshot(new SnapshotMetadata(9, 1, TwoVoters), path));

        var stop = await ExpectFailStopAsync(h);
        Assert.Contains("from the leader at index 9", stop.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", stop.Message, StringComparison.Ordinal);
        // The services may be half restored: nothing waiting on them is left hanging.
        Assert.Equal(RaftErrorCode.Stopped, (await Assert.ThrowsAsync<RaftNodeException>(() => reply.WaitAsync(Deadline))).Code);
        Assert.True(File.Exists(path), "the file is the RaftActor's stored snapshot: kept to be examined");
    }

    [Fact]
    public async Task A_failing_snapshot_is_skipped_and_applying_goes_on()
    {
        var kv = new KvService { FailSnapshots = true };
        var h = Start([kv], snapshotEvery: 2);
        var (id, reply) = h.Waiter();

        h.Apply(Set(1, "a", "1"), Set(2, "a", "2"), Set(3, "a", "3", id));

        Assert.Equal("3:a=3", Text(await reply.WaitAsync(Deadline)));
        await h.Raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        Assert.Empty(Directory.Exists(h.StagingDirectory) ? Directory.GetFiles(h.StagingDirectory) : []);
    }

    [Fact]
    public async Task A_snapshot_older_than_what_is_applied_is_ignored()
    {
        var kv = new KvService();
        var h = Start([kv]);
        h.Apply(Set(1, "a", "1"), Set(2, "a", "2"));
        Directory.CreateDirectory(h.StagingDirectory);
        var path = Path.Combine(h.StagingDirectory, "old.snap");
        await File.WriteAllBytesAsync(path, [1, 2, 3]);

        // Not even opened: those bytes are no snapshot, and reading them would stop the actor.
        h.Actor.Tell(new RestoreServiceSnapshot(new SnapshotMetadata(2, 1, TwoVoters), path));
        await h.Settle();

        Assert.Equal("2", kv.Data["a"]);
        Assert.Equal(2UL, h.State.AppliedIndex);
        Assert.Empty(h.Failures);
        Assert.True(File.Exists(path));
    }

    /// <summary>A service snapshot at <paramref name="meta"/> holding one key, as the RaftActor keeps it in the snapshots folder.</summary>
    private async Task<string> WriteSnapshotFile(SnapshotMetadata meta, string key, string value)
    {
        var state = new KvService();
        state.Apply(new ApplyContext(1, 1), Encoding.UTF8.GetBytes($"set {key} {value}"));
        var path = TempFile($"stored-{meta.Index}.bin");
        await using (var file = File.Create(path))
        {
            await ServiceSnapshotFormat.WriteAsync(file, meta.Index, meta.Term, new SessionTable(10), [state], CancellationToken.None);
        }
        return path;
    }
}

/// <summary>Snapshots are captured between two entries and written off the ServiceActor's loop.</summary>
public sealed class ServiceActorSnapshotCaptureTests(ITestOutputHelper output) : ServiceActorTestKit(output)
{
    [Fact]
    public async Task A_snapshot_holds_the_state_at_its_capture_while_later_entries_are_applied_during_its_write()
    {
        var gated = new GatedCounterService();
        var h = Start([gated], snapshotEvery: 3);
        h.Apply(Command(1, "+", ns: "count"), Command(2, "+", ns: "count"), Command(3, "+", ns: "count"));
        await gated.WriterStarted.WaitAsync(Deadline);

        // The write is held up: applying goes on, and reads see the entries applied after the capture.
        h.Apply(Command(4, "+", ns: "count"), Command(5, "+", ns: "count"));
        Assert.Equal("5", Text(await h.Query("", atIndex: 5, ns: "count").WaitAsync(Deadline)));
        await h.Raft.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        gated.ReleaseWriter();
        var taken = await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>();
        Assert.Equal(3UL, taken.Metadata.Index);
        var bytes = await File.ReadAllBytesAsync(taken.PayloadPath);
        Assert.Equal(bytes.Length, taken.Length);
        Assert.Equal(Crc32C.Compute(bytes), taken.Crc);

        var copy = new GatedCounterService();
        var target = Start([copy]);
        target.Actor.Tell(new RestoreServiceSnapshot(taken.Metadata, taken.PayloadPath));
        Assert.Equal("3", Text(await target.Query("", atIndex: 3, ns: "count").WaitAsync(Deadline)));
    }

    [Fact]
    public async Task A_snapshot_due_while_another_is_written_is_taken_once_that_one_is_done_at_the_index_applied_by_then()
    {
        var gated = new GatedCounterService();
        var h = Start([gated], snapshotEvery: 2);
        h.Apply(Command(1, "+", ns: "count"), Command(2, "+", ns: "count"));
        await gated.WriterStarted.WaitAsync(Deadline);
        h.Apply(Command(3, "+", ns: "count"), Command(4, "+", ns: "count"), Command(5, "+", ns: "count"));
        await h.Query("", atIndex: 5, ns: "count").WaitAsync(Deadline);

        gated.ReleaseWriter();
        Assert.Equal(2UL, (await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>()).Metadata.Index);
        Assert.Equal(5UL, (await h.Raft.ExpectMsgAsync<ServiceSnapshotTaken>()).Metadata.Index);
    }

    /// <summary>Counts commands; its snapshot writer waits for <see cref="ReleaseWriter"/> (a disk that is stuck).</summary>
    private sealed class GatedCounterService : IService
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _count;

        public string Namespace => "count";

        public Task WriterStarted => _started.Task;

        public void ReleaseWriter() => _release.TrySetResult();

        public ValueTask<byte[]> PrepareAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) => ValueTask.FromResult(request.ToArray());

        public byte[] Apply(in ApplyContext context, ReadOnlySpan<byte> command) => BitConverter.GetBytes(++_count);

        public byte[] Query(ReadOnlySpan<byte> query) => Encoding.UTF8.GetBytes(_count.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public byte[] GetInit() => [];

        public ValueTask<SnapshotWriter> CaptureSnapshotAsync(CancellationToken cancellationToken)
        {
            var captured = _count;
            return ValueTask.FromResult<SnapshotWriter>(async (destination, ct) =>
            {
                _started.TrySetResult();
                await _release.Task.WaitAsync(ct);
                await destination.WriteAsync(BitConverter.GetBytes(captured), ct);
            });
        }

        public ValueTask WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken) =>
            destination.WriteAsync(BitConverter.GetBytes(_count), cancellationToken);

        public async ValueTask RestoreSnapshotAsync(Stream source, CancellationToken cancellationToken)
        {
            var bytes = new byte[8];
            await source.ReadExactlyAsync(bytes, cancellationToken);
            _count = BitConverter.ToInt64(bytes);
        }
    }
}
