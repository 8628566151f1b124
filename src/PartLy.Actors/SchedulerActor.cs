using Akka.Actor;
using PartLy.Core.Scheduling;

namespace PartLy.Actors;

/// <summary>
/// Decides the parallelism of each batch. Given a rule or a trained scheduler's policy (<see cref="SchedulerSettings"/>), it steps an
/// <see cref="ElasticRun"/>: it answers the proposal for batch b only once batch b − 1 is measured (the rule sees the
/// batches before the one it sizes; an early proposal waits, nothing blocks), runs each measured batch through the
/// queue and replies with its timing. A batch's sequence is its index in the stream (one stream, not looped). Without one it holds the parallelism fixed: the configured P, or the stream's
/// own P when none is configured.
/// </summary>
public sealed class SchedulerActor : ReceiveActor
{
    private readonly ElasticRun? _run;
    private readonly Dictionary<long, (IActorRef Sender, ProposeParallelism Proposal)> _waiting = [];
    private long _next, _measured = -1;

    public SchedulerActor(int fixedPartitions)
    {
        Receive<ProposeParallelism>(proposal =>
            Sender.Tell(new ParallelismDecision(proposal.Sequence, fixedPartitions > 0 ? fixedPartitions : proposal.Partitions)));
    }

    public SchedulerActor(SchedulerSettings settings)
    {
        var rule = settings.PolicyFile is null ? SchedulerRules.Create(settings.Rule, settings.Cost)
            : Learning.Scheduling.SchedulerCheckpoint.Load(settings.PolicyFile).CreateScheduler(settings.Cost, settings.StartPartitions);
        _run = new ElasticRun(rule, settings.IntervalMicroseconds, settings.StartPartitions, settings.MaxPartitions, settings.MinPartitions, settings.MigrationCost, settings.Lag);
        Receive<ProposeParallelism>(proposal =>
        {
            _waiting[proposal.Sequence] = (Sender, proposal);
            AnswerNext();
        });
        Receive<BatchMeasured>(measured =>
        {
            if (measured.Sequence != _next - 1 || _measured == measured.Sequence)
                throw new InvalidOperationException($"batch {measured.Sequence} measured, but the batch decided last is {_next - 1}");
            Sender.Tell(new BatchScheduled(measured.Sequence, _run.Complete(measured.Ready, measured.Metrics)));
            _measured = measured.Sequence;
            AnswerNext();
        });
    }

    /// <param name="fixedPartitions">P for every batch; 0 to keep each stream's P.</param>
    public static Props Props(int fixedPartitions = 0) => Akka.Actor.Props.Create(() => new SchedulerActor(fixedPartitions));

    public static Props Props(SchedulerSettings settings) => Akka.Actor.Props.Create(() => new SchedulerActor(settings));

    /// <summary>Decides the next batch once the one before it is measured.</summary>
    private void AnswerNext()
    {
        if (_measured != _next - 1 || !_waiting.Remove(_next, out var waiting)) return;
        int partitions = _run!.Decide(waiting.Proposal.Sequence, waiting.Proposal.Coming);
        waiting.Sender.Tell(new ParallelismDecision(waiting.Proposal.Sequence, partitions));
        _next++;
    }
}
