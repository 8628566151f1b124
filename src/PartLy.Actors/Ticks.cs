using Akka.Actor;

namespace PartLy.Actors;

// Timer messages an actor sends itself (never across nodes).

/// <summary>The agent checks that the blocks in flight have reported (<see cref="PartitionerAgentActor"/>).</summary>
internal sealed record CheckReports : Akka.Event.IDeadLetterSuppression, INoSerializationVerificationNeeded
{
    public static CheckReports Instance { get; } = new();
}

/// <summary>The experiment checks that the agent nodes' lanes report (<see cref="ExperimentActor"/>).</summary>
internal sealed record CheckLanes : Akka.Event.IDeadLetterSuppression, INoSerializationVerificationNeeded
{
    public static CheckLanes Instance { get; } = new();
}
