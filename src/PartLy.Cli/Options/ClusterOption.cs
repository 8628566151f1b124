using PartLy.Core;

namespace PartLy.Cli.Options;

/// <summary>
/// --cluster workers=N[,agents=A][,learners=L][,mode=sync|async[,max-lag=K]]: N worker nodes on 127.0.0.1 process the
/// blocks (0: the agent's own partition actors); with A agent nodes the stream runs in A lanes (batch i on lane i mod A),
/// each lane's source, scheduler and agent on a node of its own (0, the default: one agent in the driver); with L
/// learner nodes the learner is their cluster singleton, else it stays in the driver. mode=async: the agents never wait
/// for the learner, which corrects for the policy lag with V-trace and drops episodes more than K versions old (default 4).
/// </summary>
public static class ClusterOption
{
    public const int DefaultMaxPolicyLag = 4;

    /// <summary>The nodes of a multi-node run and how it learns; <see cref="MaxPolicyLag"/> is null learning synchronously.</summary>
    public sealed record Shape(int Workers, int Learners, int? MaxPolicyLag, int Agents = 0)
    {
        public static Shape None { get; } = new(0, 0, null);
        public bool Any => Workers + Learners + Agents > 0;
        public string Mode => MaxPolicyLag is null ? "sync" : "async";
    }

    public static Shape Parse(string text)
    {
        var spec = Spec.Parse("cluster:" + text);
        int workers = spec.Int("workers", 1, 0, 16);
        int learners = spec.Int("learners", 0, 0, 4);
        string mode = spec.Raw("mode") ?? "sync";
        if (mode is not ("sync" or "async")) throw new InputException($"mode={mode} is not one of sync, async");
        int? maxLag = null;
        if (mode == "async") maxLag = spec.Int("max-lag", DefaultMaxPolicyLag, 1, 64);
        else if (spec.Raw("max-lag") is not null) throw new InputException("max-lag applies to mode=async (synchronous learning has no policy lag)");
        int agents = spec.Int("agents", 0, 0, 8);
        if (workers + learners + agents == 0) throw new InputException("workers=0 with no learner or agent nodes starts no node: give workers=N, agents=A or learners=L");
        spec.EnsureAllRead("workers", "learners", "mode", "max-lag", "agents");
        return new Shape(workers, learners, maxLag, agents);
    }

    /// <summary>--service-time emulate[:scale=S,slots=K], which needs worker nodes to serve the blocks.</summary>
    public static Core.Metrics.ServiceTime? ParseService(string? text, int workers)
    {
        if (text is null) return null;
        var service = new Named<string>(text, "--service-time").Parse(Core.Metrics.ServiceTime.Parse);
        if (workers == 0) throw new InputException("--service-time needs --cluster workers=N (the worker nodes serve the blocks)");
        return service;
    }

    /// <summary>What --kill asks: the training batch before which the first worker node is killed, the update (1 for
    /// the session's first) before which the node hosting the learner is killed, or the training batch after whose
    /// report the agent's node is killed; one of them is set.</summary>
    public sealed record Fault(long? WorkerBatch, int? LearnerUpdate, long? AgentBatch);

    /// <summary>--kill worker@batch=B, learner@update=U or agent@batch=B.</summary>
    public static Fault ParseKill(string text)
    {
        foreach (string prefix in new[] { "worker@batch=", "learner@update=", "agent@batch=" })
        {
            if (!text.StartsWith(prefix, StringComparison.Ordinal)) continue;
            bool learner = prefix.StartsWith("learner", StringComparison.Ordinal);
            if (!long.TryParse(text[prefix.Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long at) || (learner && (at < 1 || at > int.MaxValue)))
                break;
            return prefix[0] switch { 'w' => new Fault(at, null, null), 'l' => new Fault(null, (int)at, null), _ => new Fault(null, null, at) };
        }
        throw new InputException($"'{text}' is not worker@batch=B (B a batch number), learner@update=U (U an update number, 1 or more) or agent@batch=B");
    }
}
