namespace RaftActors.Jepsen.Checker;

/// <summary>The set of linearized operations, and immutable snapshots of it paired with a register value for the memo.</summary>
internal sealed class Bitset(int size)
{
    private readonly ulong[] _words = new ulong[(size + 63) / 64];

    public void Set(int bit) => _words[bit >> 6] |= 1UL << (bit & 63);

    public void Clear(int bit) => _words[bit >> 6] &= ~(1UL << (bit & 63));

    public Snapshot Take(int state) => new((ulong[])_words.Clone(), state);

    public readonly struct Snapshot : IEquatable<Snapshot>
    {
        private readonly ulong[] _words;
        private readonly int _state;
        private readonly int _hash;

        public Snapshot(ulong[] words, int state)
        {
            _words = words;
            _state = state;
            var hash = new HashCode();
            hash.Add(state);
            foreach (var word in words) hash.Add(word);
            _hash = hash.ToHashCode();
        }

        public bool Equals(Snapshot other) => _hash == other._hash && _state == other._state && _words.AsSpan().SequenceEqual(other._words);

        public override bool Equals(object? obj) => obj is Snapshot other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
