#!/usr/bin/env pwsh
# The quality grid of PROBLEM.md section 5: every strategy and a trained policy on Zipf z x P x batch size, online
# (or, with -Trace, on a real stream x P x batch size). Writes one bench JSON per cell under -Out and prints a markdown
# table: the policy against the best online baseline (the strategy reserving among them); with -Ablation, a second
# table: the policy against its own rules with a fixed choice (the first candidate, a random one).
#   dotnet pwsh bench/grid.ps1 -Policy runs/default/policy.json [-Tuples 1000000] [-Out runs/grid]
#       [-Strategies 'all,greedy:slack=0.01'] [-Ablation] [-Trace FILE [-Format words|lines]]
param(
    [Parameter(Mandatory = $true)][string]$Policy,
    [long]$Tuples = 1000000,
    [string]$Out = 'runs/grid',
    [double[]]$Skews = @(0.8, 1.0, 1.5, 2.0),
    [int[]]$Partitions = @(10, 50),
    [int[]]$Batches = @(1000, 10000),
    [string]$Strategies = 'all',
    [switch]$Ablation,
    [string]$Trace,
    [ValidateSet('lines', 'words')][string]$Format = 'words'
)
$ErrorActionPreference = 'Stop'
if ($Trace -and -not (Test-Path -LiteralPath $Trace -PathType Leaf)) { [Console]::Error.WriteLine("grid.ps1: -Trace: no such file: $Trace"); exit 2 }
$root = Split-Path $PSScriptRoot -Parent
dotnet build (Join-Path $root 'src/PartLy.Cli/PartLy.Cli.csproj') -c Release --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$partly = Join-Path $root 'src/PartLy.Cli/bin/Release/net10.0/partly.dll'
New-Item -ItemType Directory -Force -Path $Out | Out-Null
$inv = [System.Globalization.CultureInfo]::InvariantCulture
# One stream per row group: each Zipf skew, or the trace.
$streams = @(if ($Trace) { , @('text', @('--trace', $Trace, '--format', $Format)) }
    else { foreach ($z in $Skews) { , @($z.ToString($inv), @('--workload', ("zipf:z={0},keys=10000" -f $z.ToString($inv)))) } })
function CellFile($name, $p, $b) { Join-Path $Out ("{0}-p{1}-b{2}.json" -f $(if ($name -eq 'text') { 'text' } else { "z$name" }), $p, $b) }
'| z | P | batch | learned λ / repl | best online λ (strategy) | lowest repl of balancing online (strategy) | fragment floor | learned repl / floor |'
'|---|---|---|---|---|---|---|---|'
foreach ($stream in $streams) { foreach ($p in $Partitions) { foreach ($b in $Batches) {
    $z, $streamArgs = $stream
    $json = CellFile $z $p $b
    & dotnet $partly bench --quiet --runtime direct --policy $Policy @streamArgs `
        --partitions $p --batch $b --tuples $Tuples --strategies $Strategies --json $json --no-timing @(if ($Ablation) { '--ablation' }) | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    $report = Get-Content $json -Raw | ConvertFrom-Json
    $learned = $report.results | Where-Object { $_.strategy -eq 'learned' }
    $online = $report.results | Where-Object { $_.mode -eq 'online' -and $_.strategy -ne 'learned' -and $_.strategy -notlike '*choice=*' }
    $bestLambda = $online | Sort-Object batch_imbalance_mean | Select-Object -First 1
    $balancing = $online | Where-Object { $_.batch_imbalance_mean -le 0.2 } | Sort-Object batch_replication_mean | Select-Object -First 1
    $floor = $report.bounds.replication_floor_mean
    '| {0} | {1} | {2} | {3:F3} / {4:F3} | {5:F3} ({6}) | {7:F3} ({8}) | {9:F3} | {10:F3} |' -f $z, $p, $b,
        $learned.batch_imbalance_mean, $learned.batch_replication_mean, $bestLambda.batch_imbalance_mean, $bestLambda.strategy,
        $balancing.batch_replication_mean, $balancing.strategy, $floor, ($learned.batch_replication_mean / $floor)
} } }
if ($Ablation) {
    ''
    '| z | P | batch | learned repl | rules, first candidate | rules, random candidate |'
    '|---|---|---|---|---|---|'
    foreach ($stream in $streams) { foreach ($p in $Partitions) { foreach ($b in $Batches) {
        $z = $stream[0]
        $report = Get-Content (CellFile $z $p $b) -Raw | ConvertFrom-Json
        $learned = ($report.results | Where-Object { $_.strategy -eq 'learned' }).batch_replication_mean
        $first = ($report.results | Where-Object { $_.strategy -like '*choice=first*' }).batch_replication_mean
        $random = ($report.results | Where-Object { $_.strategy -like '*choice=random*' }).batch_replication_mean
        '| {0} | {1} | {2} | {3:F3} | {4:F3} | {5:F3} |' -f $z, $p, $b, $learned, $first, $random
    } } }
}
