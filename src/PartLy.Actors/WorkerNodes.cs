using Akka.Actor;
using Akka.Cluster;

namespace PartLy.Actors;

/// <summary>
/// The worker nodes an agent sends blocks to: each one's actor selection and node address, by a fixed index (the
/// order of the experiment's worker paths), and which of them the agent still takes to be alive. A worker that became
/// unreachable or was removed is lost for the rest of the phase, even if it comes back.
/// </summary>
public sealed class WorkerNodes
{
    private readonly List<Address> _addresses = [];
    private readonly List<int> _live = [];

    public WorkerNodes(IReadOnlyList<string> paths, IActorContext context)
    {
        foreach (string path in paths)
        {
            Selections.Add(context.ActorSelection(path));
            _addresses.Add(ActorPath.Parse(path).Address);
        }
        _live.AddRange(Enumerable.Range(0, paths.Count));
    }

    public List<ActorSelection> Selections { get; } = [];
    public int Count => Selections.Count;

    /// <summary>Indices of the workers taken to be alive, in order.</summary>
    public IReadOnlyList<int> Live => _live;

    /// <summary>Keeps only the workers that are up and reachable in the cluster's current state (an agent of a later phase starts from it).</summary>
    public void KeepUpMembers(ClusterEvent.CurrentClusterState state) =>
        KeepUp(state.Members.Where(m => m.Status == MemberStatus.Up && !state.Unreachable.Contains(m)).Select(m => m.Address).ToHashSet());

    /// <summary>Keeps only the workers at <paramref name="up"/> (the addresses an agent node has seen up).</summary>
    public void KeepUp(IReadOnlySet<Address> up) => _live.RemoveAll(i => !up.Contains(_addresses[i]));

    /// <summary>Marks the worker at <paramref name="address"/> lost; its index, or −1 when it is not a live worker.</summary>
    public int Lose(Address address)
    {
        int index = _addresses.IndexOf(address);
        return index >= 0 && _live.Remove(index) ? index : -1;
    }
}
