using System.Globalization;

namespace RaftActors.Persistence.CrashWriter;

/// <summary>
/// A child process for the crash tests and scripts/check-fsync.sh: "akka &lt;hocon file&gt; [count]" runs
/// <see cref="AkkaEventWriter"/>, which persists events through the journal the HOCON file selects until it is killed
/// (or has written the count).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["akka", var hocon, ..] && args.Length <= 3)
            return AkkaEventWriter.Run(hocon, args.Length == 3 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 0);
        Console.Error.WriteLine("usage: CrashWriter akka <hocon file> [event count]");
        return 2;
    }
}
