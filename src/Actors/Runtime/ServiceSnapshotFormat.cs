using Akka.Actor;
using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>What a service snapshot restored: where it stands in the log, and the client sessions as of there.</summary>
internal sealed record RestoredServiceSnapshot(ulong Index, ulong Term, SessionTable Sessions);

/// <summary>
/// The file a ServiceActor snapshot is written to, stored in the journal as the snapshot payload and
/// sent to lagging followers:
/// <code>
/// "RASVSNAP" (8 bytes)  version (1 byte, = 1)
/// header section:   index, term, namespace count, namespaces (sorted, ordinal), session table
/// one section per service, in the header's namespace order: its WriteSnapshotAsync output
/// </code>
/// Every section is a run of chunks <c>uint32 length, uint32 crc32c, bytes</c> ended by a zero
/// length (see <see cref="ServiceSnapshotChunkWriter"/>), so a service's state streams through in
/// bounded memory, its size unknown up front, and every byte is checked before a service sees it.
/// Varints and strings in the header are the wire codec's (<see cref="WireWriter"/>). The header
/// names every service before any is restored, so a snapshot that does not match the node's services
/// is refused before anything changes.
/// </summary>
internal static class ServiceSnapshotFormat
{
    public const byte Version = 1;

    /// <summary>The size of the chunks written.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>The largest chunk a reader accepts; a larger declared length means corruption.</summary>
    public const int MaxChunkSize = 1024 * 1024;

    private const int PrologueLength = 9;

    private static ReadOnlySpan<byte> Magic => "RASVSNAP"u8;

    /// <summary>Writes the snapshot of <paramref name="services"/> and <paramref name="sessions"/> as of (<paramref name="index"/>, <paramref name="term"/>).</summary>
    public static async Task WriteAsync(Stream output, ulong index, ulong term, SessionTable sessions,
        IEnumerable<IService> services, CancellationToken cancellationToken)
    {
        var sorted = services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ToArray();
        var header = EncodeHeader(index, term, sorted.Select(s => s.Namespace), sessions);
        await WriteAsync(output, header, [.. sorted.Select(s => (SnapshotWriter)s.WriteSnapshotAsync)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The header section's content: the position, the namespaces (in <paramref name="sortedNamespaces"/>' order,
    /// which must be ordinal) and the session table as of now.
    /// </summary>
    public static ReadOnlyMemory<byte> EncodeHeader(ulong index, ulong term, IEnumerable<string> sortedNamespaces, SessionTable sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var namespaces = sortedNamespaces.ToArray();
        var header = new ArrayBufferWriter<byte>();
        var w = new WireWriter(header);
        w.VarUInt(index);
        w.VarUInt(term);
        w.VarUInt((ulong)namespaces.Length);
        foreach (var ns in namespaces) w.String(ns);
        sessions.Write(header);
        return header.WrittenMemory;
    }

    /// <summary>Writes a snapshot from its encoded header and one writer per service, in the header's namespace order.</summary>
    public static async Task WriteAsync(Stream output, ReadOnlyMemory<byte> header, IReadOnlyList<SnapshotWriter> sections,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(sections);
        var prologue = new byte[PrologueLength];
        Magic.CopyTo(prologue);
        prologue[^1] = Version;
        await output.WriteAsync(prologue, cancellationToken).ConfigureAwait(false);

        var section = new ServiceSnapshotChunkWriter(output);
        await section.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await section.CompleteAsync(cancellationToken).ConfigureAwait(false);

        foreach (var write in sections)
        {
            section = new ServiceSnapshotChunkWriter(output);
            await write(section, cancellationToken).ConfigureAwait(false);
            await section.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Restores every service in <paramref name="services"/> from the snapshot in <paramref name="input"/>
    /// and returns its position and session table. <paramref name="source"/> names the snapshot in errors.
    /// With <paramref name="expected"/>, the snapshot must stand at that index and term.
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot is not one, is truncated or corrupted, stands
    /// elsewhere than expected, or does not hold exactly the given services. Nothing is restored when the
    /// header is at fault; a fault inside a service's section leaves the services partly restored.</exception>
    public static async Task<RestoredServiceSnapshot> RestoreAsync(Stream input, string source,
        IReadOnlyDictionary<string, IService> services, int maxSessions, SnapshotMetadata? expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(services);
        var prologue = new byte[PrologueLength];
        var read = await input.ReadAtLeastAsync(prologue, prologue.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        CheckPrologue(prologue.AsSpan(0, read), source);

        var section = new ServiceSnapshotChunkReader(input, source, read);
        byte[] headerBytes;
        using (var copy = new MemoryStream())
        {
            await section.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            headerBytes = copy.ToArray();
        }
        var header = DecodeHeader(headerBytes, source, maxSessions);
        CheckHeader(header, services, expected, source);

        foreach (var ns in header.Namespaces)
        {
            section = new ServiceSnapshotChunkReader(input, source, section.Offset);
            await services[ns].RestoreSnapshotAsync(section, cancellationToken).ConfigureAwait(false);
            await section.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        var extra = await input.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false);
        if (extra > 0) throw Invalid(source, $"unexpected bytes after the last section, at offset {section.Offset}");
        return new RestoredServiceSnapshot(header.Index, header.Term, header.Sessions);
    }

    private static void CheckPrologue(ReadOnlySpan<byte> prologue, string source)
    {
        var magicPart = prologue[..Math.Min(prologue.Length, Magic.Length)];
        if (!magicPart.SequenceEqual(Magic[..magicPart.Length])) throw Invalid(source, "bad magic: this is not a service snapshot");
        if (prologue.Length < PrologueLength) throw Invalid(source, $"the snapshot is truncated at offset {prologue.Length}");
        if (prologue[^1] != Version) throw Invalid(source, $"unsupported format version {prologue[^1]} (this node reads version {Version})");
    }

    private static Header DecodeHeader(byte[] bytes, string source, int maxSessions)
    {
        try
        {
            var r = new WireReader(bytes);
            var index = r.VarUInt();
            var term = r.VarUInt();
            var count = r.Count(1, "namespace");
            var namespaces = new string[count];
            for (var i = 0; i < count; i++) namespaces[i] = r.String(CommandEnvelope.MaxNamespaceBytes);
            var sessions = SessionTable.Read(ref r, maxSessions);
            r.End("service snapshot header");
            return new Header(index, term, namespaces, sessions);
        }
        catch (CodecException ex)
        {
            throw Invalid(source, $"the header is malformed: {ex.Message}", ex);
        }
    }

    private static void CheckHeader(Header header, IReadOnlyDictionary<string, IService> services, SnapshotMetadata? expected, string source)
    {
        if (expected is not null && (header.Index != expected.Index || header.Term != expected.Term))
        {
            throw Invalid(source, $"it stands at index {header.Index} term {header.Term}, not at index {expected.Index} term {expected.Term} as its metadata says");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in header.Namespaces)
        {
            if (!seen.Add(ns)) throw Invalid(source, $"namespace '{ns}' appears twice");
            if (!services.ContainsKey(ns)) throw Invalid(source, $"unknown namespace '{ns}': no service of this node has it");
        }
        foreach (var ns in services.Keys)
        {
            // Leaving a service out of a restore would keep its newer or older state: the node would diverge.
            if (!seen.Contains(ns)) throw Invalid(source, $"it holds no state for the service '{ns}'");
        }
    }

    private static InvalidDataException Invalid(string source, string reason, Exception? inner = null) =>
        new($"service snapshot {source}: {reason}", inner);

    private sealed record Header(ulong Index, ulong Term, string[] Namespaces, SessionTable Sessions);
}
