using System.Buffers;

namespace RaftActors.Messages;

/// <summary>
/// The one binary codec for the wire and the journal. Every top-level value starts with
/// <see cref="FormatVersion"/> and a tag naming what follows, so bytes of one kind are never
/// mistaken for another. Integers are LEB128 varints; byte strings are length-prefixed.
/// Decoding untrusted input returns a value or throws <see cref="CodecException"/>, nothing else.
/// </summary>
public static partial class RaftCodec
{
    /// <summary>Bumped whenever the encoding changes; decoders refuse versions they do not know.</summary>
    public const byte FormatVersion = 1;

    private enum Tag : byte
    {
        Message = 1,
        Entry = 2,
        HardState = 3,
        ConfState = 4,
        ConfChange = 5,
        SnapshotMetadata = 6,
        Snapshot = 7,
    }

    // The smallest an entry can be on the wire: term, index, type, data length.
    private const int MinEntrySize = 4;

    public static byte[] Encode(RaftMessage message) => ToArray(message, static (w, m) => WriteMessage(w, m), Tag.Message);
    public static void Encode(RaftMessage message, IBufferWriter<byte> output) => Write(output, Tag.Message, message, static (w, m) => WriteMessage(w, m));
    public static RaftMessage DecodeMessage(ReadOnlySpan<byte> input) => Read(input, Tag.Message, static (ref WireReader r) => ReadMessage(ref r));

    public static byte[] Encode(Entry entry) => ToArray(entry, static (w, e) => WriteEntry(w, e), Tag.Entry);
    public static void Encode(Entry entry, IBufferWriter<byte> output) => Write(output, Tag.Entry, entry, static (w, e) => WriteEntry(w, e));
    public static Entry DecodeEntry(ReadOnlySpan<byte> input) => Read(input, Tag.Entry, static (ref WireReader r) => ReadEntry(ref r));

    public static byte[] Encode(HardState state) => ToArray(state, static (w, s) => WriteHardState(w, s), Tag.HardState);
    public static HardState DecodeHardState(ReadOnlySpan<byte> input) => Read(input, Tag.HardState, static (ref WireReader r) => ReadHardState(ref r));

    public static byte[] Encode(ConfState state) => ToArray(state, static (w, s) => WriteConfState(w, s), Tag.ConfState);
    public static ConfState DecodeConfState(ReadOnlySpan<byte> input) => Read(input, Tag.ConfState, static (ref WireReader r) => ReadConfState(ref r));

    public static byte[] Encode(ConfChange change) => ToArray(change, static (w, c) => WriteConfChange(w, c), Tag.ConfChange);
    public static ConfChange DecodeConfChange(ReadOnlySpan<byte> input) => Read(input, Tag.ConfChange, static (ref WireReader r) => ReadConfChange(ref r));

    public static byte[] Encode(SnapshotMetadata metadata) => ToArray(metadata, static (w, m) => WriteSnapshotMetadata(w, m), Tag.SnapshotMetadata);
    public static SnapshotMetadata DecodeSnapshotMetadata(ReadOnlySpan<byte> input) => Read(input, Tag.SnapshotMetadata, static (ref WireReader r) => ReadSnapshotMetadata(ref r));

    public static byte[] Encode(Snapshot snapshot) => ToArray(snapshot, static (w, s) => WriteSnapshot(w, s), Tag.Snapshot);
    public static Snapshot DecodeSnapshot(ReadOnlySpan<byte> input) => Read(input, Tag.Snapshot, static (ref WireReader r) => ReadSnapshot(ref r));

    private delegate T ReadBody<T>(ref WireReader reader);

    private static byte[] ToArray<T>(T value, Action<WireWriter, T> body, Tag tag)
    {
        var buffer = EncodeBuffers.Rent();
        Write(buffer, tag, value, body);
        return EncodeBuffers.ToArrayAndReturn(buffer);
    }

    private static void Write<T>(IBufferWriter<byte> output, Tag tag, T value, Action<WireWriter, T> body)
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = new WireWriter(output);
        writer.Byte(FormatVersion);
        writer.Byte((byte)tag);
        body(writer, value);
    }

    // Literal names: Enum.ToString boxed the tag and built a string for every decode, though only an error uses it.
    private static string TagName(Tag tag) => tag switch
    {
        Tag.Message => nameof(Tag.Message),
        Tag.Entry => nameof(Tag.Entry),
        Tag.HardState => nameof(Tag.HardState),
        Tag.ConfState => nameof(Tag.ConfState),
        Tag.ConfChange => nameof(Tag.ConfChange),
        Tag.SnapshotMetadata => nameof(Tag.SnapshotMetadata),
        Tag.Snapshot => nameof(Tag.Snapshot),
        _ => "value",
    };

    private static T Read<T>(ReadOnlySpan<byte> input, Tag tag, ReadBody<T> body)
    {
        var reader = new WireReader(input);
        var version = reader.Byte();
        if (version != FormatVersion) throw new CodecException($"unknown format version {version} (this build reads version {FormatVersion})");
        var actual = reader.Byte();
        if (actual != (byte)tag) throw new CodecException($"expected a {tag} but the input holds tag {actual}");
        var value = body(ref reader);
        reader.End(TagName(tag));
        return value;
    }
}
