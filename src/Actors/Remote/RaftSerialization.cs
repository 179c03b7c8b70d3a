// Placeholder until the serializer work lands.
using Akka.Configuration;

namespace RaftActors.Actors.Remote;

internal static class RaftSerialization
{
    public static Config Configuration => ConfigurationFactory.Empty;
}
