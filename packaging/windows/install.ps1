# Installs Ferry for the current user (no administrator rights needed):
# copies Ferry.exe (the desktop app, no console window) and ferry.com (the
# command line, which prints to the terminal) to
# %LOCALAPPDATA%\Programs\Ferry, adds a Start menu entry, and adds the
# folder to the user's PATH so that `ferry upload ...` works in cmd and
# PowerShell (.com is found before .exe). Run it from the unpacked zip:
#
#   powershell -ExecutionPolicy Bypass -File .\install.ps1
#
# uninstall.ps1 (copied beside the app) removes all of it.
$ErrorActionPreference = 'Stop'
$src = Split-Path -Parent $MyInvocation.MyCommand.Path
$dest = Join-Path $env:LOCALAPPDATA 'Programs\Ferry'
New-Item -ItemType Directory -Force -Path $dest | Out-Null
foreach ($f in 'Ferry.exe', 'ferry.com', 'ferry.ico', 'uninstall.ps1', 'README.txt') {
    Copy-Item -Force (Join-Path $src $f) $dest
}

$programs = [Environment]::GetFolderPath('Programs')
$shell = New-Object -ComObject WScript.Shell
$lnk = $shell.CreateShortcut((Join-Path $programs 'Ferry.lnk'))
$lnk.TargetPath = Join-Path $dest 'Ferry.exe'
$lnk.WorkingDirectory = $dest
$lnk.IconLocation = (Join-Path $dest 'ferry.ico') + ',0'
$lnk.Description = 'Upload and sync folders'
$lnk.Save()

$path = [Environment]::GetEnvironmentVariable('Path', 'User')
$parts = @()
if ($path) { $parts = $path.Split(';') | Where-Object { $_ -ne '' } }
if ($parts -notcontains $dest) {
    [Environment]::SetEnvironmentVariable('Path', (($parts + $dest) -join ';'), 'User')
}
Write-Host "Ferry is installed in $dest, with a Start menu entry."
Write-Host "Open a new terminal to use the command line: ferry help"
