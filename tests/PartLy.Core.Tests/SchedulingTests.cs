using PartLy.Core.Metrics;
using PartLy.Core.Partitioning;
using PartLy.Core.Scheduling;
using PartLy.Core.Streams;

namespace PartLy.Core.Tests;

public class SchedulingTests
{
    [Fact]
    public void The_queue_delays_a_batch_behind_a_slow_one_and_drains_when_batches_are_quick()
    {
        // I = 100. Ready at 100, 200, 300, 400, 500; processing 150, 150, 50, 50, 50.
        var queue = new BatchQueue(100);
        var timings = new[] { (100, 150), (200, 150), (300, 50), (400, 50), (500, 50) }.Select(x => queue.Run(x.Item1, x.Item2, 4)).ToList();
        Assert.Equal(new double[] { 100, 250, 400, 450, 500 }, timings.Select(t => t.Start));
        Assert.Equal(new double[] { 0, 50, 100, 50, 0 }, timings.Select(t => t.Delay));
        Assert.Equal(new double[] { 150, 200, 150, 100, 50 }, timings.Select(t => t.Latency));
        Assert.Equal(new[] { true, true, true, false, false }, timings.Select(t => t.Late)); // on time at latency = I
        Assert.Equal(new[] { true, true, false, false, false }, timings.Select(t => t.OverInterval));
        Assert.Equal(0, queue.Backlog);
    }

    [Fact]
    public void The_backlog_is_the_work_left_when_the_next_batch_is_ready()
    {
        var queue = new BatchQueue(100);
        queue.Run(100, 150, 4);
        queue.Run(200, 150, 4);
        Assert.Equal(100, queue.Backlog); // batch 1 ends at 400; batch 2 is ready at 300
    }

    [Fact]
    public void Ds2_sizes_p_to_a_window_s_busy_time_then_waits_out_its_warm_up()
    {
        // Decision windows of 2 batches, 1 warm-up batch. The batch chosen at b saw batch b − 1.
        var ds2 = new Ds2Scheduler(warmup: 1, window: 2);
        SchedulerContext At(long batch, int p, double time) => new(batch, p, 1, 64, 100, new BatchTiming(batch - 1, p, 0, 0, time, 0, time, time > 100, time > 100), 0);
        Assert.Equal(10, ds2.Choose(At(1, 10, 140)));   // first batch of the window
        Assert.Equal(15, ds2.Choose(At(2, 10, 160)));   // ⌈10 · mean(140, 160) / 100⌉ = 15
        Assert.Equal(15, ds2.Choose(At(3, 15, 500)));   // batch 2, the first at 15, is the warm-up: ignored
        Assert.Equal(15, ds2.Choose(At(4, 15, 100)));
        Assert.Equal(15, ds2.Choose(At(5, 15, 100)));   // ⌈15 · 100 / 100⌉ = 15: no change
        Assert.Equal(15, ds2.Choose(At(6, 15, 300)));
        Assert.Equal(60, ds2.Choose(At(7, 15, 500)));   // ⌈15 · mean(300, 500) / 100⌉ = 60
        Assert.Equal(60, ds2.Choose(At(8, 60, 900)));   // warm-up
        Assert.Equal(60, ds2.Choose(At(9, 60, 200)));
        Assert.Equal(64, ds2.Choose(At(10, 60, 200)));  // ⌈60 · 2⌉ = 120, capped at the largest parallelism
        Assert.Equal(10, new Ds2Scheduler().Choose(new SchedulerContext(0, 10, 1, 64, 100, null, 0))); // nothing seen yet
    }

    [Fact]
    public void On_a_spike_ds2_scales_up_and_has_fewer_late_batches_than_a_fixed_p()
    {
        // 1,000,000 tuples/s cut every 1 ms: 1,000 tuples a batch, about 0.6 of the interval on 4 blocks; ×2.6 for 20 batches.
        var stream = new WorkloadStream("zipf:z=1,keys=10000,rate=1000000,spike=2.6@40+20", 150_000, 3, 1000);
        var policy = (BatchPolicy.ByInterval)BatchPolicy.Parse("1ms", "--batch");
        var fixedRun = SchedulingRun.Run(stream, policy, Strategies.Create("greedy"), new FixedScheduler(), CostModel.Default, 4, 32);
        var ds2Run = SchedulingRun.Run(stream, policy, Strategies.Create("greedy"), new Ds2Scheduler(), CostModel.Default, 4, 32);
        // (The first batch has no size to expect yet and is placed less evenly.)
        Assert.True(fixedRun.Skip(1).Take(34).All(t => !t.Late), $"the base load is on time at P = 4: {string.Join(", ", fixedRun.Take(35).Select(t => t.ProcessingTime))}");
        int fixedLate = fixedRun.Count(t => t.Late), ds2Late = ds2Run.Count(t => t.Late);
        Assert.True(fixedLate >= 20, $"a fixed P is late through the spike ({fixedLate})");
        Assert.True(ds2Late < fixedLate, $"DS2 late {ds2Late}, fixed {fixedLate}");
        Assert.True(ds2Run.Skip(40).Take(20).Max(t => t.Partitions) > 4);
        Assert.Equal(ds2Run, SchedulingRun.Run(stream, policy, Strategies.Create("greedy"), new Ds2Scheduler(), CostModel.Default, 4, 32));
    }

    [Fact]
    public void The_oracle_takes_for_each_batch_the_smallest_p_on_time_as_brute_force_finds_it()
    {
        var stream = new WorkloadStream("zipf:z=1.2,keys=2000,rate=1000000,spike=2.6@5+5", 20_000, 5, 1000);
        var policy = (BatchPolicy.ByInterval)BatchPolicy.Parse("1ms", "--batch");
        var oracle = Oracle.Run(stream, policy, () => new CapacityGreedy(), CostModel.Default, 1, 12);
        using var source = stream.Open();
        var batcher = new MicroBatcher(source, policy);
        int b = 0;
        while (batcher.TryNext(out var batch))
        {
            // The greedy keeps nothing across batches: a fresh one per P places the batch as the oracle's did.
            var times = Enumerable.Range(1, 12).Select(p =>
            {
                var blocks = new int[batch.Count];
                new CapacityGreedy().Partition(new BatchContext(batch.Index, p, batch.Count), batch.Keys, blocks);
                return new BatchAnalyzer().Analyze(batch.Keys, blocks, p).ProcessingTime;
            }).ToList();
            int expected = times.FindIndex(t => t <= 1000) + 1;
            Assert.Equal(expected == 0 ? 12 : expected, oracle.Partitions[b++]);
        }
        Assert.Equal(b, oracle.Partitions.Count);
        Assert.True(oracle.Partitions.Skip(5).Take(5).Min() > oracle.Partitions.Take(4).Max(), "the spike needs more blocks");
    }

    [Fact]
    public void Recovery_counts_the_batches_after_the_last_change_until_three_in_a_row_are_on_time()
    {
        // I = 100; batches ready at 100, 200, ...; the rate changes at 300, so the first batch after it is the one
        // cut over [300, 400), ready at 400. Late: 400, 500, 700; on time: 600, 800, 900, 1000 → the streak starts at
        // 800, after four batches (400, 500, 600, 700): recovery 4.
        bool[] late = [false, false, false, true, true, false, true, false, false, false];
        var run = late.Select((l, i) => new BatchTiming(i, 4, 100 * (i + 1), 0, 0, 0, l ? 150 : 50, l, false)).ToList();
        Assert.Equal(4, ScheduleSummary.Recovery(run, 100, 300));
        Assert.Null(ScheduleSummary.Recovery(run, 100, null));
        Assert.Equal(2, ScheduleSummary.Recovery(run, 100, 800)); // never three in a row after 800: the rest of the run
        Assert.Equal(40 + 20, new RateProfile(SpikeFactor: 2.6, SpikeBatch: 40, SpikeLength: 20).LastChange);
        Assert.Equal(100, new RateProfile(StepFactor: 1.5, StepBatch: 100).LastChange);
        Assert.Null(new RateProfile(Noise: 0.1).LastChange);
    }

    [Fact]
    public void Dhalion_grows_with_backpressure_then_sleeps_and_steps_down_when_idle()
    {
        var dhalion = new DhalionScheduler(cooldown: 2);
        SchedulerContext At(long batch, int p, double time, double backlog) => new(batch, p, 1, 64, 100, new BatchTiming(batch - 1, p, 0, 0, time, 0, time, false, false), backlog);
        Assert.Equal(8, dhalion.Choose(At(1, 4, 150, 50)));    // bp 500: ⌈4 · (1 + 500/500)⌉
        Assert.Equal(8, dhalion.Choose(At(2, 8, 150, 50)));    // asleep for 2 batches
        Assert.Equal(8, dhalion.Choose(At(3, 8, 40, 0)));      // idle 1
        Assert.Equal(7, dhalion.Choose(At(4, 8, 40, 0)));      // idle 2: one less
        Assert.Equal(35, dhalion.Choose(At(6, 7, 300, 500)));  // backlog ≥ I: growth capped at 4, ⌈7 · 5⌉
    }

    private sealed class Scripted(Dictionary<long, int> plan) : IScheduler
    {
        public string Name => "scripted";
        public int Choose(SchedulerContext context) => plan.TryGetValue(context.Batch, out int p) ? p : context.Partitions;
    }

    [Fact]
    public void More_blocks_arrive_after_the_provisioning_lag_and_a_rescale_charges_the_moved_state()
    {
        var stream = new WorkloadStream("zipf:z=1,keys=2000,rate=1000000", 20_000, 3, 1000);
        var policy = (BatchPolicy.ByInterval)BatchPolicy.Parse("1ms", "--batch");
        var plan = new Dictionary<long, int> { [3] = 8, [10] = 2 };
        IReadOnlyList<BatchTiming> Run(int lag, double migration) =>
            SchedulingRun.Run(stream, policy, Strategies.Create("greedy"), new Scripted(plan), CostModel.Default, 4, 16, migrationCost: migration, lag: lag);
        var now = Run(0, 0);
        Assert.Equal(8, now[3].Partitions);
        var later = Run(2, 0);
        Assert.Equal(new[] { 4, 4, 8 }, later.Skip(3).Take(3).Select(t => t.Partitions)); // asked at 3, there at 5
        Assert.Equal(2, later[10].Partitions);                                            // fewer blocks at once
        Assert.True(later[5].Rescaled && !later[4].Rescaled);
        Assert.Equal(0.5, later[5].MigrationFloor);                                        // 4 → 8: |ΔP| / max = 4 / 8
        var charged = Run(2, 1);
        for (int i = 0; i < later.Count; i++)
        {
            double extra = charged[i].ProcessingTime - later[i].ProcessingTime;
            if (later[i].Rescaled) Assert.True(extra > 0, $"batch {i}: a rescale moves state");
            else Assert.Equal(0, extra);
        }
    }

    [Fact]
    public void The_team_cost_charges_lateness_overrun_resources_and_rescales()
    {
        var team = new TeamCost();
        // Late, T = 1.5·I on 8 blocks (P₀ = 4), rescaled: 1 + 0.5 + 0.1·2 + 0.1.
        var batch = new BatchTiming(3, 8, 0, 0, 150, 0, 150, true, true, Rescaled: true);
        Assert.Equal(1.8, team.Of(batch, 100, 4), 12);
        Assert.Equal(0.1, team.Of(new BatchTiming(4, 4, 0, 0, 50, 0, 50, false, false), 100, 4), 12);
        Assert.Equal(new TeamCost(2, 0, 0, 1), TeamCost.Parse("late=2,overrun=0,resources=0,rescale=1"));
        Assert.Throws<InputException>(() => TeamCost.Parse("lateness=1"));
    }

    private sealed class Recorder : IScheduler
    {
        public List<SchedulerContext> Seen { get; } = [];
        public string Name => "recorder";
        public int Choose(SchedulerContext context) { Seen.Add(context); return context.Partitions; }
    }

    [Fact]
    public void Informed_rules_are_told_a_sketch_of_the_coming_batch_and_reactive_ones_are_not()
    {
        var stream = new WorkloadStream("zipf:z=1,keys=2000,rate=1000000,step=2@5", 20_000, 3, 1000);
        var policy = (BatchPolicy.ByInterval)BatchPolicy.Parse("1ms", "--batch");
        var reactive = new Recorder();
        SchedulingRun.Run(stream, policy, Strategies.Create("greedy"), reactive, CostModel.Default, 4, 16);
        Assert.All(reactive.Seen, c => { Assert.Null(c.Coming); Assert.Null(c.LastSketch); });
        var informed = new Recorder();
        var run = SchedulingRun.Run(stream, policy, Strategies.Create("greedy"), informed, CostModel.Default, 4, 16, informed: true);
        Assert.Equal(run.Select(t => t.Tuples), informed.Seen.Select(c => c.Coming!.Tuples));
        Assert.Equal(run.Take(run.Count - 1).Select(t => t.Tuples), informed.Seen.Skip(1).Select(c => c.Last!.Value.Tuples));
        Assert.Equal(informed.Seen.Take(run.Count - 1).Select(c => c.Coming), informed.Seen.Skip(1).Select(c => c.LastSketch));
    }

    [Fact]
    public void A_batch_sketch_estimates_distinct_keys_within_a_few_percent_and_never_undercounts_the_heaviest()
    {
        var rng = new Random(11);
        var keys = new int[20_000];
        for (int i = 0; i < keys.Length; i++) keys[i] = i % 4 == 0 ? 7 : i % 9 == 0 ? 8 : rng.Next(1_000_000);
        var sketch = BatchSketch.Of(keys);
        int distinct = keys.Distinct().Count();
        Assert.InRange(sketch.DistinctKeys, distinct * 0.95, distinct * 1.05);
        Assert.True(sketch.Heaviest[0] >= 5000 && sketch.Heaviest[1] >= keys.Count(k => k == 8), $"{sketch.Heaviest[0]}, {sketch.Heaviest[1]}");
        Assert.Equal((double)sketch.Heaviest[0] / keys.Length, sketch.TopShare);
        Assert.Equal(BatchSketch.Counters, sketch.Heaviest.Count);
        var empty = BatchSketch.Of([]);
        Assert.Equal((0, 0.0, 0.0), (empty.Tuples, empty.DistinctKeys, empty.TopShare));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(10.0)]
    public void The_clairvoyant_bound_is_the_cheapest_on_time_sequence_as_brute_force_finds_it(double rescaleCost)
    {
        // 7 batches, P in 1..4; a batch is on time from its own smallest P up (batch 4: only at 2, as a d·P term can do).
        int[] smallest = [1, 3, 1, 2, 4, 1, 3];
        var onTime = smallest.Select((m, b) => Enumerable.Range(1, 4).Select(p => b == 4 ? p == 4 : p >= m).ToArray()).ToList();
        onTime[3] = [false, true, false, false];
        var oracle = new OracleRun(onTime.Select(f => Array.IndexOf(f, true) + 1).ToList(), 0, onTime, 1);
        var (chosen, rescales) = ClairvoyantBound.Solve(oracle, rescaleCost);
        double Cost(IReadOnlyList<int> ps) => ps.Sum() + rescaleCost * ps.Zip(ps.Skip(1)).Count(x => x.First != x.Second);
        double best = double.PositiveInfinity;
        for (int code = 0; code < 1 << 14; code++)
        {
            var ps = Enumerable.Range(0, 7).Select(b => (code >> (2 * b) & 3) + 1).ToArray();
            if (ps.Select((p, b) => onTime[b][p - 1]).All(x => x)) best = Math.Min(best, Cost(ps));
        }
        Assert.True(chosen.Select((p, b) => onTime[b][p - 1]).All(x => x), "every batch on time");
        Assert.Equal(best, Cost(chosen), 9);
        Assert.Equal(chosen.Zip(chosen.Skip(1)).Count(x => x.First != x.Second), rescales);
        if (rescaleCost == 0) Assert.Equal(oracle.Partitions.Sum(), chosen.Sum()); // free rescales: the oracle's sum
        Assert.True(chosen.Sum() >= oracle.Partitions.Sum());
    }

    [Fact]
    public void The_prompt_reconstruction_scales_to_ninety_percent_above_the_interval_and_after_three_quiet_batches()
    {
        var prompt = new PromptScheduler();
        SchedulerContext At(long batch, int p, double time) => new(batch, p, 1, 64, 100, new BatchTiming(batch - 1, p, 0, 0, time, 0, time, time > 100, time > 100), 0);
        Assert.Equal(9, prompt.Choose(At(1, 4, 188)));  // ⌈4 · 1.88 / 0.9⌉
        Assert.Equal(9, prompt.Choose(At(2, 9, 95)));   // within the interval: hold
        Assert.Equal(9, prompt.Choose(At(3, 9, 50)));
        Assert.Equal(9, prompt.Choose(At(4, 9, 55)));
        Assert.Equal(6, prompt.Choose(At(5, 9, 55)));   // third below 0.6: ⌈9 · 0.55 / 0.9⌉
        Assert.Equal(6, prompt.Choose(At(6, 6, 59)));   // the count starts again
        Assert.Equal(6, prompt.Choose(At(7, 6, 61)));   // 0.61 breaks it
    }

    [Fact]
    public void Settling_counts_the_rescales_after_the_change_until_p_holds_twenty_batches_on_time()
    {
        static List<BatchTiming> Run(int[] partitions, params int[] late) =>
            partitions.Select((p, i) => new BatchTiming(i, p, (i + 1) * 100.0, 0, 50, 0, late.Contains(i) ? 150 : 50, late.Contains(i), false)).ToList();
        int[] ps = [4, 4, 4, 6, 6, .. Enumerable.Repeat(5, 25)];
        Assert.Equal(2, ScheduleSummary.Settling(Run(ps), 100, 200));
        // A late batch at 10 restarts the count, but P holds: still 2; a rescale later than 20 settled batches is not counted.
        Assert.Equal(2, ScheduleSummary.Settling(Run([.. ps, 7, 7]), 100, 200));
        Assert.Equal(3, ScheduleSummary.Settling(Run([.. ps[..10], .. Enumerable.Repeat(7, 25)], 8), 100, 200));
        Assert.Equal(1, ScheduleSummary.Settling(Run(ps), 100, 500)); // batch 5, the first after the change, rescales
        Assert.Equal(0, ScheduleSummary.Settling(Run(ps), 100, 600));
        Assert.Null(ScheduleSummary.Settling(Run(ps), 100, null));
    }
}
