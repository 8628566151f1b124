using PartLy.Core.Hashing;
using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;

namespace PartLy.Learning.Tests.Examples;

/// <summary>Every key chooses once per batch: its hash block or the least loaded block.</summary>
public sealed class LeastLoadedOrHash : IScenario
{
    public string Name => "least-loaded-or-hash";
    public IReadOnlyList<string> Agents { get; } = ["partitioner_0"];
    public CandidateSpace ActionSpace { get; } = new(2, CandidateFeatures.Count);
    public int StateFeatures => CandidateFeatures.State.Count;

    public IDecisionProcess CreateProcess(ScenarioOptions options) => new Process(new BatchPlacer(options.Mode, options.Slack));

    public Partitioner CreatePartitioner(CandidatePolicy policy, ScenarioOptions options) =>
        new ProcessPartitioner(CreateProcess(options), policy, 2, CandidateFeatures.Count, options.Mode);

    private sealed class Process(BatchPlacer placer) : IDecisionProcess
    {
        private readonly int[] _candidates = new int[2];
        private int _count;

        private int Key => placer.Keys[placer.Cursor];

        public void ResetStream() => placer.ResetStream();
        public void BeginBatch(in BatchContext context, ReadOnlySpan<int> keys) =>
            placer.BeginBatch(keys, context.Partitions, context.ExpectedTuples, context.Index);

        public bool Advance()                                // place tuples until a key needs a decision
        {
            while (placer.Cursor < placer.Tuples)
            {
                if (placer.Touch(Key)) return true;          // the key's first tuple in this batch
                placer.Place(placer.Key(Key).Block);
            }
            return false;
        }

        public void Observe(Observation observation)
        {
            int capacity = placer.Capacity(placer.Cursor), remaining = Math.Max(placer.Key(Key).Remaining, 1);
            _candidates[0] = Murmur3.Candidate(Key, 0, placer.Partitions);
            _candidates[1] = placer.Ledger.LeastLoaded();
            _count = _candidates[0] == _candidates[1] ? 1 : 2;
            for (int n = 0; n < _count; n++)
                CandidateFeatures.Describe(observation.Row(n), placer, Key, _candidates[n], capacity, remaining, hashChoice: n == 0, reserved: false);
            observation.Count = _count;
        }

        public void FillState(Span<float> state) => CandidateFeatures.FillState(state, placer, Key, placer.Capacity(placer.Cursor));

        public void Act(int action)
        {
            placer.OpenFragment(Key, _candidates[action], placer.DefaultHolding(commitCount: false));
            placer.Place(_candidates[action]);
        }

        public ReadOnlyMemory<int> Blocks => placer.Blocks.AsMemory(0, placer.Tuples);
        public void EndBatch() => placer.EndBatch();
    }
}
