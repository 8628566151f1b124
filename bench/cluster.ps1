#!/usr/bin/env pwsh
# The "Multi-node runs" section of docs/results.md, to standard output: partly train on the embedded runtime and with
# --cluster workers=2 (two worker node processes on 127.0.0.1), the policies compared byte for byte and the test
# phase's end-to-end throughput after warm-up, batches of 1,000 and 10,000 at P = 50, two runs each (runs/cluster/;
# -Rerun runs them again); a worker node killed mid-run; and emulated service time on 1, 2 and 4 worker nodes, the
# policy and hash measured against the cost model's prediction; the main job learnt asynchronously, seeds 42, 7, 1;
# and the agent on a node of its own (synchronously, asynchronously, and its node killed).
param([Parameter(Mandatory)][string]$Partly, [Parameter(Mandatory)][string]$Policy, [switch]$Rerun)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$dir = Join-Path $root 'runs/cluster'
$inv = [System.Globalization.CultureInfo]::InvariantCulture
# Overhead: each run's cluster report holds the same experiment run again in one process, so the ratio is of one run.
$rows = @('| batch | worker nodes | cluster: M tuples/s | embedded: M tuples/s | ratio | ratio ÷ 1 node''s | CPU s per M tuples | ÷ 1 node''s | bytes per tuple | policies equal |', '|---|---|---|---|---|---|---|---|---|---|')
$routing = @()
foreach ($batch in 1000, 10000) {
    $single = $null
    foreach ($workers in 1, 2, 4) {
        $out = Join-Path $dir "overhead-b$batch-w$workers"
        $report = Join-Path $out 'cluster.json'
        if ($Rerun -or -not (Test-Path $report)) {
            New-Item -ItemType Directory -Force -Path $dir | Out-Null
            $text = & dotnet $Partly train --quiet --batches 200 --test-batches (20000000 / $batch) --batch $batch --out $out --cluster "workers=$workers" --cluster-report $report 2>&1
            if ($LASTEXITCODE -ne 0) { Write-Error ($text -join "`n"); exit $LASTEXITCODE }
        }
        $r = Get-Content $report -Raw | ConvertFrom-Json
        $ratio = [double]$r.tuples_per_second / [double]$r.embedded_tuples_per_second
        if ($null -eq $r.cpu_seconds_per_million_tuples) { Write-Error "$report`: the test phase was too short to measure its CPU"; exit 1 }
        $cpu = [double]$r.cpu_seconds_per_million_tuples
        if ($workers -eq 1) { $single = @{ ratio = $ratio; cpu = $cpu } }
        $equal = if ($r.policy_sha256 -eq $r.embedded_policy_sha256) { 'yes' } else { 'no' }
        $rows += "| $batch | $workers | $(([double]$r.tuples_per_second / 1e6).ToString('F2', $inv)) | $(([double]$r.embedded_tuples_per_second / 1e6).ToString('F2', $inv)) | $($ratio.ToString('F2', $inv)) | $(($ratio / $single.ratio).ToString('F2', $inv)) | $($cpu.ToString('F2', $inv)) | $(($cpu / $single.cpu).ToString('F2', $inv)) | $(([double]$r.bytes_per_tuple).ToString('F2', $inv)) | $equal |"
    }
    # The actors on one node against the agent's own routing (issue 14's criterion), two embedded runs.
    $shares = @()
    foreach ($run in 1, 2) {
        $log = Join-Path $dir "embedded-b$batch-run$run.txt"
        if ($Rerun -or -not (Test-Path $log)) {
            $text = & dotnet $Partly train --quiet --batches 200 --test-batches (2000000 / $batch) --batch $batch --out (Join-Path $dir "embedded-b$batch-run$run") 2>&1
            if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
            Set-Content -Path $log -Value $text
        }
        $share = [regex]::Match(((Get-Content $log -Raw) -replace '\s+', ' '), 'end to end is ([0-9.]+) of it')
        $shares += [double]::Parse($share.Groups[1].Value, $inv)
    }
    $routing += "| $batch | $(($shares | ForEach-Object { $_.ToString('F2', $inv) }) -join ', ') | $((($shares | Measure-Object -Average).Average).ToString('F2', $inv)) |"
}
# Equality across nodes and faults, from the cluster report: seeds 42 and 7, 600 training and 200 test batches of
# 1,000 at P = 50 on 2 worker nodes, fault-free, with the first worker killed before training batch 300, and (with 2
# learner nodes) with the node hosting the learner killed before update 10.
$faults = @('| seed | fault | blocks re-sent | duplicates dropped | tuples lost | longest stall s | learner failover s | policy = embedded | bytes per tuple | formation s |', '|---|---|---|---|---|---|---|---|---|---|')
$cases = @(
    @{ name = 'none'; cluster = 'workers=2'; kill = @(); label = 'none' },
    @{ name = 'kill'; cluster = 'workers=2'; kill = @('--kill', 'worker@batch=300'); label = 'worker killed before batch 300' },
    @{ name = 'learner-kill'; cluster = 'workers=2,learners=2'; kill = @('--kill', 'learner@update=10'); label = 'learner''s node killed before update 10' }
)
foreach ($seed in 42, 7) {
    foreach ($case in $cases) {
        $out = Join-Path $dir "report-seed$seed-$($case.name)"
        $report = Join-Path $out 'cluster.json'
        if ($Rerun -or -not (Test-Path $report)) {
            New-Item -ItemType Directory -Force -Path $dir | Out-Null
            $extra = $case.kill
            $text = & dotnet $Partly train --quiet --batches 600 --test-batches 200 --seed $seed --out $out --cluster $case.cluster --cluster-report $report @extra 2>&1
            if ($LASTEXITCODE -ne 0) { Write-Error ($text -join "`n"); exit $LASTEXITCODE }
        }
        $r = Get-Content $report -Raw | ConvertFrom-Json
        $equal = if ($r.policy_sha256 -eq $r.embedded_policy_sha256) { 'yes' } else { 'no' }
        $failover = if ($null -eq $r.failover_seconds) { '–' } else { ([double]$r.failover_seconds).ToString('F1', $inv) }
        $faults += "| $seed | $($case.label) | $($r.blocks_resent) | $($r.duplicates_dropped) | $($r.tuples_lost) | $(([double]$r.stall_seconds_max).ToString('F2', $inv)) | $failover | $equal | $(([double]$r.bytes_per_tuple).ToString('F2', $inv)) | $(([double]$r.formation_seconds).ToString('F1', $inv)) |"
    }
}
# Emulated service time: the trained policy and hash through 1, 2 and 4 worker nodes of 4 task slots each, P = 16,
# batches of 10,000 (100 test batches; the first fifth is warm-up), scale 100 µs of wall-clock per cost-model µs.
$service = @('| worker nodes | learned: measured ms | predicted ms | tuples/s | T(N) ÷ (N·T(1)) | CPU share | hash: measured ms | predicted ms | learned ÷ hash measured | predicted | apart |', '|---|---|---|---|---|---|---|---|---|---|---|')
$single = $null
foreach ($workers in 1, 2, 4) {
    $report = Join-Path $dir "service-w$workers.json"
    if ($Rerun -or -not (Test-Path $report)) {
        New-Item -ItemType Directory -Force -Path $dir | Out-Null
        $text = & dotnet $Partly evaluate --quiet --policy $Policy --partitions 16 --batch 10000 --tuples 1000000 --strategies hash --no-timing --cluster "workers=$workers" --service-time emulate --service-report $report 2>&1
        if ($LASTEXITCODE -ne 0) { Write-Error ($text -join "`n"); exit $LASTEXITCODE }
    }
    $r = Get-Content $report -Raw | ConvertFrom-Json
    if ($workers -eq 1) { $single = [double]$r.learned.tuples_per_second }
    $efficiency = [double]$r.learned.tuples_per_second / ($workers * $single)
    $service += "| $workers | $(([double]$r.learned.measured_milliseconds).ToString('F1', $inv)) | $(([double]$r.learned.predicted_milliseconds).ToString('F1', $inv)) | $(([double]$r.learned.tuples_per_second).ToString('F0', $inv)) | $($efficiency.ToString('F2', $inv)) | $(([double]$r.learned.cpu_share).ToString('P0', $inv)) | $(([double]$r.hash.measured_milliseconds).ToString('F1', $inv)) | $(([double]$r.hash.predicted_milliseconds).ToString('F1', $inv)) | $(([double]$r.measured_ratio).ToString('F3', $inv)) | $(([double]$r.predicted_ratio).ToString('F3', $inv)) | $(([double]$r.ratio_agreement).ToString('+0.0%;-0.0%', $inv)) |"
}
# Asynchronous training: the main job (20,000 batches) with the learner on a learner node of its own and the agent on
# the driver, seeds 42, 7 and 1; each report holds the same experiment run synchronously in one process.
$async = @('| seed | asynchronous: train s | embedded synchronous: train s | ratio | episodes dropped | test cost | synchronous test cost |', '|---|---|---|---|---|---|---|')
$ratios = @(); $syncCosts = @(); $asyncCosts = @()
foreach ($seed in 42, 7, 1) {
    $out = Join-Path $dir "async-seed$seed"
    $report = Join-Path $out 'cluster.json'
    if ($Rerun -or -not (Test-Path $report)) {
        New-Item -ItemType Directory -Force -Path $dir | Out-Null
        $text = & dotnet $Partly train --quiet --seed $seed --out $out --cluster 'workers=0,learners=1,mode=async' --cluster-report $report 2>&1
        if ($LASTEXITCODE -ne 0) { Write-Error ($text -join "`n"); exit $LASTEXITCODE }
    }
    $r = Get-Content $report -Raw | ConvertFrom-Json
    $ratio = [double]$r.train_seconds / [double]$r.embedded_train_seconds
    $ratios += $ratio; $syncCosts += [double]$r.embedded_test_cost; $asyncCosts += [double]$r.test_cost
    $async += "| $seed | $(([double]$r.train_seconds).ToString('F1', $inv)) | $(([double]$r.embedded_train_seconds).ToString('F1', $inv)) | $($ratio.ToString('F2', $inv)) | $($r.episodes_dropped) | $(([double]$r.test_cost).ToString('F4', $inv)) | $(([double]$r.embedded_test_cost).ToString('F4', $inv)) |"
}
# The agent on a node of its own (agents=1): synchronously with two worker nodes (and a learner node), policies
# against the embedded run's; asynchronously with the learner on another node, the main job, seeds 42, 7 and 1; and
# the agent's node killed mid-run.
$agentRows = @('| run | seed | policy = embedded | test cost | embedded test cost | train s | embedded train s | ratio |', '|---|---|---|---|---|---|---|---|')
$agentRatios = @()
$agentRuns = @(
    @{ Name = 'sync'; Label = 'sync, 2 workers'; Cluster = 'workers=2,agents=1'; Seeds = @(42, 7); Extra = @('--batches', '600', '--test-batches', '200') },
    @{ Name = 'sync-learner'; Label = 'sync, 2 workers, a learner node'; Cluster = 'workers=2,agents=1,learners=1'; Seeds = @(42); Extra = @('--batches', '600', '--test-batches', '200') },
    @{ Name = 'sync-lanes'; Label = 'sync, 2 lanes on 2 agent nodes, 2 workers'; Cluster = 'workers=2,agents=2'; Seeds = @(42, 7); Extra = @('--batches', '600', '--test-batches', '200') },
    @{ Name = 'async'; Label = 'async, the main job, a learner node'; Cluster = 'workers=0,agents=1,learners=1,mode=async'; Seeds = @(42, 7, 1); Extra = @() })
foreach ($run in $agentRuns) {
    foreach ($seed in $run.Seeds) {
        $out = Join-Path $dir "agent-$($run.Name)-seed$seed"
        $report = Join-Path $out 'cluster.json'
        if ($Rerun -or -not (Test-Path $report)) {
            New-Item -ItemType Directory -Force -Path $dir | Out-Null
            $text = & dotnet $Partly train --quiet --seed $seed --out $out --cluster $run.Cluster --cluster-report $report @($run.Extra) 2>&1
            if ($LASTEXITCODE -ne 0) { Write-Error ($text -join "`n"); exit $LASTEXITCODE }
        }
        $r = Get-Content $report -Raw | ConvertFrom-Json
        $ratio = [double]$r.train_seconds / [double]$r.embedded_train_seconds
        if ($run.Name -eq 'async') { $agentRatios += $ratio }
        $equal = if ($run.Name -eq 'async') { '– (asynchronous)' } elseif ($r.policy_sha256 -eq $r.embedded_policy_sha256) { 'yes' } else { 'no' }
        $agentRows += "| $($run.Label) | $seed | $equal | $(([double]$r.test_cost).ToString('F4', $inv)) | $(([double]$r.embedded_test_cost).ToString('F4', $inv)) | $(([double]$r.train_seconds).ToString('F1', $inv)) | $(([double]$r.embedded_train_seconds).ToString('F1', $inv)) | $($ratio.ToString('F2', $inv)) |"
    }
}
$killFile = Join-Path $dir 'agent-killed.txt'
if ($Rerun -or -not (Test-Path $killFile)) {
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $text = & dotnet $Partly train --quiet --batches 100000 --out (Join-Path $dir 'agent-killed') --cluster 'workers=1,agents=1' --kill 'agent@batch=300' 2>&1
    $code = $LASTEXITCODE
    $lastLine = @($text | ForEach-Object { "$_" } | Where-Object { $_ -like 'error:*' }) | Select-Object -Last 1
    Set-Content -Path $killFile -Value @("$code", $lastLine, $clock.Elapsed.TotalSeconds.ToString('F1', $inv))
}
$killed = @(Get-Content $killFile)
# Two lanes on two agent nodes, the first node killed after training batch 300: its lane moves to the node left.
$movedOut = Join-Path $dir 'agent-lane-moved'
$movedReport = Join-Path $movedOut 'cluster.json'
$movedClock = Join-Path $dir 'agent-lane-moved.txt'
if ($Rerun -or -not (Test-Path $movedReport)) {
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $text = & dotnet $Partly train --quiet --seed 42 --batches 600 --test-batches 200 --out $movedOut --cluster 'workers=2,agents=2' --kill 'agent@batch=300' --cluster-report $movedReport 2>&1
    if ($LASTEXITCODE -ne 0) { Write-Error ($text -join "`n"); exit $LASTEXITCODE }
    Set-Content -Path $movedClock -Value $clock.Elapsed.TotalSeconds.ToString('F1', $inv)
}
$moved = Get-Content $movedReport -Raw | ConvertFrom-Json
$movedCurve = @(Get-Content (Join-Path $movedOut 'learning-curve.csv')).Count - 1
$low = ($syncCosts | Measure-Object -Minimum).Minimum; $high = ($syncCosts | Measure-Object -Maximum).Maximum
$inside = @($asyncCosts | Where-Object { $_ -ge $low -and $_ -le $high }).Count
$below = @($asyncCosts | Where-Object { $_ -lt $low }).Count
@(
    '## Multi-node runs (Akka.Cluster, in progress)',
    '',
    '`partly train --quiet --batches 200 --test-batches N --batch B --cluster workers=W --cluster-report FILE`: the command',
    'is the driver and holds the agent and the learner; W worker node processes on 127.0.0.1 process the blocks, one',
    'message per worker per batch, block b of P on worker ⌊b·W/P⌋; the report runs the same experiment again in one',
    'process, for the ratio in one run. P = 50, 20,000,000 test tuples, the test phase''s end-to-end throughput after',
    'warm-up; CPU of the driver and every node over the test phase after its first fifth, per million tuples; one run',
    'each, in `runs/cluster/`. Every process shares the same 2 cores, so this is the cost of crossing nodes, not a',
    'speed-up:',
    ''
) + $rows + @(
    '',
    'The issue''s overhead goals: a ratio of at least 0.35 (batches of 1,000) and 0.5 (10,000) with 2 worker nodes; 4',
    'nodes at least 0.8 of 1 node''s; CPU per million tuples at most 1.25 of 1 node''s with 4. On one node, the embedded',
    'run''s end-to-end throughput over its agent''s own routing speed on the same warmed-up batches (its time placing',
    'them: the policy''s decisions and the batch''s metrics), two runs: how much the actors cost without crossing nodes',
    '(issue 14 asks at least 0.8 with batches of 10,000):',
    '',
    '| batch | end to end ÷ the agent''s routing | mean |',
    '|---|---|---|'
) + $routing + @(
    '',
    '### A worker node or the learner''s node killed mid-run',
    '',
    '`partly train --quiet --batches 600 --test-batches 200 --seed S --cluster workers=2[,learners=2] --cluster-report FILE',
    '[--kill worker@batch=300 | --kill learner@update=10]`. A worker: the first worker node is killed (SIGKILL) just before training batch 300 goes out; the agent',
    'holds every placed batch until each block has reported, and when the failure detector marks the node unreachable',
    '(about 3 s of missed heartbeats) it re-sends that node''s unreported blocks to the survivor. The report compares',
    'the run with the same experiment run again in one process (its policy hash, its test throughput). The learner: it',
    'runs as the cluster singleton of the learner nodes and writes its state (weights, optimiser moments, its shuffling',
    'generator, the next episode) atomically after every update, before publishing; the node hosting it is killed just',
    'before the episode that closes update 10 goes out; once the node is removed the singleton starts on the other',
    'learner node, the experiment sends it the session to resume from that state, and the agent sends the open window''s',
    'episodes again (the learner drops what it has and takes the rest in order). Failover: from the kill to the first',
    'weights of the learner that took over. Bytes are the PartLy messages the driver serialized and deserialized',
    '(blocks, reports and, with learner nodes, episodes and weights; not the cluster''s gossip). The test phases are too',
    'short for throughput and CPU (the overhead table above measures those). One run each, in `runs/cluster/`:',
    ''
) + $faults + @(
    '',
    'The issue asks for a stall of at most 6 s after a worker kill and the learner answering again within 15 s of its',
    'kill. Blocks re-sent count every in-flight batch''s blocks',
    'of the lost node: the agent goes on placing batches (up to the update window) while the node is not yet detected.',
    '',
    '### Emulated service time: the cluster checks the simulator',
    '',
    '`partly evaluate --policy runs/partitioner-online-seed42/policy.json --partitions 16 --batch 10000 --tuples 1000000',
    '--strategies hash --cluster workers=N --service-time emulate --service-report FILE`: each worker node serves a block',
    'for its cost-model time as wall-clock (100 µs per cost-model µs) on 4 task slots (a thread each on a dedicated',
    'dispatcher, sleeping: no CPU), one batch in service at a time; the policy''s test batches and then hash''s go through',
    'the same nodes. Measured: from a batch''s blocks going out to the last report; predicted: the emulation''s batch time',
    'from the cost model (each worker''s blocks in order on its slots; with a slot per block, as at 4 nodes, the cost',
    'model''s slowest block). Means over the 80 batches after warm-up, one run each, in `runs/cluster/`; CPU is the driver''s',
    'and every node''s over the test phase, as a share of the 2 cores:',
    ''
) + $service + @(
    '',
    'The issue asks for T(N) ÷ (N·T(1)) of at least 0.8 at N ∈ {1, 2, 4} with CPU below 70%, and the measured learned ÷',
    'hash ratio within 10% of the predicted one. Even a perfect transport loses some efficiency here: at 1 node the 16',
    'blocks share 4 slots and pack, at 4 nodes each block has its own slot and the batch waits for the slowest.',
    '',
    '### Asynchronous training',
    '',
    '`partly train --seed S --cluster workers=0,learners=1,mode=async --cluster-report FILE`: the main job (20,000',
    'batches, PPO) with the learner on a learner node of its own and the agent on the driver. The agent never waits: it',
    'places with the weights it has, each episode carries their version, and it adopts new weights as they arrive; the',
    'learner drops episodes more than 4 versions behind its own (counted) and corrects the rest with V-trace',
    '(ρ̄ = c̄ = 1) under PPO''s clipping. Train time runs from the first batch to the last update; the embedded run is the',
    'same experiment learnt synchronously in one process. One run per seed, in `runs/cluster/`:',
    ''
) + $async + @(
    '',
    "Mean ratio $((($ratios | Measure-Object -Average).Average).ToString('F2', $inv)); the issue asks at most 0.75. Both processes share the 2 cores: the",
    'learner''s updates take one while the agent places on the other, and the episodes'' serialization, the transport',
    'and the garbage collector have no third. Test costs: the synchronous seeds span',
    "$($low.ToString('F4', $inv))-$($high.ToString('F4', $inv)); $inside of the 3 asynchronous costs lie inside, $below below (better).",
    '',
    '### The agent on a node of its own',
    '',
    '`partly train --seed S --cluster workers=W,agents=1[,learners=1][,mode=async] --cluster-report FILE`: each phase''s',
    'source, scheduler and agent run on a `partly node --roles agent` process (the experiment sends it the agent''s',
    'settings, the feed''s description and the starting weights); batches are read, placed and sent to the workers',
    'there, and only episodes, weights and per-batch metrics cross to the driver and the learner. With `agents=K` the',
    'stream runs in K lanes, batch i on lane i mod K with an action seed per lane, a node each; the embedded run of the',
    'report is then the same K lanes in one process. The synchronous runs have 600 training and 200 test batches; the',
    'asynchronous ones are the main job, as above. One run each, in `runs/cluster/`:',
    ''
) + $agentRows + @(
    '',
    "Asynchronously with the agent and the learner on separate nodes (the issue's setting), mean ratio $((($agentRatios | Measure-Object -Average).Average).ToString('F2', $inv))",
    '(the issue asks at most 0.75): three processes on 2 cores, slower than with the agent in the driver. The agent''s',
    "node killed after training batch 300 (``--kill agent@batch=300``, 100,000 batches asked): exit code $($killed[0]) after $($killed[2]) s in all,",
    "with ``$($killed[1])``, and nothing written.",
    '',
    "With two lanes on two agent nodes (``--cluster workers=2,agents=2 --kill agent@batch=300``, seed 42, 600 + 200 batches) the",
    "lost node's lane starts again on the node left from its first batch not completed: exit code 0 after $(Get-Content $movedClock) s in all,",
    "$($moved.agent_nodes_lost) agent node lost, $($moved.lanes_moved) lane moved, $movedCurve of 600 training batches in the learning curve, $($moved.batches) batches in all;",
    "test cost $(([double]$moved.test_cost).ToString('F4', $inv)) against the fault-free two-lane run's $(([double]$moved.embedded_test_cost).ToString('F4', $inv)) (the moved lane starts with no memory of the keys,",
    'so the numbers are no longer the fault-free run''s).',
    '',
    'Not built yet: weights by distributed pub-sub and episodes in chunks (an episode and the weights each fit one frame',
    'here). Refused: the asynchronous mode with the learner''s node killed, and worker or learner faults with several',
    'lanes or an agent node.'
)
