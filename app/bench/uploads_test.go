package bench

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// uploadTimeout bounds one `ferry upload` (a 1 GiB file at a few MB/s on a
// loaded machine, or 2,000 files one by one).
const uploadTimeout = 15 * time.Minute

// runner holds what every scenario shares.
type runner struct {
	t    *testing.T
	bin  string
	work string // scratch folder, removed at the end
	runs int
	// burstRuns is runs for the watched-folder bursts.
	burstRuns int
	sz        sizes
	res       *results

	bigFile  string // Big bytes
	smallDir string // Small files in SmallDirs folders
	tinyDir  string // Tiny files of 1 KiB
	scDir    string // SCFiles files of 1-10 MB
	scanDir  string // ScanFiles files
	envSeq   int
	// tinySB is the one sandbox every tiny scenario uploads into (see
	// sandboxFor), nil until the first needs it; tinyFiles counts the
	// files stored in it.
	tinySB    *sandboxProc
	tinyFiles int
	// tinyAtTarget is set once the sandbox-first row is recorded (see
	// noteTinyFiles).
	tinyAtTarget bool
}

// freshEnv is a new user (empty queue and sent index) in its own folder.
func (r *runner) freshEnv() ferryEnv {
	r.envSeq++
	return newFerryEnv(r.bin, filepath.Join(r.work, fmt.Sprintf("env%03d", r.envSeq)))
}

// keepManyFiles is how many files a scratch folder may hold and still be
// removed as soon as its scenario is done. Removing thousands of files just
// before a timed run slows the file creations of that run: ext4 without a
// journal (this machine's disk) skips every inode freed in the last 30 s
// when it allocates one, and in `perf` that search was 27 % of the
// sandbox's CPU during the run after such a removal. The curl baseline's
// answer files were removed right before the Ferry run paired with it,
// and each scenario's sandbox right before the next scenario's first curl
// run. So folders of many small files (curl answers, bursts, the stores of
// small-file scenarios) stay until the harness removes its work folder at
// the end; a store of a few big files goes at once, so big scenarios do
// not fill the disk.
const keepManyFiles = 100

// withSandbox runs fn against a sandbox of its own whose stored files are
// deleted afterwards when they are few (see keepManyFiles).
func (r *runner) withSandbox(fn func(sb *sandboxProc) error) error {
	dir, err := os.MkdirTemp(r.work, "sandbox-")
	if err != nil {
		return fmt.Errorf("sandbox folder: %w", err)
	}
	sb := startSandbox(r.t, r.bin, dir)
	err = fn(sb)
	err = errIfNil(err, sb.verify())
	sb.stop(r.t)
	if fewFiles(dir, keepManyFiles) {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			err = errIfNil(err, fmt.Errorf("remove sandbox folder: %w", rmErr))
		}
	}
	return err
}

// fewFiles reports whether the tree at dir holds at most n files (an
// unreadable tree counts as many: it stays for the final removal).
func fewFiles(dir string, n int) bool {
	count := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			if count++; count > n {
				return fs.SkipAll
			}
		}
		return nil
	})
	return err == nil && count <= n
}

// sandboxFor runs fn against the sandbox of a series: the shared one for
// the tiny scenarios (so that its peak RSS after all four shows what a
// sandbox holding all their files costs; finishTinySandbox ends it), a
// sandbox of its own (withSandbox) for every other.
func (r *runner) sandboxFor(group string, fn func(sb *sandboxProc) error) error {
	if group != "tiny" {
		return r.withSandbox(fn)
	}
	if r.tinySB == nil {
		dir, err := os.MkdirTemp(r.work, "sandbox-tiny-")
		if err != nil {
			return fmt.Errorf("sandbox folder: %w", err)
		}
		r.tinySB = startSandbox(r.t, r.bin, dir)
	}
	return fn(r.tinySB)
}

// finishTinySandbox records the shared tiny sandbox's peak RSS and CPU
// (before checking the curl baselines' files, which lists its store),
// then checks them and stops it (its folder stays, see keepManyFiles).
// It does nothing when no tiny scenario ran.
func (r *runner) finishTinySandbox() {
	sb := r.tinySB
	if sb == nil {
		return
	}
	r.tinySB = nil
	s := r.res.get("sandbox-tiny", "", fmt.Sprintf("ferry sandbox after the tiny runs: %d files stored in one sandbox", r.tinyFiles), "MiB", false)
	rss, cpu := sb.peakRSS(), sb.cpu()
	s.add(sample{Value: float64(rss) / (1 << 20), Wall: 0, CPU: cpu.Seconds(), MaxRSS: rss, SandboxCPU: cpu.Seconds(), SandboxRSS: rss})
	r.t.Logf("sandbox after the tiny runs (%d files): peak RSS %d MiB, cpu %s", r.tinyFiles, rss>>20, cpu.Round(time.Millisecond))
	err := sb.verify()
	sb.stop(r.t)
	// Its files stay until the harness removes its work folder: see
	// keepManyFiles.
	if err != nil {
		r.res.failf("tiny sandbox: %v", err)
		r.t.Errorf("tiny sandbox: %v", err)
	}
}

// curlSinkRuns is how many curl -T runs give the reference of one big-file
// upload: the disk makes one run bimodal, the median of three is steady.
const curlSinkRuns = 3

// curlSinkMedian runs curl -T of the big file to sb's sink curlSinkRuns
// times, each after syncing the disk, and returns the median rate (MB/s)
// and the median CPU seconds.
func (r *runner) curlSinkMedian(sb *sandboxProc) (float64, float64, error) {
	var rates, cpus []float64
	for range curlSinkRuns {
		syncDisk()
		v, u, err := r.curlSink(sb)
		if err != nil {
			return 0, 0, err
		}
		rates, cpus = append(rates, v), append(cpus, u.CPU.Seconds())
	}
	return median(rates), median(cpus), nil
}

func errIfNil(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

// uploadRuns uploads path (a file or a tree of files files, bytes bytes)
// with `ferry upload` at the provider's defaults plus extra target flags,
// r.runs times, each as a fresh user into a fresh remote folder, and
// records the rate (files/s when perFile, else MB/s) in s. With paired,
// curl runs next to each upload on the same sandbox give the sample's
// Ref: for perFile one 4-stream curl process sending the same files
// (curlSmall) just before the upload and again just after it, Ref the
// rate of their mean time (bracketed: this machine's speed drifts by a
// factor of two within minutes, and a baseline on one side only charged
// the drift to the ratio); else the median of curlSinkRuns runs of curl
// -T of path (the big file) to the sandbox's sink, just before. The disk
// is synced before each timed process. The sandbox's CPU during the
// upload and its peak RSS so far go into each sample; the tiny scenarios
// share one sandbox (sandboxFor).
func (r *runner) uploadRuns(s *series, provider, path string, files int, bytes int64, perFile, paired bool, extra ...string) {
	err := r.sandboxFor(s.Group, func(sb *sandboxProc) error {
		for run := range r.runs {
			var (
				ref, refCPU float64
				before      usage // perFile: the curl run just before
			)
			switch {
			case paired && perFile:
				u, err := r.curlSmallLogged(sb, provider, path, s.Name, run, "before")
				if err != nil {
					return err
				}
				before = u
				r.noteStored(sb, s, files)
			case paired:
				v, cpu, err := r.curlSinkMedian(sb)
				if err != nil {
					return err
				}
				ref, refCPU = v, cpu
			}
			env := r.freshEnv()
			if err := addTarget(env, sb, provider, "bench", extra...); err != nil {
				return err
			}
			syncDisk()
			sbCPU := sb.cpu()
			out, u, err := env.run(uploadTimeout, "", "upload", "--target", "bench", "--to", fmt.Sprintf("run%d", run),
				"--progress", "none", path)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("%d uploaded, 0 failed", files); !strings.Contains(out, want) {
				return fmt.Errorf("upload summary %q, want %q", tail(out, 1), want)
			}
			sbCPU = sb.cpu() - sbCPU
			r.noteStored(sb, s, files)
			if paired && perFile {
				after, err := r.curlSmallLogged(sb, provider, path, s.Name, run, "after")
				if err != nil {
					return err
				}
				r.noteStored(sb, s, files)
				wall := (before.Wall + after.Wall) / 2
				ref, refCPU = float64(files)/wall.Seconds(), (before.CPU+after.CPU).Seconds()/2
			}
			v := float64(bytes) / u.Wall.Seconds() / 1e6
			if perFile {
				v = float64(files) / u.Wall.Seconds()
			}
			s.add(sample{
				Value: v, Wall: u.Wall.Seconds(), CPU: u.CPU.Seconds(), MaxRSS: u.MaxRSS, Ref: ref, RefCPU: refCPU,
				SandboxCPU: sbCPU.Seconds(), SandboxRSS: sb.peakRSS(),
			})
			r.t.Logf("%s %s run %d: %.1f %s in %s, cpu %s, rss %d MiB; sandbox cpu %s, peak rss %d MiB", provider, s.Name, run+1, v, s.Unit,
				u.Wall.Round(time.Millisecond), u.CPU.Round(time.Millisecond), u.MaxRSS>>20, sbCPU.Round(time.Millisecond), sb.peakRSS()>>20)
		}
		return nil
	})
	if err != nil {
		r.res.failf("%s %s: %v", provider, s.Name, err)
		r.t.Errorf("%s %s: %v", provider, s.Name, err)
	}
}

// curlSmallLogged is curlSmall into a remote folder of its own for the
// run's curl sent when ("before" or "after" the upload), logged.
func (r *runner) curlSmallLogged(sb *sandboxProc, provider, path, name string, run int, when string) (usage, error) {
	v, u, err := r.curlSmall(sb, provider, path, fmt.Sprintf("curl%d-%s", run, when))
	if err != nil {
		return u, err
	}
	r.t.Logf("%s %s run %d: curl %s, %.1f files/s in %s, cpu %s", provider, name, run+1, when, v,
		u.Wall.Round(time.Millisecond), u.CPU.Round(time.Millisecond))
	return u, nil
}

// noteStored counts files stored in the shared tiny sandbox after each
// process that stored them (noteTinyFiles), so that the sandbox's memory
// is read where the count reaches its mark, not a whole run later.
func (r *runner) noteStored(sb *sandboxProc, s *series, files int) {
	if s.Group == "tiny" {
		r.noteTinyFiles(sb, files)
	}
}
