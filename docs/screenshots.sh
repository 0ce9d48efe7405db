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
#
# SCALE=2 runs the app with FYNE_SCALE=2 and names the files NAME@2x.png;
# every click position below is in scale-1 pixels and multiplied by SCALE.
set -eu
bin=$(realpath "$1")
out=$(realpath -m "$2")
SCALE=${SCALE:-1}
sfx=
[ "$SCALE" = 1 ] || sfx="@${SCALE}x"
export FYNE_SCALE="$SCALE"
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
shot() { # shot WINDOW_NAME NAME: capture one window as NAME$sfx.png
	sleep 1.5 # software GL on a busy machine can take a while to draw
	wid=$(xdotool search --onlyvisible --name "^$1\$" | head -n 1)
	xdotool windowraise "$wid" && sleep 0.5
	import -window "$wid" "$out/$2$sfx.png"
	echo "wrote $out/$2$sfx.png"
}
click() { # click WINDOW_NAME X Y: a click at scale-1 window coordinates
	w=$(xdotool search --onlyvisible --name "^$1\$" | head -n 1)
	xdotool mousemove --window "$w" $(($2 * SCALE)) $(($3 * SCALE)) click 1
	sleep 0.7
}
typein() { # typein WINDOW_NAME X Y TEXT: click an entry and type TEXT
	click "$1" "$2" "$3"
	xdotool type --delay 5 "$4"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
startsandbox() {
	"$bin" sandbox --addr "127.0.0.1:$port" --dir "$work/sandbox" --faults 'latency=40ms,bw=400kB' >"$work/sandbox.out" 2>&1 &
	sb=$!
	waitfor 20 grep -q 'share-token *visitor' "$work/sandbox.out"
}
startsandbox
token() { awk -v n="$1" '$1 == "share-token" && $2 == n { print $3 }' "$work/sandbox.out"; }
token editor | "$bin" target add --name sandbox --kind filesro --url "http://127.0.0.1:$port" --secret-stdin >/dev/null
# A view-only link: adding it untested is the only way (its test fails).
token visitor | "$bin" target add --no-test --name readonly --kind filesro --url "http://127.0.0.1:$port" --secret-stdin >/dev/null

mkdir -p "$work/files/Photos 2026" "$work/files/Drop" "$work/files/Scans" "$work/outbox"
head -c 40000000 /dev/urandom >"$work/files/holiday-video.mp4"
head -c 12000000 /dev/urandom >"$work/files/quarterly-report.pdf"
head -c 9000000 /dev/urandom >"$work/files/site-plan.dwg"
for i in 1 2 3 4 5 6; do head -c 3000000 /dev/urandom >"$work/files/Photos 2026/IMG_00$i.jpg"; done
for i in 1 2 3 4; do echo "scan $i" >"$work/files/Scans/scan-0$i.pdf"; done
echo "meeting notes" >"$work/files/notes.txt"
echo "draft" >"$work/files/Drop/proposal.odt"
# A watched folder that goes missing while the app runs (folder health).
"$bin" folder add --name outbox --path "$work/outbox" --target sandbox >/dev/null

"$bin" >"$work/app.out" 2>&1 &
app=$!
waitfor 30 handoff '{"op":"show"}'
sleep 2
rm -rf "$work/outbox"
# Four files to the view-only share: one problem, one banner.
up() { "$bin" upload --no-wait "$@" >/dev/null 2>&1 || true; }
up --target readonly "$work/files/notes.txt" "$work/files/Scans"
up --target sandbox --to Projects/2026 "$work/files/holiday-video.mp4" \
	"$work/files/quarterly-report.pdf" "$work/files/site-plan.dwg" "$work/files/Photos 2026"
sleep 5
# The window without a tray host (none runs here): its notice line, the
# uploads, the banner for the view-only share, the missing watched folder.
shot Ferry uploading

click Ferry 150 313 # the Failed tab
shot Ferry failed
click Ferry 50 313 # back to Now

click Ferry 170 21 # Pause 1 h
shot Ferry paused
click Ferry 50 21 # Resume all

handoff "{\"op\":\"drop\",\"paths\":[\"$work/files/Drop\",\"$work/files/notes.txt\"]}" >/dev/null
shot Ferry drop
click Ferry 333 362 # Cancel

click Ferry 540 21 # Settings
waitfor 10 xdotool search --onlyvisible --name '^Ferry settings$'
shot 'Ferry settings' settings

click 'Ferry settings' 40 499 # Add…
shot 'Ferry settings' target-add
click 'Ferry settings' 520 488 # Cancel
click 'Ferry settings' 40 499 # Add…
typein 'Ferry settings' 390 103 viewer # Name
click 'Ferry settings' 390 142 # Service
click 'Ferry settings' 390 254 # files.ro
typein 'Ferry settings' 460 180 "http://127.0.0.1:$port" # Server URL
typein 'Ferry settings' 460 414 "$(token visitor)" # Share token
click 'Ferry settings' 612 488 # Save: the login test says the link only allows viewing
sleep 8 # the test's answer, drawn by software GL
shot 'Ferry settings' target-test-failed
click 'Ferry settings' 600 440 # Details
shot 'Ferry settings' target-test-details
click 'Ferry settings' 400 488 # Cancel
click 'Ferry settings' 40 499 # Add…
click 'Ferry settings' 612 488 # Save with nothing filled in: the name is marked
shot 'Ferry settings' target-field-error
click 'Ferry settings' 520 488 # Cancel

click 'Ferry settings' 150 20 # Watched folders
click 'Ferry settings' 46 536 # Add…
shot 'Ferry settings' folder-add
typein 'Ferry settings' 300 110 "$work/new-outbox"
click 'Ferry settings' 420 490 # Watch: the folder is missing, create it?
shot 'Ferry settings' folder-create
click 'Ferry settings' 326 318 # No

# The server goes away: rows wait for it, the header says so once.
kill "$sb"; wait "$sb" 2>/dev/null || true; sb=
up --target sandbox --to Later "$work/files/notes.txt"
sleep 8
shot Ferry waiting-for-server

kill -TERM "$app"
wait "$app" || true
app=
