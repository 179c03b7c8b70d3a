namespace RaftActors.Actors;

/// <summary>Instance lifecycle and failure handling: build, restart, resume, stop, escalate, fail-stop.</summary>
internal sealed partial class ActorCell
{
    private readonly RestartStatistics _restarts;

    // Why the actor stopped when nobody asked it to; WhenStopped faults with it.
    private Exception? _failure;

    private object? _currentMessage;

    /// <summary>
    /// Builds an instance from the props and runs PreStart (first start) or PostRestart (restart). A
    /// failure goes to the supervisor as an <see cref="ActorInitializationException"/>; if it says
    /// restart, this tries again with a fresh instance, until the restart limit stops it.
    /// </summary>
    private bool StartInstance(Exception? restartReason)
    {
        while (true)
        {
            try
            {
                var actor = Build();
                _actor = actor;
                if (restartReason is null)
                {
                    actor.InvokePreStart();
                }
                else
                {
                    actor.InvokePostRestart(restartReason);
                }

                return true;
            }
#pragma warning disable CA1031 // Any exception from user code goes to the supervisor.
            catch (Exception failure)
#pragma warning restore CA1031
            {
                _actor = null;
                _timers.CancelAll();
                var cause = failure is ActorFailStopException
                    ? failure
                    : new ActorInitializationException($"{Path}: creating the actor failed: {failure.Message}", failure);
                var directive = Decide(cause, message: null);
                if (directive is not (Directive.Restart or Directive.Resume))
                {
                    StopWithFailure(cause, directive);
                    return false;
                }

                restartReason = cause;
            }
        }
    }

    private ActorBase Build()
    {
        var previous = t_constructing;
        t_constructing = this;
        try
        {
            var actor = _props.Factory();
            if (actor is null || !ReferenceEquals(actor.Cell, this))
            {
                throw new InvalidOperationException("The Props factory must return a new actor instance on every call.");
            }

            return actor;
        }
        finally
        {
            t_constructing = previous;
        }
    }

    /// <summary>Applies the supervisor's decision about a failed handler; false means the loop must end.</summary>
    private bool OnFailure(Exception cause, object? message)
    {
        var directive = Decide(cause, message);
        switch (directive)
        {
            case Directive.Resume:
                return true;
            case Directive.Restart:
                if (_actor is { } failed)
                {
                    _actor = null;
                    RunHook(() => failed.InvokePreRestart(cause, message), Directive.Restart);
                }

                _timers.CancelAll();
                return StartInstance(cause);
            default:
                StopWithFailure(cause, directive);
                return false;
        }
    }

    /// <summary>
    /// Asks the strategy what to do and reports the failure with the answer. A fail-stop never reaches
    /// the decider; a restart beyond the limit becomes a stop.
    /// </summary>
    private Directive Decide(Exception cause, object? message)
    {
        Directive directive;
        if (cause is ActorFailStopException)
        {
            directive = Directive.Stop;
        }
        else
        {
            try
            {
                directive = _props.SupervisorStrategy.Decider(cause);
            }
#pragma warning disable CA1031 // A broken decider must not take the loop down; the actor stops instead.
            catch (Exception deciderFailure)
#pragma warning restore CA1031
            {
                System.EventStream.Publish(new ActorFailed(Self, deciderFailure, message, Directive.Stop));
                directive = Directive.Stop;
            }

            if (directive == Directive.Restart && !_restarts.RequestRestartPermission())
            {
                directive = Directive.Stop;
            }
        }

        System.EventStream.Publish(new ActorFailed(Self, cause, message, directive));
        return directive;
    }

    private void StopWithFailure(Exception cause, Directive directive)
    {
        _failure = cause;
        RequestStop();
        if (directive == Directive.Escalate)
        {
            System.Escalate(cause);
        }
    }

    /// <summary>Runs a lifecycle hook; its failure is reported but does not stop the stop or restart under way.</summary>
    private void RunHook(Action hook, Directive during)
    {
        try
        {
            hook();
        }
#pragma warning disable CA1031 // Reported on the event stream; a failing hook must not leave the actor half-stopped.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            System.EventStream.Publish(new ActorFailed(Self, failure, null, during));
        }
    }
}
