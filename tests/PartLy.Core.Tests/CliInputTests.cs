using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using PartLy.Cli;
using PartLy.Learning;

namespace PartLy.Core.Tests;

/// <summary>What a new user meets: bad flags, files and paths end in one line and exit 2 before any work.</summary>
[Collection("console")]
public class CliInputTests
{
    private static (int Code, string Error, string Output) Run(params string[] args)
    {
        var error = new StringWriter();
        var output = new StringWriter();
        var (originalError, originalOut) = (Console.Error, Console.Out);
        Console.SetError(error);
        Console.SetOut(output);
        try { return (PartLyApp.Run(args), error.ToString(), output.ToString()); }
        finally { Console.SetError(originalError); Console.SetOut(originalOut); }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("train", "--help")]
    [InlineData("evaluate", "--help")]
    [InlineData("bench", "--help")]
    [InlineData("schedule", "--help")]
    [InlineData("strategies", "--help")]
    [InlineData("node", "--help")]
    public async Task Every_command_s_help_shows_its_usage(params string[] args)
    {
        // A process of its own: the help goes to the terminal's console, as a user sees it.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args.Prepend(typeof(PartLyApp).Assembly.Location)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        Assert.Equal("", await error);
        Assert.Contains("USAGE:", output);
    }

    private static string TempPath(string name = "") => Path.Combine(Path.GetTempPath(), $"partly-input-{Guid.NewGuid():N}{name}");

    [Theory]
    [InlineData("--partitions: 'abc' is not a whole number", "bench", "--partitions", "abc")]
    [InlineData("--seed: '-1' is not a whole number, 0 or more", "bench", "--seed", "-1")]
    [InlineData("--tuples: '1e6' is not a whole number", "bench", "--tuples", "1e6")]
    [InlineData("--strategies: a value is missing", "bench", "--strategies")]
    [InlineData("--batches must be at least 1, got 0", "train", "--batches", "0")]
    [InlineData("--workload: 'zipf:q=1': unknown parameter 'q'", "bench", "--workload", "zipf:q=1")]
    [InlineData("is a directory, not a trace file", "bench", "--trace", "/tmp")]
    [InlineData("--no-header applies to --format csv only", "bench", "--trace", "PartLy.Core.Tests.dll", "--no-header")]
    public void A_malformed_flag_names_the_flag_and_the_form_it_expects(string message, params string[] args)
    {
        var (code, error, _) = Run([.. args, "--quiet"]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--speedup", "--speedup", "10")]
    [InlineData("--speedup", "--time-column", "time", "--speedup", "0")]
    [InlineData("--batch '1fortnight'", "--time-column", "time", "--batch", "1fortnight")]
    public void Trace_time_flags_that_do_not_fit_end_with_a_message_and_exit_2(string message, params string[] args)
    {
        string path = TestStreams.TempFile("time,key\n0,a\n", ".csv");
        var (code, error, _) = Run(["bench", "--quiet", "--trace", path, "--format", "csv", "--column", "key", .. args]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("--max-partitions 2 is below --partitions 4", "--max-partitions", "2")]
    [InlineData("unknown scheduler 'ds3'", "--schedulers", "ds3")]
    [InlineData("spike=2@x is not FACTOR@BATCH+BATCHES", "--workload", "zipf:rate=1000000,spike=2@x")]
    public void Schedule_input_that_does_not_fit_ends_with_a_message_and_exit_2(string message, params string[] args)
    {
        string json = TempPath(".json");
        var all = new List<string> { "schedule", "--quiet", "--workload", "zipf:rate=1000000", "--batch", "1ms", "--partitions", "4", "--tuples", "20000", "--json", json };
        for (int i = 0; i < args.Length; i += 2)
        {
            int at = all.IndexOf(args[i]);
            if (at >= 0) all[at + 1] = args[i + 1];
            else all.AddRange([args[i], args[i + 1]]);
        }
        var (code, error, _) = Run([.. all]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void Schedule_needs_time_based_batches()
    {
        var (code, error, _) = Run("schedule", "--quiet", "--workload", "zipf:rate=1000000", "--batch", "1000", "--partitions", "4");
        Assert.Equal(2, code);
        Assert.Contains("scheduling needs time-based batches", error);
    }

    [Fact]
    public void Schedule_warns_when_the_stream_ends_before_the_profile_s_last_change()
    {
        var (code, error) = CliTests.Run("schedule", "--quiet", "--workload", "zipf:z=1,keys=1000,rate=1000000,spike=2@30+20", "--batch", "1ms", "--partitions", "4",
            "--tuples", "40000", "--schedulers", "fixed");
        Assert.Equal(0, code);
        Assert.Contains("warning: the stream ended after", error);
        Assert.Contains("before the rate profile's last change (batch 50)", error);
    }

    [Fact]
    public void Schedule_runs_every_rule_and_writes_their_figures()
    {
        string json = TempPath(".json"), png = TempPath(".png"), batches = TempPath(".csv");
        var (code, _, _) = Run("schedule", "--quiet", "--workload", "zipf:z=1,keys=10000,rate=1000000,spike=2.6@40+20", "--batch", "1ms", "--partitions", "4", "--tuples", "200000",
            "--json", json, "--png", png, "--batches", batches);
        Assert.Equal(0, code);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(png)[..4]);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var results = document.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(new[] { "fixed", "ds2", "spark", "flink", "prompt", "dhalion", "inversion" }, results.Select(r => r.GetProperty("scheduler").GetString()));
        Assert.Equal(0, results[0].GetProperty("rescales").GetInt32());
        Assert.True(results[1].GetProperty("late_batches").GetInt32() < results[0].GetProperty("late_batches").GetInt32());
        var bounds = document.RootElement.GetProperty("bounds");
        // Over-provisioning is Σ P / Σ P* − 1: for the fixed P of 4, 4 over the oracle's mean, less one.
        Assert.Equal(4 / bounds.GetProperty("oracle_mean_partitions").GetDouble() - 1, results[0].GetProperty("over_provisioning").GetDouble(), 9);
        Assert.Equal(0, bounds.GetProperty("oracle_infeasible_batches").GetInt32());
        Assert.True(bounds.GetProperty("dp_resource_seconds").GetDouble() >= bounds.GetProperty("oracle_resource_seconds").GetDouble() - 1e-9);
        // The fixed P pays its late share, its overrun and 0.1 for its blocks every batch (P = P₀), no rescale.
        Assert.True(results[0].GetProperty("team_cost").GetDouble() >= results[0].GetProperty("late_share").GetDouble() + 0.1 - 1e-9);
        Assert.InRange(document.RootElement.GetProperty("base_load").GetDouble(), 0.3, 0.9);
        // --batches: a row per batch per rule, whose P average to the rule's mean P.
        var rows = File.ReadAllLines(batches);
        Assert.StartsWith("scheduler,batch,partitions,oracle_partitions,tuples,", rows[0]);
        var ds2 = rows.Skip(1).Where(r => r.StartsWith("ds2,")).Select(r => int.Parse(r.Split(',')[2])).ToList();
        Assert.Equal(results[1].GetProperty("batches").GetInt32(), ds2.Count);
        Assert.Equal(results[1].GetProperty("mean_partitions").GetDouble(), ds2.Average(), 9);
        Assert.Equal(7 * ds2.Count + 1, rows.Length);
    }

    [Fact]
    public void Version_prints_the_version()
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "partly.dll"), "--version"])
            { RedirectStandardOutput = true })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public void Output_paths_are_checked_before_any_training()
    {
        string file = TempPath(".txt");
        File.WriteAllText(file, "not a folder");
        string folder = TempPath();
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        foreach (var (args, message) in new (string[], string)[]
        {
            (["train", "--out", file], $"--out {file}: is a file, not a folder"),
            (["train", "--out", "/proc/partly-cannot-write"], "--out /proc/partly-cannot-write: cannot write there"),
            (["train", "--log-file", folder, "--out", Path.Combine(folder, "run")], $"--log-file {folder}: is a directory, not a file"),
            (["bench", "--json", folder], $"--json {folder}: is a directory, not a file"),
            (["bench", "--csv", "/proc/partly/report.csv"], "--csv /proc/partly/report.csv: cannot write there"),
            (["evaluate", "--policy", folder], $"{folder}: is a directory, not a policy file"),
        })
        {
            var (code, error, _) = Run([.. args, "--quiet"]);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}, {error}");
            Assert.Contains(message, error);
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the checks took {clock.Elapsed}: training ran before them");
        Assert.False(Directory.Exists(Path.Combine(folder, "run")));
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void A_truncated_gzip_trace_is_an_error_with_file_and_line()
    {
        string whole = TempPath(".gz"), cut = TempPath(".gz");
        using (var gzip = new GZipStream(File.Create(whole), CompressionLevel.Fastest))
        using (var writer = new StreamWriter(gzip))
            for (int i = 0; i < 200_000; i++) writer.WriteLine($"k{i * 7919 % 5000}");
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        Assert.Equal(0, Run("bench", "--quiet", "--trace", whole, "--strategies", "hash").Code);
        var (code, error, _) = Run("bench", "--quiet", "--trace", cut, "--strategies", "hash");
        Assert.Equal(2, code);
        Assert.Contains($"{cut}: corrupt gzip data after line ", error);
        Assert.Contains("truncated", error);
    }

    [Fact]
    public void A_csv_without_a_header_is_read_from_its_first_line_with_no_header()
    {
        string csv = TempPath(".csv"), json = TempPath(".json");
        File.WriteAllText(csv, "a,1\nb,2\nc,3\n");
        Assert.Equal(0, Run("bench", "--quiet", "--trace", csv, "--format", "csv", "--column", "0", "--no-header", "--batch", "1",
            "--partitions", "2", "--strategies", "hash", "--json", json).Code);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(3, doc.RootElement.GetProperty("tuples").GetInt64());
        var (code, error, _) = Run("bench", "--quiet", "--trace", csv, "--format", "csv", "--column", "k", "--no-header", "--strategies", "hash");
        Assert.Equal(2, code);
        Assert.Contains("without a header line, the key column is a 0-based index", error);
    }

    [Fact]
    public void The_last_partial_batch_is_reported_apart()
    {
        string json = TempPath(".json");
        Assert.Equal(0, Run("bench", "--quiet", "--tuples", "50001", "--strategies", "greedy", "--json", json).Code);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(1, doc.RootElement.GetProperty("partial_last_batch_tuples").GetInt32());
        var greedy = doc.RootElement.GetProperty("results")[0];
        Assert.Equal(0.0, greedy.GetProperty("batch_imbalance_max").GetDouble());
    }

    [Fact]
    public void Training_on_a_trace_tests_on_the_part_after_the_training_batches()
    {
        string trace = TempPath(".txt"), dir = TempPath();
        File.WriteAllLines(trace, Enumerable.Range(0, 30_000).Select(i => $"w{i * 7919 % 700}"));
        var (code, error, _) = Run("train", "--quiet", "--runtime", "direct", "--trace", trace, "--batches", "20", "--test-batches", "7",
            "--partitions", "10", "--out", dir);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "test.json")));
        Assert.Equal(7, doc.RootElement.GetProperty("batches").GetInt64());
        Assert.Equal(7000, doc.RootElement.GetProperty("tuples").GetInt64());
        (code, error, _) = Run("train", "--quiet", "--runtime", "direct", "--trace", trace, "--batches", "40", "--test-batches", "7",
            "--partitions", "10", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("within the 40000 that training used; give --test-trace FILE or fewer --batches", error);
    }

    [Fact]
    public void The_default_output_folder_names_the_workload_it_was_trained_on()
    {
        string root = TempPath();
        Directory.CreateDirectory(root);
        string cwd = Directory.GetCurrentDirectory();
        try
        {
            Directory.SetCurrentDirectory(root);
            var (code, error, _) = Run("train", "--quiet", "--runtime", "direct", "--workload", "drift:z=1.5,keys=1000,every=5,shift=2",
                "--batches", "10", "--test-batches", "3", "--partitions", "5", "--batch", "200");
            Assert.True(code == 0, error);
            Assert.True(File.Exists(Path.Combine(root, "runs", "partitioner-online-drift-z1.5-keys1000-every5-shift2-seed42", "policy.json")));
        }
        finally { Directory.SetCurrentDirectory(cwd); }
    }

    [Fact]
    public void Sigterm_stops_training_cleanly_and_keeps_the_policy()
    {
        string dir = TempPath();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "partly.dll"), "train", "--quiet", "--runtime", "direct",
            "--batches", "1000000", "--test-batches", "5", "--out", dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string first = process.StandardOutput.ReadLine() ?? "";
        Assert.StartsWith("train", first);
        Thread.Sleep(2000);
        Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
        Assert.True(process.WaitForExit(60_000), "the process did not stop after SIGTERM");
        Assert.Equal(130, process.ExitCode);
        var policy = Checkpoint.Load(Path.Combine(dir, "policy.json"));
        Assert.InRange(policy.TrainedBatches, 1, 999_999);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void A_killed_run_keeps_its_last_checkpoint_and_resume_goes_on_from_it()
    {
        string dir = TempPath(), next = TempPath();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "partly.dll"), "train", "--quiet", "--runtime", "direct",
            "--batches", "1000000", "--checkpoint-every", "200", "--test-batches", "5", "--out", dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = Process.Start(start)!)
        {
            Assert.StartsWith("train", process.StandardOutput.ReadLine() ?? "");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(Path.Combine(dir, "policy.json")) && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Thread.Sleep(500);
            process.Kill();
            process.WaitForExit();
        }
        var kept = Checkpoint.Load(Path.Combine(dir, "policy.json"));
        Assert.True(kept.TrainedBatches > 0 && kept.TrainedBatches % 200 == 0, $"{kept.TrainedBatches} batches");
        var (code, error, _) = Run("train", "--quiet", "--runtime", "direct", "--resume", Path.Combine(dir, "policy.json"), "--batches", "50",
            "--test-batches", "5", "--out", next);
        Assert.True(code == 0, error);
        Assert.Equal(kept.TrainedBatches + 50, Checkpoint.Load(Path.Combine(next, "policy.json")).TrainedBatches);
        (code, error, _) = Run("train", "--quiet", "--resume", Path.Combine(dir, "policy.json"), "--mode", "buffered", "--out", next);
        Assert.Equal(2, code);
        Assert.Contains("--mode buffered: the checkpoint given to --resume was trained with online", error);
    }
}


[Collection("console")]
public class ConfigurationInputTests
{
    [Theory]
    [InlineData("partly { stream { partitions = 10\n", ":1: '{' is never closed")]
    [InlineData("{{{{ ]]]] = = =\n", ":1: ']' closes nothing that was opened")]
    [InlineData("partly.stream.partitons = 10\n", "unknown setting 'partly.stream.partitons' (did you mean 'partly.stream.partitions'?)")]
    [InlineData("partly.learner.hidden = 0\n", "partly.learner.hidden must be at least 1, got 0")]
    [InlineData("partly.learner.learning-rate = -1\n", "partly.learner.learning-rate must be above 0")]
    [InlineData("partly.learner.episodes-per-update = 0\n", "partly.learner.episodes-per-update must be at least 1")]
    [InlineData("partly.runtime.report-timeout-seconds = 0\n", "partly.runtime.report-timeout-seconds must be above 0, got 0")]
    [InlineData("partly.stream.partitions = [1, 2]\n", "partly.stream.partitions must be a whole number")]
    [InlineData("partly.stream.partitions = x\n", "partly.stream.partitions must be a whole number, got 'x'")]
    [InlineData("include \"nope-partly.conf\"\n", "include \"nope-partly.conf\": no such file")]
    public void A_bad_configuration_file_names_its_line_or_key(string content, string message)
    {
        string path = Path.Combine(Path.GetTempPath(), $"partly-config-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, content);
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int code;
        try { code = PartLy.Cli.PartLyApp.Run(["bench", "--quiet", "--tuples", "2000", "--strategies", "hash", "--config", path]); }
        finally { Console.SetError(original); }
        Assert.Equal(2, code);
        Assert.Contains(message, error.ToString());
    }
}
