using Akka.Actor;
using Akka.Cluster;
using Akka.Actor.Dsl;
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

    /// <summary>Joins the nodes to the driver's cluster and waits until all are up.</summary>
    private static async Task Form(ActorSystem driver, params ActorSystem[] nodes)
    {
        Cluster.Get(driver).Join(Cluster.Get(driver).SelfAddress);
        foreach (var node in nodes) Cluster.Get(node).Join(Cluster.Get(driver).SelfAddress);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Cluster.Get(driver).State.Members.Count(m => m.Status == MemberStatus.Up) < nodes.Length + 1)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the {nodes.Length + 1} nodes did not reach MemberUp within 30 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Two_nodes_form_a_cluster_and_a_block_and_its_report_cross_through_the_partly_serializer()
    {
        var driver = ActorSystem.Create("partly", NodeConfig());
        var worker = ActorSystem.Create("partly", NodeConfig());
        try
        {
            await Form(driver, worker);
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

    [Fact]
    public async Task Training_with_the_blocks_on_a_worker_node_gives_the_embedded_run_batch_for_batch()
    {
        var options = TestSupport.Options(24);
        var spec = new ExperimentSpec(options, TestSupport.Feed(), TestSupport.Feed(seed: 9), 8);
        var embedded = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec);

        var driver = ActorSystem.Create("partly", NodeConfig());
        var worker = ActorSystem.Create("partly", NodeConfig());
        try
        {
            await Form(driver, worker);
            // Two workers: one on the worker node, one on the driver; blocks go by range to each.
            worker.ActorOf(WorkerActor.Props(CostModel.Default), WorkerActor.Name);
            driver.ActorOf(WorkerActor.Props(CostModel.Default), WorkerActor.Name);
            var paths = new[] { Cluster.Get(worker).SelfAddress, Cluster.Get(driver).SelfAddress }
                .Select(a => (new RootActorPath(a) / "user" / WorkerActor.Name).ToString()).ToList();
            var clustered = await Run(driver, spec with { Workers = paths }, terminate: false);
            Assert.Equal(embedded.Training.Select(e => e.Reward), clustered.Training.Select(e => e.Reward));
            Assert.Equal(embedded.Test, clustered.Test);
            Assert.Equal(embedded.Weights.Scorer.ToArray(), clustered.Weights.Scorer.ToArray());
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), worker.Terminate());
        }
    }

    [Fact]
    public async Task Training_with_the_learner_as_the_singleton_of_a_learner_node_gives_the_embedded_run_s_policy()
    {
        var options = TestSupport.Options(40);
        var spec = new ExperimentSpec(options, TestSupport.Feed(), TestSupport.Feed(seed: 9), 8);
        var embedded = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec);

        var driver = ActorSystem.Create("partly", NodeConfig());
        var learner = ActorSystem.Create("partly", ConfigurationFactory.ParseString($"akka.cluster.roles = [\"{LearnerHost.Role}\"]").WithFallback(NodeConfig()));
        try
        {
            await Form(driver, learner);
            LearnerSingleton.StartManager(learner);
            driver.ActorOf(WorkerActor.Props(CostModel.Default), WorkerActor.Name);
            var paths = new[] { (new RootActorPath(Cluster.Get(driver).SelfAddress) / "user" / WorkerActor.Name).ToString() };
            var clustered = await Run(driver, spec with { Workers = paths, LearnerOnNodes = true }, terminate: false);
            Assert.Equal(embedded.Training.Select(e => e.Reward), clustered.Training.Select(e => e.Reward));
            Assert.Equal(embedded.Test, clustered.Test);
            Assert.Equal(embedded.Weights.Scorer.ToArray(), clustered.Weights.Scorer.ToArray());
            Assert.Equal(embedded.Weights.Version, clustered.Weights.Version);
            // The learner ran on the learner node: its singleton is there, and the driver has none.
            await learner.ActorSelection($"/user/{LearnerHost.ManagerName}/singleton").ResolveOne(TimeSpan.FromSeconds(5));
            await Assert.ThrowsAsync<ActorNotFoundException>(() => driver.ActorSelection($"/user/{LearnerHost.ManagerName}/singleton").ResolveOne(TimeSpan.FromSeconds(1)));
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), learner.Terminate());
        }
    }

    [Fact]
    public async Task Emulated_service_time_changes_the_time_a_batch_takes_not_its_numbers_and_a_strategy_runs_through_the_same_actors()
    {
        var options = TestSupport.Options(0);
        var spec = new ExperimentSpec(options, null, TestSupport.Feed(seed: 9), 12);
        var service = new ServiceTime(Scale: 10, Slots: 2);
        var driver = ActorSystem.Create("partly", NodeConfig());
        var worker = ActorSystem.Create("partly", NodeConfig());
        try
        {
            await Form(driver, worker);
            worker.ActorOf(WorkerActor.Props(CostModel.Default, service), WorkerActor.Name);
            var paths = new[] { (new RootActorPath(Cluster.Get(worker).SelfAddress) / "user" / WorkerActor.Name).ToString() };
            var plain = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec);
            var served = await Run(driver, spec with { Workers = paths, Service = service }, terminate: false);
            Assert.Equal(plain.Test, served.Test);
            Assert.Null(plain.TestService);
            Assert.Equal(12, served.TestService!.Count);
            Assert.All(served.TestService, s => Assert.True(s.MeasuredSeconds >= s.PredictedSeconds && s.PredictedSeconds > 0, $"{s}"));

            // Hash through the same worker: it never splits a key, and it is the direct hash partitioner's placement.
            var hash = await Run(driver, spec with { Workers = paths, Service = service, TestStrategy = "hash" }, terminate: false);
            Assert.All(hash.Test, m => Assert.Equal(1.0, m.Replication));
            Assert.NotEqual(plain.Test.Select(m => m.SizeImbalance), hash.Test.Select(m => m.SizeImbalance));
            var direct = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec with { TestStrategy = "hash" });
            Assert.Equal(direct.Test, hash.Test);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), worker.Terminate());
        }
    }

    [Fact]
    public async Task Blocks_that_never_report_while_their_worker_is_reachable_fail_the_run_with_what_is_missing()
    {
        var driver = ActorSystem.Create("partly", NodeConfig());
        var worker = ActorSystem.Create("partly", NodeConfig());
        try
        {
            await Form(driver, worker);
            // The path names no actor on the worker node: every block sent there is lost as a dead letter.
            var nowhere = (new RootActorPath(Cluster.Get(worker).SelfAddress) / "user" / "nobody").ToString();
            var spec = new ExperimentSpec(TestSupport.Options(24), TestSupport.Feed(), TestSupport.Feed(seed: 9), 8, Workers: [nowhere], ReportTimeoutSeconds: 2);
            var reply = await driver.ActorOf(ExperimentActor.Props(spec)).Ask<object>(RunExperiment.Instance, TimeSpan.FromSeconds(30));
            var failed = Assert.IsType<ExperimentFailed>(reply);
            Assert.Matches(@"batch 0: 10 of its 10 blocks have not reported in \d+ s with 1 worker nodes reachable \(partly\.runtime\.report-timeout-seconds is 2\)", failed.Reason);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), worker.Terminate());
        }
    }

    private static ActorSystem AgentNode()
    {
        var node = ActorSystem.Create("partly", ConfigurationFactory.ParseString($"akka.cluster.roles = [\"{AgentHost.Role}\"]").WithFallback(NodeConfig()));
        node.ActorOf(AgentHost.Props(), AgentHost.Name);
        return node;
    }

    private static string HostPath(ActorSystem node) => (new RootActorPath(Cluster.Get(node).SelfAddress) / "user" / AgentHost.Name).ToString();

    [Fact]
    public async Task Training_with_the_source_scheduler_and_agent_on_an_agent_node_gives_the_embedded_run_batch_for_batch()
    {
        var options = TestSupport.Options(24);
        var spec = new ExperimentSpec(options, TestSupport.Feed(), TestSupport.Feed(seed: 9), 8);
        var embedded = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec);

        var driver = ActorSystem.Create("partly", NodeConfig());
        var agent = AgentNode();
        try
        {
            await Form(driver, agent);
            // The blocks go to a worker on the driver: episodes, weights, blocks and reports all cross the nodes.
            driver.ActorOf(WorkerActor.Props(CostModel.Default), WorkerActor.Name);
            var paths = new[] { (new RootActorPath(Cluster.Get(driver).SelfAddress) / "user" / WorkerActor.Name).ToString() };
            var clustered = await Run(driver, spec with { Workers = paths, AgentHosts = [HostPath(agent)] }, terminate: false);
            Assert.Equal(embedded.Training.Select(e => e.Reward), clustered.Training.Select(e => e.Reward));
            Assert.Equal(embedded.Test, clustered.Test);
            Assert.Equal(embedded.Weights.Scorer.ToArray(), clustered.Weights.Scorer.ToArray());
            Assert.Equal(embedded.Weights.Version, clustered.Weights.Version);
            // The phases ran on the agent node and are stopped there.
            Assert.Equal(spec.TestBatches, clustered.TestCompletedAt.Count);
            await AwaitNoChildren(agent);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), agent.Terminate());
        }
    }

    [Fact]
    public async Task Two_lanes_on_two_agent_nodes_give_the_embedded_two_lane_run_batch_for_batch()
    {
        var options = TestSupport.Options(40);
        var spec = new ExperimentSpec(options, TestSupport.Feed(), TestSupport.Feed(seed: 9), 8, Lanes: 2);
        var embedded = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec);
        var single = await Run(ActorSystem.Create("partly", TestSupport.Hocon), spec with { Lanes = 1 });
        Assert.NotEqual(single.Training.Select(e => e.Reward), embedded.Training.Select(e => e.Reward)); // each lane samples with its own seed

        var driver = ActorSystem.Create("partly", NodeConfig());
        var (first, second) = (AgentNode(), AgentNode());
        try
        {
            await Form(driver, first, second);
            var clustered = await Run(driver, spec with { Lanes = 1, AgentHosts = [HostPath(first), HostPath(second)] }, terminate: false);
            Assert.Equal(embedded.Training, clustered.Training);
            Assert.Equal(embedded.Test, clustered.Test);
            Assert.Equal(embedded.Weights.Scorer.ToArray(), clustered.Weights.Scorer.ToArray());
            Assert.Equal(embedded.Weights.Version, clustered.Weights.Version);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), first.Terminate(), second.Terminate());
        }
    }

    [Fact]
    public async Task An_agent_node_lost_mid_run_ends_the_run_with_a_message_naming_it()
    {
        var spec = new ExperimentSpec(TestSupport.Options(1_000_000), TestSupport.Feed(), null, 0);
        var driver = ActorSystem.Create("partly", NodeConfig());
        var agent = AgentNode();
        try
        {
            await Form(driver, agent);
            var address = Cluster.Get(agent).SelfAddress;
            var run = driver.ActorOf(ExperimentActor.Props(spec with { AgentHosts = [HostPath(agent)] })).Ask<object>(RunExperiment.Instance, TimeSpan.FromSeconds(60));
            await Task.Delay(1000);
            Assert.False(run.IsCompleted);
            await agent.Terminate();
            var failed = Assert.IsType<ExperimentFailed>(await run);
            Assert.Contains($"the agent node {address} is lost", failed.Reason);
            Assert.Contains("training batches): the run stops", failed.Reason);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), agent.Terminate());
        }
    }

    [Fact]
    public async Task An_agent_node_lost_with_two_lanes_moves_its_lane_to_the_node_left_and_every_batch_completes_once()
    {
        var spec = new ExperimentSpec(TestSupport.Options(2000), TestSupport.Feed(), TestSupport.Feed(seed: 9), 8);
        var driver = ActorSystem.Create("partly", NodeConfig());
        var (first, second) = (AgentNode(), AgentNode());
        try
        {
            await Form(driver, first, second);
            var started = new TaskCompletionSource();
            var watcher = driver.ActorOf(dsl => dsl.Receive<ExperimentProgress>((p, _) => { if (p.Batch.Sequence >= 100) started.TrySetResult(); }));
            var experiment = driver.ActorOf(ExperimentActor.Props(spec with { AgentHosts = [HostPath(first), HostPath(second)] }));
            experiment.Tell(SubscribeProgress.Instance, watcher);
            var run = experiment.Ask<object>(RunExperiment.Instance, TimeSpan.FromSeconds(120));
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // Its lane stops at once (as with SIGKILL), then the node leaves: a graceful leave alone lets the lane run on meanwhile.
            second.Stop(await second.ActorSelection($"/user/{AgentHost.Name}").ResolveOne(TimeSpan.FromSeconds(5)));
            await second.Terminate();
            var done = Assert.IsType<ExperimentCompleted>(await run);
            // The lost lane went on from its first batch not completed on the node left: each batch once, in order, every update made.
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), done.Training.Select(e => e.Episode));
            Assert.Equal(PartLy.Learning.Training.Learner.Updates(2000, 8), done.Weights.Version);
            Assert.Equal(8, done.Test.Count);
            Assert.Equal((1, 1), (done.AgentNodesLost, done.LanesMoved));
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), first.Terminate(), second.Terminate());
        }
    }

    [Fact]
    public async Task An_agent_node_that_never_reports_fails_the_run_after_the_report_timeout_naming_it()
    {
        var spec = new ExperimentSpec(TestSupport.Options(100), TestSupport.Feed(), null, 0, ReportTimeoutSeconds: 2);
        var driver = ActorSystem.Create("partly", NodeConfig());
        // An agent node with no agent host: the phase it is sent never starts.
        var silent = ActorSystem.Create("partly", ConfigurationFactory.ParseString($"akka.cluster.roles = [\"{AgentHost.Role}\"]").WithFallback(NodeConfig()));
        try
        {
            await Form(driver, silent);
            var failed = Assert.IsType<ExperimentFailed>(await driver.ActorOf(ExperimentActor.Props(spec with { AgentHosts = [HostPath(silent)] }))
                .Ask<object>(RunExperiment.Instance, TimeSpan.FromSeconds(30)));
            Assert.Contains($"train: the agent node {Cluster.Get(silent).SelfAddress} (lane 0 of 1) has reported nothing in", failed.Reason);
            Assert.Contains("partly.runtime.report-timeout-seconds is 2", failed.Reason);
        }
        finally
        {
            await Task.WhenAll(driver.Terminate(), silent.Terminate());
        }
    }

    private static async Task AwaitNoChildren(ActorSystem node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var identity = await node.ActorSelection($"/user/{AgentHost.Name}/*").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(1)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
            if (identity?.Subject is null) return;
            Assert.True(DateTime.UtcNow < deadline, "the agent node's phase actors were not stopped");
            await Task.Delay(100);
        }
    }

    private static async Task<ExperimentCompleted> Run(ActorSystem system, ExperimentSpec spec, bool terminate = true)
    {
        try
        {
            var reply = await system.ActorOf(ExperimentActor.Props(spec)).Ask<object>(RunExperiment.Instance, TimeSpan.FromSeconds(60));
            return Assert.IsType<ExperimentCompleted>(reply);
        }
        finally
        {
            if (terminate) await system.Terminate();
        }
    }
}
