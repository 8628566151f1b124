using Akka.Actor;
using Akka.Event;

namespace PartLy.Actors;

/// <summary>
/// One scheduling rule over one time-batched stream on actors: a source, the rule's <see cref="SchedulerActor"/>
/// and a <see cref="ScheduledPartitionerActor"/> with its partition actors. It replies to the requester with every
/// batch's timing, or with the reason it failed (a malformed trace, or a failing actor: nothing restarts into a run).
/// </summary>
public sealed class ScheduleRunActor : ReceiveActor
{
    private readonly ScheduleRunSpec _spec;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _requester = ActorRefs.Nobody;

    public ScheduleRunActor(ScheduleRunSpec spec)
    {
        _spec = spec;
        Receive<RunSchedule>(_ =>
        {
            _requester = Sender;
            var source = Context.ActorOf(StreamSourceActor.Props(spec.Feed, long.MaxValue), "source");
            var scheduler = Context.ActorOf(SchedulerActor.Props(spec.Scheduler), "scheduler");
            Context.ActorOf(ScheduledPartitionerActor.Props(spec, source, scheduler, Self), "agent");
            Become(Running);
        });
    }

    public static Props Props(ScheduleRunSpec spec) => Akka.Actor.Props.Create(() => new ScheduleRunActor(spec));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        Self.Tell(new ScheduleFailed(e is ActorInitializationException { InnerException: { } inner } ? inner.Message : e.Message));
        return Directive.Stop;
    });

    private void Running()
    {
        Receive<ScheduleCompleted>(Reply);
        Receive<ScheduleFailed>(failed =>
        {
            _log.Error("Scheduling run {Rule} failed: {Reason}", _spec.Scheduler.Rule, failed.Reason);
            Reply(failed);
        });
    }

    private void Reply(object reply)
    {
        _requester.Tell(reply);
        foreach (var child in Context.GetChildren()) Context.Stop(child);
        Become(() => ReceiveAny(_ => { }));
    }
}
