package records

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Screen shares expool's terminal between the progress line and the output
// of the script and of its jobs, as cargo and pip do: while the line is
// drawn, each line of output is written whole above it, and the line is
// drawn again below. So while progress is on, the jobs that inherit expool's
// stderr get a pipe that the Screen reads (it is a pool.Relay), and so do
// those that inherit its stdout when stdout is where the line is drawn (the
// same file as stderr: the terminal, or 2>&1); the script writes through
// Stdout and Stderr. stdout's lines go to stdout, stderr's to stderr.
//
// A job's lines are passed on as they come; a last line without a newline
// gets one when the job ends, and a line longer than maxLine is cut (a new
// line every maxLine bytes).
type Screen struct {
	mu     sync.Mutex
	stdout io.Writer // nil: stdout is not relayed
	stderr io.Writer
	bar    *progressbar.ProgressBar // drawn, between StartProgress and Stop
	// drawn is what the bar wrote (through barWriter) that is not on the
	// terminal yet: every write goes out with the lines it belongs with.
	drawn  bytes.Buffer
	script [2]*lineWriter // the script's stdout and stderr
}

// maxLine is the longest line passed on whole; longer ones are cut.
const maxLine = 64 << 10

// relayDrain bounds how long a job's pipe is read after the job has ended:
// only a process that escaped its process group can still hold it then.
const relayDrain = 250 * time.Millisecond

// NewScreen returns the screen of expool's stdout and stderr.
func NewScreen(stdout, stderr io.Writer) *Screen {
	s := &Screen{stderr: stderr}
	if sameFile(stdout, stderr) {
		s.stdout = stdout
	}
	s.script[0] = &lineWriter{s: s, w: stdout, relayed: s.stdout != nil}
	s.script[1] = &lineWriter{s: s, w: stderr, relayed: true}
	return s
}

// sameFile reports whether a and b are one open file (a terminal, or a file
// that both are redirected to).
func sameFile(a, b io.Writer) bool {
	fa, ok1 := a.(*os.File)
	fb, ok2 := b.(*os.File)
	if !ok1 || !ok2 {
		return false
	}
	var sa, sb syscall.Stat_t
	if syscall.Fstat(int(fa.Fd()), &sa) != nil || syscall.Fstat(int(fb.Fd()), &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// Stdout is where the script's stdout goes (print, io.write): expool's own
// stdout when it is not where the progress line is.
func (s *Screen) Stdout() io.Writer {
	if s.stdout == nil {
		return s.script[0].w
	}
	return s.script[0]
}

// Stderr is where the script's and expool's messages go.
func (s *Screen) Stderr() io.Writer { return s.script[1] }

// Open gives a job's process a pipe for expool's stdout (or stderr), which
// the screen reads and passes on line by line (pool.Relay). It gives none
// for stdout when stdout is not where the progress line is.
func (s *Screen) Open(stderr bool) (*os.File, func(), error) {
	w := s.stderr
	if !stderr {
		if s.stdout == nil {
			return nil, nil, nil
		}
		w = s.stdout
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	rl := &relayed{lineWriter: lineWriter{s: s, w: w, relayed: true}, r: r, done: make(chan struct{})}
	go rl.run()
	return pw, rl.finish, nil
}

// lines writes whole lines to w, above the progress line if it is drawn.
// Called with s.mu held.
func (s *Screen) lines(w io.Writer, b []byte) {
	if s.bar == nil {
		w.Write(b)
		return
	}
	s.bar.Clear()
	if w == s.stderr {
		s.drawn.Write(b)
	} else {
		s.flush()
		w.Write(b)
	}
	s.drawn.WriteString(s.bar.String())
	s.flush()
}

// flush writes what the bar drew. Called with s.mu held.
func (s *Screen) flush() {
	if s.drawn.Len() > 0 {
		s.stderr.Write(s.drawn.Bytes())
		s.drawn.Reset()
	}
}

// barWriter is the writer of the progress bar: what it draws goes out
// with the screen's next flush. It is written to with s.mu held.
type barWriter struct{ s *Screen }

func (b barWriter) Write(p []byte) (int, error) { return b.s.drawn.Write(p) }

// lineWriter passes on whole lines, keeping a partial one until its end
// comes. Its methods are called with its screen's mu held, but Write.
type lineWriter struct {
	s       *Screen
	w       io.Writer
	relayed bool // else it writes straight to w
	partial []byte
}

// Write passes on the whole lines of p, and keeps the rest.
func (l *lineWriter) Write(p []byte) (int, error) {
	if !l.relayed {
		return l.w.Write(p)
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.add(p)
	return len(p), nil
}

func (l *lineWriter) add(p []byte) {
	if len(l.partial) == 0 {
		// The common case: whole lines, passed on without a copy.
		i := bytes.LastIndexByte(p, '\n')
		if i >= 0 {
			l.pass(p[:i+1])
		}
		l.partial = append(l.partial, p[i+1:]...)
	} else {
		l.partial = append(l.partial, p...)
		if i := bytes.LastIndexByte(l.partial, '\n'); i >= 0 {
			l.pass(l.partial[:i+1])
			l.partial = append(l.partial[:0], l.partial[i+1:]...)
		}
	}
	for len(l.partial) > maxLine {
		l.s.lines(l.w, append(l.partial[:maxLine:maxLine], '\n'))
		l.partial = append(l.partial[:0], l.partial[maxLine:]...)
	}
}

// pass passes on whole lines, cutting those longer than maxLine.
func (l *lineWriter) pass(b []byte) {
	if len(b) <= maxLine {
		l.s.lines(l.w, b)
		return
	}
	var cut []byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b[:i+1]
		for len(line) > maxLine+1 {
			cut = append(append(cut, line[:maxLine]...), '\n')
			line = line[maxLine:]
		}
		cut = append(cut, line...)
		b = b[i+1:]
	}
	l.s.lines(l.w, cut)
}

// end passes on a last partial line, with a newline.
func (l *lineWriter) end() {
	if len(l.partial) > 0 {
		l.s.lines(l.w, append(l.partial, '\n'))
		l.partial = l.partial[:0]
	}
}

// relayed reads a job's pipe and passes its lines on.
type relayed struct {
	lineWriter
	r    *os.File
	done chan struct{}
}

// chunks are the relays' read buffers, kept between jobs.
var chunks = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (rl *relayed) run() {
	defer close(rl.done)
	buf := chunks.Get().(*[32 << 10]byte)
	defer chunks.Put(buf)
	chunk := buf[:]
	for {
		n, err := rl.r.Read(chunk)
		if n > 0 {
			rl.s.mu.Lock()
			rl.add(chunk[:n])
			rl.s.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// finish reads what is left in the pipe, at most relayDrain long, and ends
// the last line.
func (rl *relayed) finish() {
	rl.r.SetReadDeadline(time.Now().Add(relayDrain))
	<-rl.done
	rl.r.Close()
	rl.s.mu.Lock()
	rl.end()
	rl.s.mu.Unlock()
}
