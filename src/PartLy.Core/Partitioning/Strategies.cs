using PartLy.Core.Partitioning.Dalton;
using PartLy.Core.Partitioning.Reserving;
using PartLy.Core.Streams;

namespace PartLy.Core.Partitioning;

/// <summary>Every partitioning strategy by its command-line name, with a factory from a <see cref="Spec"/>.</summary>
public static class Strategies
{
    private sealed record Entry(string Id, string Summary, string[] Parameters, Func<Spec, Partitioner> Create);

    private static readonly Entry[] All =
    [
        new("shuffle", "round-robin by arrival", [], _ => new ShufflePartitioner()),
        new("hash", "key grouping, murmur3(key) onto P", [], _ => new HashPartitioner()),
        new("key-groups", "Flink key groups (max=maxParallelism)", ["max"], s => new KeyGroupsPartitioner(s.Int("max", 0, 1, 32768))),
        new("pkg", "partial key grouping, 2 choices (d=choices for PK-d)", ["d"], s => new PartialKeyGrouping(s.Int("d", 2, 2, 1024))),
        new("pk5", "PK-5: partial key grouping with 5 choices", [], _ => new PartialKeyGrouping(5)),
        new("d-choices", "heavy hitters on d choices, tail on PKG (theta)", ["theta"], s => new HeavyHitterChoices(HeadPolicy.DChoices, s.OptionalDouble("theta", 1e-9, 0.999))),
        new("w-choices", "heavy hitters on all P, tail on PKG (theta)", ["theta"], s => new HeavyHitterChoices(HeadPolicy.WChoices, s.OptionalDouble("theta", 1e-9, 0.999))),
        new("round-robin", "heavy hitters round-robin over P, tail on PKG (theta)", ["theta"], s => new HeavyHitterChoices(HeadPolicy.RoundRobin, s.OptionalDouble("theta", 1e-9, 0.999))),
        new("cm", "of two candidates, the one with fewer distinct keys", [], _ => new CardinalityAware(affinity: false)),
        new("cam", "key stays where it is unless overloaded, else less loaded", [], _ => new CardinalityAware(affinity: true)),
        new("dkg", "heavy hitters mapped explicitly, never splits (theta)", ["theta"], s => new DistributionAwareKeyGrouping(s.OptionalDouble("theta", 1e-9, 0.999))),
        new("ch-bl", "consistent hashing with bounded loads (eps, vnodes)", ["eps", "vnodes"], s => new BoundedLoadConsistentHashing(s.Double("eps", 0.25, 1e-6, 100), s.Int("vnodes", 100, 1, 10000))),
        new("greedy", "capacity-aware online greedy (slack: capacity (1+slack)·E/P, mean λ ≤ slack)", ["slack"], s => new CapacityGreedy(s.Double("slack", 0, 0, 0.999))),
        new("prompt", "buffered: hot keys in block-sized shares, best-fit rest", [], _ => new Prompt()),
        new("greedy-fill", "buffered: sorted keys fill blocks to capacity", [], _ => new GreedyFill()),
        new("dagreedy", "DAGreedy (Pacaci & Özsu 2018, as in the Dalton code): hot keys to max 0.5·holds − 0.5·window load gap, cold hashed (window, slide in tuples)",
            ["window", "slide"], s => new DaGreedy(s.Int("window", 60_000, 1), s.Int("slide", 1_000, 1))),
        new("dalton", "Dalton (Zapridou et al. 2022, micro-batch flavour): a contextual bandit per hot key over the blocks, rewarded by load gap and fragments; cold hashed (window, slide in tuples; epsilon, alpha, seed)",
            ["window", "slide", "epsilon", "alpha", "seed"],
            s => new DaltonPartitioner(s.Int("window", 60_000, 1), s.Int("slide", 1_000, 1), s.Double("epsilon", 0.1, 0, 1), s.Double("alpha", 0.1, 1e-9, 1), s.Int("seed", 3))),
        new("holistic", "Holistic (Dynamic-Balance's slb2): head keys (share > delta) route among a table of blocks, least loaded; past a regional imbalance beta a new block joins (delta, beta)",
            ["delta", "beta"], s => new Holistic(s.Double("delta", 1e-6, 1e-12, 0.999), s.Double("beta", 0.01, 0, 100))),
        new("reserving", "the learned partitioner's rules with the first candidate at each hot-key decision (slack, mode=online|buffered, locality=off|on, choice=first|random, seed)",
            ["slack", "mode", "locality", "choice", "seed"], CreateReserving),
    ];

    private static Partitioner CreateReserving(Spec s)
    {
        var options = new ReservingOptions(
            s.Choice("mode", "online", "online", "buffered") == "buffered" ? InformationMode.Buffered : InformationMode.Online,
            s.Double("slack", 0, 0, 0.999),
            s.Choice("locality", "off", "off", "on") == "on");
        IHotKeyChooser chooser = s.Choice("choice", "first", "first", "random") == "random"
            ? new RandomCandidate((ulong)s.Int("seed", 1, 0))
            : FirstCandidate.Instance;
        return new ReservingPartitioner(options, chooser, chooser is RandomCandidate ? "Reserving (random candidate)" : "Reserving");
    }

    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll(All, e => e.Id);

    public static IEnumerable<(string Id, string Summary)> Describe() => All.Select(e => (e.Id, e.Summary));

    public static Partitioner Create(string text)
    {
        var spec = Spec.Parse(text);
        var entry = Array.Find(All, e => e.Id == spec.Name)
            ?? throw new InputException($"unknown strategy '{spec.Name}' (allowed: {string.Join(", ", Names)})");
        Partitioner partitioner;
        try { partitioner = entry.Create(spec); }
        catch (ArgumentOutOfRangeException e) { throw new InputException($"'{text}': {e.Message}"); }
        spec.EnsureAllRead(entry.Parameters);
        partitioner.Parameters = spec.Resolved;
        return partitioner;
    }
}
