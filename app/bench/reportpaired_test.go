package bench

import (
	"fmt"
	"strings"
)

// baselineOf names the baseline a series' runs are paired with.
func baselineOf(s *series) string {
	switch s.Group {
	case "small", "tiny":
		return "curl, the service's minimum requests per file, 4 streams (curlSmall), mean of the runs just before and just after"
	case "watch-scan", "watch-restart":
		return "find -printf '%s %T@' over the tree, just before"
	}
	return fmt.Sprintf("curl -T of the file to the sandbox's sink (median of %d runs, just before)", curlSinkRuns)
}

// pairedSection is the table of every series with a paired baseline:
// min / median / max over the runs of Ferry's time ÷ the baseline's time
// and of Ferry's CPU ÷ the baseline's CPU (lower is better; 1.00 is as
// fast or as cheap as the baseline). Empty when no series has one.
func pairedSection(r *results) string {
	var b strings.Builder
	for _, s := range r.Series {
		t, ok := pairedTime(s)
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n## Paired runs: Ferry ÷ its baseline\n\n" +
				"Each run of Ferry is paired with the baseline run just before it on the same sandbox and disk " +
				"(the disk synced before each); a small-file run with the mean of the curl runs just before and just after it, " +
				"since this machine's speed drifts within minutes. Time is Ferry's wall time ÷ the baseline's for the same work " +
				"(for a rate, the baseline's rate ÷ Ferry's), CPU likewise; min / median / max over the runs. " +
				"Lower is better; 1.00 is the baseline.\n\n" +
				"| scenario | provider | baseline | time ratio min / median / max | CPU ratio min / median / max | runs |\n" +
				"|---|---|---|---|---|---|\n")
		}
		cpu := "–"
		if c, ok := pairedCPU(s); ok {
			cpu = fmt.Sprintf("%.2f / %.2f / %.2f", c.min, c.median, c.max)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f / %.2f / %.2f | %s | %d |\n",
			s.Name, orDash(s.Provider), baselineOf(s), t.min, t.median, t.max, cpu, t.n)
	}
	if cost, ok := md5Cost(r); ok {
		b.WriteString("\n" + cost + "\n")
	}
	return b.String()
}

// whatItTimes says, per scenario group, what its figure measures.
var whatItTimes = []struct{ group, text string }{
	{"baseline", "the machine's limits: curl -T of the big file to the sandbox's sink (loopback + disk), sha256sum of it, find over the scan tree; each after syncing the disk."},
	{"big", "`ferry upload` of one big file as a fresh user, process start to exit (its own queue, state and checksums included)."},
	{"big-no-md5", "the same SelfCommunity upload with no_md5 = true: the difference is the MD5's cost."},
	{"big-eighth", "the files.ro upload of a file an eighth of the size: its peak RSS is compared with the big file's."},
	{"twake-parallel", "the big Twake upload with 1, 2 and 4 chunks in parallel."},
	{"small", "`ferry upload` of the small-file tree (1-64 KiB files), process start to exit, paired with a curl baseline sending the service's minimum requests for the same files (curl's time is the sum of its phases' wall times; the harness's parsing between phases is not counted)."},
	{"tiny", "`ferry upload` of the 1 KiB tree, paired like the small files; the four services' tiny runs, Ferry's and curl's, all go into ONE sandbox."},
	{"sandbox-tiny", "the shared sandbox's peak RSS (VmHWM) and CPU after every tiny run, before the harness lists its store."},
	{"sandbox-first", "the shared sandbox's peak RSS (VmHWM) and CPU at the end of the tiny run that brought its stored files to 80,000 (issue 20's figure; the services run in the order above)."},
	{"sc-chunks", "`ferry upload` of the SelfCommunity tree of 1-10 MB files at two part sizes."},
	{"scan-new", "the folder watcher's startup scan in this process (package sync, a no-op hand-off): every file new."},
	{"scan-unchanged", "the same scan with every file already sent."},
	{"watch-scan", "a fresh user's real `ferry watch`, process start to its \"folder scan: ok\" line (first scan + enqueue of every file), its target unreachable so no upload competes; paired with find just before; RSS over the process's life up to that line."},
	{"watch-restart", "`ferry watch` restarted over the tree it already uploaded (setup, not timed: a live files.ro sandbox took every file), process start to its \"folder scan: ok\" line; paired with find just before."},
	{"idle", "the watcher's CPU over a quiet window after its scan, in percent of one core."},
	{"burst", "files written into a folder `ferry watch` watches: from the first write to the last \"uploaded\" line; CPU and RSS over the watch process's life."},
}

// timesSection lists what each scenario present in r times.
func timesSection(r *results) string {
	var b strings.Builder
	for _, w := range whatItTimes {
		for _, s := range r.Series {
			if s.Group == w.group {
				if b.Len() == 0 {
					b.WriteString("\n## What each scenario times\n\n")
				}
				fmt.Fprintf(&b, "- **%s**: %s\n", w.group, w.text)
				break
			}
		}
	}
	if b.Len() > 0 {
		b.WriteString("\nThe sandbox runs as its own process; its CPU during each measured run and its peak RSS " +
			"(VmHWM since it started) are the last two columns of the table above.\n")
	}
	return b.String()
}
