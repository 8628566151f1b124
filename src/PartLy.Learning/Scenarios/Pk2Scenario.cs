using PartLy.Core;
using PartLy.Core.Hashing;
using PartLy.Core.Partitioning;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Scenarios;

/// <summary>
/// The seed's scenario: the PK2 cost model. Each key has two hash candidate blocks; at its first tuple in the batch
/// the agent either assigns the key to one of them or splits it between both (each tuple then goes to the less
/// loaded of the two). Reward: the size equality of the blocks (and whatever else the cost weights charge). It places
/// on the block ledger and the keys' memory alone: no reservations.
/// </summary>
public sealed class Pk2Scenario : IScenario
{
    public const string ScenarioName = "partitioner-pk2";
    public const string Agent = "partitioner_0";
    private const int Actions = 3;

    public string Name => ScenarioName;
    public IReadOnlyList<string> Agents { get; } = [Agent];
    public CandidateSpace ActionSpace { get; } = new(Actions, CandidateFeatures.Count);
    public int StateFeatures => CandidateFeatures.State.Count;

    public IDecisionProcess CreateProcess(ScenarioOptions options) => new Process(new BatchPlacer(options.Mode, options.Slack));

    public Partitioner CreatePartitioner(CandidatePolicy policy, ScenarioOptions options) =>
        new ProcessPartitioner(CreateProcess(options), policy, Actions, CandidateFeatures.Count, options.Mode);

    private sealed class Process(BatchPlacer placer) : IDecisionProcess
    {
        // The batch in which each key was split between its two candidates.
        private long[] _splitBatch = new long[1024];
        private long _batch;
        private int _h0, _h1, _choices;

        public void ResetStream() => placer.ResetStream();

        public void BeginBatch(in BatchContext context, ReadOnlySpan<int> keys)
        {
            placer.BeginBatch(keys, context.Partitions, context.ExpectedTuples, context.Index);
            _batch++;
            int maxKey = 0;
            foreach (int k in keys) maxKey = Math.Max(maxKey, k);
            if (maxKey >= _splitBatch.Length) Array.Resize(ref _splitBatch, KeyArrays.Capacity(maxKey));
        }

        public bool Advance()
        {
            int p = placer.Partitions;
            while (placer.Cursor < placer.Tuples)
            {
                int key = placer.Keys[placer.Cursor];
                if (placer.Touch(key)) return true;
                if (_splitBatch[key] == _batch)
                {
                    int h0 = Murmur3.Candidate(key, 0, p), h1 = Murmur3.Candidate(key, 1, p);
                    placer.Place(placer.Ledger.Loads[h1] < placer.Ledger.Loads[h0] ? h1 : h0);
                }
                else placer.Place(placer.Key(key).Block);
            }
            return false;
        }

        private int Key => placer.Keys[placer.Cursor];
        private int Capacity => placer.Capacity(placer.Cursor);

        public void Observe(Observation observation)
        {
            int key = Key, p = placer.Partitions, capacity = Capacity;
            int remaining = Math.Max(placer.Key(key).Remaining, 1);
            _h0 = Murmur3.Candidate(key, 0, p);
            _h1 = Murmur3.Candidate(key, 1, p);
            _choices = _h0 == _h1 ? 1 : 2;
            CandidateFeatures.Describe(observation.Row(0), placer, key, _h0, capacity, remaining, hashChoice: true, reserved: false);
            observation.Count = _choices;
            if (_choices == 1) return;
            CandidateFeatures.Describe(observation.Row(1), placer, key, _h1, capacity, remaining, hashChoice: true, reserved: false);
            // The split action: both candidates at once; the key-fragments feature (0 at its first tuple) marks it.
            var a = observation.Row(0);
            var b = observation.Row(1);
            var split = observation.Row(2);
            float c = capacity;
            float free = (float)(placer.Ledger.Free(_h0, capacity) + placer.Ledger.Free(_h1, capacity));
            split[CandidateFeatures.Load] = (a[CandidateFeatures.Load] + b[CandidateFeatures.Load]) / 2;
            split[CandidateFeatures.FreeRoom] = free / c;
            split[CandidateFeatures.KeyRemainder] = remaining / c;
            split[CandidateFeatures.RoomAfter] = (free - remaining) / c;
            split[CandidateFeatures.HeldLastBatch] = Math.Max(a[CandidateFeatures.HeldLastBatch], b[CandidateFeatures.HeldLastBatch]);
            split[CandidateFeatures.HashChoice] = 1;
            split[CandidateFeatures.HoldsKey] = 0;
            split[CandidateFeatures.DistinctKeys] = (a[CandidateFeatures.DistinctKeys] + b[CandidateFeatures.DistinctKeys]) / 2;
            split[CandidateFeatures.Progress] = a[CandidateFeatures.Progress];
            split[CandidateFeatures.KeyFragments] = 1;
            split[CandidateFeatures.Reserved] = 0;
            observation.Count = Actions;
        }

        public void FillState(Span<float> state) => CandidateFeatures.FillState(state, placer, Key, Capacity);

        public void Act(int action)
        {
            int key = Key;
            int count = _choices == 2 ? Actions : 1;
            if ((uint)action >= (uint)count) throw new ArgumentOutOfRangeException(nameof(action), $"action {action} is not among the {count} actions");
            var holding = placer.DefaultHolding(commitCount: false);
            if (action < _choices)
            {
                int block = action == 0 ? _h0 : _h1;
                placer.OpenFragment(key, block, holding);
                placer.Place(block);
                return;
            }
            placer.OpenFragment(key, _h0, holding);
            _splitBatch[key] = _batch;
            placer.Place(placer.Ledger.Loads[_h1] < placer.Ledger.Loads[_h0] ? _h1 : _h0);
        }

        public ReadOnlyMemory<int> Blocks => placer.Blocks.AsMemory(0, placer.Tuples);
        public void EndBatch() => placer.EndBatch();
    }
}
