using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using Microsoft.Data.Sqlite;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace RaftActors.Persistence.Plugin;

/// <summary>
/// An Akka.Persistence snapshot store in one SQLite file, with the journal's guarantees (see
/// <see cref="SqliteStoreFile"/> and <see cref="StoreWorker"/>): a save is acknowledged after its fsync, and every
/// row carries a CRC-32C over all its fields. A load that meets a damaged snapshot fails naming the file and the
/// record rather than falling back to an older one: the events that older snapshot needs may have been deleted,
/// and recovering from it would yield a wrong state.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor releases what it holds in PostStop, which Akka runs when it stops.")]
public sealed class SqliteSnapshotStore : SnapshotStore
{
    private readonly SqlitePluginSettings _settings;
    private readonly ExtendedActorSystem _system;
    private SqliteStoreFile? _file;
    private StoreWorker? _worker;

    public SqliteSnapshotStore(Config config)
    {
        _settings = SqlitePluginSettings.Create(config, RaftSqlitePersistence.SnapshotStorePluginId);
        _system = (ExtendedActorSystem)Context.System;
    }

    private StoreWorker Worker => _worker ?? throw new InvalidOperationException("the snapshot store has not started");

    protected override void PreStart()
    {
        base.PreStart();
        _file = SqliteStoreFile.Open(_settings.Path, SnapshotRecords.Schema, _settings.Check);
        _worker = new StoreWorker(_file, "raft-sqlite-snapshots");
    }

    protected override void PostStop()
    {
        _worker?.Dispose();
        _file?.Dispose();
        base.PostStop();
    }

    protected override async Task<SelectedSnapshot> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var row = await Worker.Enqueue(session =>
        {
            var cmd = Matching(session, SnapshotRecords.SelectLatest, persistenceId, criteria);
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? ReadRow(reader, session.File.Path) : null;
        }, cancellationToken).ConfigureAwait(false);
        if (row is null) return null!;
        var metadata = new SnapshotMetadata(row.PersistenceId, row.SequenceNr, new DateTime(row.Timestamp, DateTimeKind.Utc));
        return new SelectedSnapshot(metadata, Deserialize(row));
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var serializer = _system.Serialization.FindSerializerFor(snapshot);
        var manifest = AkkaSerialization.ManifestFor(serializer, snapshot) ?? "";
        var bytes = AkkaSerialization.WithTransport(_system, (serializer, snapshot), static s => s.serializer.ToBinary(s.snapshot));
        var row = new SnapshotRow(metadata.PersistenceId, metadata.SequenceNr, metadata.Timestamp.ToUniversalTime().Ticks,
            serializer.Identifier, manifest, bytes);
        return Worker.Enqueue(session =>
        {
            var cmd = session.Command(SnapshotRecords.Upsert);
            cmd.Parameters.Clear();
            cmd.Parameters.AddWithValue("$pid", row.PersistenceId);
            cmd.Parameters.AddWithValue("$seq", row.SequenceNr);
            cmd.Parameters.AddWithValue("$timestamp", row.Timestamp);
            cmd.Parameters.AddWithValue("$serializer_id", row.SerializerId);
            cmd.Parameters.AddWithValue("$manifest", row.Manifest);
            cmd.Parameters.AddWithValue("$payload", row.Payload);
            cmd.Parameters.AddWithValue("$crc", row.Crc);
            return cmd.ExecuteNonQuery();
        }, cancellationToken);
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) =>
        Worker.Enqueue(session =>
        {
            var cmd = session.Command(SnapshotRecords.DeleteOne);
            cmd.Parameters.Clear();
            cmd.Parameters.AddWithValue("$pid", metadata.PersistenceId);
            cmd.Parameters.AddWithValue("$seq", metadata.SequenceNr);
            return cmd.ExecuteNonQuery();
        }, cancellationToken);

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        Worker.Enqueue(session => Matching(session, SnapshotRecords.DeleteMatching, persistenceId, criteria).ExecuteNonQuery(), cancellationToken);

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not GetStoreCounts) return false;
        var (commits, jobs) = Worker.Counts;
        Sender.Tell(new StoreCounts(commits, jobs));
        return true;
    }

    private static SqliteCommand Matching(StoreSession session, string sql, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        var cmd = session.Command(sql);
        cmd.Parameters.Clear();
        cmd.Parameters.AddWithValue("$pid", persistenceId);
        cmd.Parameters.AddWithValue("$min_seq", criteria.MinSequenceNr);
        cmd.Parameters.AddWithValue("$max_seq", criteria.MaxSequenceNr);
        cmd.Parameters.AddWithValue("$min_ts", (criteria.MinTimestamp ?? DateTime.MinValue).Ticks);
        cmd.Parameters.AddWithValue("$max_ts", criteria.MaxTimeStamp.Ticks);
        return cmd;
    }

    private static SnapshotRow ReadRow(SqliteDataReader reader, string path)
    {
        var row = new SnapshotRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetString(4),
            reader.GetFieldValue<byte[]>(5));
        if (reader.GetInt64(6) != row.Crc)
            throw new SqliteStoreCorruptedException(path, SnapshotRecords.SnapshotName(row.PersistenceId, row.SequenceNr), "checksum mismatch");
        return row;
    }

    private object Deserialize(SnapshotRow row)
    {
        try
        {
            return _system.Serialization.Deserialize(row.Payload, row.SerializerId, row.Manifest);
        }
#pragma warning disable CA1031 // Whatever the serializer throws, the load must fail naming the record.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new SqliteStoreException(_settings.Path,
                $"{SnapshotRecords.SnapshotName(row.PersistenceId, row.SequenceNr)} in {_settings.Path} cannot be deserialized " +
                $"(serializer {row.SerializerId}, manifest '{row.Manifest}'): {ex.Message}", ex);
        }
    }
}
