namespace RaftActors.Core;

internal sealed partial class Raft
{
    private ulong _checkedTerm;
    private ulong _checkedVote;
    private ulong _leaderLastIndexFloor;

    /// <summary>
    /// Checked after every step when <see cref="RaftConfig.CheckInvariants"/> is on: the log cursors are
    /// ordered, a vote once cast in a term never changes, a term never decreases, and a leader's log never
    /// shrinks while it leads.
    /// </summary>
    private void CheckInvariants()
    {
        var snapshotIndex = Log.FirstIndex() - 1;
        var last = Log.LastIndex();
        if (!(Log.Applied <= Log.Committed && Log.Committed <= last))
        {
            Fail($"cursors out of order: applied={Log.Applied} committed={Log.Committed} last={last}");
        }
        if (snapshotIndex > last) Fail($"snapshot index {snapshotIndex} is beyond the last index {last}");
        if (Term < _checkedTerm) Fail($"term went backwards from {_checkedTerm} to {Term}");
        if (Term == _checkedTerm && _checkedVote != 0 && Vote != _checkedVote)
        {
            Fail($"vote changed within term {Term} from {_checkedVote} to {Vote}");
        }
        if (Role == StateRole.Leader)
        {
            if (Term == _checkedTerm && last < _leaderLastIndexFloor) Fail($"leader log shrank from {_leaderLastIndexFloor} to {last}");
            _leaderLastIndexFloor = last;
        }
        else
        {
            _leaderLastIndexFloor = 0;
        }
        _checkedTerm = Term;
        _checkedVote = Vote;
    }

    private void Fail(string what) => throw new RaftInvariantException($"node {Id}: invariant violated: {what}");
}
