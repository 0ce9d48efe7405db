#!/bin/sh
# Takes the README screenshots of the real desktop app. Run it inside a
# virtual display with a session bus (docs/screenshots.mk does):
#
#   dbus-run-session -- xvfb-run -a -s '-screen 0 1280x800x24' sh docs/screenshots.sh ./ferry docs/screenshots
#
# Workload: a `ferry sandbox` with latency and a bandwidth cap, so uploads
# are visibly in progress; a target on its editor share (uploads) and one on
# its visitor share (answers 403: a failed item). Files are handed to the
# running app with `ferry upload` (the single-instance hand-off) and a drop
# with the hand-off socket's "drop" request (python3 speaks it). Needs
# xdotool, ImageMagick's import and python3.
set -eu
bin=$(realpath "$1")
out=$(realpath -m "$2")
mkdir -p "$out"
work=$(mktemp -d)
app= sb=
cleanup() {
	[ -n "$app" ] && kill "$app" 2>/dev/null
	[ -n "$sb" ] && kill "$sb" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export FERRY_CONFIG="$work/config.toml" FERRY_DATA_DIR="$work/data" FERRY_SECRETS="file:$work/secrets" HOME="$work"

handoff() { # handoff JSON: one request to the running app, prints the reply
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()+b"\n")
print(s.makefile().readline().strip())' "$FERRY_DATA_DIR/ferry.sock" "$1"
}
waitfor() { # waitfor SECONDS COMMAND...: retry COMMAND every 0.2s
	n=$(($1 * 5)); shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1)); [ "$n" -gt 0 ] || { echo "screenshots: timed out: $*" >&2; exit 1; }
		sleep 0.2
	done
}
shot() { # shot WINDOW_NAME FILE: capture one window
	wid=$(xdotool search --onlyvisible --name "^$1\$" | head -n 1)
	import -window "$wid" "$out/$2"
	echo "wrote $out/$2"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" sandbox --addr "127.0.0.1:$port" --dir "$work/sandbox" --faults 'latency=40ms,bw=400kB' >"$work/sandbox.out" 2>&1 &
sb=$!
waitfor 20 grep -q 'share-token *visitor' "$work/sandbox.out"
token() { awk -v n="$1" '$1 == "share-token" && $2 == n { print $3 }' "$work/sandbox.out"; }
token editor | "$bin" target add --name sandbox --kind filesro --url "http://127.0.0.1:$port" --secret-stdin >/dev/null
token visitor | "$bin" target add --name readonly --kind filesro --url "http://127.0.0.1:$port" --secret-stdin >/dev/null

mkdir -p "$work/files/Photos 2026" "$work/files/Drop"
head -c 40000000 /dev/urandom >"$work/files/holiday-video.mp4"
head -c 12000000 /dev/urandom >"$work/files/quarterly-report.pdf"
head -c 9000000 /dev/urandom >"$work/files/site-plan.dwg"
for i in 1 2 3 4 5 6; do head -c 3000000 /dev/urandom >"$work/files/Photos 2026/IMG_00$i.jpg"; done
echo "meeting notes" >"$work/files/notes.txt"
echo "draft" >"$work/files/Drop/proposal.odt"

"$bin" >"$work/app.out" 2>&1 &
app=$!
waitfor 30 handoff '{"op":"show"}'
"$bin" upload --target readonly "$work/files/notes.txt"
"$bin" upload --target sandbox --to Projects/2026 "$work/files/holiday-video.mp4" \
	"$work/files/quarterly-report.pdf" "$work/files/site-plan.dwg" "$work/files/Photos 2026"
sleep 5
shot Ferry uploading.png

wid=$(xdotool search --onlyvisible --name '^Ferry$' | head -n 1)
xdotool mousemove --window "$wid" 150 101 click 1 # the Failed tab
sleep 1
shot Ferry failed.png
xdotool mousemove --window "$wid" 50 101 click 1 # back to Now

handoff "{\"op\":\"drop\",\"paths\":[\"$work/files/Drop\",\"$work/files/notes.txt\"]}" >/dev/null
sleep 5 # software GL on a busy machine can take seconds to draw the dialog
shot Ferry drop.png
xdotool mousemove --window "$wid" 333 362 click 1 # Cancel

xdotool mousemove --window "$wid" 540 21 click 1 # Settings
waitfor 10 xdotool search --onlyvisible --name '^Ferry settings$'
sleep 1
shot 'Ferry settings' settings.png

kill -TERM "$app"
wait "$app"
app=
