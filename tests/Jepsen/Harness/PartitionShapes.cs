namespace RaftActors.Jepsen.Harness;

/// <summary>Partition shapes as the links to cut between positions 0..n-1 (the nemesis maps positions to a seeded order of the members).</summary>
internal static class PartitionShapes
{
    /// <summary>
    /// Majorities-ring: the positions in a ring, each cut from every position farther than d places along it, d the
    /// smallest distance at which a node and its 2d neighbours are a majority. Each node sees a majority, and no two
    /// see the same one (for 5 nodes: each sees its two neighbours and not the two across the ring).
    /// </summary>
    public static IReadOnlyList<(int A, int B)> MajoritiesRing(int n)
    {
        var reach = Reach(n);
        var cuts = new List<(int, int)>();
        for (var a = 0; a < n; a++)
        {
            for (var b = a + 1; b < n; b++)
            {
                if (Math.Min(b - a, n - (b - a)) > reach) cuts.Add((a, b));
            }
        }
        return cuts;
    }

    /// <summary>How many places along the ring a node still reaches: the smallest d with 2d + 1 at least a majority.</summary>
    public static int Reach(int n) => (n / 2 + 1) / 2;
}
