using System.Text.Json.Serialization;

namespace RaftActors.Host.Api;

/// <summary>
/// The request bodies clients send, read strictly: a property given twice is refused (which of two keys would
/// be meant is a guess), unknown properties are skipped as before, nesting deeper than 64 is refused.
/// </summary>
[JsonSourceGenerationOptions(AllowDuplicateProperties = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip, MaxDepth = 64)]
[JsonSerializable(typeof(SetBody))]
[JsonSerializable(typeof(NodeIdBody))]
[JsonSerializable(typeof(AddNodeBody))]
[JsonSerializable(typeof(JoinRequest))]
internal sealed partial class RequestJson : JsonSerializerContext;
