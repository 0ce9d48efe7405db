package bench

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// curlSmallProviders are the services whose minimum requests per file one
// curl process can send: a files.ro upload is one multipart POST per file
// (is_last_chunk=1), which needs nothing from an earlier answer. Quatrix
// (link, chunk, finalize), Twake and SelfCommunity chain answers and have
// no curl baseline yet.
var curlSmallProviders = map[string]bool{"filesro": true}

// curlSmall sends every file below dir to sb the way provider's client must
// at least (files.ro: one POST per file), from ONE curl process keeping 4
// connections alive (--parallel --parallel-max 4), into remote folder to,
// and returns the files/s and the process's usage. It is the small-file
// baseline: the same requests, with no queue, no state, no retry.
func (r *runner) curlSmall(sb *sandboxProc, provider, dir, to string) (float64, usage, error) {
	if !curlSmallProviders[provider] {
		return 0, usage{}, fmt.Errorf("no curl baseline for %s small files", provider)
	}
	token, err := sb.credential("filesro", "share-token", "editor")
	if err != nil {
		return 0, usage{}, err
	}
	var cfg strings.Builder
	n := 0
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if n > 0 {
			cfg.WriteString("next\n")
		}
		n++
		name := path.Base(rel)
		fmt.Fprintf(&cfg, "url = \"%s/api/v1/shares/%s/uploads\"\noutput = \"/dev/null\"\n", sb.base, token)
		for _, f := range []string{
			"name=" + name, "extension=" + strings.TrimPrefix(path.Ext(name), "."),
			"is_last_chunk=1", "path=/" + to + "/" + rel, fmt.Sprintf("chunk=@%s;filename=k%d", p, n),
		} {
			fmt.Fprintf(&cfg, "form = \"%s\"\n", f)
		}
		return nil
	})
	if err != nil {
		return 0, usage{}, fmt.Errorf("curl small: %w", err)
	}
	cfgPath := filepath.Join(r.work, "curl-small.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return 0, usage{}, fmt.Errorf("curl small: %w", err)
	}
	defer os.Remove(cfgPath)
	syncDisk()
	u, _, err := timed("curl", "-sS", "--fail", "--parallel", "--parallel-max", "4", "-K", cfgPath)
	if err != nil {
		return 0, u, err
	}
	return float64(n) / u.Wall.Seconds(), u, nil
}
