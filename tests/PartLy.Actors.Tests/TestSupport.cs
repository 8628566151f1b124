using PartLy.Core.Metrics;
using Akka.Configuration;
using PartLy.Core.Partitioning;
using PartLy.Core.Streams;
using PartLy.Learning.Algorithms;
using PartLy.Learning.Rl;
using PartLy.Learning.Scenarios;
using PartLy.Learning.Training;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PartLy.Actors.Tests;

internal static class TestSupport
{
    /// <summary>The tests' settings over hocon/partly.conf (its serializer binding included); every message is serialized, as between nodes.</summary>
    public static readonly Config Hocon = ConfigurationFactory.ParseString("""
        akka.test.timefactor = 3
        akka.loglevel = WARNING
        akka.actor.serialize-messages = on
        partly {
          learner { algorithm = ppo, learning-rate = 3e-4, episodes-per-update = 8, hidden = 8 }
          reward { imbalance = 1, replication = 1, cardinality = 0, migration = 0 }
          cost { a = 1, b = 2, c = 5, d = 10 }
          runtime { in-flight-batches = 2, source-tuples-per-second = 0 }
        }
        """).WithFallback(PartLy.Actors.Configuration.RuntimeConfig.Load().Hocon);

    public static TrainingOptions Options(int batches, ulong seed = 7) =>
        new(PartitionerScenario.ScenarioName, InformationMode.Online, new CostWeights(),
            new LearnerOptions(EpisodesPerUpdate: 8, Hidden: 8), batches, seed);

    public static FeedSpec Feed(ulong seed = 3, int partitions = 10) =>
        new MixFeedSpec(["zipf:z=1.5,keys=2000", "zipf:z=1.0,keys=2000"], [partitions], new BatchPolicy.ByCount(500), 15, seed, 500);
}
