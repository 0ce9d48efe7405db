# Removes what install.ps1 installed: the program folder, the Start menu
# entry and the PATH entry. Ferry's settings, queue and logs stay (in
# %AppData%\ferry and %LocalAppData%\ferry); the login item, if it was
# turned on in Ferry's settings, is removed by turning it off there first.
$ErrorActionPreference = 'Stop'
$dest = Join-Path $env:LOCALAPPDATA 'Programs\Ferry'
Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path ([Environment]::GetFolderPath('Programs')) 'Ferry.lnk')
$path = [Environment]::GetEnvironmentVariable('Path', 'User')
if ($path) {
    $kept = $path.Split(';') | Where-Object { $_ -ne '' -and $_ -ne $dest }
    [Environment]::SetEnvironmentVariable('Path', ($kept -join ';'), 'User')
}
Set-Location $env:TEMP
Remove-Item -Recurse -Force $dest
Write-Host 'Ferry is uninstalled.'
