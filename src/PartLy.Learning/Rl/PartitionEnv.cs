using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Rl;

/// <summary>What one step returns, per agent (PettingZoo's parallel API).</summary>
public sealed record StepResult(
    IReadOnlyDictionary<string, Observation> Observations,
    IReadOnlyDictionary<string, double> Rewards,
    IReadOnlyDictionary<string, bool> Terminations,
    IReadOnlyDictionary<string, bool> Truncations,
    BatchMetrics? Metrics);

/// <summary>
/// A scenario as a multi-agent environment in the shape of PettingZoo's parallel API. One episode is one
/// micro-batch: <see cref="Reset"/> takes the next batch from the feed and places tuples until an agent must decide;
/// <see cref="Step"/> applies the agents' actions and goes on to the next decision or the end of the batch, where
/// every agent receives its reward. Stream state (key shares, last blocks) carries over between episodes.
/// </summary>
public sealed class PartitionEnv : IDisposable
{
    private readonly IScenario _scenario;
    private readonly IBatchFeed _feed;
    private readonly ScenarioOptions _options;
    private readonly bool _scoreReference;
    private readonly Dictionary<string, Observation> _observations = [];
    private readonly Dictionary<string, double> _zeroRewards = [];
    private readonly Dictionary<string, bool> _notDone = [];
    private readonly Dictionary<string, bool> _done = [];

    /// <param name="scoreReference">Also score the online greedy on every batch (<see cref="ReferenceReward"/>), for learning curves.</param>
    /// <param name="observeGlobals">Fill the global features of observations (only a value function reads them).</param>
    public PartitionEnv(IScenario scenario, IBatchFeed feed, ScenarioOptions options, bool scoreReference = false, bool observeGlobals = true)
    {
        _scoreReference = scoreReference;
        _scenario = scenario;
        _feed = feed;
        _options = options;
        World = scenario.MakeWorld(options);
        foreach (string agent in scenario.Agents)
        {
            _observations[agent] = new Observation(scenario.ActionSpace.MaxCandidates, scenario.ActionSpace.Features, scenario.GlobalFeatures)
                { NeedsGlobals = observeGlobals };
            _zeroRewards[agent] = 0;
            _notDone[agent] = false;
            _done[agent] = true;
        }
    }

    public IReadOnlyList<string> Agents => _scenario.Agents;
    public CandidateSpace ActionSpace(string agent) => _scenario.ActionSpace;
    public BoxSpace ObservationSpace(string agent) => new(_scenario.ActionSpace.MaxCandidates, _scenario.ActionSpace.Features);
    public PartitionWorld World { get; }
    public FeedItem? Current { get; private set; }

    /// <summary>Starts the next episode. Returns false when the batch needed no decision at all (it is then already
    /// placed and measured; <see cref="LastReward"/> holds its reward).</summary>
    public bool Reset(out IReadOnlyDictionary<string, Observation> observations)
    {
        var item = _feed.Next() ?? throw new InvalidOperationException("the batch feed has ended");
        Current = item;
        if (item.NewStream) World.ResetStream();
        World.BeginBatch(item.Batch.Keys, item.Partitions, item.Batch.ExpectedTuples, item.Batch.Index);
        if (_scoreReference) ScoreReference(item);
        _scenario.ResetWorld(World);
        observations = _observations;
        if (_scenario.Advance(World)) { ObserveAll(); return true; }
        Finish();
        return false;
    }

    public StepResult Step(IReadOnlyDictionary<string, int> actions)
    {
        foreach (var (agent, action) in actions) _scenario.Act(agent, World, action);
        if (_scenario.Advance(World))
        {
            ObserveAll();
            return new StepResult(_observations, _zeroRewards, _notDone, _notDone, null);
        }
        var metrics = Finish();
        var rewards = new Dictionary<string, double>();
        foreach (string agent in _scenario.Agents) rewards[agent] = _scenario.Reward(agent, World);
        return new StepResult(_observations, rewards, _done, _notDone, metrics);
    }

    /// <summary>The reward of the last finished batch for the first agent.</summary>
    public double LastReward { get; private set; }

    /// <summary>
    /// The reward the capacity-aware online greedy earns on the current batch (an info value, as Gymnasium's info
    /// dict carries): the learning curve shows the agent against it. NaN unless the environment was asked to score it.
    /// </summary>
    public double ReferenceReward { get; private set; } = double.NaN;

    private Partitioner _reference = new CapacityGreedy();
    private BatchAnalyzer _referenceAnalyzer = new();
    private int[] _referenceBlocks = [];

    private void ScoreReference(FeedItem item)
    {
        if (item.NewStream)
        {
            _reference = new CapacityGreedy();
            _referenceAnalyzer = new BatchAnalyzer(_options.Cost);
        }
        var keys = item.Batch.Keys;
        if (_referenceBlocks.Length < keys.Length) _referenceBlocks = new int[keys.Length];
        var blocks = _referenceBlocks.AsSpan(0, keys.Length);
        _reference.Partition(new BatchContext(item.Batch.Index, item.Partitions, item.Batch.ExpectedTuples), keys, blocks);
        ReferenceReward = -_options.Weights.Cost(_referenceAnalyzer.Analyze(keys, blocks, item.Partitions));
    }

    private BatchMetrics Finish()
    {
        var metrics = World.EndBatch();
        LastReward = _scenario.Reward(_scenario.Agents[0], World);
        return metrics;
    }

    private void ObserveAll()
    {
        foreach (var (agent, observation) in _observations) _scenario.Observe(agent, World, observation);
    }

    public void Dispose() => _feed.Dispose();
}
