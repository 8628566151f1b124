using PartLy.Core.Metrics;
using PartLy.Core.Scheduling;

namespace PartLy.Core.Tests;

/// <summary>The rules on hand-made load sequences (I = 100 unless said; the batch chosen at b saw batch b − 1).</summary>
public class SchedulerRuleTests
{
    private static SchedulerContext At(long batch, int p, double time, double backlog = 0, double interval = 100, BatchSketch? coming = null, BatchSketch? last = null) =>
        new(batch, p, 1, 64, interval, new BatchTiming(batch - 1, p, 0, 0, time, 0, time, time > interval, time > interval), backlog, coming, last);

    [Fact]
    public void Spark_adds_the_rounded_ratio_at_ninety_percent_and_removes_one_at_thirty()
    {
        var spark = new SparkScheduler();
        Assert.Equal(5, spark.Choose(At(1, 4, 95)));   // 0.95 ≥ 0.9: + round(0.95)
        Assert.Equal(7, spark.Choose(At(2, 5, 160)));  // + round(1.6)
        Assert.Equal(7, spark.Choose(At(3, 7, 50)));   // between: hold
        Assert.Equal(6, spark.Choose(At(4, 7, 30)));   // ≤ 0.3: − 1
        var everyOther = new SparkScheduler(period: 2);
        Assert.Equal(4, everyOther.Choose(At(3, 4, 200))); // not a decision batch
        Assert.Equal(6, everyOther.Choose(At(4, 4, 200)));
    }

    [Fact]
    public void Flink_acts_outside_its_band_towards_seventy_percent_and_scales_down_late_and_by_at_most_forty_percent()
    {
        var flink = new FlinkBandScheduler(delay: 2);
        Assert.Equal(8, flink.Choose(At(1, 4, 140)));  // ⌈4 · 1.4 / 0.7⌉
        Assert.Equal(8, flink.Choose(At(2, 8, 80)));   // inside [0.4, 1.0]
        Assert.Equal(8, flink.Choose(At(3, 8, 30)));   // below for 1 batch of 2
        Assert.Equal(5, flink.Choose(At(4, 8, 30)));   // ⌈8 · 0.3 / 0.7⌉ = 4, but never below ⌈0.6 · 8⌉ = 5
        Assert.Equal(5, flink.Choose(At(5, 5, 30)));   // the count starts again
    }

    [Fact]
    public void The_inversion_rule_fits_the_predicted_time_and_the_backlog_in_ninety_percent_and_scales_down_after_three()
    {
        var inversion = new CostInversionScheduler(CostModel.Default);
        // I = 500, budget 450; the last batch at P = 4 took 440: per-block work (440 − 10·4)·4 = 1600.
        Assert.Equal(4, inversion.Choose(At(1, 4, 440, interval: 500)));               // 1600/4 + 40 = 440 fits; 3 blocks do not
        Assert.Equal(6, inversion.Choose(At(2, 4, 440, backlog: 100, interval: 500)));  // budget 350: 1600/6 + 60 = 327
        // At 6 it took 200: work 840, and 2 blocks would do (420 + 20), after three batches that say so.
        Assert.Equal(6, inversion.Choose(At(3, 6, 200, interval: 500)));
        Assert.Equal(6, inversion.Choose(At(4, 6, 200, interval: 500)));
        Assert.Equal(2, inversion.Choose(At(5, 6, 200, interval: 500)));
    }

    [Fact]
    public void Informed_the_inversion_rule_scales_the_work_by_the_coming_batch_s_tuples_and_distinct_keys()
    {
        var inversion = new CostInversionScheduler(CostModel.Default);
        var before = new BatchSketch(100, 50, []);
        var coming = new BatchSketch(200, 100, []);
        // Work 1600 × (200 + 2·100) / (100 + 2·50) = 3200: 9 blocks (3200/9 + 90 = 445.6), 8 do not (480).
        Assert.Equal(9, inversion.Choose(At(1, 4, 440, interval: 500, coming: coming, last: before)));
        Assert.Equal(4, new CostInversionScheduler(CostModel.Default).Choose(At(1, 4, 440, interval: 500, coming: coming)));  // no sketch of the last batch yet
    }
}
