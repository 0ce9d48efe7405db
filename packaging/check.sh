#!/bin/sh
# check.sh TARBALL VERSION
#
# Checks a Linux tarball made by `make package` (run by `make
# package-check`): the exact file list, a binary that runs --version once
# extracted, icons of the sizes their folders claim, a valid .desktop file,
# AppStream metainfo that names VERSION, the autostart entry, and that the
# tarball's Makefile installs into a staging DESTDIR and uninstalls every
# file again. Exits non-zero at the first failure, saying what failed.
set -eu

tarball=$1
version=$2
app=io.github.ferry_sync.ferry
sizes="16 24 32 48 64 128 256 512"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
fail() { echo "package-check: $*" >&2; exit 1; }
ok() { echo "package-check: ok: $*"; }

tar -C "$work" -xJf "$tarball" || fail "cannot extract $tarball"
root=$work/ferry
local=$root/usr/local

# 1. Exactly these files: anything missing or extra is a packaging change
# that must be made here too, on purpose.
{
	echo ferry/Makefile
	echo "ferry/etc/xdg/autostart/$app.desktop"
	echo ferry/usr/local/bin/ferry
	echo "ferry/usr/local/share/applications/$app.desktop"
	for n in $sizes; do echo "ferry/usr/local/share/icons/hicolor/${n}x$n/apps/$app.png"; done
	echo "ferry/usr/local/share/icons/hicolor/scalable/apps/$app.svg"
	echo "ferry/usr/local/share/metainfo/$app.metainfo.xml"
} | LC_ALL=C sort >"$work/want"
(cd "$work" && find ferry -type f -o -type l) | LC_ALL=C sort >"$work/got"
diff -u "$work/want" "$work/got" >&2 || fail "tarball file list differs (- expected, + found)"
ok "file list ($(wc -l <"$work/got") files)"

# 2. The binary runs from where it was extracted.
[ -x "$local/bin/ferry" ] || fail "usr/local/bin/ferry is not executable"
# Standard output only: Fyne logs locale complaints on standard error.
out=$("$local/bin/ferry" --version </dev/null 2>"$work/stderr") ||
	fail "ferry --version failed: $out $(cat "$work/stderr")"
case $out in "ferry "*) ;; *) fail "ferry --version printed: $out $(cat "$work/stderr")" ;; esac
ok "binary: $(echo "$out" | head -n 1)"

# 3. Icons: the PNG header's width and height (big-endian at bytes 16-23)
# match the folder name; the SVG is an SVG.
for n in $sizes; do
	f=$local/share/icons/hicolor/${n}x$n/apps/$app.png
	sig=$(od -An -tx1 -N8 "$f" | tr -d ' \n')
	[ "$sig" = 89504e470d0a1a0a ] || fail "$f is not a PNG"
	set -- $(od -An -tu1 -j16 -N8 "$f")
	w=$(($1 * 16777216 + $2 * 65536 + $3 * 256 + $4))
	h=$(($5 * 16777216 + $6 * 65536 + $7 * 256 + $8))
	[ "$w" = "$n" ] && [ "$h" = "$n" ] || fail "$f is ${w}x$h, want ${n}x$n"
done
grep -q '<svg' "$local/share/icons/hicolor/scalable/apps/$app.svg" || fail "scalable icon is not SVG"
ok "icons: $sizes and scalable"

# 4. Desktop entries: the launcher and the autostart entry.
validate_desktop() {
	if command -v desktop-file-validate >/dev/null 2>&1; then
		msg=$(desktop-file-validate "$1" 2>&1) || fail "desktop-file-validate $1: $msg"
		[ -z "$msg" ] || fail "desktop-file-validate $1: $msg"
	else
		# Structural check when desktop-file-utils is missing (not Debian).
		[ "$(sed -n 1p "$1")" = "[Desktop Entry]" ] || fail "$1: first line is not [Desktop Entry]"
		for key in Type=Application Name= Exec= Icon=; do
			grep -q "^$key" "$1" || fail "$1: no $key line"
		done
	fi
	grep -qx "Icon=$app" "$1" || fail "$1: Icon is not $app"
}
desktop=$local/share/applications/$app.desktop
validate_desktop "$desktop"
grep -qx 'Exec=ferry' "$desktop" || fail "$desktop: Exec is not ferry: $(grep '^Exec=' "$desktop")"
autostart=$root/etc/xdg/autostart/$app.desktop
validate_desktop "$autostart"
grep -qx 'Exec=ferry --background' "$autostart" || fail "$autostart: Exec does not start ferry --background"
ok "desktop entries"

# 5. AppStream metadata, and the release it names is the one packaged.
metainfo=$local/share/metainfo/$app.metainfo.xml
msg=$(appstreamcli validate --no-net "$metainfo" 2>&1) || fail "appstreamcli validate: $msg"
grep -q "<release version=\"$version\"" "$metainfo" || fail "metainfo has no <release version=\"$version\"> (FyneApp.toml Version)"
grep -q "<launchable type=\"desktop-id\">$app.desktop</launchable>" "$metainfo" || fail "metainfo launchable is not $app.desktop"
ok "metainfo (release $version)"

# 6. The tarball's Makefile installs every file, points the entries at the
# installed binary, and uninstall leaves nothing behind.
stage=$work/stage
make -s -C "$root" install DESTDIR="$stage" PREFIX=/usr/local AUTOSTART=1 AUTOSTART_DIR=/etc/xdg/autostart >/dev/null ||
	fail "make install into a DESTDIR failed"
[ -x "$stage/usr/local/bin/ferry" ] || fail "install: no executable usr/local/bin/ferry"
grep -qx 'Exec=/usr/local/bin/ferry' "$stage/usr/local/share/applications/$app.desktop" ||
	fail "install: .desktop Exec not rewritten to /usr/local/bin/ferry"
grep -qx 'Exec=/usr/local/bin/ferry --background' "$stage/etc/xdg/autostart/$app.desktop" ||
	fail "install: autostart Exec not rewritten to /usr/local/bin/ferry --background"
installed=$(find "$stage" -type f | wc -l)
[ "$installed" -eq 13 ] || fail "install put $installed files, want 13"
make -s -C "$root" uninstall DESTDIR="$stage" PREFIX=/usr/local AUTOSTART_DIR=/etc/xdg/autostart >/dev/null ||
	fail "make uninstall failed"
left=$(find "$stage" -type f)
[ -z "$left" ] || fail "uninstall left: $left"
if make -s -C "$root" install DESTDIR="$stage" PREFIX="/opt/my apps" >/dev/null 2>&1; then
	fail "install accepted a PREFIX with a space"
fi
ok "install and uninstall ($installed files)"
