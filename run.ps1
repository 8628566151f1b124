#!/usr/bin/env pwsh
# Runs the partly command line from a fresh clone: builds in Release (only when a source, project or configuration
# file is newer than the program), then passes every argument through.
#   dotnet tool restore; dotnet pwsh run.ps1     the main job on its embedded defaults: train the learned partitioner
#                                                (20,000 batches on the embedded ActorSystem), then test it beside
#                                                every baseline on 1,000 batches; results in runs/
#   dotnet pwsh run.ps1 bench --workload zipf:z=1.0,keys=10000 --partitions 10
# (No param block: arguments such as --out must reach partly untouched, not bind to PowerShell's common parameters.)
$ErrorActionPreference = 'Stop'
[string[]]$arguments = if ($args.Count -eq 0) { 'train' } else { $args }
$program = Join-Path $PSScriptRoot 'src/PartLy.Cli/bin/Release/net10.0/partly.dll'
$inputs = @(Get-ChildItem -Path (Join-Path $PSScriptRoot 'src'), (Join-Path $PSScriptRoot 'hocon') -Recurse -File -Include '*.cs', '*.csproj', '*.conf' |
    Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }) + @(Get-ChildItem -Path $PSScriptRoot -File -Filter 'Directory.*.props')
$newest = ($inputs | Measure-Object -Property LastWriteTimeUtc -Maximum).Maximum
if (-not (Test-Path $program) -or (Get-Item $program).LastWriteTimeUtc -lt $newest) {
    dotnet build (Join-Path $PSScriptRoot 'src/PartLy.Cli/PartLy.Cli.csproj') -c Release --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
& dotnet $program @arguments
exit $LASTEXITCODE
