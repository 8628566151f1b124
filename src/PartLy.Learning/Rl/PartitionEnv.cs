using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Rl;

/// <summary>What an agent's info holds: at the end of an episode its summary, and what wrappers add.</summary>
/// <param name="Episode">Set when the episode has ended (at its last step, or at reset for a batch that needed no decision).</param>
/// <param name="ReferenceReward">The reference partitioner's reward on the same batch (NaN unless a wrapper scores it).</param>
public sealed record AgentInfo(EpisodeEnd? Episode = null, double ReferenceReward = double.NaN);

/// <summary>An episode's outcome: its reward, the batch's metrics, the decisions taken, and each tuple's block (valid until the next reset).</summary>
public sealed record EpisodeEnd(double Reward, BatchMetrics Metrics, int Decisions, ReadOnlyMemory<int> Blocks);

public sealed record ResetResult(IReadOnlyDictionary<string, Observation> Observations, IReadOnlyDictionary<string, AgentInfo> Infos);

/// <summary>What one step returns, per agent (PettingZoo's parallel API).</summary>
public sealed record StepResult(
    IReadOnlyDictionary<string, Observation> Observations,
    IReadOnlyDictionary<string, double> Rewards,
    IReadOnlyDictionary<string, bool> Terminations,
    IReadOnlyDictionary<string, bool> Truncations,
    IReadOnlyDictionary<string, AgentInfo> Infos);

/// <summary>
/// A multi-agent environment in the shape of PettingZoo's parallel API. <see cref="Agents"/> are the agents alive
/// now: after a reset whose batch needs no decision, and after the last step, there are none.
/// </summary>
public interface IParallelEnv : IDisposable
{
    IReadOnlyList<string> PossibleAgents { get; }
    IReadOnlyList<string> Agents { get; }
    CandidateSpace ActionSpace(string agent);
    BoxSpace ObservationSpace(string agent);
    BoxSpace StateSpace { get; }

    /// <summary>The batch of the current episode.</summary>
    FeedItem? Current { get; }

    ResetResult Reset();
    StepResult Step(IReadOnlyDictionary<string, int> actions);

    /// <summary>The global view of the decision at hand, for a centralised critic (a buffer reused between calls).</summary>
    float[] State();
}

/// <summary>
/// A scenario as a parallel environment. One episode is one micro-batch: <see cref="Reset"/> takes the next batch
/// from the feed and places tuples until an agent must decide (a batch that needs no decision terminates at once);
/// <see cref="Step"/> applies the agents' actions and goes on to the next decision or the end of the batch, where
/// every agent receives the negative weighted cost of the batch. Stream state carries over between episodes.
/// </summary>
public sealed class PartitionEnv : IParallelEnv
{
    private readonly IScenario _scenario;
    private readonly IBatchFeed _feed;
    private readonly ScenarioOptions _options;
    private readonly IDecisionProcess _process;
    private readonly BatchAnalyzer _analyzer;
    private readonly Dictionary<string, Observation> _observations = [];
    private readonly Dictionary<string, AgentInfo> _infos = [];
    private readonly Dictionary<string, double> _rewards = [];
    private readonly Dictionary<string, bool> _terminations = [];
    private readonly Dictionary<string, bool> _truncations = [];
    private readonly float[] _state;
    private static readonly AgentInfo Running = new();
    private IReadOnlyList<string> _alive = [];
    private int _decisions;

    public PartitionEnv(IScenario scenario, IBatchFeed feed, ScenarioOptions options)
    {
        _scenario = scenario;
        _feed = feed;
        _options = options;
        _process = scenario.CreateProcess(options);
        _analyzer = new BatchAnalyzer(options.Cost);
        _state = new float[scenario.StateFeatures];
        foreach (string agent in scenario.Agents)
        {
            _observations[agent] = new Observation(scenario.ActionSpace.MaxCandidates, scenario.ActionSpace.Features);
            _truncations[agent] = false;
        }
    }

    public IReadOnlyList<string> PossibleAgents => _scenario.Agents;
    public IReadOnlyList<string> Agents => _alive;
    public CandidateSpace ActionSpace(string agent) => _scenario.ActionSpace;
    public BoxSpace ObservationSpace(string agent) => new(_scenario.ActionSpace.MaxCandidates, _scenario.ActionSpace.Features);
    public BoxSpace StateSpace => new(_scenario.StateFeatures);
    public FeedItem? Current { get; private set; }

    public ResetResult Reset()
    {
        var item = _feed.Next() ?? throw new InvalidOperationException("the batch feed has ended");
        Current = item;
        if (item.NewStream) _process.ResetStream();
        _process.BeginBatch(new BatchContext(item.Batch.Index, item.Partitions, item.Batch.ExpectedTuples), item.Batch.Keys);
        _decisions = 0;
        if (_process.Advance()) Observe();
        else Finish();
        return new ResetResult(_observations, _infos);
    }

    public StepResult Step(IReadOnlyDictionary<string, int> actions)
    {
        if (_alive.Count == 0) throw new InvalidOperationException("the episode has ended: call Reset");
        foreach (var (_, action) in actions) _process.Act(action);
        _decisions++;
        if (_process.Advance()) Observe();
        else Finish();
        return new StepResult(_observations, _rewards, _terminations, _truncations, _infos);
    }

    public float[] State()
    {
        _process.FillState(_state);
        return _state;
    }

    private void Observe()
    {
        _alive = _scenario.Agents;
        foreach (var (agent, observation) in _observations)
        {
            _process.Observe(observation);
            _rewards[agent] = 0;
            _terminations[agent] = false;
            _infos[agent] = Running;
        }
    }

    private void Finish()
    {
        var keys = Current!.Batch.Keys;
        var blocks = _process.Blocks;
        var metrics = _analyzer.Analyze(keys, blocks.Span, Current.Partitions);
        _process.EndBatch();
        double reward = -_options.Weights.Cost(metrics);
        _alive = [];
        foreach (string agent in _scenario.Agents)
        {
            _rewards[agent] = reward;
            _terminations[agent] = true;
            _infos[agent] = new AgentInfo(new EpisodeEnd(reward, metrics, _decisions, blocks));
        }
    }

    public void Dispose() => _feed.Dispose();
}
