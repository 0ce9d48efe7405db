package fakeprovider

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Call is one recorded provider call.
type Call struct {
	Op      Op
	Session string // server session id ("" for a failed Begin)
	Path    string // remote path (the final one for a successful Finish)
	Chunk   int    // chunk index for OpPut
	Size    int64  // declared size: the chunk's for OpPut, the file's otherwise
	Bytes   int64  // body bytes received (OpPut) or stored (OpFinish)
	Err     string // "" on success
	Kind    string // error kind on failure ("temporary failure", ...)
	At      time.Time
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Err == "" }

// callLog appends calls as JSON lines to a file, so a parent process can
// read what a killed child sent. Each line is one write(2) on an O_APPEND
// file: a kill leaves whole lines only (at worst a torn last line, which
// readers skip).
type callLog struct {
	mu sync.Mutex // serialises writes
	f  *os.File
}

const callLogName = "calls.jsonl"

func openCallLog(dir string) (*callLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open fake call log: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, callLogName), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open fake call log: %w", err)
	}
	return &callLog{f: f}, nil
}

func (l *callLog) append(c Call) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.f.Write(append(b, '\n'))
	return err
}

// record logs c with err's outcome and returns err unchanged.
func (s *server) record(c Call, err error) error {
	c.At = time.Now()
	if err != nil {
		c.Err = err.Error()
		k, _ := provider.Classify(err)
		c.Kind = k.Error()
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	if s.log != nil {
		if lerr := s.log.append(c); lerr != nil && err == nil {
			// The log is the test's evidence; losing it must fail loudly.
			return fmt.Errorf("fake call log: %w", lerr)
		}
	}
	return err
}

// violate records a contract violation by the client and returns err.
func (s *server) violate(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violateLocked(err)
}

func (s *server) violateLocked(err error) error {
	s.viol = append(s.viol, err.Error())
	return err
}

// readCallLog reads every whole line of a directory server's call log.
func readCallLog(dir string) ([]Call, error) {
	f, err := os.Open(filepath.Join(dir, callLogName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read fake call log: %w", err)
	}
	defer f.Close()
	var out []Call
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var c Call
		if json.Unmarshal(sc.Bytes(), &c) == nil {
			out = append(out, c)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read fake call log: %w", err)
	}
	return out, nil
}

func encodeJSON(v any) ([]byte, error) { return json.Marshal(v) }
