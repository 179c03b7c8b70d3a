using Akka.Actor;
using System.Buffers;
using RaftActors.Messages;

namespace RaftActors.Actors.Runtime;

/// <summary>
/// What a service snapshot restored: where it stands in the log, the client sessions and the members' addresses as of
/// there (<paramref name="Addresses"/> is null for a version 1 snapshot, which did not record them).
/// </summary>
internal sealed record RestoredServiceSnapshot(ulong Index, ulong Term, SessionTable Sessions, IReadOnlyDictionary<ulong, string>? Addresses);

/// <summary>
/// The file a ServiceActor snapshot is written to, stored in the journal as the snapshot payload and
/// sent to lagging followers:
/// <code>
/// "RASVSNAP" (8 bytes)  version (1 byte, = 2; version 1 is still read)
/// header section:   index, term, namespace count, namespaces (sorted, ordinal),
///                   address count, (node id, address) sorted by id (version 2 only), session table
/// one section per service, in the header's namespace order: its WriteSnapshotAsync output
/// </code>
/// Every section is a run of chunks <c>uint32 length, uint32 crc32c, bytes</c> ended by a zero
/// length (see <see cref="ServiceSnapshotChunkWriter"/>), so a service's state streams through in
/// bounded memory, its size unknown up front, and every byte is checked before a service sees it.
/// Varints and strings in the header are the wire codec's (<see cref="WireWriter"/>). The header
/// names every service before any is restored, so a snapshot that does not match the node's services
/// is refused before anything changes.
/// <para>
/// The address book is the replicated membership's: every member's address as of the snapshot's index, as the
/// membership entries up to there gave it (<see cref="MemberAddresses"/>). A node caught up by this snapshot never
/// sees those entries, so the snapshot must carry it; the receiving RaftActor reads it with <see cref="ReadAddresses"/>
/// before the core installs the snapshot. It lives here, in the runtime's payload, and not in the Raft snapshot
/// metadata, for the reason etcd keeps its member list in its own store: addresses are the runtime's state, and
/// the core only ever sees member ids.
/// </para>
/// </summary>
internal static class ServiceSnapshotFormat
{
    public const byte Version = 2;

    /// <summary>The first version, without the address book: still read, so a node keeps its stored snapshot across an upgrade.</summary>
    public const byte VersionWithoutAddresses = 1;

    /// <summary>The size of the chunks written.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>The largest chunk a reader accepts; a larger declared length means corruption.</summary>
    public const int MaxChunkSize = 1024 * 1024;

    private const int PrologueLength = 9;

    private static ReadOnlySpan<byte> Magic => "RASVSNAP"u8;

    /// <summary>Writes the snapshot of <paramref name="services"/> and <paramref name="sessions"/> as of (<paramref name="index"/>, <paramref name="term"/>).</summary>
    public static Task WriteAsync(Stream output, ulong index, ulong term, SessionTable sessions,
        IEnumerable<IService> services, CancellationToken cancellationToken) =>
        WriteAsync(output, index, term, sessions, new Dictionary<ulong, string>(), services, cancellationToken);

    /// <summary>Writes the snapshot of <paramref name="services"/>, <paramref name="sessions"/> and the members' <paramref name="addresses"/> as of (<paramref name="index"/>, <paramref name="term"/>).</summary>
    public static async Task WriteAsync(Stream output, ulong index, ulong term, SessionTable sessions,
        IReadOnlyDictionary<ulong, string> addresses, IEnumerable<IService> services, CancellationToken cancellationToken)
    {
        var sorted = services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ToArray();
        var header = EncodeHeader(index, term, sorted.Select(s => s.Namespace), addresses, sessions);
        await WriteAsync(output, header, [.. sorted.Select(s => (SnapshotWriter)s.WriteSnapshotAsync)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The header section's content: the position, the namespaces (in <paramref name="sortedNamespaces"/>' order,
    /// which must be ordinal), the members' addresses and the session table as of now.
    /// </summary>
    /// <exception cref="ArgumentException">An address book naming node 0, or an address empty or longer than <see cref="MembershipContext.MaxAddressBytes"/>.</exception>
    public static ReadOnlyMemory<byte> EncodeHeader(ulong index, ulong term, IEnumerable<string> sortedNamespaces,
        IReadOnlyDictionary<ulong, string> addresses, SessionTable sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(addresses);
        var namespaces = sortedNamespaces.ToArray();
        var header = new ArrayBufferWriter<byte>();
        var w = new WireWriter(header);
        w.VarUInt(index);
        w.VarUInt(term);
        w.VarUInt((ulong)namespaces.Length);
        foreach (var ns in namespaces) w.String(ns);
        w.VarUInt((ulong)addresses.Count);
        // Sorted, so one address book has one encoding, and a reader can refuse a duplicate by order alone.
        foreach (var (id, address) in addresses.OrderBy(a => a.Key))
        {
            if (id == 0) throw new ArgumentException("node id 0 is not a node", nameof(addresses));
            var length = System.Text.Encoding.UTF8.GetByteCount(address);
            if (length == 0 || length > MembershipContext.MaxAddressBytes)
            {
                throw new ArgumentException($"the address of node {id} must be 1 to {MembershipContext.MaxAddressBytes} bytes", nameof(addresses));
            }
            w.VarUInt(id);
            w.String(address);
        }
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
        var version = CheckPrologue(prologue.AsSpan(0, read), source);

        var section = new ServiceSnapshotChunkReader(input, source, read);
        byte[] headerBytes;
        using (var copy = new MemoryStream())
        {
            await section.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            headerBytes = copy.ToArray();
        }
        var header = DecodeHeader(headerBytes, version, source, maxSessions);
        CheckHeader(header, services, expected, source);

        foreach (var ns in header.Namespaces)
        {
            section = new ServiceSnapshotChunkReader(input, source, section.Offset);
            await services[ns].RestoreSnapshotAsync(section, cancellationToken).ConfigureAwait(false);
            await section.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        var extra = await input.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false);
        if (extra > 0) throw Invalid(source, $"unexpected bytes after the last section, at offset {section.Offset}");
        return new RestoredServiceSnapshot(header.Index, header.Term, header.Sessions, header.Addresses);
    }

    /// <summary>
    /// Reads the members' addresses from the header of the snapshot file at <paramref name="path"/>, which must stand
    /// where <paramref name="expected"/> says; null for a version 1 snapshot (it holds none). The services' sections
    /// are not read (the ServiceActor checks them as it restores), nor is the session table decoded.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a service snapshot, truncated or corrupted header, a malformed address book, or a position other than expected.</exception>
    public static IReadOnlyDictionary<ulong, string>? ReadAddresses(string path, SnapshotMetadata expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, ChunkSize);
        return ReadAddresses(input, $"'{path}'", expected);
    }

    /// <inheritdoc cref="ReadAddresses(string, SnapshotMetadata)"/>
    public static IReadOnlyDictionary<ulong, string>? ReadAddresses(Stream input, string source, SnapshotMetadata expected)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(expected);
        var prologue = new byte[PrologueLength];
        var read = input.ReadAtLeast(prologue, prologue.Length, throwOnEndOfStream: false);
        var version = CheckPrologue(prologue.AsSpan(0, read), source);
        byte[] headerBytes;
        using (var copy = new MemoryStream())
        {
            new ServiceSnapshotChunkReader(input, source, read).CopyTo(copy);
            headerBytes = copy.ToArray();
        }
        try
        {
            var r = new WireReader(headerBytes);
            var (index, term, _, addresses) = ReadPosition(ref r, version);
            CheckPosition(index, term, expected, source);
            return addresses;
        }
        catch (CodecException ex)
        {
            throw Invalid(source, $"the header is malformed: {ex.Message}", ex);
        }
    }

    private static byte CheckPrologue(ReadOnlySpan<byte> prologue, string source)
    {
        var magicPart = prologue[..Math.Min(prologue.Length, Magic.Length)];
        if (!magicPart.SequenceEqual(Magic[..magicPart.Length])) throw Invalid(source, "bad magic: this is not a service snapshot");
        if (prologue.Length < PrologueLength) throw Invalid(source, $"the snapshot is truncated at offset {prologue.Length}");
        var version = prologue[^1];
        if (version is not (Version or VersionWithoutAddresses))
        {
            throw Invalid(source, $"unsupported format version {version} (this node reads versions {VersionWithoutAddresses} and {Version})");
        }
        return version;
    }

    private static Header DecodeHeader(byte[] bytes, byte version, string source, int maxSessions)
    {
        try
        {
            var r = new WireReader(bytes);
            var (index, term, namespaces, addresses) = ReadPosition(ref r, version);
            var sessions = SessionTable.Read(ref r, maxSessions);
            r.End("service snapshot header");
            return new Header(index, term, namespaces, addresses, sessions);
        }
        catch (CodecException ex)
        {
            throw Invalid(source, $"the header is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>The header up to the session table: position, namespaces and (from version 2) the address book.</summary>
    private static (ulong Index, ulong Term, string[] Namespaces, IReadOnlyDictionary<ulong, string>? Addresses) ReadPosition(
        ref WireReader r, byte version)
    {
        var index = r.VarUInt();
        var term = r.VarUInt();
        var count = r.Count(1, "namespace");
        var namespaces = new string[count];
        for (var i = 0; i < count; i++) namespaces[i] = r.String(CommandEnvelope.MaxNamespaceBytes);
        return (index, term, namespaces, version == VersionWithoutAddresses ? null : ReadAddressBook(ref r));
    }

    private static SortedDictionary<ulong, string> ReadAddressBook(ref WireReader r)
    {
        // The smallest row: a one-byte id and a one-byte address with its one-byte length.
        var count = r.Count(3, "address");
        var addresses = new SortedDictionary<ulong, string>();
        ulong previous = 0;
        for (var i = 0; i < count; i++)
        {
            var id = r.VarUInt();
            if (id == 0) throw new CodecException("the address book names node id 0");
            if (id <= previous) throw new CodecException($"the address book names node {id} out of order or twice");
            var address = r.String(MembershipContext.MaxAddressBytes);
            if (address.Length == 0) throw new CodecException($"the address book gives node {id} an empty address");
            addresses[id] = address;
            previous = id;
        }
        return addresses;
    }

    private static void CheckHeader(Header header, IReadOnlyDictionary<string, IService> services, SnapshotMetadata? expected, string source)
    {
        if (expected is not null) CheckPosition(header.Index, header.Term, expected, source);
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

    private static void CheckPosition(ulong index, ulong term, SnapshotMetadata expected, string source)
    {
        if (index != expected.Index || term != expected.Term)
        {
            throw Invalid(source, $"it stands at index {index} term {term}, not at index {expected.Index} term {expected.Term} as its metadata says");
        }
    }

    private static InvalidDataException Invalid(string source, string reason, Exception? inner = null) =>
        new($"service snapshot {source}: {reason}", inner);

    private sealed record Header(ulong Index, ulong Term, string[] Namespaces, IReadOnlyDictionary<ulong, string>? Addresses, SessionTable Sessions);
}
