//go:build unix

package selfcommunity

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPart sends parts of an endless chunked upload (8 and 16 MiB,
// fields first and the file part last, as the client sends them) from a
// prepared body over loopback, one part per op. Besides ns/op it reports
// cpu-ns/op, the process's user+system CPU per part (client included, the
// same for every server version): on two cores the wall time hides work
// done beside the socket read, the CPU figure does not.
func BenchmarkPart(b *testing.B) {
	for _, mib := range []int{8, 16} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) { benchPart(b, mib<<20) })
	}
}

func benchPart(b *testing.B, n int) {
	e := start(b, Options{}, nil)
	data := testData(n)
	const total = 1 << 20 // never reached: the upload stays open
	uuid := ""
	send := func(idx int) {
		fields := [][2]string{{"partindex", itoa(idx)}, {"totalparts", itoa(total)}}
		if uuid != "" {
			fields = append(fields, [2]string{"uuid", uuid})
		}
		body, n, ctype := partBody(b, fields, data)
		hr, err := http.NewRequest(http.MethodPost, e.srv.BaseURL()+"/api/v2/pm/upload/", body)
		if err != nil {
			b.Fatal(err)
		}
		hr.ContentLength = n
		hr.Header.Set("Content-Type", ctype)
		hr.Header.Set("Authorization", "Bearer "+e.alice)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("part %d: status %d %s (%v)", idx, resp.StatusCode, raw, err)
		}
		if uuid == "" {
			uuid = string(bytes.Split(bytes.Split(raw, []byte(`"file_uuid":"`))[1], []byte(`"`))[0])
		}
	}
	send(0)
	b.SetBytes(int64(n))
	cpu0 := cpuTime(b)
	idx := 1
	for b.Loop() {
		send(idx)
		idx++
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(idx-1), "cpu-ns/op")
}

// partBody is a multipart body with fields first and the file part last,
// its data not copied: the client's work per op stays small and fixed.
func partBody(b *testing.B, fields [][2]string, data []byte) (io.Reader, int64, string) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := mw.CreateFormFile("file", "blob"); err != nil {
		b.Fatal(err)
	}
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	n := int64(head.Len()+len(tail)) + int64(len(data))
	return io.MultiReader(&head, bytes.NewReader(data), strings.NewReader(tail)), n, mw.FormDataContentType()
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
