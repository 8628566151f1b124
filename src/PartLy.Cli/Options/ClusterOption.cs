using PartLy.Core;

namespace PartLy.Cli.Options;

/// <summary>
/// --cluster workers=N[,learners=L][,mode=sync]: N worker nodes on 127.0.0.1 process the blocks; with L learner nodes
/// the learner is their cluster singleton, else it stays in the driver with the agent (agent nodes and the
/// asynchronous mode are not built yet, and are refused).
/// </summary>
public static class ClusterOption
{
    public static (int Workers, int Learners) Parse(string text)
    {
        var spec = Spec.Parse("cluster:" + text);
        int workers = spec.Int("workers", 1, 1, 16);
        int learners = spec.Int("learners", 0, 0, 4);
        string mode = spec.Raw("mode") ?? "sync";
        if (mode != "sync") throw new InputException($"mode '{mode}': only mode=sync is built (asynchronous learning across nodes is not yet)");
        if (spec.Int("agents", 1, 1, 16) != 1) throw new InputException("agents on nodes of their own are not built yet (agents=1: the agent is in the driver)");
        spec.EnsureAllRead("workers", "learners", "mode", "agents");
        return (workers, learners);
    }

    /// <summary>--service-time emulate[:scale=S,slots=K], which needs worker nodes to serve the blocks.</summary>
    public static Core.Metrics.ServiceTime? ParseService(string? text, int workers)
    {
        if (text is null) return null;
        var service = new Named<string>(text, "--service-time").Parse(Core.Metrics.ServiceTime.Parse);
        if (workers == 0) throw new InputException("--service-time needs --cluster workers=N (the worker nodes serve the blocks)");
        return service;
    }

    /// <summary>--kill worker@batch=B (the training batch before which the first worker node is killed) or
    /// learner@update=U (the update, 1 for the session's first, before which the node hosting the learner is killed).</summary>
    public static (long? WorkerBatch, int? LearnerUpdate) ParseKill(string text)
    {
        foreach (var (prefix, isWorker) in new[] { ("worker@batch=", true), ("learner@update=", false) })
        {
            if (!text.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (!long.TryParse(text[prefix.Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long at) || (!isWorker && (at < 1 || at > int.MaxValue)))
                break;
            return isWorker ? (at, null) : (null, (int)at);
        }
        throw new InputException($"'{text}' is not worker@batch=B (B a batch number) or learner@update=U (U an update number, 1 or more)");
    }
}
