package pool

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// startCapture captures what is written to a new pipe, as a PIPE does.
func startCapture(t *testing.T, limit int) (*capture, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &capture{r: r, limit: limit, done: make(chan struct{}), hurry: make(chan struct{})}
	go c.run()
	return c, w
}

// A capture keeps what comes, byte for byte, up to its limit, and gives it
// back in a slice of its size: 4 KiB writes, as most programs make, of more
// than the biggest chunk, and so fast that the capture paces its reads.
func TestCapture(t *testing.T) {
	want := make([]byte, 9<<20+123)
	for i := range want {
		want[i] = byte(i * 7)
	}
	for _, limit := range []int{len(want), len(want) + 1, 5<<20 + 1, 0} {
		c, w := startCapture(t, limit)
		for b := want; len(b) > 0; {
			n, err := w.Write(b[:min(len(b), 4096)])
			if err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
		w.Close()
		got := c.finish()
		kept := min(limit, len(want))
		if !bytes.HasPrefix(got, want[:kept]) {
			t.Fatalf("limit %d: the first %d bytes differ", limit, kept)
		}
		note := got[kept:]
		switch {
		case limit >= len(want) && (len(note) != 0 || cap(got) != len(got)):
			t.Errorf("limit %d: %d bytes after the output, a slice of %d for %d", limit, len(note), cap(got), len(got))
		case limit < len(want) && !bytes.Contains(note, []byte(strconv.Itoa(len(want)-limit)+" more bytes discarded")):
			t.Errorf("limit %d: the note is %q", limit, note)
		}
		if limit > 1<<20 && !c.big && runtime.GOOS == "linux" {
			t.Errorf("limit %d: the pipe was not enlarged, so its reads were not paced (Linux enlarges pipes)", limit)
		}
	}
	if n := bigPipes.Load(); n != 0 {
		t.Errorf("%d pipes count as enlarged once their captures are over", n)
	}
}

// Nothing written is an empty output, not none; a slow writer's lines all
// arrive.
func TestCaptureSlowWriter(t *testing.T) {
	c, w := startCapture(t, 1<<20)
	w.Close()
	if got := c.finish(); got == nil || len(got) != 0 {
		t.Errorf("no output: %q, want an empty slice", got)
	}
	c, w = startCapture(t, 1<<20)
	var want bytes.Buffer
	for i := range 20 {
		line := "line " + strconv.Itoa(i) + "\n"
		want.WriteString(line)
		w.WriteString(line)
		time.Sleep(time.Duration(i%3) * time.Millisecond)
		runtime.Gosched()
	}
	w.Close()
	if got := c.finish(); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("got %q, want %q", got, want.Bytes())
	}
}
