#!/usr/bin/env pwsh
# The "Scheduling rules" section of docs/results.md, written to standard output as markdown lines: every rule of
# partly schedule on a spike, a wave and a step at a base load of about 0.85, seeds 1-5, reactive and informed; the
# Prompt+ reconstruction against its figure; DS2's rescales on the step; the oracle as a per-batch lower bound.
# Runs partly schedule only for the JSON/CSV missing from runs/schedule/ (-Rerun: all of them again).
#   dotnet pwsh bench/schedule.ps1 -Partly src/PartLy.Cli/bin/Release/net10.0/partly.dll [-Rerun]
param([Parameter(Mandatory)][string]$Partly, [switch]$Rerun)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$dir = Join-Path $root 'runs/schedule'
$inv = [System.Globalization.CultureInfo]::InvariantCulture
$seeds = 1..5
$base = 'zipf:z=1,keys=10000,rate=1400000'
$profiles = @(
    @{ Label = 'spike ×2.6 for 20 batches'; Name = 'spike'; Spec = 'spike=2.6@40+20' },
    @{ Label = 'wave 0.6, 200 batches, 10% noise'; Name = 'wave'; Spec = 'wave=0.6,period=0.2,noise=0.1' },
    @{ Label = 'step ×1.5'; Name = 'step'; Spec = 'step=1.5@40' })

function F1($v) { ([double]$v).ToString('F1', $inv) }
function F2($v) { ([double]$v).ToString('F2', $inv) }

# Runs partly schedule into $file unless it is there; the output files are named by the caller.
function Schedule([string]$file, [string[]]$arguments) {
    if ($Rerun -or -not (Test-Path $file)) {
        New-Item -ItemType Directory -Force -Path $dir | Out-Null
        & dotnet $Partly schedule --quiet --batch 1ms --partitions 4 @arguments | Out-Null
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
}

function Runs([string]$name, [string]$spec, [string]$mode) {
    foreach ($seed in $seeds) {
        $file = Join-Path $dir "$name$(if ($mode -eq 'informed') { '-informed' })-seed$seed.json"
        Schedule $file @('--workload', "$base,$spec", '--tuples', '600000', '--seed', "$seed", '--mode', $mode, '--json', $file)
        Get-Content $file -Raw | ConvertFrom-Json
    }
}

# One table of every rule over the profiles, with the oracle and the dp bound; also returns the runs.
function Table([string]$mode) {
    $rows = @('| profile | rule | late | over I | recovery | settle | rescales | mean P | over-provisioning | latency p95 |', '|---|---|---|---|---|---|---|---|---|---|')
    $all = @()
    foreach ($profile in $profiles) {
        $runs = @(Runs $profile.Name $profile.Spec $mode)
        $all += $runs
        foreach ($rule in $runs[0].results.scheduler) {
            $mine = $runs | ForEach-Object { $_.results | Where-Object { $_.scheduler -eq $rule } }
            function Mean($field) { ($mine | ForEach-Object { $_.$field } | Measure-Object -Average).Average }
            $recovery = if ($null -eq $mine[0].recovery_batches) { '–' } else { F1 (Mean 'recovery_batches') }
            $settle = if ($null -eq $mine[0].settling_rescales) { '–' } else { F1 (Mean 'settling_rescales') }
            $rows += "| $($profile.Label) | $rule | $(F1 (Mean 'late_batches')) | $(F1 (Mean 'over_interval_batches')) | $recovery | $settle | $(F1 (Mean 'rescales')) | $(F1 (Mean 'mean_partitions')) | $((100 * (Mean 'over_provisioning')).ToString('F0', $inv))% | $((Mean 'latency_p95').ToString('F0', $inv)) |"
        }
        $oracleP = ($runs | ForEach-Object { $_.bounds.oracle_mean_partitions } | Measure-Object -Average).Average
        $dpP = ($runs | ForEach-Object { $_.bounds.dp_mean_partitions } | Measure-Object -Average).Average
        $dpRescales = ($runs | ForEach-Object { $_.bounds.dp_rescales } | Measure-Object -Average).Average
        $rows += "| $($profile.Label) | *oracle* | – | – | – | – | – | $(F1 $oracleP) | 0% | – |"
        $rows += "| $($profile.Label) | *dp bound* | 0 | – | – | – | $(F1 $dpRescales) | $(F1 $dpP) | $((100 * ($dpP / $oracleP - 1)).ToString('F0', $inv))% | – |"
    }
    return @{ Rows = $rows; Runs = $all }
}

$reactive = Table 'reactive'
$informed = Table 'informed'

# The learned scheduler (partly train --scenario cooperative, seed 42) on the same runs, against each rule's team cost.
$coopPolicy = Join-Path $root 'runs/cooperative-reactive-seed42/policy.json'
if ($Rerun -or -not (Test-Path $coopPolicy)) {
    & dotnet $Partly train --scenario cooperative --quiet --out (Split-Path $coopPolicy) | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
# Both agents learned: the scheduler trained over the trained partitioner (its file holds both), beside every rule paired
# with that partitioner, on the same runs.
$partitionerPolicy = Join-Path $root 'runs/partitioner-online-seed42/policy.json'
$bothPolicy = Join-Path $root 'runs/cooperative-reactive-learned-seed42/policy.json'
if ($Rerun -or -not (Test-Path $bothPolicy)) {
    & dotnet $Partly train --scenario cooperative --quiet --partitioner-policy $partitionerPolicy --out (Split-Path $bothPolicy) | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
$bothRows = @('| profile | both learned: team cost, late | best rule with the learned partitioner | best rule with the greedy |', '|---|---|---|---|')
foreach ($profile in $profiles) {
    $runs = @(foreach ($seed in $seeds) {
        $file = Join-Path $dir "both-$($profile.Name)-seed$seed.json"
        Schedule $file @('--workload', "$base,$($profile.Spec)", '--tuples', '600000', '--seed', "$seed", '--policy', $bothPolicy, '--json', $file)
        Get-Content $file -Raw | ConvertFrom-Json
    })
    function Best($runSet) {
        $runSet[0].results.scheduler | Where-Object { $_ -ne 'learned' } | ForEach-Object {
            $rule = $_
            $mine = $runSet | ForEach-Object { $_.results | Where-Object { $_.scheduler -eq $rule } }
            [pscustomobject]@{ Rule = $rule; Cost = ($mine.team_cost | Measure-Object -Average).Average; Late = ($mine.late_batches | Measure-Object -Average).Average }
        } | Sort-Object Cost | Select-Object -First 1
    }
    $pair = $runs | ForEach-Object { $_.results | Where-Object { $_.scheduler -eq 'learned' } }
    $withLearned = Best $runs
    $withGreedy = Best @($reactive.Runs | Where-Object { $_.workload -eq "$base,$($profile.Spec)" })
    $bothRows += "| $($profile.Label) | $((($pair.team_cost | Measure-Object -Average).Average).ToString('F3', $inv)), $(F1 ($pair.late_batches | Measure-Object -Average).Average) | $($withLearned.Rule) $($withLearned.Cost.ToString('F3', $inv)), $(F1 $withLearned.Late) | $($withGreedy.Rule) $($withGreedy.Cost.ToString('F3', $inv)), $(F1 $withGreedy.Late) |"
}
$curve = @(Import-Csv (Join-Path (Split-Path $coopPolicy) 'learning-curve.csv'))
$trainedIn = $curve.Count
$lateCurve = @($curve | Where-Object { [int]$_.episode -ge $trainedIn * 2 / 3 -and $_.best_rule_team_cost -ne '' })
$curveLearned = ($lateCurve | ForEach-Object { [double]$_.team_cost } | Measure-Object -Average).Average
$curveBest = ($lateCurve | ForEach-Object { [double]$_.best_rule_team_cost } | Measure-Object -Average).Average
$informedPolicy = Join-Path $root 'runs/cooperative-informed-seed42/policy.json'
if ($Rerun -or -not (Test-Path $informedPolicy)) {
    & dotnet $Partly train --scenario cooperative --mode informed --quiet --out (Split-Path $informedPolicy) | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

# The learned scheduler's rows of one mode, against the best rule of the same mode by team cost.
function LearnedRows([string]$mode, [string]$policy, $ruleRuns) {
    $rows = @('| profile | learned: team cost | best rule: team cost | late | over I | recovery | settle | rescales | over-provisioning |', '|---|---|---|---|---|---|---|---|---|')
    foreach ($profile in $profiles) {
        $learned = foreach ($seed in $seeds) {
            $file = Join-Path $dir "learned-$($profile.Name)-$mode-seed$seed.json"
            Schedule $file @('--workload', "$base,$($profile.Spec)", '--tuples', '600000', '--seed', "$seed", '--schedulers', 'fixed', '--mode', $mode, '--policy', $policy, '--json', $file)
            (Get-Content $file -Raw | ConvertFrom-Json).results | Where-Object { $_.scheduler -eq 'learned' }
        }
        function LMean($field) { ($learned | ForEach-Object { $_.$field } | Measure-Object -Average).Average }
        $rules = $ruleRuns | Where-Object { $_.workload -eq "$base,$($profile.Spec)" }
        $best = $rules[0].results.scheduler | ForEach-Object {
            $rule = $_
            [pscustomobject]@{ Rule = $rule; Cost = ($rules | ForEach-Object { ($_.results | Where-Object { $_.scheduler -eq $rule }).team_cost } | Measure-Object -Average).Average }
        } | Sort-Object Cost | Select-Object -First 1
        $recovery = if ($null -eq $learned[0].recovery_batches) { '–' } else { F1 (LMean 'recovery_batches') }
        $settle = if ($null -eq $learned[0].settling_rescales) { '–' } else { F1 (LMean 'settling_rescales') }
        $rows += "| $($profile.Label) | $((LMean 'team_cost').ToString('F3', $inv)) | $($best.Rule) $($best.Cost.ToString('F3', $inv)) | $(F1 (LMean 'late_batches')) | $(F1 (LMean 'over_interval_batches')) | $recovery | $settle | $(F1 (LMean 'rescales')) | $((100 * (LMean 'over_provisioning')).ToString('F0', $inv))% |"
    }
    return $rows
}
$learnedRows = LearnedRows 'reactive' $coopPolicy $reactive.Runs
$informedLearnedRows = LearnedRows 'informed' $informedPolicy $informed.Runs

# Prompt+'s figure: T / I of the spike's first six batches, batches over the interval of its 20, late ones, and T / I
# in its batches 7-20, with and without a batch-aware partitioner (informed) and a provisioning lag of one batch.
$figureSettings = @(
    @{ Label = 'reactive, no lag'; Name = 'reactive'; Arguments = @('--mode', 'reactive', '--lag', '0') },
    @{ Label = 'reactive, lag 1'; Name = 'reactive-lag1'; Arguments = @('--mode', 'reactive', '--lag', '1') },
    @{ Label = 'informed, no lag'; Name = 'informed'; Arguments = @('--mode', 'informed', '--lag', '0') },
    @{ Label = 'informed, lag 1 (Prompt+''s setting)'; Name = 'informed-lag1'; Arguments = @('--mode', 'informed', '--lag', '1') })
$figure = foreach ($setting in $figureSettings) {
    $load = @(0) * 6; $steady = 0; $over = 0; $late = 0
    foreach ($seed in $seeds) {
        $csv = Join-Path $dir "prompt-spike26-$($setting.Name)-seed$seed.csv"
        Schedule $csv (@('--workload', "$base,spike=2.6@40+20", '--tuples', '200000', '--seed', "$seed", '--schedulers', 'prompt', '--batches', $csv) + $setting.Arguments)
        $batches = @(Import-Csv $csv)
        for ($i = 0; $i -lt 6; $i++) { $load[$i] += [double]$batches[40 + $i].processing_time / 1000 / $seeds.Count }
        $steady += ($batches[46..59] | ForEach-Object { [double]$_.processing_time / 1000 } | Measure-Object -Average).Average / $seeds.Count
        $over += @($batches[40..59] | Where-Object { [double]$_.processing_time -gt 1000 }).Count / $seeds.Count
        $late += @($batches[40..59] | Where-Object { $_.late -eq 'True' }).Count / $seeds.Count
    }
    "| $($setting.Label) | $(($load | ForEach-Object { '{0:F0}%' -f (100 * $_) }) -join ', ') | $(F1 $over) | $(F1 $late) | $('{0:F0}%' -f (100 * $steady)) |"
}

$ds2Step = $reactive.Runs | Where-Object { $_.workload -like '*step=*' } | ForEach-Object { ($_.results | Where-Object { $_.scheduler -eq 'ds2' }).settling_rescales }
$pairs = 0; $below = 0; $within = 0; $withinAbove = 0
foreach ($run in $reactive.Runs + $informed.Runs) {
    foreach ($result in $run.results) {
        $pairs++
        $below += $result.below_oracle_within_interval
        if ($result.over_interval_batches -eq 0) { $within++; if ($result.resource_seconds -ge $run.bounds.oracle_resource_seconds - 1e-9) { $withinAbove++ } }
    }
}
$dpAbove = @($reactive.Runs + $informed.Runs | Where-Object { $_.bounds.dp_resource_seconds -ge $_.bounds.oracle_resource_seconds - 1e-9 }).Count

@(
    '## Scheduling rules',
    '',
    "``partly schedule --workload $base,PROFILE --batch 1ms --partitions 4 --tuples 600000 [--mode informed]``",
    '(base load about 0.85 of the interval at 4 blocks, the greedy as partitioner, at most 16 blocks), means over',
    'seeds 1-5, JSON in `runs/schedule/`. Late: latency above the interval; over I: processing time above it;',
    'recovery: batches after the last step or spike until three in a row are on time; settle: rescales after it until',
    'P holds 20 batches with none late; over-provisioning: Σ P / Σ P* − 1 against the informed per-batch oracle',
    '(negative: fewer blocks than on-time batches need); latency p95 in µs. The dp bound: the fewest blocks with no',
    'late batch over the whole run, a rescale charged one block-interval. Migration is free and there is no lag here.',
    '',
    '### Reactive (a rule sees the batches before the one it sizes)',
    ''
) + $reactive.Rows + @(
    '',
    '### Informed (a rule is told a sketch of the batch it sizes, the partitioner its size)',
    ''
) + $informed.Rows + @(
    '',
    '### The learned scheduler',
    '',
    "``partly train --scenario cooperative`` (seed 42, $trainedIn episodes of 200 batches; the greedy partitioner frozen), then",
    "``partly schedule --policy runs/cooperative-reactive-seed42/policy.json`` on the reactive runs above (means over seeds 1-5).",
    "In the last third of training the sampling policy's team cost was $($curveLearned.ToString('F3', $inv)) per batch against $($curveBest.ToString('F3', $inv)) for the best of the seven",
    "rules picked per training stream in hindsight ($($lateCurve.Count) streams; ``learning-curve.png``); acting greedily on the benchmark runs:",
    ''
) + $learnedRows + @(
    '',
    'Informed (trained with `--mode informed`, run with `partly schedule --mode informed`), against the informed rules:',
    ''
) + $informedLearnedRows + @(
    '',
    'Both agents learned (the scheduler trained over the trained partitioner, `--partitioner-policy`; one file holds',
    'both), team cost and late batches, against the best rule paired with each partitioner (means over seeds 1-5):',
    ''
) + $bothRows + @(
    '',
    'Not reached: the cooperative scenario''s goals (on the spike at most 1 batch over the interval, 3 late, recovery',
    'within 3 batches, 4 rescales, 20% over-provisioned; on the wave at most 1% late; the lowest team cost of every',
    'row). The learned scheduler rescales rarely and holds more blocks than the oracle; on the step its team cost is the',
    'lowest (with more late batches than the spark and prompt rules), on the spike it comes within a tenth of Prompt+,',
    'and on the wave it is late in a sixth of the batches. Over the trained partitioner the scheduler agent settled on',
    'holding nearly every block it may (about 15 of 16): few late batches at twice the best pair''s team cost. What',
    'learning does gain here is the partitioner''s: paired with it, the best rule''s team cost falls by 13-26% against the',
    'same rule with the greedy. Training the two agents together (MAPPO, a shared critic), training through the actors,',
    'and a real event log are not built or measured yet. Informed, the learned scheduler has no late batch on the',
    'spike, under one on the step and a few on the wave, but holds far more blocks than the oracle (the goal: within',
    '5% of its resources); the inversion rule, told the batch, is the row to beat there, as SCHEDULER.md expects for',
    'a nearly one-step problem.',
    '',
    '### Prompt+ (reconstructed) against its figure',
    '',
    'Prompt+''s figure: after a spike to 188% of the interval, 188, 182, 120, 105, 96, 91% over the next batches (4 over',
    'the interval), about 91% steady: processing time T / I per batch, as its "over the interval" says. The',
    'reconstruction (`prompt`: T/I > 1, or < 0.6 for 3 batches, sets ⌈P·(T/I)/0.9⌉) on the ×2.6 spike of the tables',
    'above (at most 16 blocks, 200,000 tuples), T / I of the spike''s first six batches, batches over the interval and',
    'late batches of its 20, and T / I in its batches 7-20, means over seeds 1-5 (per-batch CSV in',
    "``runs/schedule/prompt-spike26-*.csv``; ``partly schedule ... --schedulers prompt --mode MODE --lag L --batches FILE``):",
    '',
    '| setting | T / I, spike batches 1-6 | over I of 20 | late of 20 | T / I, batches 7-20 |',
    '|---|---|---|---|---|'
) + $figure + @(
    '',
    'Prompt+''s own setting is the last row: its partitioner is batch-aware (it places a batch at its close, knowing',
    'its size: informed here, while the rule itself reads only finished batches), and in a micro-batch system the next',
    'batch is being cut into blocks while one is processed, so blocks asked for after batch b serve batch b + 2 (a',
    'provisioning lag of one batch). There the reconstruction draws the figure: the spike batch near 188%, a second',
    'one as high, then about 100% falling to the low 90s, four to five batches over the interval, about 91% steady.',
    'Without the lag the second batch is already near the interval; reactive (the greedy told to expect the previous',
    'batch''s size, so it fragments keys once a batch outgrows it) the first spike batch takes over three intervals.',
    'Under the FIFO queue a spike at T near 0.9-1.0 of I never drains its backlog while it lasts (late 13-20 of 20):',
    'the figure shows processing time only and says nothing of latency.',
    '',
    '### Checks',
    '',
    "- DS2 on the step: rescales after the step until P settles, seeds 1-5: $($ds2Step -join ', ') (its paper: 1-3).",
    "- The oracle as a lower bound on resources: of the $within (run, rule) pairs with no batch over the interval, $withinAbove hold",
    "  at least the oracle's resources (a rule that lets batches run over can hold fewer, as a fixed P on the step does).",
    "  Per batch, over all $pairs pairs, $below batches kept within the interval on fewer blocks than the oracle chose for",
    "  them (the oracle's partitioner at each P has its own memory of earlier batches, the rule's another). The dp bound is at",
    "  or above the oracle's resources in $dpAbove of $(($reactive.Runs + $informed.Runs).Count) runs (with free rescales it equals the oracle: checked",
    '  against brute force in the tests, as is the oracle).',
    '',
    'Each rule fails on its own axis (as SCHEDULER.md''s prototype found): a fixed P never catches up after a spike or',
    'a step; DS2 (decision windows of 5 batches) stays within about a tenth of the oracle''s blocks but sizes P for',
    'T = I, so a backlog drains slowly (recovery in the tens of batches) and it is late through much of a wave; the',
    'Spark, Flink and Dhalion rules are on time by holding two to three and a half times the oracle''s blocks (the',
    'band rule never scales down below 0.4 of I, which the d·P term keeps it above); Prompt+ recovers as quickly on',
    'the spike and the step at 40-75% over the oracle but is late on the wave as often as the inversion; the',
    'cost-model inversion holds the fewest blocks of the rules that scale up in time, and rescales most. Told the batch',
    '(informed), the inversion rule has next to no late batch on every profile at 15-25% over the oracle, and still',
    'flaps.'
)
