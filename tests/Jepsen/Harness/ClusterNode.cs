using System.Globalization;

namespace RaftActors.Jepsen.Harness;

/// <summary>
/// One node of the run as the harness knows it: its id (never reused), its ports, its data folder, its process
/// and (when partitions run) its OS user, with a client for the workload and one for the harness's probing.
/// </summary>
internal sealed class ClusterNode(int id, int httpPort, int peerPort, string dataDir, NodeUser? user, NodeProcess process) : IDisposable
{
    public int Id { get; } = id;
    public int HttpPort { get; } = httpPort;
    public int PeerPort { get; } = peerPort;
    public string DataDir { get; } = dataDir;
    public NodeUser? User { get; } = user;
    public NodeProcess Process { get; } = process;
    public string Name { get; } = $"n{id.ToString(CultureInfo.InvariantCulture)}";
    public string Peer => $"127.0.0.1:{PeerPort.ToString(CultureInfo.InvariantCulture)}";
    public string Url => $"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The SQLite journal the node's Raft log lives in (see NodeStateFile.JournalDir in the host).</summary>
    public string JournalFile => Path.Combine(DataDir, "raft", "journal.db");

    /// <summary>The client the workload uses (the client timeout of the run).</summary>
    public NodeClient Client { get; } = new(httpPort, JepsenCluster.ClientTimeout);

    /// <summary>A client with a short timeout for the harness's own probing.</summary>
    public NodeClient Control { get; } = new(httpPort, TimeSpan.FromSeconds(2));

    public void Dispose()
    {
        Process.Dispose();
        Client.Dispose();
        Control.Dispose();
    }
}
