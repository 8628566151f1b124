#!/usr/bin/env pwsh
# Regenerates docs/results.md: trains the default policy if runs/partitioner-online-seed42/policy.json is missing
# (the main job), runs the Zipf grid and the text grid (bench/grid.ps1 -Ablation) and the settings of other modes and
# weak heuristics (partly train, 5,000 batches each) unless their JSON is in runs/ already (-Rerun: run them again),
# and renders every table, where a baseline wins and what is not reached, from that JSON.
# With -Routing (or when runs/routing/report.md is missing) it also runs the BenchmarkDotNet comparison of the learned
# partitioner with the greedy (bench/PartLy.Benchmarks, LearnedAgainstGreedyBenchmarks, about 5 minutes).
#   dotnet pwsh bench/results.ps1 [-Tuples 1000000] [-Rerun] [-Routing]
param([long]$Tuples = 1000000, [switch]$Rerun, [switch]$Routing)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$policy = Join-Path $root 'runs/partitioner-online-seed42/policy.json'
$grid = Join-Path $root 'runs/grid'
if (-not (Test-Path $policy)) { & dotnet pwsh -NoProfile (Join-Path $root 'run.ps1') train --quiet; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } }
$partly = Join-Path $root 'src/PartLy.Cli/bin/Release/net10.0/partly.dll'
$text = Join-Path (& dotnet nuget locals global-packages --list).Replace('global-packages: ', '') 'mathnet.numerics/5.0.0/lib/net6.0/MathNet.Numerics.xml'
$textGrid = Join-Path $root 'runs/grid-text'
if (($Rerun -or -not (Test-Path (Join-Path $textGrid 'text-p50-b1000.json'))) -and (Test-Path $text)) {
    & dotnet pwsh -NoProfile (Join-Path $PSScriptRoot 'grid.ps1') -Policy $policy -Trace $text -Out $textGrid -Strategies 'all,greedy:slack=0.01' -Ablation | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
# The settings of other modes and weak heuristics: (title, directory, flags of partly train).
$settings = @(
    @('buffered, Zipf(1.5)', 'buffered', @('--mode', 'buffered')),
    @('buffered, cardinality and migration charged', 'buffered-cardinality', @('--mode', 'buffered', '--cost-weights', 'imbalance=1,replication=1,cardinality=1,migration=1')),
    @('online, drifting hot set, migration charged', 'drift', @('--workload', 'drift:z=1.5,keys=10000,every=20,shift=5', '--cost-weights', 'imbalance=1,replication=1,migration=1')),
    @('buffered, drifting hot set, migration charged', 'drift-buffered', @('--mode', 'buffered', '--workload', 'drift:z=1.5,keys=10000,every=20,shift=5', '--cost-weights', 'imbalance=1,replication=1,migration=1')),
    @('online, time-based batches of unknown size', 'time', @('--workload', 'zipf:z=1.5,keys=10000,rate=100000,wave=0.5,period=2', '--batch', '10ms'))
)
foreach ($setting in $settings) {
    $dir = Join-Path $root "runs/settings/$($setting[1])"
    if ($Rerun -or -not (Test-Path (Join-Path $dir 'test.json'))) {
        & dotnet $partly train --quiet --runtime direct --batches 5000 --test-batches 500 --partitions 50 --out $dir @($setting[2]) | Out-Null
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
}
$cells = foreach ($z in '0.8', '1', '1.5', '2') { foreach ($p in 10, 50) { foreach ($b in 1000, 10000) { [pscustomobject]@{ Z = $z; P = $p; B = $b; File = Join-Path $grid "z$z-p$p-b$b.json" } } } }
if ($Rerun -or ($cells | Where-Object { -not (Test-Path $_.File) })) {
    & dotnet pwsh -NoProfile (Join-Path $PSScriptRoot 'grid.ps1') -Policy $policy -Tuples $Tuples -Out $grid -Strategies 'all,greedy:slack=0.01' -Ablation | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
$routingReport = Join-Path $root 'runs/routing/report.md'
if ($Routing -or -not (Test-Path $routingReport)) {
    Push-Location $root
    try {
        & dotnet run -c Release --project bench/PartLy.Benchmarks -- --filter '*LearnedAgainstGreedy*' --artifacts runs/routing/artifacts | Out-Null
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    } finally { Pop-Location }
    $made = Get-ChildItem (Join-Path $root 'runs/routing/artifacts/results') -Filter '*LearnedAgainstGreedy*-report-github.md' | Select-Object -First 1
    Copy-Item $made.FullName $routingReport -Force
}
$routingRows = @(Get-Content $routingReport | Where-Object { $_ -like '|*' })
$inv = [System.Globalization.CultureInfo]::InvariantCulture
function F($v) { $v.ToString('F3', $inv) }
# Scheduling rules (partly schedule): the section comes whole from bench/schedule.ps1.
$scheduleSection = @(& dotnet pwsh -NoProfile (Join-Path $PSScriptRoot 'schedule.ps1') -Partly $partly -Rerun:$Rerun)
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$clusterSection = @(& dotnet pwsh -NoProfile (Join-Path $PSScriptRoot 'cluster.ps1') -Partly $partly -Policy $policy -Rerun:$Rerun)
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
# The peers on PROBLEM.md section 4's inputs, seed 42 (timed) and permutation seeds 1-5, against their public code's figures.
$peers = Join-Path $root 'runs/peers'
$peerSeeds = 42, 1, 2, 3, 4, 5
$public = @{
    'holistic' = @{ '1.0-10' = @('0.032', '1.09'); '1.0-50' = @('0.173', '1.23'); '1.5-10' = @('0.012', '1.25'); '1.5-50' = @('0.068', '1.81') }
    'dalton'   = @{ '1.0-10' = @('0.92', '1.01'); '1.0-50' = @('3.74', '1.06'); '1.5-10' = @('1.13', '1.12'); '1.5-50' = @('12.1', '1.48') }
    'dagreedy' = @{ '1.0-10' = @('0.28', '1.00'); '1.0-50' = @('1.02', '1.01'); '1.5-10' = @('0.38', '1.05'); '1.5-50' = @('2.07', '1.18') }
}
$peerRows = @(); $peerMisses = @()
foreach ($z in '1.0', '1.5') { foreach ($p in 10, 50) {
    $byStrategy = @{}
    foreach ($seed in $peerSeeds) {
        $file = Join-Path $peers "z$z-p$p-seed$seed.json"
        if ($Rerun -or -not (Test-Path $file)) {
            New-Item -ItemType Directory -Force -Path $peers | Out-Null
            & dotnet $partly bench --quiet --workload "zipf:z=$z,keys=10000" --tuples 1000000 --batch 1000 --partitions $p `
                --strategies 'holistic,dalton,dagreedy' --seed $seed --json $file @(if ($seed -ne 42) { '--no-timing' }) | Out-Null
            if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        }
        foreach ($x in (Get-Content $file -Raw | ConvertFrom-Json).results) { $byStrategy[$x.strategy] += @(, $x) }
    }
    foreach ($name in 'holistic', 'dalton', 'dagreedy') {
        $runs = $byStrategy[$name]; $own = $runs[0]; $others = $runs[1..($runs.Count - 1)]
        $lambdas = $others | ForEach-Object { $_.batch_imbalance_mean }
        $meanLambda = ($lambdas | Measure-Object -Average).Average
        $meanRepl = ($others | ForEach-Object { $_.batch_replication_mean } | Measure-Object -Average).Average
        $pub = $public[$name]["$z-$p"]
        function Near($ours, [string]$text) { $theirs = [double]::Parse($text, $inv); [math]::Abs($ours - $theirs) -le [math]::Max(0.25 * $theirs, 0.02) }
        $near = (Near $own.batch_imbalance_mean $pub[0]) -and (Near $own.batch_replication_mean $pub[1])
        $peerRows += "| $name | $z | $p | $($pub[0]) / $($pub[1]) | $(F $own.batch_imbalance_mean) / $(F $own.batch_replication_mean) | $(if ($near) { 'yes' } else { '**no**' }) | $(F $meanLambda) / $(F $meanRepl) | $(F ($lambdas | Measure-Object -Minimum).Minimum)–$(F ($lambdas | Measure-Object -Maximum).Maximum) | $(($own.tuples_per_second / 1e6).ToString('F1', $inv)) |"
        if (-not $near) { $peerMisses += "- $name, z = $z, P = ${p}: $(F $own.batch_imbalance_mean) / $(F $own.batch_replication_mean) at seed 42 against the public $($pub[0]) / $($pub[1]); over seeds 1-5 λ spans $(F ($lambdas | Measure-Object -Minimum).Minimum)–$(F ($lambdas | Measure-Object -Maximum).Maximum)." }
    }
} }
$rows = @(); $ablation = @(); $notReached = @(); $peerWins = @()
foreach ($c in $cells) {
    $r = Get-Content $c.File -Raw | ConvertFrom-Json
    $learned = $r.results | Where-Object { $_.strategy -eq 'learned' }
    $online = $r.results | Where-Object { $_.mode -eq 'online' -and $_.strategy -ne 'learned' -and $_.strategy -notlike '*choice=*' }
    $bestLambda = $online | Sort-Object batch_imbalance_mean | Select-Object -First 1
    $balancing = $online | Where-Object { $_.batch_imbalance_mean -le 0.2 } | Sort-Object batch_replication_mean | Select-Object -First 1
    $floor = $r.bounds.replication_floor_mean
    $ratio = $learned.batch_replication_mean / $floor
    $rows += "| $($c.Z) | $($c.P) | $($c.B) | $(F $learned.batch_imbalance_mean) / $(F $learned.batch_replication_mean) | $(F $bestLambda.batch_imbalance_mean) ($($bestLambda.strategy)) | $(F $balancing.batch_replication_mean) ($($balancing.strategy)) | $(F $floor) | $(F $ratio) |"
    $first = ($r.results | Where-Object { $_.strategy -like '*choice=first*' }).batch_replication_mean
    $random = ($r.results | Where-Object { $_.strategy -like '*choice=random*' }).batch_replication_mean
    $ablation += "| $($c.Z) | $($c.P) | $($c.B) | $(F $learned.batch_replication_mean) | $(F $first) | $(F $random) |"
    if ($ratio -gt 1.10) { $notReached += "- z = $($c.Z), P = $($c.P), batches of $($c.B): replication $(F $learned.batch_replication_mean) is $(F $ratio) times the fragment floor (goal: within 1.10)." }
    # λ is shown to 3 decimals; the slack's carry leaves the mean a few 1e-5 above 0.01 at most.
    if ($learned.batch_imbalance_mean -gt $bestLambda.batch_imbalance_mean + 0.0105) { $notReached += "- z = $($c.Z), P = $($c.P), batches of $($c.B): λ $(F $learned.batch_imbalance_mean) is more than 0.01 above the best online λ ($(F $bestLambda.batch_imbalance_mean), $($bestLambda.strategy))." }
    if ($balancing.batch_replication_mean -lt $learned.batch_replication_mean) { $peerWins += "- z = $($c.Z), P = $($c.P), batches of $($c.B): $($balancing.strategy) splits less ($(F $balancing.batch_replication_mean) against $(F $learned.batch_replication_mean))." }
    $tuples = $r.tuples
}
$textRows = @()
foreach ($p in 10, 50) { foreach ($b in 1000, 10000) {
    $file = Join-Path $textGrid "text-p$p-b$b.json"
    if (-not (Test-Path $file)) { continue }
    $r = Get-Content $file -Raw | ConvertFrom-Json
    $learned = $r.results | Where-Object { $_.strategy -eq 'learned' }
    $online = $r.results | Where-Object { $_.mode -eq 'online' -and $_.strategy -ne 'learned' -and $_.strategy -notlike '*choice=*' }
    $balancing = $online | Where-Object { $_.batch_imbalance_mean -le 0.2 } | Sort-Object batch_replication_mean | Select-Object -First 1
    $floor = $r.bounds.replication_floor_mean
    $textRows += "| $p | $b | $(F $learned.batch_imbalance_mean) / $(F $learned.batch_replication_mean) | $(F $balancing.batch_replication_mean) ($($balancing.strategy)) | $(F $floor) | $(F ($learned.batch_replication_mean / $floor)) |"
    if ($balancing.batch_replication_mean -lt $learned.batch_replication_mean) { $peerWins += "- text, P = $p, batches of ${b}: $($balancing.strategy) splits less ($(F $balancing.batch_replication_mean) against $(F $learned.batch_replication_mean))." }
    if ($learned.batch_replication_mean / $floor -gt 1.10) { $notReached += "- text, P = $p, batches of ${b}: replication $(F $learned.batch_replication_mean) is $(F ($learned.batch_replication_mean / $floor)) times the fragment floor." }
} }
$settingRows = @()
foreach ($setting in $settings) {
    $r = Get-Content (Join-Path $root "runs/settings/$($setting[1])/test.json") -Raw | ConvertFrom-Json
    function Cell($name) {
        $x = $r.results | Where-Object { $_.strategy -eq $name }
        if (-not $x) { return '–' }
        "$(F $x.batch_imbalance_mean) / $(F $x.batch_replication_mean) / $(F $x.batch_migration_mean) / **$(F $x.batch_cost_mean)**"
    }
    $learned = $r.results | Where-Object { $_.strategy -eq 'learned' }
    $sameMode = $r.results | Where-Object { $_.mode -eq $learned.mode -and $_.strategy -ne 'learned' } | Sort-Object batch_cost_mean | Select-Object -First 1
    $anyMode = $r.results | Where-Object { $_.strategy -ne 'learned' } | Sort-Object batch_cost_mean | Select-Object -First 1
    $settingRows += "| $($setting[0]) | $(Cell 'learned') | $(Cell 'greedy') | $(Cell 'reserving') | $(Cell 'ch-bl') | $(Cell 'prompt') | $(Cell 'greedy-fill') | $($sameMode.strategy) $(F $sameMode.batch_cost_mean) |"
    if ($sameMode.batch_cost_mean -lt $learned.batch_cost_mean) { $peerWins += "- $($setting[0]): $($sameMode.strategy) has a lower full cost ($(F $sameMode.batch_cost_mean) against $(F $learned.batch_cost_mean))." }
    elseif ($anyMode.batch_cost_mean -lt $learned.batch_cost_mean) { $peerWins += "- $($setting[0]): $($anyMode.strategy) ($($anyMode.mode)) has a lower full cost ($(F $anyMode.batch_cost_mean) against $(F $learned.batch_cost_mean)); the policy is the cheapest $($learned.mode) strategy." }
}
if ($notReached.Count -eq 0) { $notReached = @('- Every cell meets the goals of PROBLEM.md section 5 on balance and replication.') }
if ($peerWins.Count -eq 0) { $peerWins = @('- No baseline splits less, or costs less, than the learned partitioner in any row.') }
$flagsLine = 'Flags: ' + (($settings | ForEach-Object { "$($_[0]): ``$($_[2] -join ' ')``" }) -join '; ') + '.'
$lines = @(
    '# Results',
    '',
    'Generated by `dotnet pwsh bench/results.ps1` (add `-Rerun` to run the grid again) from the JSON of',
    "``bench/grid.ps1 -Policy runs/partitioner-online-seed42/policy.json -Strategies 'all,greedy:slack=0.01' -Ablation``",
    "in ``runs/grid/`` ($tuples tuples per cell, Zipf over 10,000 keys with permuted ids, online). The policy is the main",
    'job''s (`dotnet pwsh run.ps1`: 20,000 training batches on the mix z ∈ {0.8, 1, 1.5, 2} × P ∈ {10, 50}, seed 42).',
    'Metrics are per-batch means (PROBLEM.md section 2). "Balancing online" means the online baselines with λ ≤ 0.2.',
    '',
    '## The grid',
    '',
    '| z | P | batch | learned λ / repl | best online λ (strategy) | lowest repl of balancing online (strategy) | fragment floor | learned repl / floor |',
    '|---|---|---|---|---|---|---|---|'
) + $rows + @(
    '',
    '## The peers against their public code',
    '',
    'Holistic, Dalton (micro-batch flavour) and DAGreedy on PROBLEM.md section 4''s inputs (1,000,000 Zipf tuples over',
    '10,000 keys, batches of 1,000, online; `partly bench --strategies holistic,dalton,dagreedy --seed S`, JSON in',
    '`runs/peers/`), against the figures of their public implementations in PROBLEM.md. "Near" means λ and replication',
    'within 25% or 0.02, whichever is larger. Our seed 42 draws another sample and another permutation of key ids than',
    'the public runs'' (same seed, another generator); seeds 1-5 draw five more, and their columns show how far the same',
    'code moves with the sample alone. Dalton''s cold keys go to key mod P, so at P = 10, where almost every key is cold',
    '(hot means above 1/P of a slide), λ is set by which medium keys the permutation puts on one block; DAGreedy at',
    'P = 50 counts every key as hot (its threshold total / (100·P) is 0 for slides of 1,000) and the blocks that held a',
    'key never expire, so its first slides'' choices stay with it. Mtuples/s: steady-state routing on one core at seed',
    '42 (`tuples_per_second`; their Java code manages 0.5-1.6).',
    '',
    '| strategy | z | P | public λ / repl | ours, seed 42 | near | ours, mean of seeds 1-5 | λ over seeds 1-5 | Mtuples/s |',
    '|---|---|---|---|---|---|---|---|---|'
) + $peerRows + @('') + $(if ($peerMisses.Count -gt 0) { @('Not near at seed 42:', '') + $peerMisses } else { @('Every cell is near its public figure.') }) + @(
    '',
    '## What the policy''s choice adds',
    '',
    'The same rules (the strategy `reserving` with the policy''s slack and mode) with the first candidate or a random',
    'one at every hot-key decision, against the policy''s choice. Per-batch replication:',
    '',
    '| z | P | batch | learned | rules, first candidate | rules, random candidate |',
    '|---|---|---|---|---|---|'
) + $ablation + @(
    '',
    '## A real stream',
    '',
    'Word counting over the MathNet.Numerics API reference (the XML documentation that restore puts in the NuGet cache),',
    'the same policy, never trained on text (`bench/grid.ps1 -Trace ... -Format words`):',
    '',
    '| P | batch | learned λ / repl | lowest repl of balancing online (strategy) | fragment floor | learned repl / floor |',
    '|---|---|---|---|---|---|'
) + $textRows + @(
    '',
    '## Other modes and where heuristics are weak',
    '',
    'A policy trained for each setting (`partly train --runtime direct --batches 5000 --test-batches 500 --partitions 50`',
    'with the flags below, in `runs/settings/`), tested beside every strategy on 500 batches of the same workload.',
    'Cells: λ / replication / migration / **full cost** (the cost the reward charges), per-batch means.',
    '',
    '| setting | learned | greedy | reserving | ch-bl | prompt (buffered) | greedy-fill (buffered) | cheapest other of the same mode |',
    '|---|---|---|---|---|---|---|---|'
) + $settingRows + @(
    '',
    $flagsLine,
    ''
) + $scheduleSection + @('') + $clusterSection + @(
    '',
    '## Routing speed: the learned partitioner against the greedy',
    '',
    'BenchmarkDotNet, one run, one core: 1,000,000 Zipf tuples over 10,000 keys in memory, P = 50, batches of 1,000',
    '(`dotnet run -c Release --project bench/PartLy.Benchmarks -- --filter ''*LearnedAgainstGreedy*''`, 3 warm-up and',
    '20 measured iterations; Mean is the mean over iterations, Ratio the mean ns per tuple over the greedy''s).',
    '`Reserving` is the learned partitioner''s rules with the first candidate, without the network. The report:',
    '') + $routingRows + @(
    '',
    '## Where a baseline wins', '') + $peerWins + @('', '## What is not reached', '') + $notReached + @(
    '- The learned partitioner at hash-like speed (at most 1.5 times the greedy''s ns per tuple, at least 20 M tuples/s):',
    '  see the Ratio column above; the rules, not the network, are the cost (`Reserving` against `Learned`).'
)
$out = Join-Path $root 'docs/results.md'
$tmp = "$out.tmp"
Set-Content -Path $tmp -Value $lines -Encoding utf8NoBOM
Move-Item -Force $tmp $out
Write-Host "wrote $out"
