using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using Direction = Akka.Remote.Transport.ThrottleTransportAdapter.Direction;

namespace RaftActors.Actors.Tests.Scenarios;

/// <summary>
/// Faults on the real Akka.Remote links between the nodes of a <see cref="ScenarioCluster"/>, made the way Akka's
/// own TestConductor makes them: with the throttler transport adapter (<c>trttl</c>) every scenario system loads.
/// A cut link is black-holed on both of its ends, each system throttling its view of the other. The associations
/// stay up (the transport failure detector allows a 124 s pause by default), so a heal lets frames through at
/// once. A node that starts again gets the cuts that touch it re-applied.
/// </summary>
internal sealed class ScenarioNetwork(Func<ulong, int> portOf)
{
    /// <summary>The HOCON that loads the throttler; peer addresses become <c>akka.trttl.tcp://raft@host:port</c>.</summary>
    public const string AdaptersConfig = "akka.remote.dot-netty.tcp.applied-adapters = [trttl]";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private readonly Lock _gate = new();

    /// <summary>One view changes at a time, so a stale command never lands after a newer one.</summary>
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly Dictionary<ulong, ExtendedActorSystem> _systems = [];

    /// <summary>Directed links the test cut: frames (from, to) are dropped until a heal.</summary>
    private readonly HashSet<(ulong From, ulong To)> _blocked = [];

    /// <summary>Directed links down for the current loss period.</summary>
    private HashSet<(ulong From, ulong To)> _lossy = [];
    private CancellationTokenSource? _lossStop;
    private Task _lossLoop = Task.CompletedTask;

    /// <summary>Whether frames from <paramref name="from"/> to <paramref name="to"/> are cut (by the test, not by loss).</summary>
    public bool IsCut(ulong from, ulong to)
    {
        lock (_gate) return _blocked.Contains((from, to));
    }

    /// <summary>
    /// A node's system started: re-applies the cuts that touch it (its own table starts empty), then associates
    /// it with every peer it may reach, so a later cut never catches a handshake half done (a black-holed
    /// handshake stalls its link for Akka.Remote's 15 s handshake timeout).
    /// </summary>
    public async Task AttachAsync(ulong id, ExtendedActorSystem system)
    {
        ulong[] peers;
        lock (_gate)
        {
            _systems[id] = system;
            peers = [.. _systems.Keys.Where(p => p != id)];
        }
        foreach (var peer in peers) await ApplyLinkAsync(id, peer);
        foreach (var peer in peers) await ApplyLinkAsync(peer, id);
        await Task.WhenAll(peers.Where(p => !IsCut(id, p) && !IsCut(p, id)).Select(p => ConnectAsync(id, p)));
    }

    /// <summary>A node's system stopped: nothing more is applied to it; its cuts stay recorded for its restart.</summary>
    public void Detach(ulong id)
    {
        lock (_gate) _systems.Remove(id);
    }

    /// <summary>Cuts the link between <paramref name="a"/> and <paramref name="b"/> in both directions.</summary>
    public Task CutAsync(ulong a, ulong b) => BlockAsync([(a, b), (b, a)]);

    /// <summary>Drops what <paramref name="from"/> sends to <paramref name="to"/>; the other direction keeps working.</summary>
    public Task CutOneWayAsync(ulong from, ulong to) => BlockAsync([(from, to)]);

    /// <summary>Cuts every link between <paramref name="id"/> and the nodes running now.</summary>
    public Task IsolateAsync(ulong id) => BlockAsync(Others(id).SelectMany(p => new[] { (id, p), (p, id) }));

    /// <summary>Cuts every link between a node of <paramref name="side"/> and a node of <paramref name="other"/>.</summary>
    public Task PartitionAsync(IReadOnlyCollection<ulong> side, IReadOnlyCollection<ulong> other) =>
        BlockAsync(side.SelectMany(a => other.SelectMany(b => new[] { (a, b), (b, a) })));

    /// <summary>Restores every link the test cut (loss, if started, goes on).</summary>
    public async Task HealAsync()
    {
        (ulong From, ulong To)[] healed;
        lock (_gate)
        {
            healed = [.. _blocked];
            _blocked.Clear();
        }
        await ApplyAsync(healed);
    }

    /// <summary>
    /// Starts losing frames: every <paramref name="period"/>, each directed link between running nodes is down
    /// for that period with probability <paramref name="rate"/>, drawn from <paramref name="seed"/>. Bursts of
    /// loss rather than single frames (the throttler drops whole links), which is what Raft's retries meet on a
    /// real network anyway.
    /// </summary>
    public void StartLoss(double rate, int seed, TimeSpan period)
    {
        if (_lossStop is not null) throw new InvalidOperationException("loss is already on");
        _lossStop = new CancellationTokenSource();
        var token = _lossStop.Token;
        var random = new Random(seed);
        _lossLoop = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                await SwapLossyAsync(nodes =>
                    [.. nodes.SelectMany(a => nodes.Where(b => b != a).Select(b => (a, b))).Where(_ => random.NextDouble() < rate)]);
                try
                {
                    await Task.Delay(period, token);
                }
                catch (OperationCanceledException)
                {
                    // Stopped.
                }
            }
        });
    }

    /// <summary>Stops losing frames and opens what loss had closed.</summary>
    public async Task StopLossAsync()
    {
        if (_lossStop is null) return;
        await _lossStop.CancelAsync();
        await _lossLoop;
        _lossStop.Dispose();
        _lossStop = null;
        await SwapLossyAsync(_ => []);
    }

    private async Task SwapLossyAsync(Func<ulong[], HashSet<(ulong From, ulong To)>> next)
    {
        HashSet<(ulong From, ulong To)> before, after;
        lock (_gate)
        {
            before = _lossy;
            after = next([.. _systems.Keys.Order()]);
            _lossy = after;
        }
        var changed = new HashSet<(ulong From, ulong To)>(before);
        changed.SymmetricExceptWith(after);
        await ApplyAsync(changed);
    }

    private ulong[] Others(ulong except)
    {
        lock (_gate) return [.. _systems.Keys.Where(p => p != except)];
    }

    private async Task BlockAsync(IEnumerable<(ulong From, ulong To)> links)
    {
        var list = links.ToArray();
        lock (_gate)
        {
            foreach (var link in list) _blocked.Add(link);
        }
        await ApplyAsync(list);
    }

    /// <summary>Brings both ends of each link in line with what is recorded.</summary>
    private async Task ApplyAsync(IEnumerable<(ulong From, ulong To)> links)
    {
        foreach (var (from, to) in links)
        {
            await ApplyLinkAsync(from, to);
            await ApplyLinkAsync(to, from);
        }
    }

    /// <summary>Sets <paramref name="self"/>'s view of <paramref name="peer"/> to what is recorded (cuts and loss).</summary>
    private async Task ApplyLinkAsync(ulong self, ulong peer)
    {
        await _applying.WaitAsync();
        try
        {
            await ApplyLinkLockedAsync(self, peer);
        }
        finally
        {
            _applying.Release();
        }
    }

    private async Task ApplyLinkLockedAsync(ulong self, ulong peer)
    {
        ExtendedActorSystem? system;
        bool send, receive;
        lock (_gate)
        {
            if (!_systems.TryGetValue(self, out system)) return;
            send = _blocked.Contains((self, peer)) || _lossy.Contains((self, peer));
            receive = _blocked.Contains((peer, self)) || _lossy.Contains((peer, self));
        }
        var address = system.Provider.DefaultAddress.WithPort(portOf(peer));
        // The throttler keeps one mode per address for the links it opens later: open what must be open first,
        // then close what must be closed, so the mode it keeps is the closing one.
        (Direction, ThrottleMode)[] commands = (send, receive) switch
        {
            (true, true) => [(Direction.Both, Blackhole.Instance)],
            (true, false) => [(Direction.Receive, Unthrottled.Instance), (Direction.Send, Blackhole.Instance)],
            (false, true) => [(Direction.Send, Unthrottled.Instance), (Direction.Receive, Blackhole.Instance)],
            (false, false) => [(Direction.Both, Unthrottled.Instance)],
        };
        foreach (var (direction, mode) in commands)
        {
            var command = new SetThrottle(address, direction, mode);
            if (!await ((IRemoteActorRefProvider)system.Provider).Transport.ManagementCommand(command))
            {
                throw new InvalidOperationException($"node {self}'s transport refused {command}");
            }
        }
    }

    /// <summary>Exchanges an Identify with the peer's inbox until it answers: the link is associated.</summary>
    private async Task ConnectAsync(ulong self, ulong peer)
    {
        ExtendedActorSystem system;
        lock (_gate) system = _systems[self];
        var inbox = system.ActorSelection($"{system.Provider.DefaultAddress.WithPort(portOf(peer))}/user/raft-{peer}/inbox");
        var deadline = DateTime.UtcNow + ConnectTimeout;
        while (true)
        {
            try
            {
                await inbox.Ask<ActorIdentity>(new Identify($"connect-{self}-{peer}"), TimeSpan.FromMilliseconds(500));
                return;
            }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Not associated yet (or gated after a failed attempt): ask again.
            }
        }
    }
}
