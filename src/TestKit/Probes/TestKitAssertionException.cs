namespace RaftActors.TestKit;

/// <summary>An expectation of a probe did not hold; the message says what was expected and what happened.</summary>
public sealed class TestKitAssertionException : Exception
{
    public TestKitAssertionException(string message)
        : base(message)
    {
    }
}
