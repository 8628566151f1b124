#!/usr/bin/env pwsh
# Runs the partly command line from a fresh clone: builds in Release, then passes every argument through.
#   dotnet tool restore; dotnet pwsh run.ps1     the main job on its embedded defaults: train the learned partitioner
#                                                (20,000 batches on the embedded ActorSystem), then test it beside
#                                                every baseline on 1,000 batches; results in runs/
#   dotnet pwsh run.ps1 bench --workload zipf:z=1.0,keys=10000 --partitions 10
# (No param block: arguments such as --out must reach partly untouched, not bind to PowerShell's common parameters.)
$ErrorActionPreference = 'Stop'
[string[]]$arguments = if ($args.Count -eq 0) { 'train' } else { $args }
dotnet build (Join-Path $PSScriptRoot 'src/PartLy.Cli/PartLy.Cli.csproj') -c Release --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& dotnet (Join-Path $PSScriptRoot 'src/PartLy.Cli/bin/Release/net10.0/partly.dll') @arguments
exit $LASTEXITCODE
