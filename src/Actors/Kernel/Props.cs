namespace RaftActors.Actors;

/// <summary>
/// The recipe for an actor: how to build an instance and how to supervise it. The factory is called
/// again on every restart, so everything an instance needs must come from the factory's captured
/// arguments and from durable state, never from the failed instance.
/// </summary>
public sealed class Props
{
    private Props(Func<ActorBase> factory, OneForOneStrategy strategy)
    {
        Factory = factory;
        SupervisorStrategy = strategy;
    }

    internal Func<ActorBase> Factory { get; }

    public OneForOneStrategy SupervisorStrategy { get; }

    /// <summary>Props for actors built by <paramref name="factory"/>, e.g. <c>Props.Create(() => new Counter(journal))</c>.</summary>
    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, OneForOneStrategy.Default);
    }

    /// <summary>Props for actors with a public parameterless constructor.</summary>
    public static Props Create<TActor>()
        where TActor : ActorBase, new() => Create(static () => new TActor());

    /// <summary>A copy supervised by <paramref name="strategy"/> instead of <see cref="OneForOneStrategy.Default"/>.</summary>
    public Props WithSupervisorStrategy(OneForOneStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(Factory, strategy);
    }
}
