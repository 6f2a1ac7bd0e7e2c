# verify.ps1 - checks a guest-tools medium against its manifest.json.
#
# For every entry of "files" it checks that the file exists with the listed size and SHA-256,
# reports files on the medium that the manifest does not list (manifest.json itself aside), lists
# which of the medium's drivers are in this Windows' driver store and which devices use them, and
# which of its tools (the manifest's "tools") Windows has installed.
#
# Runs on Windows PowerShell 2.0 (Windows 7 SP1 as shipped): no ConvertFrom-Json, no Get-FileHash,
# no PowerShell 3 syntax. The manifest is read by the small JSON reader below.
#
# Exit codes: 0 the medium matches, 1 missing, changed or extra files, 2 error (no or bad manifest).

param(
    [string]$MediaRoot = '',
    [switch]$Quiet,
    [switch]$NoDrivers
)

$ErrorActionPreference = 'Stop'

function Write-Info([string]$Text) {
    if (-not $Quiet) { Write-Host $Text }
}

function Write-Problem([string]$Text) {
    Write-Host $Text
}

function Join-GtPath([string]$Parent, [string]$Child) {
    # Path.Combine, unlike Join-Path, needs no PowerShell drive for the medium's root.
    return [System.IO.Path]::Combine($Parent, $Child)
}

# ---------------------------------------------------------------------------------------------
# JSON reader: objects become hashtables (keys compared case-insensitively, which is harmless for
# the manifest's fixed keys), arrays become ArrayLists, numbers Int64 or Double.

$script:JsonKinds = $null
$script:JsonValues = $null
$script:JsonPos = 0

function ConvertFrom-GtJsonString([string]$Raw) {
    if ($Raw.IndexOf([char]92) -lt 0) { return $Raw }
    $sb = New-Object System.Text.StringBuilder
    $i = 0
    while ($i -lt $Raw.Length) {
        $c = $Raw[$i]
        if ($c -ne [char]92) { [void]$sb.Append($c); $i++; continue }
        if ($i + 1 -ge $Raw.Length) { throw 'manifest.json: a string ends with a backslash' }
        $e = $Raw[$i + 1]
        $i += 2
        switch -casesensitive ([string]$e) {
            'n' { [void]$sb.Append([char]10) }
            'r' { [void]$sb.Append([char]13) }
            't' { [void]$sb.Append([char]9) }
            'b' { [void]$sb.Append([char]8) }
            'f' { [void]$sb.Append([char]12) }
            'u' {
                if ($i + 4 -gt $Raw.Length) { throw 'manifest.json: a \u escape is cut short' }
                $code = [Convert]::ToInt32($Raw.Substring($i, 4), 16)
                [void]$sb.Append([char]$code)
                $i += 4
            }
            default { [void]$sb.Append($e) }
        }
    }
    return $sb.ToString()
}

function Read-GtJsonTokens([string]$Text) {
    # \G makes every token start where the previous one ended, so anything that is not JSON
    # leaves a gap and is reported instead of being skipped.
    $pattern = '\G\s*(?:([{}\[\]:,])|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false|null))'
    $script:JsonKinds = New-Object System.Collections.ArrayList
    $script:JsonValues = New-Object System.Collections.ArrayList
    $end = 0
    foreach ($m in [regex]::Matches($Text, $pattern)) {
        if ($m.Groups[1].Success) {
            [void]$script:JsonKinds.Add('p'); [void]$script:JsonValues.Add($m.Groups[1].Value)
        } elseif ($m.Groups[2].Success) {
            [void]$script:JsonKinds.Add('s'); [void]$script:JsonValues.Add((ConvertFrom-GtJsonString $m.Groups[2].Value))
        } elseif ($m.Groups[3].Success) {
            [void]$script:JsonKinds.Add('n'); [void]$script:JsonValues.Add($m.Groups[3].Value)
        } else {
            [void]$script:JsonKinds.Add('w'); [void]$script:JsonValues.Add($m.Groups[4].Value)
        }
        $end = $m.Index + $m.Length
    }
    if ($Text.Substring($end).Trim().Length -ne 0) {
        throw ('manifest.json: unexpected text at character ' + $end)
    }
    $script:JsonPos = 0
}

function Test-GtJsonPunct([string]$P) {
    return ($script:JsonPos -lt $script:JsonKinds.Count -and $script:JsonKinds[$script:JsonPos] -eq 'p' -and $script:JsonValues[$script:JsonPos] -eq $P)
}

function Skip-GtJsonPunct([string]$P) {
    if (-not (Test-GtJsonPunct $P)) { throw ("manifest.json: expected '" + $P + "' at token " + $script:JsonPos) }
    $script:JsonPos++
}

function Read-GtJsonValue {
    if ($script:JsonPos -ge $script:JsonKinds.Count) { throw 'manifest.json: unexpected end' }
    $kind = $script:JsonKinds[$script:JsonPos]
    $value = $script:JsonValues[$script:JsonPos]
    $script:JsonPos++
    if ($kind -eq 's') { return $value }
    if ($kind -eq 'n') {
        if ($value -match '^-?\d+$') { return [Int64]::Parse($value, [Globalization.CultureInfo]::InvariantCulture) }
        return [Double]::Parse($value, [Globalization.CultureInfo]::InvariantCulture)
    }
    if ($kind -eq 'w') {
        if ($value -eq 'true') { return $true }
        if ($value -eq 'false') { return $false }
        return $null
    }
    if ($value -eq '{') {
        $obj = @{}
        if (Test-GtJsonPunct '}') { $script:JsonPos++; return $obj }
        while ($true) {
            if ($script:JsonPos -ge $script:JsonKinds.Count -or $script:JsonKinds[$script:JsonPos] -ne 's') {
                throw ('manifest.json: expected a key at token ' + $script:JsonPos)
            }
            $key = $script:JsonValues[$script:JsonPos]
            $script:JsonPos++
            Skip-GtJsonPunct ':'
            $obj[$key] = Read-GtJsonValue
            if (Test-GtJsonPunct ',') { $script:JsonPos++; continue }
            Skip-GtJsonPunct '}'
            return $obj
        }
    }
    if ($value -eq '[') {
        $list = New-Object System.Collections.ArrayList
        if (Test-GtJsonPunct ']') { $script:JsonPos++; return ,$list }
        while ($true) {
            [void]$list.Add((Read-GtJsonValue))
            if (Test-GtJsonPunct ',') { $script:JsonPos++; continue }
            Skip-GtJsonPunct ']'
            return ,$list
        }
    }
    throw ("manifest.json: unexpected '" + $value + "' at token " + ($script:JsonPos - 1))
}

function ConvertFrom-GtJson([string]$Text) {
    Read-GtJsonTokens $Text
    $root = Read-GtJsonValue
    if ($script:JsonPos -ne $script:JsonKinds.Count) { throw 'manifest.json: text after the top-level value' }
    return $root
}

# ---------------------------------------------------------------------------------------------
# Hashing

function New-GtSha256 {
    # SHA256.Create() gives the managed implementation, which refuses to run when Windows enforces
    # FIPS mode; the CryptoAPI one is allowed there.
    try { return [System.Security.Cryptography.SHA256]::Create() } catch { }
    try { Add-Type -AssemblyName System.Core } catch { }
    return New-Object System.Security.Cryptography.SHA256CryptoServiceProvider
}

function Get-GtSha256([string]$Path) {
    $sha = New-GtSha256
    $buffer = New-Object byte[] 1048576
    $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::Read)
    try {
        while ($true) {
            $n = $stream.Read($buffer, 0, $buffer.Length)
            if ($n -le 0) { break }
            [void]$sha.TransformBlock($buffer, 0, $n, $null, 0)
        }
        [void]$sha.TransformFinalBlock($buffer, 0, 0)
        $hash = $sha.Hash
    } finally {
        $stream.Close()
        $sha.Clear()
    }
    $sb = New-Object System.Text.StringBuilder
    foreach ($b in $hash) { [void]$sb.Append($b.ToString('x2')) }
    return $sb.ToString()
}

# ---------------------------------------------------------------------------------------------
# Medium contents

function Get-GtMediaFiles([string]$Root) {
    # Relative, '/'-separated paths of every file under $Root. Folders Windows itself puts on a
    # removable drive are skipped.
    $result = New-Object System.Collections.ArrayList
    $pending = New-Object System.Collections.Stack
    $pending.Push($Root)
    while ($pending.Count -gt 0) {
        $dir = $pending.Pop()
        foreach ($f in [System.IO.Directory]::GetFiles($dir)) {
            [void]$result.Add($f.Substring($Root.Length).Replace([char]92, [char]47))
        }
        foreach ($d in [System.IO.Directory]::GetDirectories($dir)) {
            $name = [System.IO.Path]::GetFileName($d)
            if ($dir -eq $Root -and ($name -eq 'System Volume Information' -or $name -eq '$RECYCLE.BIN')) { continue }
            $pending.Push($d)
        }
    }
    return ,$result
}

function Test-GtRelativePath([string]$Path) {
    if ($Path.Length -eq 0) { return $false }
    if ($Path -match '[\\:*?"<>|]') { return $false }
    foreach ($part in $Path.Split('/')) {
        if ($part -eq '' -or $part -eq '.' -or $part -eq '..') { return $false }
    }
    return $true
}

function Test-GtMedium([string]$Root, $Manifest) {
    # Returns the number of problems found.
    $problems = 0
    $listed = @{}
    $files = $Manifest['files']
    if ($files -isnot [System.Collections.ArrayList]) { throw 'manifest.json: "files" is not a list' }
    foreach ($entry in $files) {
        if ($entry -isnot [hashtable]) { throw 'manifest.json: an entry of "files" is not an object' }
        $path = $entry['path']
        $sha256 = $entry['sha256']
        $size = $entry['size']
        if ($path -isnot [string] -or -not (Test-GtRelativePath $path)) { throw ('manifest.json: bad path "' + $path + '"') }
        if ($sha256 -isnot [string] -or $sha256 -notmatch '^[0-9a-fA-F]{64}$') { throw ('manifest.json: bad sha256 for "' + $path + '"') }
        if ($size -isnot [Int64] -or $size -lt 0) { throw ('manifest.json: bad size for "' + $path + '"') }
        if ($listed.ContainsKey($path)) { throw ('manifest.json: "' + $path + '" is listed twice') }
        $listed[$path] = $true

        $full = Join-GtPath $Root ($path.Replace([char]47, [char]92))
        if (-not [System.IO.File]::Exists($full)) {
            Write-Problem ('MISSING  ' + $path)
            $problems++
            continue
        }
        $actualSize = (New-Object System.IO.FileInfo $full).Length
        if ($actualSize -ne $size) {
            Write-Problem ('CHANGED  ' + $path + ' (size ' + $actualSize + ', expected ' + $size + ')')
            $problems++
            continue
        }
        $actual = Get-GtSha256 $full
        if ($actual -ne $sha256.ToLowerInvariant()) {
            Write-Problem ('CHANGED  ' + $path + ' (sha256 ' + $actual + ', expected ' + $sha256.ToLowerInvariant() + ')')
            $problems++
            continue
        }
        Write-Info ('ok       ' + $path)
    }
    foreach ($rel in (Get-GtMediaFiles $Root)) {
        if ($rel -eq 'manifest.json') { continue }
        if (-not $listed.ContainsKey($rel)) {
            Write-Problem ('EXTRA    ' + $rel)
            $problems++
        }
    }
    Write-Info ('' + $files.Count + ' files listed in manifest.json, ' + $problems + ' problem(s)')
    return $problems
}

# ---------------------------------------------------------------------------------------------
# Installed drivers

function Get-GtArch {
    # The machine's architecture, as setup.cmd reads it: a 32-bit process on 64-bit Windows
    # finds it in PROCESSOR_ARCHITEW6432; an x64 process emulated on ARM64 Windows sees AMD64,
    # so for AMD64 the system environment in the registry has the last word.
    $arch = $env:PROCESSOR_ARCHITEW6432
    if (-not $arch) { $arch = $env:PROCESSOR_ARCHITECTURE }
    if ($arch -eq 'AMD64') {
        $key = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
        $native = (Get-ItemProperty -Path $key -Name PROCESSOR_ARCHITECTURE -ErrorAction SilentlyContinue).PROCESSOR_ARCHITECTURE
        if ($native -eq 'ARM64') { $arch = 'ARM64' }
    }
    if ($arch -eq 'AMD64') { return 'amd64' }
    if ($arch -eq 'x86') { return 'x86' }
    if ($arch -eq 'ARM64') { return 'arm64' }
    return $null
}

# Each Windows as name, NT version, product type and first build, newest first: the table
# setup.cmd chooses an OS folder of media for several Windows versions from.
$GtWindows = @(
    @('2k25', '10.0', 'server', 26100), @('w11', '10.0', 'workstation', 22000),
    @('2k22', '10.0', 'server', 20348), @('2k19', '10.0', 'server', 17763),
    @('2k16', '10.0', 'server', 14393), @('w10', '10.0', 'workstation', 10240),
    @('2k12r2', '6.3', 'server', 9600), @('w8.1', '6.3', 'workstation', 9600),
    @('2k12', '6.2', 'server', 9200), @('w8', '6.2', 'workstation', 9200),
    @('2k8r2', '6.1', 'server', 7600), @('w7', '6.1', 'workstation', 7600),
    @('2k8', '6.0', 'server', 6001), @('vista', '6.0', 'workstation', 6000),
    @('2k3', '5.2', 'server', 3790), @('xp', '5.1', 'workstation', 2600)
)

function Get-GtDriverFolder([string]$Root, [string]$Arch) {
    # The folder setup.cmd installs from: drivers\<arch> on media for one Windows; on media for
    # several, drivers\<os>\<arch> of this Windows or the nearest older one (the newest of the
    # same NT version, this product type first, then each older NT version). $null if none fits.
    $drivers = Join-GtPath $Root 'drivers'
    $single = Join-GtPath $drivers $Arch
    if ([System.IO.Directory]::Exists($single)) { return $single }
    $cv = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction SilentlyContinue
    $build = 0
    if ($cv -and $cv.CurrentBuild) { [void][int]::TryParse([string]$cv.CurrentBuild, [ref]$build) }
    $po = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ProductOptions' -ErrorAction SilentlyContinue
    $product = 'workstation'
    if ($po -and $po.ProductType -and $po.ProductType -ne 'WinNT') { $product = 'server' }
    foreach ($nt in @('10.0', '6.3', '6.2', '6.1', '6.0', '5.2', '5.1')) {
        foreach ($same in @($true, $false)) {
            foreach ($w in $GtWindows) {
                if ($w[1] -ne $nt -or (($w[2] -eq $product) -ne $same) -or $build -lt $w[3]) { continue }
                $dir = Join-GtPath (Join-GtPath $drivers $w[0]) $Arch
                if ([System.IO.Directory]::Exists($dir)) { return $dir }
            }
        }
    }
    return $null
}

function Get-GtInfDriverVer([string]$Path) {
    # ReadAllText follows the byte order mark, so UTF-16 INFs read as well as ANSI ones.
    $text = [System.IO.File]::ReadAllText($Path)
    $m = [regex]::Match($text, '(?im)^\s*DriverVer\s*=\s*([^;\r\n]*)')
    if ($m.Success) { return $m.Groups[1].Value.Trim() }
    return '?'
}

function Show-GtDrivers([string]$Root) {
    # A published oemN.inf is a byte-for-byte copy of the INF it was added from, so equal hashes
    # tie the medium's INFs to the driver store without parsing pnputil output, whose wording
    # depends on the display language.
    $arch = Get-GtArch
    if (-not $arch) {
        Write-Host ('drivers: this processor architecture (' + $env:PROCESSOR_ARCHITECTURE + ') has no drivers on this medium')
        return
    }
    $driverDir = Get-GtDriverFolder $Root $arch
    if (-not $driverDir) {
        Write-Host ('drivers: this medium has no drivers for ' + $arch + ' on this Windows or an older one')
        return
    }
    $published = @{}
    $infDir = Join-GtPath $env:SystemRoot 'INF'
    foreach ($oem in [System.IO.Directory]::GetFiles($infDir, 'oem*.inf')) {
        try {
            $h = Get-GtSha256 $oem
            $published[$h] = [System.IO.Path]::GetFileName($oem)
        } catch { }
    }
    $devicesByInf = @{}
    $virtioDevices = New-Object System.Collections.ArrayList
    try {
        foreach ($d in @(Get-WmiObject Win32_PnPSignedDriver -ErrorAction Stop)) {
            if (-not $d.InfName) { continue }
            $key = ([string]$d.InfName).ToLowerInvariant()
            if (-not $devicesByInf.ContainsKey($key)) { $devicesByInf[$key] = New-Object System.Collections.ArrayList }
            [void]$devicesByInf[$key].Add([string]$d.DeviceName)
            if ($d.DeviceID -and ([string]$d.DeviceID).ToUpperInvariant().StartsWith('PCI\VEN_1AF4&')) { [void]$virtioDevices.Add($d) }
        }
    } catch {
        Write-Host ('drivers: could not list devices through WMI: ' + $_.Exception.Message)
    }

    Write-Host ''
    Write-Host ('Drivers on this medium for ' + $arch + ' and their state on this Windows:')
    foreach ($dir in [System.IO.Directory]::GetDirectories($driverDir)) {
        foreach ($inf in [System.IO.Directory]::GetFiles($dir, '*.inf')) {
            $rel = [System.IO.Path]::GetFileName($dir) + '\' + [System.IO.Path]::GetFileName($inf)
            $line = '  ' + $rel + ' [' + (Get-GtInfDriverVer $inf) + ']: '
            $h = Get-GtSha256 $inf
            if ($published.ContainsKey($h)) {
                $name = $published[$h]
                $line += 'in the driver store as ' + $name
                $users = $devicesByInf[$name.ToLowerInvariant()]
                if ($null -ne $users -and $users.Count -gt 0) { $line += ', used by ' + [string]::Join('; ', [string[]]$users.ToArray()) }
                else { $line += ', no device uses it' }
            } else {
                $line += 'not installed'
            }
            Write-Host $line
        }
    }
    if ($virtioDevices.Count -gt 0) {
        Write-Host ''
        Write-Host 'Virtio devices and the drivers they use:'
        foreach ($d in $virtioDevices) {
            Write-Host ('  ' + $d.DeviceName + ': ' + $d.InfName + ' version ' + $d.DriverVersion)
        }
    }
}

function Show-GtTools($Manifest) {
    # The installer each tool has for this machine (its own architecture's, else the one for all)
    # and whether Windows Installer has that product: the Uninstall key of its product code,
    # native or, for an x86 package on 64-bit Windows, under WOW6432Node. A tool installed by a
    # program has no product code to look up.
    $tools = $Manifest['tools']
    if ($null -eq $tools -or $tools.Count -eq 0) { return }
    $arch = Get-GtArch
    Write-Host ''
    Write-Host ('Tools on this medium for ' + $arch + ' and their state on this Windows:')
    foreach ($t in $tools) {
        $mine = $null
        foreach ($i in $t['installers']) { if ($i['arch'] -eq $arch) { $mine = $i } }
        if ($null -eq $mine) { foreach ($i in $t['installers']) { if ($i['arch'] -eq 'all') { $mine = $i } } }
        if ($null -eq $mine) {
            Write-Host ('  ' + $t['name'] + ': no installer for ' + $arch)
            continue
        }
        $line = '  ' + $t['name'] + ' (' + $mine['path'] + '): '
        $code = $mine['product_code']
        if (-not $code) {
            Write-Host ($line + 'installed by a program, not a Windows Installer package; see Apps and Features')
            continue
        }
        $found = $null
        foreach ($base in @('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall', 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall')) {
            $k = Get-ItemProperty -LiteralPath ($base + '\' + $code) -ErrorAction SilentlyContinue
            if ($null -ne $k) { $found = $k }
        }
        if ($null -ne $found) { $line += 'installed, version ' + $found.DisplayVersion + ' (product ' + $code + ')' }
        else { $line += 'not installed (product ' + $code + ')' }
        Write-Host $line
    }
}

# ---------------------------------------------------------------------------------------------
# Main

try {
    if (-not $MediaRoot) { $MediaRoot = Split-Path -Parent $MyInvocation.MyCommand.Definition }
    $root = [System.IO.Path]::GetFullPath($MediaRoot)
    if (-not $root.EndsWith('\')) { $root += '\' }
    $manifestPath = Join-GtPath $root 'manifest.json'
    if (-not [System.IO.File]::Exists($manifestPath)) {
        Write-Host ('verify: no manifest.json in ' + $root)
        exit 2
    }
    $manifest = ConvertFrom-GtJson ([System.IO.File]::ReadAllText($manifestPath, [System.Text.Encoding]::UTF8))
    if ($manifest -isnot [hashtable]) { throw 'manifest.json: the top level is not an object' }
    if ($manifest['schema_version'] -ne 1) { throw ('manifest.json: unsupported schema_version ' + $manifest['schema_version']) }
    $package = $manifest['package']
    if ($package -is [hashtable]) {
        Write-Info ('medium: ' + $package['name'] + ' ' + $package['version'] + ' (build ' + $package['build_id'] + ')')
    }
    Write-Info ('signing policy: ' + $manifest['signing_policy'])
    $problems = Test-GtMedium $root $manifest
    if (-not $NoDrivers) {
        Show-GtDrivers $root
        Show-GtTools $manifest
    }
    if ($problems -gt 0) {
        Write-Host ('verify: the medium does not match manifest.json (' + $problems + ' problem(s))')
        exit 1
    }
    Write-Host 'verify: every file matches manifest.json'
    exit 0
} catch {
    Write-Host ('verify: error: ' + $_.Exception.Message)
    exit 2
}
