using Akka.Actor;

namespace PartLy.Actors;

/// <summary>
/// The agent nodes of an experiment's lanes: which node runs each lane, what each lane was started with in the phase
/// under way, and which nodes are lost. A lost node's lanes move to the nodes left (lane k to the (k mod n)-th of
/// them), each from a batch the experiment chooses; with no node left the run cannot go on.
/// </summary>
public sealed class AgentLanes
{
    private readonly IReadOnlyList<string> _hosts;
    private readonly string[] _hostOf;
    private readonly StartAgent?[] _started;
    private readonly HashSet<Address> _lost = [];

    public AgentLanes(IReadOnlyList<string> hosts)
    {
        _hosts = hosts;
        _hostOf = [.. hosts];
        _started = new StartAgent?[hosts.Count];
    }

    public int Lanes => _hostOf.Length;

    /// <summary>Agent nodes lost so far.</summary>
    public int NodesLost => _lost.Count;

    /// <summary>Lanes started again on another node so far.</summary>
    public int LanesMoved { get; private set; }

    /// <summary>The agent host that runs <paramref name="lane"/> now.</summary>
    public string HostOf(int lane) => _hostOf[lane];

    public static Address AddressOf(string host) => ActorPath.Parse(host).Address;

    /// <summary>The hosts not lost (each runs at least one lane).</summary>
    public IEnumerable<string> LiveHosts => _hosts.Where(h => !_lost.Contains(AddressOf(h)));

    /// <summary>Notes what <paramref name="lane"/> was started with in this phase (to start it again elsewhere).</summary>
    public void Started(int lane, StartAgent start) => _started[lane] = start;

    /// <summary>
    /// Marks the node at <paramref name="address"/> lost and moves its lanes: for each lane started in this phase and
    /// not complete (<paramref name="restartAt"/> gives the batch to start again from, null when the lane is done), the
    /// host it moves to and the message that starts it there. Empty when the node was lost already or is no agent
    /// node; null when no agent node is left.
    /// </summary>
    public List<(string Host, StartAgent Start)>? Lose(Address address, Func<int, long?> restartAt)
    {
        var moves = new List<(string, StartAgent)>();
        if (!_hosts.Any(h => AddressOf(h) == address) || !_lost.Add(address)) return moves;
        var live = LiveHosts.ToList();
        if (live.Count == 0) return null;
        for (int lane = 0; lane < Lanes; lane++)
        {
            if (AddressOf(_hostOf[lane]) != address) continue;
            _hostOf[lane] = live[lane % live.Count];
            if (_started[lane] is not { } start || restartAt(lane) is not { } from) continue;
            var moved = start with { Settings = start.Settings with { StartAt = from } };
            _started[lane] = moved;
            moves.Add((_hostOf[lane], moved));
            LanesMoved++;
        }
        return moves;
    }
}
