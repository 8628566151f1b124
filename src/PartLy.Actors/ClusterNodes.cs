using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PartLy.Core;

namespace PartLy.Actors;

/// <summary>
/// Multi-node runs on Akka.Cluster (127.0.0.1): the configuration (hocon/cluster.conf over the runtime's), a node's
/// life (<c>partly node</c>), and the driver's side: starting worker node processes, waiting until they are up, and
/// stopping them (their standard input closes; they leave and exit, and any still alive after 10 s is killed).
/// </summary>
public static class ClusterNodes
{
    public const string WorkerRole = "worker";
    public const string LearnerRole = LearnerHost.Role;
    public const string AgentRole = AgentHost.Role;

    /// <summary>The node configuration: roles and port over hocon/cluster.conf over <paramref name="runtime"/>.</summary>
    public static Config NodeConfig(Config runtime, IEnumerable<string> roles, int port = 0)
    {
        string file = Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf");
        if (!File.Exists(file)) throw new InputException($"{file}: the cluster configuration is missing from the installation");
        string roleList = string.Join(", ", roles.Select(r => $"\"{r}\""));
        return ConfigurationFactory.ParseString($"akka.cluster.roles = [{roleList}]\nakka.remote.dot-netty.tcp.port = {port}")
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(file)))
            .WithFallback(runtime);
    }

    /// <summary>
    /// Runs one node until <paramref name="stop"/> completes: joins <paramref name="seed"/> (itself when null), starts
    /// a <see cref="WorkerActor"/> when it has the worker role, reports its address through <paramref name="ready"/>,
    /// then leaves the cluster.
    /// </summary>
    /// <param name="service">Emulated service time for the worker's blocks, or null.</param>
    public static async Task RunNodeAsync(Config config, string? seed, IReadOnlyList<string> roles, Core.Metrics.CostModel cost, Core.Metrics.ServiceTime? service,
        Action<Address> ready, Task stop)
    {
        using var system = ActorSystem.Create("partly", config);
        var cluster = Cluster.Get(system);
        if (roles.Contains(WorkerRole)) system.ActorOf(WorkerActor.Props(cost, service), WorkerActor.Name);
        if (roles.Contains(LearnerHost.Role)) LearnerSingleton.StartManager(system);
        if (roles.Contains(AgentHost.Role)) system.ActorOf(AgentHost.Props(), AgentHost.Name);
        cluster.Join(seed is null ? cluster.SelfAddress : Address.Parse(seed));
        ready(cluster.SelfAddress);
        await Task.WhenAny(stop, system.WhenTerminated).ConfigureAwait(false);
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
    }

    /// <summary>The node processes started for a driver (workers, then learners, then agents), stopped on dispose.</summary>
    public sealed class Workers : IAsyncDisposable
    {
        private readonly List<Process> _processes = [];
        // Each process's node address, from the line it prints when it has joined ("node ADDRESS ready").
        private readonly Dictionary<string, Process> _byAddress = [];

        public IReadOnlyList<string> Paths { get; private set; } = [];

        /// <summary>The <see cref="AgentHost"/>s of the agent nodes (a lane each), none without them.</summary>
        public IReadOnlyList<string> AgentHostPaths { get; private set; } = [];

        /// <summary>Seconds from starting the node processes until every one was up in the cluster.</summary>
        public double FormationSeconds { get; private set; }

        private double _killedCpuSeconds;

        /// <summary>CPU seconds the node processes have used (a killed node's as last read before it was killed).</summary>
        public double CpuSeconds()
        {
            double seconds = _killedCpuSeconds;
            foreach (var process in _processes)
                try { if (!process.HasExited) seconds += process.TotalProcessorTime.TotalSeconds; }
                catch (InvalidOperationException) { }
            return seconds;
        }

        /// <summary>
        /// Starts <paramref name="count"/> worker nodes, <paramref name="learners"/> learner nodes and
        /// <paramref name="agents"/> agent nodes (<paramref name="command"/> and its arguments run the partly program; <paramref name="nodeArguments"/> follow
        /// <c>partly node</c>'s own) that join <paramref name="driver"/>, and waits until all are up.
        /// </summary>
        public static async Task<Workers> StartAsync(ActorSystem driver, int count, int learners, int agents, string[] command, IReadOnlyList<string> nodeArguments, TimeSpan timeout, CancellationToken cancel)
        {
            var workers = new Workers();
            var clock = Stopwatch.StartNew();
            var cluster = Cluster.Get(driver);
            cluster.Join(cluster.SelfAddress);
            foreach (string role in Enumerable.Repeat(WorkerRole, count).Concat(Enumerable.Repeat(LearnerHost.Role, learners)).Concat(Enumerable.Repeat(AgentRole, agents)))
            {
                var start = new ProcessStartInfo(command[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string argument in command.Skip(1).Concat(["node", "--roles", role, "--seed", cluster.SelfAddress.ToString()]).Concat(nodeArguments)) start.ArgumentList.Add(argument);
                var process = Process.Start(start) ?? throw new InputException($"cannot start a {role} node ({command[0]})");
                process.ErrorDataReceived += (_, _) => { };
                process.OutputDataReceived += (_, line) =>
                {
                    if (line.Data is { } text && text.StartsWith("node ", StringComparison.Ordinal) && text.EndsWith(" ready", StringComparison.Ordinal))
                        lock (workers._byAddress) workers._byAddress[text[5..^6]] = process;
                };
                process.BeginErrorReadLine();
                process.BeginOutputReadLine();
                workers._processes.Add(process);
            }
            var deadline = DateTime.UtcNow + timeout;
            int Up(string role) => cluster.State.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole(role));
            while (Up(WorkerRole) < count || Up(LearnerHost.Role) < learners || Up(AgentRole) < agents)
            {
                cancel.ThrowIfCancellationRequested();
                if (workers._processes.FirstOrDefault(p => p.HasExited) is { } dead)
                    throw new InputException($"a node exited with code {dead.ExitCode} before joining the cluster");
                if (DateTime.UtcNow > deadline) throw new InputException($"the {count + learners + agents} nodes did not join the cluster within {timeout.TotalSeconds:F0} s");
                await Task.Delay(100, cancel).ConfigureAwait(false);
            }
            workers.FormationSeconds = clock.Elapsed.TotalSeconds;
            workers.Paths = cluster.State.Members.Where(m => m.HasRole(WorkerRole)).OrderBy(m => m.Address.Port)
                .Select(m => (new RootActorPath(m.Address) / "user" / WorkerActor.Name).ToString()).ToList();
            workers.AgentHostPaths = cluster.State.Members.Where(m => m.HasRole(AgentRole)).OrderBy(m => m.Address.Port)
                .Select(m => (new RootActorPath(m.Address) / "user" / AgentHost.Name).ToString()).ToList();
            return workers;
        }

        /// <summary>Kills worker <paramref name="index"/> of <see cref="Paths"/> (SIGKILL: no leaving, no goodbye), for fault experiments.</summary>
        public void Kill(int index) => Kill(ActorPath.Parse(Paths[index]).Address.ToString());

        /// <summary>Kills the node that hosts the learner singleton (the oldest learner node that is up); returns its address.</summary>
        public string KillLearnerHost(Cluster cluster)
        {
            var host = cluster.State.Members.Where(m => m.HasRole(LearnerRole) && m.Status == MemberStatus.Up).OrderBy(m => m, Member.AgeOrdering).FirstOrDefault()
                ?? throw new InvalidOperationException("no learner node is up");
            Kill(host.Address.ToString());
            return host.Address.ToString();
        }

        /// <summary>Kills the first agent node (SIGKILL); returns its address.</summary>
        public string KillAgentNode()
        {
            if (AgentHostPaths.Count == 0) throw new InvalidOperationException("no agent node was started");
            string address = ActorPath.Parse(AgentHostPaths[0]).Address.ToString();
            Kill(address);
            return address;
        }

        private void Kill(string address)
        {
            Process? process;
            lock (_byAddress) _byAddress.TryGetValue(address, out process);
            if (process is null) throw new InvalidOperationException($"no worker process printed the address {address}");
            _killedCpuSeconds += process.TotalProcessorTime.TotalSeconds;
            process.Kill(entireProcessTree: true);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _processes)
                try { process.StandardInput.Close(); } catch (IOException) { }
            foreach (var process in _processes)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await process.WaitForExitAsync(wait.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
                process.Dispose();
            }
        }
    }
}
