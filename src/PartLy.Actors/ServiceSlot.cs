using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;

namespace PartLy.Actors;

/// <summary>
/// One task slot of a worker node under emulated service time: serves a block by holding its thread for the block's
/// wall-clock time, as a task holds an executor core. Slots run on <c>partly.runtime.service-dispatcher</c>, a thread
/// each, never on the default dispatcher; they sleep, so the nodes need no CPU to work in parallel.
/// </summary>
public sealed class ServiceSlot : ReceiveActor
{
    public const string Dispatcher = "partly.runtime.service-dispatcher";

    public ServiceSlot() => Receive<ServeBlock>(serve =>
    {
        SleepFor(serve.Seconds);
        Sender.Tell(new BlockServed(serve.Job));
    });

    public static Props Props() => Akka.Actor.Props.Create(() => new ServiceSlot()).WithDispatcher(Dispatcher);

    /// <summary>
    /// Sleeps <paramref name="seconds"/> to the microsecond where the system offers it (nanosleep on Linux and macOS;
    /// Thread.Sleep elsewhere, to the millisecond).
    /// </summary>
    public static void SleepFor(double seconds)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            return;
        }
        for (long left = deadline - Stopwatch.GetTimestamp(); left > 0; left = deadline - Stopwatch.GetTimestamp())
        {
            long nanoseconds = (long)(left * (1e9 / Stopwatch.Frequency));
            var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            _ = NanoSleep(ref request, IntPtr.Zero);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "nanosleep", SetLastError = false)]
    private static extern int NanoSleep(ref TimeSpec request, IntPtr remaining);
}

/// <summary>Worker to one of its slots: serve a block for this long (local to the node, never crosses one).</summary>
internal sealed record ServeBlock(int Job, double Seconds) : INoSerializationVerificationNeeded;

/// <summary>Slot to its worker: the block is served.</summary>
internal sealed record BlockServed(int Job) : INoSerializationVerificationNeeded;
