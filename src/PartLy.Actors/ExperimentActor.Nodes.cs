using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace PartLy.Actors;

/// <summary>The experiment's watch over the nodes it runs on: agent nodes lost or silent, the learner moved to another node.</summary>
public sealed partial class ExperimentActor
{
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>An agent node that reports nothing while reachable (an agent that never started) fails the run, rather than leaving it waiting.</summary>
    private void CheckLanesReport()
    {
        if (_phase is not ("train" or "test") || _lanes.Finished || _lanes.SilentSeconds <= _spec.ReportTimeoutSeconds) return;
        int lane = _lanes.AwaitedLane;
        Fail(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{_phase}: the agent node {AgentLanes.AddressOf(_agentLanes!.HostOf(lane))} (lane {lane} of {_lanes.Lanes}) has reported nothing in {_lanes.SilentSeconds:F0} s (partly.runtime.report-timeout-seconds is {_spec.ReportTimeoutSeconds})"));
    }

    private bool WatchesNodes => _spec.LearnerOnNodes || _spec.AgentHosts is not null;

    protected override void PreStart()
    {
        if (WatchesNodes)
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(Akka.Cluster.ClusterEvent.MemberRemoved), typeof(Akka.Cluster.ClusterEvent.UnreachableMember));
    }

    protected override void PostStop()
    {
        if (WatchesNodes) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>
    /// An agent node is gone with its sources and the batches it held: its lanes start again on the agent nodes left,
    /// each from its first batch not completed (training, from the first whose update the learner has not made, if
    /// earlier: the learner takes episodes in order and keeps the first of a repeat), with no memory of the keys. With
    /// no agent node left the run cannot go on, and says so.
    /// </summary>
    private void AgentLost(Akka.Actor.Address address)
    {
        if (_phase is not ("train" or "test") || _agentLanes is null) return;
        long learntBefore = _phase == "train" ? (long)(_weights.Version - _initialVersion) * _spec.Training.Learner.EpisodesPerUpdate : long.MaxValue;
        var moves = _agentLanes.Lose(address, lane => _lanes.RestartAt(lane, learntBefore));
        string after = _phase == "train" ? $"after {_training.Count} of {_spec.Training.Batches} training batches" : $"after {_test.Count} of {_spec.TestBatches} test batches";
        if (moves is null) { Fail($"the agent node {address} is lost ({after}): the run stops"); return; }
        foreach (var (host, start) in moves)
        {
            _log.Warning("Agent node {Address} lost ({After}): lane {Lane} starts again on {Host} from batch {From}", address, after, start.Settings.Lane, host, start.Settings.StartAt);
            Context.ActorSelection(host).Tell(start);
        }
    }

    /// <summary>
    /// A learner node is gone: the singleton starts on another (after the lost one is removed) and goes on from the
    /// state the lost learner wrote after its last update; the agent sends the open window's episodes again.
    /// </summary>
    private void LearnerMoved(Akka.Actor.Address address)
    {
        _log.Warning("Learner node {Address} removed: the learner resumes on another learner node from {State}", address, _spec.LearnerStatePath);
        _learner.Tell(new StartLearning(_spec.Training, _trainingStart!, _spec.LearnerStatePath, Resume: true, _spec.MaxPolicyLag));
        _learner.Tell(SubscribeWeights.Instance);
        foreach (var agent in _trainAgents) agent.Tell(new LearnerMoved(_training.Count), Self);
        _learner.Tell(GetWeights.Instance);
    }

    /// <summary>The first weights after the learner's node was killed: the failover is over.</summary>
    private void NoteFailover()
    {
        if (_learnerKilledAt is not { } killed || _failoverSeconds is not null) return;
        _failoverSeconds = Stopwatch.GetElapsedTime(killed).TotalSeconds;
    }
}
