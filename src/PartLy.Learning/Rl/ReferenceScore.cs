using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;

namespace PartLy.Learning.Rl;

/// <summary>
/// Wraps an environment and scores a reference partitioner on every episode's batch (a fresh one for each new
/// stream), adding its reward to each agent's info (as Gymnasium's RecordEpisodeStatistics adds its own), for
/// learning curves that show the agent against the reference on the same batches.
/// </summary>
public sealed class ReferenceScore(IParallelEnv env, Func<Partitioner> reference, CostWeights weights, CostModel? cost) : IParallelEnv
{
    private Partitioner _reference = reference();
    private BatchAnalyzer _analyzer = new(cost);
    private int[] _blocks = [];
    private double _referenceReward = double.NaN;
    private readonly Dictionary<string, AgentInfo> _infos = [];

    public IReadOnlyList<string> PossibleAgents => env.PossibleAgents;
    public IReadOnlyList<string> Agents => env.Agents;
    public CandidateSpace ActionSpace(string agent) => env.ActionSpace(agent);
    public BoxSpace ObservationSpace(string agent) => env.ObservationSpace(agent);
    public BoxSpace StateSpace => env.StateSpace;
    public FeedItem? Current => env.Current;
    public float[] State() => env.State();

    public ResetResult Reset()
    {
        var result = env.Reset();
        Score(env.Current!);
        return result with { Infos = WithReference(result.Infos) };
    }

    public StepResult Step(IReadOnlyDictionary<string, int> actions)
    {
        var result = env.Step(actions);
        return result with { Infos = WithReference(result.Infos) };
    }

    private IReadOnlyDictionary<string, AgentInfo> WithReference(IReadOnlyDictionary<string, AgentInfo> infos)
    {
        foreach (var (agent, info) in infos) _infos[agent] = info with { ReferenceReward = _referenceReward };
        return _infos;
    }

    private void Score(FeedItem item)
    {
        if (item.NewStream)
        {
            _reference = reference();
            _analyzer = new BatchAnalyzer(cost);
        }
        var keys = item.Batch.Keys;
        if (_blocks.Length < keys.Length) _blocks = new int[keys.Length];
        var blocks = _blocks.AsSpan(0, keys.Length);
        _reference.Partition(new BatchContext(item.Batch.Index, item.Partitions, item.Batch.ExpectedTuples), keys, blocks);
        _referenceReward = -weights.Cost(_analyzer.Analyze(keys, blocks, item.Partitions));
    }

    public void Dispose() => env.Dispose();
}
