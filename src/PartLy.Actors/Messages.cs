using System.Collections.Immutable;
using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>Marker of every PartLy message, for binding one serializer when messages cross nodes.</summary>
public interface IPartLyMessage;

// Experiment protocol: a requester runs an experiment; subscribers see each completed batch.

/// <summary>Requester to experiment: run it; the reply is <see cref="ExperimentCompleted"/> or <see cref="ExperimentFailed"/>.</summary>
public sealed record RunExperiment : IPartLyMessage
{
    public static RunExperiment Instance { get; } = new();
}

/// <summary>Requester to experiment: stop now and reply with what there is (the last weights the learner published).</summary>
public sealed record StopExperiment : IPartLyMessage
{
    public static StopExperiment Instance { get; } = new();
}

/// <summary>Anyone to experiment: send me <see cref="ExperimentProgress"/> for every completed batch.</summary>
public sealed record SubscribeProgress : IPartLyMessage
{
    public static SubscribeProgress Instance { get; } = new();
}

/// <summary>Experiment to its subscribers: a batch of a phase ("train", "test") is done.</summary>
public sealed record ExperimentProgress(string Phase, BatchCompleted Batch) : IPartLyMessage;

/// <summary>Experiment to its subscribers: the learner published new weights after <paramref name="Batches"/> training batches (for checkpoints).</summary>
public sealed record ExperimentWeights(PolicyWeights Weights, long Batches) : IPartLyMessage;

/// <summary>What an experiment produced. <paramref name="Stopped"/> when it was stopped before the end.</summary>
/// <param name="TestCompletedAt">Seconds since the test phase started at which each test batch was reported.</param>
/// <param name="TrainTime">Of <paramref name="TrainSeconds"/>, the agent's time placing batches and the learner's updating.</param>
public sealed record ExperimentCompleted(
    PolicyWeights Weights, IReadOnlyList<EpisodeRecord> Training, IReadOnlyList<BatchMetrics> Test,
    double TrainSeconds, double TestSeconds, long TestTuples, bool Stopped, IReadOnlyList<double> TestCompletedAt, TrainingTime TrainTime,
    DeliveryCounters? Delivery = null, IReadOnlyList<double>? TestPlacingSeconds = null, IReadOnlyList<ServiceMeasure>? TestService = null,
    double? LearnerFailoverSeconds = null, int AgentNodesLost = 0, int LanesMoved = 0) : IPartLyMessage
{
    /// <summary>End-to-end tuples per second of the test phase, over all of it.</summary>
    public double TestTuplesPerSecond => TestTuples / Math.Max(TestSeconds, 1e-9);

    /// <summary>
    /// The agent's own routing speed once warmed up, over the same test batches as <see cref="SteadyTestTuplesPerSecond"/>:
    /// their tuples over the agent's time placing them (the policy's decisions and the batch's metrics).
    /// </summary>
    public double SteadyTestRoutingTuplesPerSecond
    {
        get
        {
            int n = Test.Count, skip = n < 100 ? 0 : n / 5;
            if (TestPlacingSeconds is not { Count: > 0 } placing || placing.Count != n) return 0;
            long tuples = 0;
            double seconds = 0;
            for (int i = skip; i < n; i++) { tuples += Test[i].Tuples; seconds += placing[i]; }
            return tuples / Math.Max(seconds, 1e-9);
        }
    }

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

public sealed record ExperimentFailed(string Reason) : IPartLyMessage;

// Source protocol: the consumer asks for batches (credit); the source never sends more than asked.

/// <summary>Consumer to source: send up to <paramref name="Count"/> more batches.</summary>
public sealed record RequestBatches(int Count) : IPartLyMessage;

/// <summary>Source to consumer: one micro-batch, its keys immutable (<paramref name="IntervalEnd"/>: when a time-based batch is ready, µs; 0 for count-based ones).</summary>
public sealed record SourceBatch(long Sequence, long Index, ImmutableArray<int> Keys, int ExpectedTuples, int Partitions, bool NewStream, string Stream, long IntervalEnd = 0) : IPartLyMessage;

/// <summary>Source to consumer: the phase's batches are all sent.</summary>
public sealed record StreamCompleted(long Batches) : IPartLyMessage;

/// <summary>Source to consumer: the stream cannot go on (a malformed trace, say); the message names file and line.</summary>
public sealed record StreamFailed(string Reason) : IPartLyMessage;

// Scheduler protocol.

/// <summary>Agent to scheduler: the parallelism proposed for a batch (the stream's P); informed, with a sketch of the batch.</summary>
public sealed record ProposeParallelism(long Sequence, int Partitions, BatchSketch? Coming = null) : IPartLyMessage;

/// <summary>Scheduler to agent: the parallelism to use for the batch.</summary>
public sealed record ParallelismDecision(long Sequence, int Partitions) : IPartLyMessage;

/// <summary>Agent to a rule's scheduler: the batch decided last, ready at <paramref name="Ready"/> (µs), as its blocks measured it.</summary>
public sealed record BatchMeasured(long Sequence, double Ready, BatchMetrics Metrics) : IPartLyMessage;

/// <summary>A rule's scheduler to the agent: the batch's passage through the queue.</summary>
public sealed record BatchScheduled(long Sequence, BatchTiming Timing) : IPartLyMessage;

// Scheduling-run protocol: a requester runs one scheduling rule over a time-batched stream on actors.

/// <summary>Requester to a scheduling run: run it; the reply is <see cref="ScheduleCompleted"/> or <see cref="ScheduleFailed"/>.</summary>
public sealed record RunSchedule : IPartLyMessage
{
    public static RunSchedule Instance { get; } = new();
}

/// <summary>Agent to its scheduling run, and the run to its requester: every batch's timing, in order.</summary>
public sealed record ScheduleCompleted(IReadOnlyList<BatchTiming> Timings) : IPartLyMessage;

public sealed record ScheduleFailed(string Reason) : IPartLyMessage;

// Partition protocol: one message per block per batch.

/// <summary>Agent to partition actor: the tuples of one block (keys only).</summary>
public sealed record ProcessBlock(long Sequence, int Block, ImmutableArray<int> Keys) : IPartLyMessage;

/// <summary>Partition actor to agent: what processing the block took.</summary>
public sealed record BlockProcessed(long Sequence, int Block, int Tuples, int DistinctKeys, double ProcessingTime) : IPartLyMessage;

/// <summary>
/// Agent to a worker node's <c>WorkerActor</c>: the tuples of the blocks that node holds, one message per worker per
/// batch (block <c>Blocks[i]</c>'s keys are <c>Keys[Ends[i − 1] .. Ends[i]]</c>).
/// </summary>
public sealed record ProcessBlocks(long Sequence, ImmutableArray<int> Blocks, ImmutableArray<int> Ends, ImmutableArray<int> Keys) : IPartLyMessage;

/// <summary>Worker to agent: each block's report, in the order of <see cref="ProcessBlocks"/>.</summary>
public sealed record BlocksProcessed(long Sequence, ImmutableArray<int> Blocks, ImmutableArray<int> Tuples, ImmutableArray<int> DistinctKeys, ImmutableArray<double> ProcessingTimes) : IPartLyMessage;

// Learner protocol.

/// <summary>
/// Agent to learner: the steps of one episode (flattened candidate features, their counts = action masks, actions,
/// log-probabilities and values when taken, global states) and its reward from the partition reports.
/// <paramref name="UpdateNow"/> closes an update window; <paramref name="Progress"/> is the fraction of training done;
/// <paramref name="PolicyVersion"/> is the version of the weights that placed the batch.
/// </summary>
public sealed record EpisodeExperience(
    long Sequence, ImmutableArray<float> Candidates, ImmutableArray<int> Counts, ImmutableArray<int> Actions,
    ImmutableArray<float> LogProbabilities, ImmutableArray<float> Values, ImmutableArray<float> States,
    double Reward, bool UpdateNow, double Progress, int PolicyVersion = 0) : IPartLyMessage
{
    public int Steps => Actions.Length;
}

/// <summary>Learner to agents: new weights of the policy (version counts updates; <paramref name="UpdateSeconds"/> is the
/// time the learner has spent updating so far; <paramref name="EpisodesDropped"/> the episodes it has dropped as too
/// old, learning asynchronously).</summary>
public sealed record PolicyWeights(int Version, ImmutableArray<float> Scorer, ImmutableArray<float> Value, double UpdateSeconds = 0, int EpisodesDropped = 0) : IPartLyMessage;

/// <summary>Anyone to learner: subscribe to <see cref="PolicyWeights"/>.</summary>
public sealed record SubscribeWeights : IPartLyMessage
{
    public static SubscribeWeights Instance { get; } = new();
}

/// <summary>Anyone to learner: reply with the current <see cref="PolicyWeights"/>.</summary>
public sealed record GetWeights : IPartLyMessage
{
    public static GetWeights Instance { get; } = new();
}

/// <summary>
/// Experiment to the learner singleton on a learner node: learn this session from these weights (a learner it held
/// before is replaced: one experiment per driver), writing the learner's state to <paramref name="StatePath"/> after
/// every update; <paramref name="Resume"/>: go on from that state (the singleton moved after a learner node was lost);
/// <paramref name="MaxPolicyLag"/>: learn asynchronously (see <see cref="ExperimentSpec"/>), or null.
/// </summary>
public sealed record StartLearning(TrainingOptions Options, PolicyWeights Initial, string? StatePath = null, bool Resume = false, int? MaxPolicyLag = null) : IPartLyMessage;

/// <summary>Experiment to agent: the learner moved to another node; subscribe again and send the open window's episodes again.</summary>
public sealed record LearnerMoved(long Sequence) : IPartLyMessage;

/// <summary>Agent to the driver's fault injector: kill the node that hosts the learner (SIGKILL) before episode <paramref name="Sequence"/> goes out.</summary>
public sealed record KillLearner(long Sequence) : IPartLyMessage;

/// <summary>Fault injector to agent: the learner's node is killed.</summary>
public sealed record LearnerKilled(long Sequence) : IPartLyMessage;

/// <summary>Learner to subscribers: training cannot go on.</summary>
public sealed record LearnerFailed(string Reason) : IPartLyMessage;

// Agent to experiment.

/// <summary>Agent to experiment: a batch is placed, processed and measured.</summary>
/// <param name="PlacingSeconds">The agent's time placing the batch (its policy's decisions and the batch's metrics).</param>
/// <param name="Service">With emulated service time: the batch's measured and predicted wall-clock time on the worker nodes.</param>
/// <param name="CompletedSeconds">Seconds from the agent's start to the batch's last report, on the agent's clock (a remote
/// agent's reports reach the driver in bursts, so the driver's arrival times would not measure its throughput).</param>
public sealed record BatchCompleted(long Sequence, BatchMetrics Metrics, double Reward, double ReferenceReward, int Decisions, int PolicyVersion, string Stream = "",
    double PlacingSeconds = 0, ServiceMeasure? Service = null, double CompletedSeconds = 0) : IPartLyMessage;

/// <summary>
/// A batch under emulated service time: seconds from its blocks going out to the last worker's report, and the
/// emulation's prediction from the cost model (<see cref="Core.Metrics.ServiceTime.PredictedSeconds"/>).
/// </summary>
public sealed record ServiceMeasure(double MeasuredSeconds, double PredictedSeconds);

/// <summary>Agent to experiment: the phase is over on the agent's lane (with worker nodes, how the blocks' delivery went).</summary>
public sealed record PhaseCompleted(string Phase, long Batches, double PlacingSeconds, DeliveryCounters? Delivery = null, int Lane = 0) : IPartLyMessage;

/// <summary>
/// How blocks reached worker nodes: workers lost (unreachable or removed), blocks re-sent to the survivors, reports of
/// blocks that had reported already (dropped), and the longest a batch waited from sending its blocks to their last report.
/// </summary>
/// <param name="TuplesPlaced">Tuples of the batches sent out.</param>
/// <param name="TuplesReported">Tuples of the first report of every block.</param>
public sealed record DeliveryCounters(int WorkersLost, int BlocksResent, int DuplicatesDropped, double LongestWaitSeconds, long TuplesPlaced = 0, long TuplesReported = 0)
{
    public static DeliveryCounters None { get; } = new(0, 0, 0, 0);

    public DeliveryCounters Plus(DeliveryCounters other) =>
        new(WorkersLost + other.WorkersLost, BlocksResent + other.BlocksResent, DuplicatesDropped + other.DuplicatesDropped,
            Math.Max(LongestWaitSeconds, other.LongestWaitSeconds), TuplesPlaced + other.TuplesPlaced, TuplesReported + other.TuplesReported);
}

// Fault injection (the driver's, for experiments that lose a worker node on purpose).

/// <summary>Agent to the driver's fault injector (/user/faults): kill worker node <paramref name="Worker"/> (SIGKILL) before batch <paramref name="Sequence"/> goes out.</summary>
public sealed record KillWorker(long Sequence, int Worker) : IPartLyMessage;

/// <summary>Fault injector to agent: the worker node's process is killed.</summary>
public sealed record WorkerKilled(long Sequence, int Worker) : IPartLyMessage;

/// <summary>Agent to experiment: the phase failed.</summary>
public sealed record PhaseFailed(string Phase, string Reason) : IPartLyMessage;

// Agent nodes: the experiment starts each phase's agent (with its source and scheduler) on an agent node.

/// <summary>
/// Experiment to an agent node's <see cref="AgentHost"/>: run a phase's agent there, with its own source of
/// <paramref name="Feed"/> and a scheduler holding <paramref name="FixedPartitions"/> (0: each stream's P). The agent
/// reports to <paramref name="Experiment"/>; it learns with <paramref name="Learner"/>, or, when that is null while
/// training, with the learner singleton of the learner nodes (found through a proxy on the agent node).
/// </summary>
public sealed record StartAgent(AgentSettings Settings, Learning.Rl.FeedSpec Feed, PolicyWeights Weights, int FixedPartitions, double TuplesPerSecond,
    Akka.Actor.IActorRef Experiment, Akka.Actor.IActorRef? Learner) : IPartLyMessage;

/// <summary>Experiment to an agent node's host: the phase is over, stop its agent, source and scheduler.</summary>
public sealed record StopAgent : IPartLyMessage
{
    public static StopAgent Instance { get; } = new();
}

/// <summary>Experiment to the driver's fault injector: kill the agent node's process (after batch <paramref name="Sequence"/> was reported).</summary>
public sealed record KillAgent(long Sequence) : IPartLyMessage;
