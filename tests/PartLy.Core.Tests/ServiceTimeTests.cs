using PartLy.Core;
using PartLy.Core.Metrics;

namespace PartLy.Core.Tests;

public class ServiceTimeTests
{
    [Fact]
    public void The_spec_reads_scale_and_slots_with_their_defaults_and_formats_back_to_itself()
    {
        Assert.Equal(new ServiceTime(100, 4), ServiceTime.Parse("emulate"));
        var given = ServiceTime.Parse("emulate:scale=2.5,slots=3");
        Assert.Equal(new ServiceTime(2.5, 3), given);
        Assert.Equal(given, ServiceTime.Parse(given.Format()));
    }

    [Theory]
    [InlineData("sleep", "the only service time is emulate")]
    [InlineData("emulate:slots=0", "slots=0 is outside [1, 64]")]
    [InlineData("emulate:scale=-1", "scale=-1 is outside")]
    [InlineData("emulate:speed=2", "speed")]
    public void A_bad_spec_names_what_is_wrong(string text, string message) =>
        Assert.Contains(message, Assert.Throws<InputException>(() => ServiceTime.Parse(text)).Message);

    [Fact]
    public void The_prediction_serves_each_worker_s_blocks_in_order_on_its_slots_and_ends_with_the_last_worker()
    {
        // Two slots, scale 1 µs per µs. Worker 0 gets blocks of 5, 3, 4: slots end at 5 and 3, then the 4 goes to
        // the slot free at 3 and ends at 7. Worker 1 gets 6 alone. The batch ends at 7 µs.
        var service = new ServiceTime(Scale: 1, Slots: 2);
        double seconds = service.PredictedSeconds([5, 3, 6, 4], [0, 0, 1, 0]);
        Assert.Equal(7e-6, seconds, 12);
        // With a slot per block it is the slowest block, scaled.
        Assert.Equal(6e-6 * 10, new ServiceTime(10, 4).PredictedSeconds([5, 3, 6, 4], [0, 0, 1, 0]), 12);
    }

    [Fact]
    public void The_cost_model_formats_back_to_itself()
    {
        var cost = new CostModel(1.5, 0.25, 7, 11);
        Assert.Equal(cost, CostModel.Parse(cost.Format()));
    }
}
