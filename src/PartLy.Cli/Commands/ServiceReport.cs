using PartLy.Actors;
using PartLy.Core;
using PartLy.Core.Metrics;

namespace PartLy.Cli.Commands;

/// <summary>
/// One partitioner's test batches under emulated service time: the mean measured batch time (blocks out to the last
/// report) against the emulation's prediction from the cost model, and the end-to-end throughput, after warm-up.
/// </summary>
public sealed record ServiceRun(string Partitioner, long Batches, double MeasuredMilliseconds, double PredictedMilliseconds, double TuplesPerSecond, double? CpuShare)
{
    /// <returns>Null when the run has no emulated batches.</returns>
    public static ServiceRun? Of(string partitioner, ExperimentCompleted run, double? cpuShare)
    {
        if (run.TestService is not { Count: > 0 } service) return null;
        int skip = service.Count < 100 ? 0 : service.Count / 5;
        double measured = 0, predicted = 0;
        for (int i = skip; i < service.Count; i++) (measured, predicted) = (measured + service[i].MeasuredSeconds, predicted + service[i].PredictedSeconds);
        int n = service.Count - skip;
        return new ServiceRun(partitioner, service.Count, measured / n * 1e3, predicted / n * 1e3, run.SteadyTestTuplesPerSecond, cpuShare);
    }

    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Partitioner}: batch time {MeasuredMilliseconds:F2} ms measured, {PredictedMilliseconds:F2} ms predicted ({MeasuredMilliseconds / Math.Max(PredictedMilliseconds, 1e-9):F3} of it), {TuplesPerSecond / 1e3:F1}k tuples/s{(CpuShare is { } cpu ? $", CPU {cpu:P0} of the machine" : "")}");
}

/// <summary>
/// <c>partly evaluate --cluster workers=N --service-time emulate ...</c>: the policy and hash through the same worker
/// nodes, where the cluster checks the simulator: the measured batch-time ratio of the learned partitioner against
/// hash beside the cost model's predicted ratio.
/// </summary>
/// <param name="RatioAgreement">The measured ratio over the predicted one, minus 1.</param>
public sealed record ServiceReport(int Workers, int Slots, double Scale, int Partitions, ServiceRun Learned, ServiceRun Hash,
    double MeasuredRatio, double PredictedRatio, double RatioAgreement)
{
    public static ServiceReport Of(int workers, ServiceTime service, int partitions, ServiceRun learned, ServiceRun hash)
    {
        double measured = learned.MeasuredMilliseconds / hash.MeasuredMilliseconds, predicted = learned.PredictedMilliseconds / hash.PredictedMilliseconds;
        return new ServiceReport(workers, service.Slots, service.Scale, partitions, learned, hash, measured, predicted, measured / predicted - 1);
    }

    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"learned ÷ hash batch time: {MeasuredRatio:F3} measured, {PredictedRatio:F3} predicted by the cost model ({RatioAgreement:+0.0%;-0.0%} apart)");

    public void Write(string path) => TypedFiles.WriteJson(path, this);
}
