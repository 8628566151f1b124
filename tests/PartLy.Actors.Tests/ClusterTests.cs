using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PartLy.Actors.Configuration;
using PartLy.Core.Metrics;

namespace PartLy.Actors.Tests;

/// <summary>Two nodes on 127.0.0.1 with hocon/cluster.conf: they form a cluster and a block crosses between them.</summary>
public class ClusterTests
{
    private static Config NodeConfig() =>
        ConfigurationFactory.ParseString("akka.loglevel = WARNING")
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf"))))
            .WithFallback(RuntimeConfig.Load().Hocon);

    [Fact]
    public async Task Two_nodes_form_a_cluster_and_a_block_and_its_report_cross_through_the_partly_serializer()
    {
        var driver = ActorSystem.Create("partly", NodeConfig());
        var worker = ActorSystem.Create("partly", NodeConfig());
        try
        {
            Cluster.Get(driver).Join(Cluster.Get(driver).SelfAddress);
            Cluster.Get(worker).Join(Cluster.Get(driver).SelfAddress);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Cluster.Get(driver).State.Members.Count(m => m.Status == MemberStatus.Up) < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the two nodes did not reach MemberUp within 30 s");
                await Task.Delay(100);
            }
            worker.ActorOf(PartitionActor.Props(CostModel.Default), "partition-0");
            var remote = await driver.ActorSelection(new RootActorPath(Cluster.Get(worker).SelfAddress) / "user" / "partition-0").ResolveOne(TimeSpan.FromSeconds(10));
            Assert.NotEqual(Cluster.Get(driver).SelfAddress, remote.Path.Address);
            var report = await remote.Ask<BlockProcessed>(new ProcessBlock(3, 0, [1, 2, 2, 5]), TimeSpan.FromSeconds(10));
            Assert.Equal(new BlockProcessed(3, 0, 4, 3, CostModel.Default.BlockTime(4, 3)), report);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), worker.Terminate());
        }
    }
}
