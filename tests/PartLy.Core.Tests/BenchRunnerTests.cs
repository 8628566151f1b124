using PartLy.Core.Bench;
using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class BenchRunnerTests
{
    private static readonly StreamSpec Stream = new WorkloadStream("zipf:z=1.2,keys=500", 5_000, 3, 500);
    private static readonly BatchPolicy Batches = new BatchPolicy.ByCount(500);

    private sealed class Logged(string name, List<string> log) : Partitioner
    {
        public override string Name => name;

        protected override void Route(in BatchContext context, ReadOnlySpan<int> keys, Span<int> blocks)
        {
            log.Add($"route {name}");
            for (int i = 0; i < keys.Length; i++) blocks[i] = keys[i] % context.Partitions;
        }
    }

    [Fact]
    public void Each_strategy_routes_the_whole_stream_before_the_next_is_made_so_only_one_holds_state_at_a_time()
    {
        var log = new List<string>();
        var entries = new[] { "a", "b", "c" }.Select(n => new BenchEntry(n, () => { log.Add($"make {n}"); return new Logged(n, log); })).ToList();
        BenchRunner.Run(Stream, Batches, 4, entries, CostModel.Default, 3, timeRouting: false);
        var expected = new[] { "a", "b", "c" }.SelectMany(n => new[] { $"make {n}" }.Concat(Enumerable.Repeat($"route {n}", 10))).ToList();
        Assert.Equal(expected, log);
    }

    [Fact]
    public void A_strategy_reaches_the_same_figures_alone_as_beside_others()
    {
        var strategies = new[] { "greedy", "dalton", "pkg", "reserving" };
        var together = BenchRunner.Run(Stream, Batches, 7, strategies.Select(s => new BenchEntry(s, () => Strategies.Create(s))).ToList(), CostModel.Default, 3, timeRouting: false);
        foreach (var (strategy, i) in strategies.Select((s, i) => (s, i)))
        {
            var alone = BenchRunner.Run(Stream, Batches, 7, [new BenchEntry(strategy, () => Strategies.Create(strategy))], CostModel.Default, 3, timeRouting: false);
            Assert.Equal(alone.Results[0], together.Results[i]);
            Assert.Equal(alone.Bounds, together.Bounds);
        }
    }
}
