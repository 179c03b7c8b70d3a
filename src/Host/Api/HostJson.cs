using System.Text.Json.Serialization;
using RaftActors.Host.Node;
using RaftActors.Host.Services;

namespace RaftActors.Host.Api;

/// <summary>Every type the host (de)serialises, source-generated: no reflection at run time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(KvRequest))]
[JsonSerializable(typeof(KvRecord))]
[JsonSerializable(typeof(MembersCommand))]
[JsonSerializable(typeof(MembersResult))]
[JsonSerializable(typeof(MembersState))]
[JsonSerializable(typeof(MembersInit))]
[JsonSerializable(typeof(NodeStateFile))]
[JsonSerializable(typeof(SetBody))]
[JsonSerializable(typeof(NodeIdBody))]
[JsonSerializable(typeof(AddNodeBody))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinResponse))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(Envelope<KvRecord>))]
[JsonSerializable(typeof(Envelope<ServiceJson>))]
[JsonSerializable(typeof(Envelope<Dictionary<string, string>>))]
[JsonSerializable(typeof(Envelope<StatusView>))]
[JsonSerializable(typeof(Envelope<JoinResponse>))]
[JsonSerializable(typeof(Envelope<JoinCodeView>))]
[JsonSerializable(typeof(Envelope<MemberChangeView>))]
[JsonSerializable(typeof(Envelope<LeaveView>))]
[JsonSerializable(typeof(Envelope<ErrorData>))]
internal sealed partial class HostJson : JsonSerializerContext;
