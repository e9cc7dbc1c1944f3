package records

import (
	"bytes"
	"strings"
	"testing"
)

// newTestScreen is a screen whose stdout is relayed, as a terminal's would be.
func newTestScreen() (s *Screen, stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	s = &Screen{stdout: stdout, stderr: stderr}
	s.script[0] = &lineWriter{s: s, w: stdout, relayed: true}
	s.script[1] = &lineWriter{s: s, w: stderr, relayed: true}
	return s, stdout, stderr
}

// A job's output reaches the stream it was written to in whole lines; the
// last one gets a newline when the job ends; a line longer than maxLine is
// cut.
func TestRelayWholeLines(t *testing.T) {
	s, stdout, stderr := newTestScreen()
	out, finishOut, err := s.Open(false)
	if err != nil {
		t.Fatal(err)
	}
	errf, finishErr, _ := s.Open(true)
	out.WriteString("one\ntw")
	errf.WriteString("to stderr\n")
	out.WriteString("o\n" + strings.Repeat("x", maxLine+10) + "\nlast, no newline")
	out.Close()
	errf.Close()
	finishOut()
	finishErr()
	want := "one\ntwo\n" + strings.Repeat("x", maxLine) + "\n" + strings.Repeat("x", 10) + "\nlast, no newline\n"
	if stdout.String() != want {
		t.Errorf("stdout: %d bytes, %q...%q, want %d bytes", stdout.Len(), stdout.String()[:12], stdout.String()[stdout.Len()-40:], len(want))
	}
	if stderr.String() != "to stderr\n" {
		t.Errorf("stderr: %q", stderr.String())
	}
}

// While the progress line is drawn, a line of output clears it, and it is
// drawn again after the line; the script's partial line waits for its end.
func TestScreenRedrawsBelow(t *testing.T) {
	s, stdout, stderr := newTestScreen()
	p := StartProgress(NewTally(false), s)
	stderr.Reset() // the first drawing
	s.Stdout().Write([]byte("hello "))
	if stdout.Len()+stderr.Len() != 0 {
		t.Errorf("a partial line was written: %q, %q", stdout.String(), stderr.String())
	}
	s.Stdout().Write([]byte("world\n"))
	if stdout.String() != "hello world\n" {
		t.Errorf("stdout: %q", stdout.String())
	}
	if e := stderr.String(); !strings.HasPrefix(e, "\x1b[2K\r") || !strings.Contains(e, "pending") {
		t.Errorf("stderr: %q, want the line cleared, then drawn again", e)
	}
	stderr.Reset()
	s.Stderr().Write([]byte("a message\n"))
	if e := stderr.String(); !strings.HasPrefix(e, "\x1b[2K\ra message\n\r") || !strings.Contains(e, "pending") {
		t.Errorf("stderr: %q, want the line cleared, the message, the line drawn again", e)
	}
	s.Stdout().Write([]byte("the end"))
	p.Stop()
	if !strings.HasSuffix(stdout.String(), "the end\n") || !strings.HasSuffix(stderr.String(), "\n") {
		t.Errorf("after Stop: %q, %q", stdout.String(), stderr.String())
	}
}
