using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PartLy.Core.Metrics;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>
/// An experiment: train a policy for some batches, then test it on others, each phase a source, a scheduler, an agent
/// with its partition actors and (training) a learner.
/// </summary>
/// <param name="Training">Scenario, mode, cost weights, learner hyperparameters, seed; its Batches is the training length (0: test only).</param>
/// <param name="TrainFeed">Opens the training stream.</param>
/// <param name="TestFeed">Opens the test stream (null: no test phase).</param>
/// <param name="TestBatches">Length of the test phase.</param>
/// <param name="InitialWeights">Weights to start from (null: a fresh policy from the seed).</param>
/// <param name="FixedPartitions">P the scheduler holds for every batch (0: each stream's P).</param>
/// <param name="TuplesPerSecond">Source pacing (0: as fast as possible).</param>
/// <param name="Window">Batches a source may send ahead.</param>
/// <param name="Fault">Test hook for the partition actors.</param>
public sealed record ExperimentSpec(
    TrainingOptions Training, Func<IBatchFeed> TrainFeed, Func<IBatchFeed>? TestFeed, long TestBatches,
    PolicyWeights? InitialWeights = null, int FixedPartitions = 0, double TuplesPerSecond = 0, int Window = 2,
    Func<ProcessBlock, bool>? Fault = null);

/// <summary>Requester to experiment: run it; the reply is <see cref="ExperimentCompleted"/> or <see cref="ExperimentFailed"/>.</summary>
public sealed record RunExperiment
{
    public static RunExperiment Instance { get; } = new();
}

/// <summary>Requester to experiment: stop now and reply with what there is (the last weights the learner published).</summary>
public sealed record StopExperiment
{
    public static StopExperiment Instance { get; } = new();
}

/// <summary>What an experiment produced. <paramref name="Stopped"/> when it was stopped before the end.</summary>
/// <param name="TestCompletedAt">Seconds since the test phase started at which each test batch was reported.</param>
/// <param name="TrainTime">Of <paramref name="TrainSeconds"/>, the agent's time placing batches and the learner's updating.</param>
public sealed record ExperimentCompleted(
    PolicyWeights Weights, IReadOnlyList<EpisodeRecord> Training, IReadOnlyList<BatchMetrics> Test,
    double TrainSeconds, double TestSeconds, long TestTuples, bool Stopped, IReadOnlyList<double> TestCompletedAt, TrainingTime TrainTime)
{
    /// <summary>End-to-end tuples per second of the test phase, over all of it.</summary>
    public double TestTuplesPerSecond => TestTuples / Math.Max(TestSeconds, 1e-9);

    /// <summary>
    /// End-to-end tuples per second once warmed up: over the test batches after the first fifth (the first batches
    /// pay for starting the actors and compiling the code). Runs under 100 batches are too short to tell: their
    /// whole-run figure is returned.
    /// </summary>
    public double SteadyTestTuplesPerSecond
    {
        get
        {
            int n = Test.Count, skip = n / 5;
            if (n < 100) return TestTuplesPerSecond;
            long tuples = 0;
            for (int i = skip; i < n; i++) tuples += Test[i].Tuples;
            return tuples / Math.Max(TestCompletedAt[n - 1] - TestCompletedAt[skip - 1], 1e-9);
        }
    }
}

public sealed record ExperimentFailed(string Reason);

/// <summary>Runs the phases of an experiment and reports every completed batch to an optional observer.</summary>
public sealed class ExperimentActor : ReceiveActor
{
    private readonly ExperimentSpec _spec;
    private readonly Action<string, BatchCompleted>? _observer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<EpisodeRecord> _training = [];
    private readonly List<BatchMetrics> _test = [];
    private readonly Stopwatch _clock = new();
    private readonly CandidatePolicy _policy;
    private IActorRef _requester = ActorRefs.Nobody;
    private IActorRef _learner = ActorRefs.Nobody;
    private readonly List<IActorRef> _phaseActors = [];
    private PolicyWeights _weights;
    private double _trainSeconds, _trainPlacingSeconds;
    private long _testTuples;
    private readonly List<double> _testCompletedAt = [];
    private string _phase = "";

    public ExperimentActor(ExperimentSpec spec, Action<string, BatchCompleted>? observer)
    {
        _spec = spec;
        _observer = observer;
        _policy = Trainer.NewPolicy(ScenarioRegistry.Create(spec.Training.Scenario), spec.Training);
        if (spec.InitialWeights is { } initial)
        {
            initial.Scorer.AsSpan().CopyTo(_policy.Scorer.Parameters);
            initial.Value.AsSpan().CopyTo(_policy.Value.Parameters);
        }
        _weights = LearnerActor.WeightsOf(_policy, spec.InitialWeights?.Version ?? 0);
        Receive<RunExperiment>(_ =>
        {
            _requester = Sender;
            Start(_spec.Training.Batches > 0 ? StartTraining : StartTest);
        });
        Receive<BatchCompleted>(Completed);
        Receive<PhaseCompleted>(PhaseDone);
        Receive<PhaseFailed>(failed => Fail($"{failed.Phase}: {failed.Reason}"));
        Receive<PolicyWeights>(weights =>
        {
            _weights = weights;
            if (_phase == "train-final")
            {
                _trainSeconds = _clock.Elapsed.TotalSeconds; // training ends with the last update
                Start(StartTest);
            }
            else if (_phase == "stopping") Reply(stopped: true);
        });
        Receive<StopExperiment>(_ =>
        {
            if (_learner.IsNobody()) { Reply(stopped: true); return; }
            _phase = "stopping";
            _learner.Tell(GetWeights.Instance);
        });
    }

    public static Props Props(ExperimentSpec spec, Action<string, BatchCompleted>? observer = null) =>
        Akka.Actor.Props.Create(() => new ExperimentActor(spec, observer));

    /// <summary>
    /// The phase actors handle the failures they expect (a partition actor's, a malformed trace, divergence); anything
    /// else that reaches here (a misconfigured dispatcher, a bug) ends the experiment with its message rather than
    /// restarting a phase actor into the same failure.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy()
    {
        var self = Self;
        return new OneForOneStrategy(e =>
        {
            string reason = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            self.Tell(new PhaseFailed(_phase, reason));
            return Directive.Stop;
        });
    }

    private CandidatePolicy CopyOfPolicy()
    {
        var copy = Trainer.NewPolicy(ScenarioRegistry.Create(_spec.Training.Scenario), _spec.Training);
        _weights.Scorer.AsSpan().CopyTo(copy.Scorer.Parameters);
        _weights.Value.AsSpan().CopyTo(copy.Value.Parameters);
        return copy;
    }

    /// <summary>Starts a phase; actors that cannot be created (a misconfigured dispatcher) end the experiment with the reason.</summary>
    private void Start(Action start)
    {
        try { start(); }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or ActorInitializationException)
        {
            Fail(e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message);
        }
    }

    private void StartTraining()
    {
        _phase = "train";
        var scenario = ScenarioRegistry.Create(_spec.Training.Scenario);
        _learner = Context.ActorOf(LearnerActor.Props(CopyOfPolicy(), new PolicyGradient(_spec.Training.Learner, Trainer.LearnerSeed(_spec.Training.Seed)),
            Trainer.NewBuffer(scenario)), "learner");
        StartPhase(new AgentSettings("train", true, _spec.Training, _spec.Training.Batches, _spec.Window), _spec.TrainFeed, _spec.Training.Batches, _learner);
    }

    private void StartTest()
    {
        StopPhase();
        if (_spec.TestFeed is null || _spec.TestBatches == 0) { Reply(stopped: false); return; }
        _phase = "test";
        StartPhase(new AgentSettings("test", false, _spec.Training, _spec.TestBatches, _spec.Window), _spec.TestFeed, _spec.TestBatches, ActorRefs.Nobody);
    }

    private void StartPhase(AgentSettings settings, Func<IBatchFeed> feed, long batches, IActorRef learner)
    {
        var source = Context.ActorOf(StreamSourceActor.Props(feed, batches, _spec.TuplesPerSecond), $"{settings.Phase}-source");
        var scheduler = Context.ActorOf(SchedulerActor.Props(_spec.FixedPartitions), $"{settings.Phase}-scheduler");
        var agent = Context.ActorOf(PartitionerAgentActor.Props(settings, CopyOfPolicy(), _weights.Version, source, scheduler, learner, Self, _spec.Fault), $"{settings.Phase}-agent");
        _phaseActors.AddRange([source, scheduler, agent]);
        _log.Info("Phase {Phase}: {Batches} batches", settings.Phase, batches);
        _clock.Restart();
    }

    private void StopPhase()
    {
        foreach (var actor in _phaseActors) Context.Stop(actor);
        _phaseActors.Clear();
        if (!_learner.IsNobody()) { Context.Stop(_learner); _learner = ActorRefs.Nobody; }
    }

    private void Completed(BatchCompleted batch)
    {
        if (_phase == "train")
            _training.Add(new EpisodeRecord(batch.Sequence, batch.Reward, batch.ReferenceReward, batch.Metrics.SizeImbalance, batch.Metrics.Replication, batch.Decisions, batch.Metrics.Partitions));
        else if (_phase == "test")
        {
            _test.Add(batch.Metrics);
            _testTuples += batch.Metrics.Tuples;
            _testCompletedAt.Add(_clock.Elapsed.TotalSeconds);
        }
        _observer?.Invoke(_phase, batch);
    }

    private void PhaseDone(PhaseCompleted done)
    {
        _log.Info("Phase {Phase} done: {Batches} batches in {Seconds:F1} s", done.Phase, done.Batches, _clock.Elapsed.TotalSeconds);
        if (done.Phase == "train")
        {
            _trainPlacingSeconds = done.PlacingSeconds;
            _phase = "train-final";
            _learner.Tell(GetWeights.Instance);
        }
        else Reply(stopped: false);
    }

    private void Reply(bool stopped)
    {
        double testSeconds = _phase == "test" ? _clock.Elapsed.TotalSeconds : 0;
        StopPhase();
        _requester.Tell(new ExperimentCompleted(_weights, _training, _test, _trainSeconds, testSeconds, _testTuples, stopped, _testCompletedAt,
            new TrainingTime(_trainPlacingSeconds, _weights.UpdateSeconds)));
        _phase = "done";
    }

    private void Fail(string reason)
    {
        _log.Error("Experiment failed: {Reason}", reason);
        StopPhase();
        _requester.Tell(new ExperimentFailed(reason));
        _phase = "failed";
    }
}
