using Akka.Actor;

namespace PartLy.Actors;

/// <summary>
/// Decides the parallelism of each batch. Until the cooperative scenario gives it a policy of its own, it holds the
/// parallelism fixed: the configured P, or the stream's own P when none is configured.
/// </summary>
public sealed class SchedulerActor : ReceiveActor
{
    public SchedulerActor(int fixedPartitions)
    {
        Receive<ProposeParallelism>(proposal =>
            Sender.Tell(new ParallelismDecision(proposal.Sequence, fixedPartitions > 0 ? fixedPartitions : proposal.Partitions)));
    }

    /// <param name="fixedPartitions">P for every batch; 0 to keep each stream's P.</param>
    public static Props Props(int fixedPartitions = 0) => Akka.Actor.Props.Create(() => new SchedulerActor(fixedPartitions));
}
