using PartLy.Core.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;

BenchmarkSwitcher.FromAssembly(typeof(RoutingBenchmarks).Assembly).Run(args);

/// <summary>
/// Routing throughput on one core: 1,000,000 Zipf(z=1.0, 10,000 keys) tuples already in memory, cut into batches of
/// 1,000, P = 50. One operation routes all of them; tuples per second = 1,000,000 / mean time.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const int Tuples = 1_000_000, BatchSize = 1000, Partitions = 50;
    private int[][] _batches = [];
    private int[] _blocks = new int[BatchSize];
    private Partitioner _partitioner = null!;

    [Params("hash", "shuffle", "pkg", "pk5", "d-choices", "w-choices", "cam", "dkg", "ch-bl", "greedy", "prompt", "greedy-fill")]
    public string Strategy { get; set; } = "hash";

    [GlobalSetup]
    public void Setup()
    {
        using var source = new SyntheticSource("zipf", 10_000, 1.0, Tuples, 42);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByCount(BatchSize));
        var batches = new List<int[]>();
        while (batcher.TryNext(out var b)) batches.Add(b.Keys);
        _batches = batches.ToArray();
        _partitioner = Strategies.Create(Strategy);
        RouteAll();
    }

    [Benchmark(OperationsPerInvoke = Tuples)]
    public int RouteAll()
    {
        int checksum = 0;
        for (int i = 0; i < _batches.Length; i++)
        {
            _partitioner.Partition(new BatchContext(i, Partitions, BatchSize), _batches[i], _blocks);
            checksum += _blocks[0];
        }
        return checksum;
    }
}

/// <summary>
/// Routing throughput of a learned policy (the general scenario, online) on one core: 1,000,000 Zipf tuples in
/// memory, batches of 1,000, P = 50. The policy is trained briefly in setup: routing cost depends on how many
/// decisions it takes, not on how good its weights are.
/// </summary>
[MemoryDiagnoser]
public class LearnedRoutingBenchmarks
{
    private const int Tuples = 1_000_000, BatchSize = 1000, Partitions = 50;
    private int[][] _batches = [];
    private readonly int[] _blocks = new int[BatchSize];
    private Partitioner _partitioner = null!;

    [Params(1.0, 1.5)]
    public double Z { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var source = new SyntheticSource("zipf", 10_000, Z, Tuples, 42);
        var batcher = new MicroBatcher(source, new BatchPolicy.ByCount(BatchSize));
        var batches = new List<int[]>();
        while (batcher.TryNext(out var b)) batches.Add(b.Keys);
        _batches = batches.ToArray();
        var options = new PartLy.Learning.Training.TrainingOptions(PartLy.Learning.Scenarios.PartitionerScenario.ScenarioName,
            InformationMode.Online, new CostWeights(), new PartLy.Learning.Training.LearnerOptions(), 300, 1);
        var trainer = new PartLy.Learning.Training.Trainer(options);
        using var feed = new PartLy.Learning.Rl.SourceFeed(() => new SyntheticSource("zipf", 10_000, Z, 400_000, 7), new BatchPolicy.ByCount(BatchSize), Partitions);
        var checkpoint = trainer.Run(feed, "bench");
        _partitioner = checkpoint.CreatePartitioner();
        RouteAll();
    }

    [Benchmark(OperationsPerInvoke = Tuples)]
    public int RouteAll()
    {
        int checksum = 0;
        for (int i = 0; i < _batches.Length; i++)
        {
            _partitioner.Partition(new BatchContext(i, Partitions, BatchSize), _batches[i], _blocks);
            checksum += _blocks[0];
        }
        return checksum;
    }
}
