using System.ComponentModel;
using PartLy.Actors;
using PartLy.Actors.Configuration;
using PartLy.Cli.Options;
using PartLy.Core;
using PartLy.Core.Metrics;
using Spectre.Console.Cli;

namespace PartLy.Cli.Commands;

public sealed class NodeSettings : CommandSettings
{
    [CommandOption("--roles <LIST>")]
    [Description("The node's roles, comma-separated: worker (processes the blocks agents send it), learner (may host the learner, the cluster singleton of the learner nodes), agent (runs the source, scheduler and agent an experiment sends it).")]
    public string Roles { get; init; } = "";

    [CommandOption("--seed <ADDRESS>")]
    [Description("The address of a node already in the cluster (akka.tcp://partly@127.0.0.1:PORT), as the driver prints it. Without it the node starts a cluster of its own.")]
    public string? Seed { get; init; }

    [CommandOption("--port <PORT>")]
    [Description("TCP port on 127.0.0.1 (0: any free port). Default 0.")]
    public int Port { get; init; }

    [CommandOption("--cost <COEFFICIENTS>")]
    [Description("The cost model a=..,b=..,c=..,d=.. of the blocks' time (the driver passes its own). Default: partly.cost of the configuration.")]
    public string? Cost { get; init; }

    [CommandOption("--service-time <SPEC>")]
    [Description("emulate[[:scale=S,slots=K]]: serve each block for its cost-model time as wall-clock, S µs per cost-model µs (default 100) on K task slots (default 4).")]
    public string? ServiceTime { get; init; }

    [CommandOption("--config <FILE>")]
    [Description("A HOCON file layered on top of hocon/partly.conf and hocon/cluster.conf.")]
    public string? Config { get; init; }
}

/// <summary>
/// <c>partly node</c>: one node of a multi-node run. It prints its address when it has joined, and leaves the cluster
/// and exits when its standard input closes, so that a node its driver started never outlives the driver.
/// </summary>
public sealed class NodeCommand : Command<NodeSettings>
{
    public static readonly string[] Allowed = [ClusterNodes.WorkerRole, ClusterNodes.LearnerRole, ClusterNodes.AgentRole];

    /// <summary>The command that runs this partly program (for the driver to start nodes with).</summary>
    public static string[] Self() => ["dotnet", typeof(NodeCommand).Assembly.Location];

    public override int Execute(CommandContext context, NodeSettings settings, CancellationToken cancellationToken)
    {
        var roles = settings.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (roles.Length == 0) throw new InputException($"--roles: give at least one of {string.Join(", ", Allowed)}");
        foreach (string role in roles)
            if (!Allowed.Contains(role)) throw new InputException($"--roles: unknown role '{role}' (allowed: {string.Join(", ", Allowed)})");
        if (settings.Port is < 0 or > 65535) throw new InputException($"--port must be within [0, 65535], got {settings.Port}");
        if (settings.Seed is not null && !Akka.Actor.Address.TryParse(settings.Seed, out _))
            throw new InputException($"--seed '{settings.Seed}' is not an address such as akka.tcp://partly@127.0.0.1:4053");
        var runtime = RuntimeConfig.Load(settings.Config);
        var cost = settings.Cost is null ? runtime.Cost : new Named<string>(settings.Cost, "--cost").Parse(CostModel.Parse);
        var service = settings.ServiceTime is null ? null : new Named<string>(settings.ServiceTime, "--service-time").Parse(ServiceTime.Parse);
        var config = ClusterNodes.NodeConfig(runtime.Hocon, roles, settings.Port);
        var stop = Task.Run(() => { while (Console.In.Read() != -1) { } }, CancellationToken.None);
        ClusterNodes.RunNodeAsync(config, settings.Seed, roles, cost, service, address => Console.WriteLine($"node {address} ready"),
            Task.WhenAny(stop, Task.Delay(Timeout.Infinite, cancellationToken))).GetAwaiter().GetResult();
        return 0;
    }
}
