#!/bin/sh
# check.sh ZIP VERSION
# Checks the Windows zip that `make package-windows` built (run by `make
# package-windows-check`): the file list; that Ferry.exe is a GUI-subsystem
# program and ferry.com a console one (PE optional header, Subsystem field:
# 2 = GUI, 3 = console); both for x86-64; that the version resource names
# VERSION; and that `ferry.com version` prints VERSION: run under Wine when
# Wine is installed, otherwise read from the build settings Go embeds in
# the binary (`go version -m`, the -X app.version the link got), and said so.
set -eu
zip=$1
version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package-windows-check: FAIL: $*" >&2; exit 1; }
ok() { echo "package-windows-check: ok: $*"; }

unzip -q "$zip" -d "$work"
got=$(cd "$work" && find . -type f | sort | tr '\n' ' ')
want="./Ferry/Ferry.exe ./Ferry/README.txt ./Ferry/ferry.com ./Ferry/ferry.ico ./Ferry/install.ps1 ./Ferry/uninstall.ps1 "
[ "$got" = "$want" ] || fail "files: $got; want $want"
ok "file list"

# u16 FILE OFFSET / u32 FILE OFFSET: little-endian numbers from a file.
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
pe_check() { # FILE SUBSYSTEM
	pe=$(u32 "$1" 60)
	[ "$(od -An -c -j "$pe" -N4 "$1" | tr -d ' ')" = 'PE\0\0' ] || fail "$1 is not a PE file"
	[ "$(u16 "$1" $((pe + 4)))" = 34404 ] || fail "$1 is not for x86-64 (machine $(u16 "$1" $((pe + 4))))"
	[ "$(u16 "$1" $((pe + 24)))" = 523 ] || fail "$1 is not PE32+"
	sub=$(u16 "$1" $((pe + 24 + 68)))
	[ "$sub" = "$2" ] || fail "$1 has subsystem $sub, want $2"
}
pe_check "$work/Ferry/Ferry.exe" 2
pe_check "$work/Ferry/ferry.com" 3
ok "Ferry.exe is a GUI program, ferry.com a console program (x86-64)"

# The version resource holds UTF-16 strings: look for ProductVersion's value.
utf16=$(printf '%s' "$version" | sed 's/./&\\x00/g')
for f in Ferry.exe ferry.com; do
	LC_ALL=C grep -q -a -P "P\\x00r\\x00o\\x00d\\x00u\\x00c\\x00t\\x00V\\x00e\\x00r\\x00s\\x00i\\x00o\\x00n\\x00\\x00\\x00(\\x00\\x00)?$utf16" "$work/Ferry/$f" ||
		fail "$f: no ProductVersion $version in its version resource"
done
ok "version resource $version"

# Debian's wine64 package installs the loader without a `wine` on PATH.
wine=$(command -v wine || command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
if [ -n "$wine" ]; then
	export WINEPREFIX="${WINEPREFIX:-$work/wine}" WINEDEBUG=-all
	if [ -n "${WINE_DLLS:-}" ]; then
		# Make the prefix, then add the DLLs Wine lacks (wine/*.c).
		[ -d "$WINEPREFIX/drive_c/windows/system32" ] || timeout 300 "$wine" cmd /c exit 0 >/dev/null 2>&1 || true
		cp "$WINE_DLLS"/*.dll "$WINEPREFIX/drive_c/windows/system32/" || fail "copy $WINE_DLLS into the Wine prefix"
	fi
	out=$(timeout 300 "$wine" "$work/Ferry/ferry.com" version 2>"$work/wine.err" | tr -d '\r' | head -1) ||
		fail "wine ferry.com version: $(cat "$work/wine.err")"
	[ "$out" = "ferry $version" ] || fail "wine ferry.com version printed: $out"
	ok "ferry.com version under Wine: $out"
else
	gobin=${GO:-go}
	for f in Ferry.exe ferry.com; do
		"$gobin" version -m "$work/Ferry/$f" | grep -q -- "-X github.com/ferry-sync/ferry/app.version=$version " ||
			fail "$f: its build settings do not set app.version=$version"
	done
	ok "app.version=$version in both programs' build settings (no wine here to run ferry.com version)"
fi
