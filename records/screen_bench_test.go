package records

import (
	"os"
	"testing"
)

// BenchmarkRelayJobLine is what a job that prints one line costs expool while
// the progress line is drawn: a pipe, its reader, the line above the bar.
func BenchmarkRelayJobLine(b *testing.B) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	s := &Screen{stdout: null, stderr: null}
	s.script[0] = &lineWriter{s: s, w: null, relayed: true}
	s.script[1] = &lineWriter{s: s, w: null, relayed: true}
	p := StartProgress(NewTally(false), s)
	defer p.Stop()
	line := []byte("a line of a job's output, 40 bytes long\n")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, finish, err := s.Open(false)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(line)
		w.Close()
		finish()
	}
}
