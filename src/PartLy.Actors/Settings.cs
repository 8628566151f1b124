using PartLy.Learning.Rl;
using PartLy.Learning.Training;

namespace PartLy.Actors;

/// <summary>
/// An experiment: train a policy for some batches, then test it on others, each phase a source, a scheduler, an agent
/// with its partition actors and (training) a learner. Every part is a serializable record.
/// </summary>
/// <param name="Training">Scenario, mode, cost weights, learner hyperparameters, seed; its Batches is the training length (0: test only).</param>
/// <param name="TrainFeed">The training stream.</param>
/// <param name="TestFeed">The test stream (null: no test phase).</param>
/// <param name="TestBatches">Length of the test phase.</param>
/// <param name="InitialWeights">Weights to start from (null: a fresh policy from the seed).</param>
/// <param name="FixedPartitions">P the scheduler holds for every batch (0: each stream's P).</param>
/// <param name="TuplesPerSecond">Source pacing (0: as fast as possible).</param>
/// <param name="Window">Batches a source may send ahead.</param>
/// <param name="Workers">Actor paths of the worker nodes' <see cref="WorkerActor"/>s that process the blocks (none: each agent's own partition actors).</param>
/// <param name="KillWorkerAt">Training batch before which the driver kills the first worker node (a fault experiment), or null.</param>
/// <param name="ReportTimeoutSeconds">With worker nodes: a batch whose blocks have not all reported within this time fails the run; with agent nodes, a lane that reports nothing for this long.</param>
/// <param name="Service">With worker nodes: emulated service time on the workers (one batch in service at a time), or null.</param>
/// <param name="TestStrategy">A strategy of <c>partly strategies</c> that places the test batches instead of the policy (a baseline through the same actors), or null.</param>
/// <param name="LearnerOnNodes">The learner is the cluster singleton of the learner nodes (<see cref="LearnerHost"/>), not a child of the experiment.</param>
/// <param name="LearnerStatePath">With learner nodes: the file the learner writes its state to after every update, where the next learner node goes on from.</param>
/// <param name="KillLearnerAt">With learner nodes: the update (1 for the first of the session) before which the driver kills the node hosting the learner, or null.</param>
/// <param name="MaxPolicyLag">Learn asynchronously (IMPALA/APPO): the agent never waits for new weights, the learner
/// corrects for the policy lag with V-trace and drops episodes placed by weights more than this many versions older
/// than its own; null: synchronously (the agent waits at every update, the numbers of the direct loop).</param>
/// <param name="AgentHosts">The actor paths of the agent nodes' <see cref="AgentHost"/>s, one per lane of the stream, that
/// run each phase's sources, schedulers and agents (null: they are children of the experiment).</param>
/// <param name="Lanes">Without agent nodes: agents sharing the stream, each a lane (batch i on lane i mod Lanes, each its own
/// action seed), as children of the experiment; with agent nodes there is a lane per node.</param>
/// <param name="KillAgentAt">With an agent node: the training batch after whose report the driver kills the agent's node, or null.</param>
public sealed record ExperimentSpec(
    TrainingOptions Training, FeedSpec? TrainFeed, FeedSpec? TestFeed, long TestBatches,
    PolicyWeights? InitialWeights = null, int FixedPartitions = 0, double TuplesPerSecond = 0, int Window = 2, IReadOnlyList<string>? Workers = null,
    long? KillWorkerAt = null, double ReportTimeoutSeconds = 30, Core.Metrics.ServiceTime? Service = null, string? TestStrategy = null, bool LearnerOnNodes = false,
    string? LearnerStatePath = null, int? KillLearnerAt = null, int? MaxPolicyLag = null, IReadOnlyList<string>? AgentHosts = null, long? KillAgentAt = null, int Lanes = 1);

/// <summary>What an agent does in a phase.</summary>
/// <param name="Phase">Name of the phase, for reports ("train", "test").</param>
/// <param name="Training">Sample actions and send experience to the learner (else act greedily).</param>
/// <param name="Options">The training session (scenario, mode, weights, learner, seed).</param>
/// <param name="Batches">Batches of the phase.</param>
/// <param name="Window">Batches the source may send ahead (flow control).</param>
/// <param name="Workers">Actor paths of the worker nodes that process the blocks, one message per worker per batch (none: local partition actors).</param>
/// <param name="KillWorkerAt">Batch before which the agent has the driver kill the first worker node, or null.</param>
/// <param name="ReportTimeoutSeconds">With worker nodes: how long a batch may wait for its blocks' reports before the phase fails.</param>
/// <param name="Service">Emulated service time on the worker nodes: the agent keeps one batch in service at a time and measures it.</param>
/// <param name="Strategy">A strategy that places the batches instead of the policy (not while training), or null.</param>
/// <param name="KillLearnerAt">The update before whose closing episode the agent has the driver kill the learner's node, or null.</param>
/// <param name="Asynchronous">Training, never wait for the learner's new weights (adopt them as they come).</param>
/// <param name="Lane">The agent's lane of the stream: it places the batches whose sequence is <paramref name="Lane"/> modulo
/// <paramref name="Lanes"/>, with an action seed of its own (lane 0's is a single agent's).</param>
/// <param name="Lanes">Agents sharing the stream, each a lane (1: one agent places every batch).</param>
/// <param name="StartAt">Place the lane's batches from this sequence on: a lane moved to another agent node after its node
/// was lost starts at the first of its batches not completed, with no memory of the keys.</param>
public sealed record AgentSettings(string Phase, bool Training, TrainingOptions Options, long Batches, int Window = 2, IReadOnlyList<string>? Workers = null,
    long? KillWorkerAt = null, double ReportTimeoutSeconds = 30, Core.Metrics.ServiceTime? Service = null, string? Strategy = null, int? KillLearnerAt = null,
    bool Asynchronous = false, int Lane = 0, int Lanes = 1, long StartAt = 0);

/// <summary>A scheduling rule's run on actors: the rule, its bounds and the cost model it charges.</summary>
/// <param name="Rule">A rule of <see cref="Core.Scheduling.SchedulerRules"/> with its parameters (ds2:warmup=1).</param>
/// <param name="IntervalMicroseconds">The batch interval I.</param>
/// <param name="MigrationCost">µs per tuple whose key's state moves on a rescale.</param>
/// <param name="Lag">Batches before more blocks take effect.</param>
/// <param name="PolicyFile">A trained scheduler's policy file (the cooperative scenario's), which then decides instead of <paramref name="Rule"/>.</param>
public sealed record SchedulerSettings(string Rule, Core.Metrics.CostModel Cost, long IntervalMicroseconds, int StartPartitions, int MaxPartitions,
    int MinPartitions = 1, double MigrationCost = 0, int Lag = 0, string? PolicyFile = null);

/// <summary>
/// A scheduled run: a time-batched stream, the partitioner that places it (a strategy of <c>partly strategies</c>, or
/// a trained policy's file: a partitioner's, or a cooperative scheduler's that embeds one) and the rule that sizes each batch; <paramref name="Informed"/> tells the rule a sketch
/// of each batch and the partitioner its size.
/// </summary>
public sealed record ScheduleRunSpec(Learning.Rl.StreamFeedSpec Feed, string Partitioner, string? PolicyFile, SchedulerSettings Scheduler, bool Informed, int Window = 2);
