using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using RaftActors.Persistence.Plugin;

namespace RaftActors.Persistence.CrashWriter;

/// <summary>
/// The "akka" mode: one persistent actor (persistence id "crash-writer") persists the strings "event-1", "event-2", ...
/// one at a time through the journal configured in a HOCON file, and prints "ack N" after the journal acknowledged
/// event N, until it has written the requested count (0 = until killed). The crash test kills it and recovers;
/// scripts/check-fsync.sh runs it under strace to see an fsync before every "ack".
/// </summary>
internal static class AkkaEventWriter
{
    public const string PersistenceId = "crash-writer";

    public static int Run(string hoconFile, long count)
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(hoconFile))
            .WithFallback(RaftSqlitePersistence.DefaultConfiguration())
            .WithFallback(SqlPersistence.DefaultConfiguration);
        using var system = ActorSystem.Create("crash-writer", config);
        var done = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new Writer(count, done)), "writer");
        var failure = done.Task.GetAwaiter().GetResult();
        system.Terminate().Wait();
        if (failure is null) return 0;
        Console.Error.WriteLine(failure);
        return 1;
    }

    private sealed class Writer : ReceivePersistentActor
    {
        private readonly long _count;
        private readonly TaskCompletionSource<Exception?> _done;

        public Writer(long count, TaskCompletionSource<Exception?> done)
        {
            _count = count;
            _done = done;
            Recover<RecoveryCompleted>(_ => Self.Tell(Next.Instance));
            Command<Next>(_ =>
            {
                if (_count > 0 && LastSequenceNr >= _count)
                {
                    _done.TrySetResult(null);
                    return;
                }
                Persist("event-" + (LastSequenceNr + 1).ToString(CultureInfo.InvariantCulture), _ =>
                {
                    Console.Out.WriteLine("ack " + LastSequenceNr.ToString(CultureInfo.InvariantCulture));
                    Console.Out.Flush();
                    Self.Tell(Next.Instance);
                });
            });
        }

        public override string PersistenceId => AkkaEventWriter.PersistenceId;

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _done.TrySetResult(cause);
            base.OnPersistFailure(cause, @event, sequenceNr);
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
        {
            _done.TrySetResult(cause);
            base.OnPersistRejected(cause, @event, sequenceNr);
        }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            _done.TrySetResult(reason);
            base.OnRecoveryFailure(reason, message);
        }

        private sealed class Next
        {
            public static readonly Next Instance = new();
        }
    }
}
