using RaftActors.Messages;

namespace RaftActors.Messages.Tests;

/// <summary>
/// Feeds the decoder random and mutated bytes. The contract: a value or a <see cref="CodecException"/>,
/// never another exception, and never a hang. Seeds are fixed so a failure reproduces; the seed is in the message.
/// </summary>
public sealed class CodecFuzzTests
{
    private static readonly Func<byte[], object>[] Decoders =
    [
        b => RaftCodec.DecodeMessage(b), b => RaftCodec.DecodeEntry(b), b => RaftCodec.DecodeHardState(b),
        b => RaftCodec.DecodeConfState(b), b => RaftCodec.DecodeConfChange(b), b => RaftCodec.DecodeSnapshot(b),
        b => RaftCodec.DecodeSnapshotMetadata(b),
    ];

    [Fact]
    public void Random_bytes_decode_or_throw_codec_exception()
    {
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 1 && random.Next(2) == 0) bytes[0] = RaftCodec.FormatVersion;
            if (bytes.Length > 2) bytes[1] = (byte)random.Next(1, 8);
            DecodeAll(bytes, seed);
        }
    }

    [Fact]
    public void Mutated_valid_messages_decode_or_throw_codec_exception()
    {
        var valid = RaftCodec.Encode(CodecRoundTripTests.SampleMessage());
        for (var seed = 0; seed < 5000; seed++)
        {
            var random = new Random(seed);
            var bytes = (byte[])valid.Clone();
            var flips = random.Next(1, 4);
            for (var i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) bytes = bytes[..random.Next(bytes.Length)];
            DecodeAll(bytes, seed);
        }
    }

    [Fact]
    public void Every_truncation_of_a_valid_message_is_refused()
    {
        var valid = RaftCodec.Encode(CodecRoundTripTests.SampleMessage());
        for (var length = 0; length < valid.Length; length++)
        {
            Assert.Throws<CodecException>(() => RaftCodec.DecodeMessage(valid.AsSpan(0, length)));
        }
    }

    private static void DecodeAll(byte[] bytes, int seed)
    {
        foreach (var decode in Decoders)
        {
            try
            {
                decode(bytes);
            }
            catch (CodecException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}: decoder threw {ex.GetType().Name}: {ex.Message} for {Convert.ToHexString(bytes)}");
            }
        }
    }
}
