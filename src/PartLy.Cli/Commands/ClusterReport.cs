using System.Security.Cryptography;
using PartLy.Actors;
using PartLy.Core;

namespace PartLy.Cli.Commands;

/// <summary>
/// The cluster report of <c>partly train --cluster ... --cluster-report FILE</c>: what crossed the nodes, what a fault
/// cost, and the run against the same experiment in one process (its policy hash and its throughput, for the ratios).
/// <c>failover_seconds</c>: from killing the node hosting the learner to the first weights of the learner that took over (null when no learner node was killed).
/// </summary>
/// <param name="Agents">The agents placing the stream, a lane each.</param>
/// <param name="AgentNodes">Of them, those on a node of their own (0: the agent runs in the driver).</param>
/// <param name="Tuples">Tuples of every training and test batch placed on worker nodes (0 without worker nodes).</param>
/// <param name="TuplesLost">Tuples placed whose block never reported (the agent checks every batch: a loss stops the run).</param>
/// <param name="TuplesDoubleCounted">Tuples counted in more than one report of their block.</param>
/// <param name="StallSecondsMax">The longest a batch waited from sending its blocks to their last report.</param>
/// <param name="TuplesPerSecond">End-to-end test throughput after warm-up, here and in the embedded run.</param>
/// <param name="CpuSecondsPerMillionTuples">CPU of the driver and every node process per million tuples, over the test phase after its first fifth (null without a test phase long enough to tell).</param>
/// <param name="CpuSeconds">CPU of the driver and every node process over the whole run (starting the nodes, compiling the code, training and testing).</param>
/// <param name="DriverBytes">Bytes of PartLy messages the driver serialized and deserialized (blocks and reports, episodes and weights); the cluster's own gossip is not counted.</param>
/// <param name="BytesPerTuple">Those bytes per tuple placed on worker nodes (null without worker nodes).</param>
/// <param name="FormationSeconds">From starting the node processes until every one was up.</param>
/// <param name="MaxPolicyLag">Learning asynchronously: the oldest an episode's weights may be, in versions behind the learner's (null: synchronously).</param>
/// <param name="EpisodesDropped">Episodes the learner dropped as older than that.</param>
/// <param name="TrainSeconds">Wall-clock of the training phase, from its first batch to the last update, here and in the embedded run (which learns synchronously).</param>
/// <param name="TestCost">Mean cost per test batch (the session's cost weights; lower is better), here and in the embedded run.</param>
/// <param name="AgentNodesLost">Agent nodes lost (unreachable or removed) during the run.</param>
/// <param name="LanesMoved">Lanes started again on the agent nodes left after their node was lost (their delivery counters went with it).</param>
public sealed record ClusterReport(
    int Workers, int Agents, int AgentNodes, int Learners, string Mode, long Batches, long Tuples, long TuplesLost, long TuplesDoubleCounted,
    int WorkersLost, int BlocksResent, int DuplicatesDropped, double StallSecondsMax, double? FailoverSeconds,
    string PolicySha256, string EmbeddedPolicySha256, double TuplesPerSecond, double EmbeddedTuplesPerSecond,
    double? CpuSecondsPerMillionTuples, double CpuSeconds, long DriverBytes, double? BytesPerTuple, double FormationSeconds,
    int? MaxPolicyLag, int EpisodesDropped, double TrainSeconds, double EmbeddedTrainSeconds, double TestCost, double EmbeddedTestCost,
    int AgentNodesLost, int LanesMoved)
{
    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static ClusterReport Of(Options.TrainOptions o, ExperimentCompleted run, Runtime.ClusterFigures figures, byte[] policy, byte[] embeddedPolicy, ExperimentCompleted embedded)
    {
        var delivery = run.Delivery ?? DeliveryCounters.None;
        long tuples = delivery.TuplesPlaced;
        var weights = o.Training.Weights;
        double TestCost(ExperimentCompleted r) => r.Test.Count == 0 ? 0 : r.Test.Average(m => weights.Cost(m));
        return new ClusterReport(o.Cluster.Workers, o.Lanes, o.Cluster.Agents, o.Cluster.Learners, o.Cluster.Mode, run.Training.Count + run.Test.Count, tuples,
            Math.Max(0, delivery.TuplesPlaced - delivery.TuplesReported), Math.Max(0, delivery.TuplesReported - delivery.TuplesPlaced),
            delivery.WorkersLost, delivery.BlocksResent, delivery.DuplicatesDropped, delivery.LongestWaitSeconds, run.LearnerFailoverSeconds,
            Sha256(policy), Sha256(embeddedPolicy), run.SteadyTestTuplesPerSecond, embedded.SteadyTestTuplesPerSecond,
            figures.TestCpu?.SecondsPerMillionTuples, figures.CpuSeconds, figures.DriverBytes, tuples > 0 ? (double)figures.DriverBytes / tuples : null, figures.FormationSeconds,
            o.Cluster.MaxPolicyLag, run.Weights.EpisodesDropped, run.TrainSeconds, embedded.TrainSeconds, TestCost(run), TestCost(embedded),
            run.AgentNodesLost, run.LanesMoved);
    }

    public void Write(string path) => TypedFiles.WriteJson(path, this);
}
