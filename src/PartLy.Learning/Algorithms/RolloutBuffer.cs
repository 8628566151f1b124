using PartLy.Learning.Rl;

namespace PartLy.Learning.Algorithms;

/// <summary>
/// The steps of a few episodes, as the learner needs them (Stable-Baselines3's RolloutBuffer): each step's candidate
/// features and their count (the action mask), the action, its log-probability and value estimate when taken, and
/// the global state; a reward per step where the environment pays one (the scheduler's), each episode's final reward
/// (the partitioner's) and the value after its last step when it was cut short. Advantages and returns are computed here.
/// </summary>
public sealed class RolloutBuffer(int maxCandidates, int features, int stateFeatures)
{
    private float[] _candidates = new float[4096 * maxCandidates * features];
    private float[] _states = new float[4096 * stateFeatures];
    private int[] _counts = new int[4096];
    private int[] _actions = new int[4096];
    private float[] _logProbabilities = new float[4096];
    private float[] _values = new float[4096];
    private float[] _advantages = new float[4096];
    private float[] _returns = new float[4096];
    private float[] _rewards = new float[4096];
    private readonly List<(int Start, int End, double Reward, double Bootstrap)> _episodes = [];
    private int _episodeStart;

    public int MaxCandidates { get; } = maxCandidates;
    public int Features { get; } = features;
    public int StateFeatures { get; } = stateFeatures;
    public int Steps { get; private set; }

    public void Add(Observation observation, ReadOnlySpan<float> state, int action, float logProbability, float value) =>
        Add(observation.Candidates.AsSpan(0, observation.Count * Features), observation.Count, state, action, logProbability, value);

    public void Add(ReadOnlySpan<float> candidates, int count, ReadOnlySpan<float> state, int action, float logProbability, float value)
    {
        if (Steps == _counts.Length) Grow();
        int s = Steps++;
        candidates[..(count * Features)].CopyTo(_candidates.AsSpan(s * MaxCandidates * Features));
        state.CopyTo(_states.AsSpan(s * StateFeatures));
        _counts[s] = count;
        _actions[s] = action;
        _logProbabilities[s] = logProbability;
        _values[s] = value;
        _rewards[s] = 0;
    }

    /// <summary>The reward the last step added earned (environments that pay every step).</summary>
    public void RewardLast(double reward) => _rewards[Steps - 1] = (float)reward;

    /// <summary>Copies out the steps recorded (candidate rows packed, count each).</summary>
    public EpisodeSteps Export()
    {
        int rows = 0;
        for (int s = 0; s < Steps; s++) rows += _counts[s];
        var candidates = new float[rows * Features];
        int at = 0;
        for (int s = 0; s < Steps; s++)
        {
            var source = Candidates(s);
            source.CopyTo(candidates.AsSpan(at));
            at += source.Length;
        }
        return new EpisodeSteps(candidates, _counts.AsSpan(0, Steps).ToArray(), _actions.AsSpan(0, Steps).ToArray(),
            _logProbabilities.AsSpan(0, Steps).ToArray(), _values.AsSpan(0, Steps).ToArray(), _states.AsSpan(0, Steps * StateFeatures).ToArray());
    }

    /// <summary>Appends the steps of one episode and closes it with its final reward (steps before the end earn 0).</summary>
    public void AddEpisode(EpisodeSteps episode, double reward)
    {
        int row = 0;
        for (int s = 0; s < episode.Steps; s++)
        {
            int count = episode.Counts[s];
            Add(episode.Candidates.AsSpan(row * Features, count * Features), count, episode.States.AsSpan(s * StateFeatures, StateFeatures),
                episode.Actions[s], episode.LogProbabilities[s], episode.Values[s]);
            row += count;
        }
        EndEpisode(reward);
    }

    /// <summary>
    /// Closes the current episode with its final reward (on top of its steps' own); <paramref name="bootstrap"/> is the
    /// value of the state after its last step when the episode was truncated rather than terminated (0 then).
    /// </summary>
    public void EndEpisode(double reward, double bootstrap = 0)
    {
        _episodes.Add((_episodeStart, Steps, reward, bootstrap));
        _episodeStart = Steps;
    }

    public void Clear()
    {
        Steps = 0;
        _episodeStart = 0;
        _episodes.Clear();
    }

    /// <summary>GAE(γ, λ) within each episode (the partitioner's: γ = 1, the only reward at the end). λ = 1 gives Monte-Carlo returns.</summary>
    public void ComputeAdvantages(double lambda, double gamma = 1)
    {
        foreach (var (start, end, reward, bootstrap) in _episodes)
        {
            double gae = 0;
            for (int t = end - 1; t >= start; t--)
            {
                bool last = t == end - 1;
                double nextValue = last ? bootstrap : _values[t + 1];
                double delta = (last ? reward : 0) + gamma * nextValue - _values[t] + _rewards[t];
                gae = delta + gamma * lambda * gae;
                _advantages[t] = (float)gae;
                _returns[t] = (float)(gae + _values[t]);
            }
        }
    }

    /// <summary>
    /// V-trace (Espeholt et al., 2018) for steps taken by an older policy μ, towards the current policy π: from each
    /// step's log π(a|s) and V(s) under the current networks, with ρ = min(ρ̄, π/μ) and c = λ·min(c̄, π/μ),
    /// <c>v_s − V(s) = ρ_s δ_s + γ c_s (v_{s+1} − V(s+1))</c>, <c>δ_s = r_s + γ V(s+1) − V(s)</c>; the return of a
    /// step is v_s and its advantage <c>ρ_s (r_s + γ v_{s+1} − V(s))</c>. The steps' log-probabilities and values
    /// become the current policy's, so that an update's ratio is π_new / π (PPO's clipping on top). With π = μ and
    /// c̄ ≥ 1 the returns are GAE(λ)'s.
    /// </summary>
    public void ComputeVTrace(ReadOnlySpan<float> logProbabilities, ReadOnlySpan<float> values, double lambda, double gamma, double rhoBar = 1, double cBar = 1)
    {
        if (logProbabilities.Length != Steps || values.Length != Steps) throw new ArgumentException($"V-trace needs one log-probability and one value per step ({Steps})");
        foreach (var (start, end, reward, bootstrap) in _episodes)
        {
            double nextCorrection = 0, nextValue = bootstrap, nextTarget = bootstrap;
            for (int t = end - 1; t >= start; t--)
            {
                bool last = t == end - 1;
                double r = (last ? reward : 0) + _rewards[t];
                double ratio = Math.Exp(logProbabilities[t] - _logProbabilities[t]);
                double rho = Math.Min(rhoBar, ratio), c = lambda * Math.Min(cBar, ratio);
                double correction = rho * (r + gamma * nextValue - values[t]) + gamma * c * nextCorrection;
                _advantages[t] = (float)(rho * (r + gamma * nextTarget - values[t]));
                _returns[t] = (float)(values[t] + correction);
                (nextCorrection, nextValue, nextTarget) = (correction, values[t], values[t] + correction);
            }
        }
        logProbabilities.CopyTo(_logProbabilities);
        values.CopyTo(_values);
    }

    public ReadOnlySpan<float> Candidates(int step) => _candidates.AsSpan(step * MaxCandidates * Features, _counts[step] * Features);
    public ReadOnlySpan<float> State(int step) => _states.AsSpan(step * StateFeatures, StateFeatures);
    public int Count(int step) => _counts[step];
    public int Action(int step) => _actions[step];
    public float LogProbability(int step) => _logProbabilities[step];
    public float Advantage(int step) => _advantages[step];
    public float Return(int step) => _returns[step];

    private void Grow()
    {
        int size = _counts.Length * 2;
        Array.Resize(ref _candidates, size * MaxCandidates * Features);
        Array.Resize(ref _states, size * StateFeatures);
        Array.Resize(ref _counts, size);
        Array.Resize(ref _actions, size);
        Array.Resize(ref _logProbabilities, size);
        Array.Resize(ref _values, size);
        Array.Resize(ref _advantages, size);
        Array.Resize(ref _returns, size);
        Array.Resize(ref _rewards, size);
    }
}

/// <summary>The steps of one episode, packed (what an agent sends its learner).</summary>
public sealed record EpisodeSteps(float[] Candidates, int[] Counts, int[] Actions, float[] LogProbabilities, float[] Values, float[] States)
{
    public int Steps => Actions.Length;
}
