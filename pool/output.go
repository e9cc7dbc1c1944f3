package pool

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// DestKind says what kind of destination a Dest is.
type DestKind uint8

// The kinds of destination of a job's stdout or stderr.
const (
	DestInherit DestKind = iota // the task's setting, else expool's own stream
	DestFile                    // a file, opened for appending
	DestPipe                    // captured into Job.Output or Job.ErrOutput
	DestDevNull                 // discarded
	DestStdout                  // stderr only: wherever stdout goes
)

// Dest is where a job's stdout or stderr goes. The zero Dest inherits.
type Dest struct {
	Kind DestKind
	Path string // the file, for DestFile; relative to expool's working directory
}

// Destinations other than files.
var (
	Inherit = Dest{Kind: DestInherit}
	Pipe    = Dest{Kind: DestPipe}
	DevNull = Dest{Kind: DestDevNull}
	Stdout  = Dest{Kind: DestStdout}
)

// File returns the destination that appends to the file at path.
func File(path string) Dest { return Dest{Kind: DestFile, Path: path} }

// drainDelay bounds how long a job's PIPE is read after every process of its
// group has been reaped. Only a process that escaped the group (setsid) can
// still hold the pipe then; its later output is not captured.
const drainDelay = 250 * time.Millisecond

// Relay passes on the output of jobs that inherit expool's stdout or stderr
// through pipes that it reads (records.Screen: whole lines above a progress
// line).
type Relay interface {
	// Open returns the file an attempt's process gets as its stdout (its
	// stderr if stderr), or nil for expool's own; and finish, which the loop
	// calls once, when the process has ended or could not start, after it has
	// closed its copy of the file: finish passes on the rest of the output.
	Open(stderr bool) (f *os.File, finish func(), err error)
}

// outputs are the files an attempt's process gets as stdout and stderr, and the
// captures reading its PIPEs.
type outputs struct {
	stdout, stderr *os.File
	owned          []*os.File // expool's copies of what it opened for the child
	out, err       *capture
	relayed        []func() // Relay's finish
}

// openOutputs resolves j's stdout and stderr through its task chain and opens
// them.
func (l *Loop) openOutputs(j *Job, limit int) (*outputs, error) {
	o := &outputs{}
	so, se := j.OutputDests()
	var err error
	if o.stdout, o.out, err = l.openDest(o, so, false, limit); err != nil {
		o.close()
		return nil, fmt.Errorf("stdout: %w", err)
	}
	switch {
	case se.Kind == DestStdout:
		o.stderr = o.stdout
	case se.Kind == DestFile && so.Kind == DestFile && samePath(se.Path, so.Path):
		o.stderr = o.stdout
	default:
		if o.stderr, o.err, err = l.openDest(o, se, true, limit); err != nil {
			o.close()
			return nil, fmt.Errorf("stderr: %w", err)
		}
	}
	return o, nil
}

func (l *Loop) openDest(o *outputs, d Dest, stderr bool, limit int) (*os.File, *capture, error) {
	switch d.Kind {
	case DestFile:
		if dir := filepath.Dir(d.Path); dir != "." {
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, nil, err
			}
		}
		f, err := os.OpenFile(d.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return nil, nil, err
		}
		o.owned = append(o.owned, f)
		return f, nil, nil
	case DestPipe:
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		o.owned = append(o.owned, w)
		return w, &capture{r: r, limit: limit}, nil
	case DestDevNull:
		return l.devnull, nil, nil
	default: // DestInherit; DestStdout for stdout is refused by luaapi
		if l.Relay != nil {
			f, finish, err := l.Relay.Open(stderr)
			if err != nil || f != nil {
				if f != nil {
					o.owned = append(o.owned, f)
					o.relayed = append(o.relayed, finish)
				}
				return f, nil, err
			}
		}
		if stderr {
			return l.Stderr, nil, nil
		}
		return l.Stdout, nil, nil
	}
}

// started closes expool's copies of the child's files and starts the captures.
func (o *outputs) started() {
	for _, f := range o.owned {
		f.Close()
	}
	o.owned = nil
	for _, c := range []*capture{o.out, o.err} {
		if c != nil {
			c.done = make(chan struct{})
			go c.run()
		}
	}
}

// close releases everything when the process could not start.
func (o *outputs) close() {
	for _, f := range o.owned {
		f.Close()
	}
	for _, c := range []*capture{o.out, o.err} {
		if c != nil {
			c.r.Close()
		}
	}
	for _, finish := range o.relayed {
		finish()
	}
}

// finish waits, at most drainDelay, for the captures to read the rest of
// their pipes, and returns what they kept; and has the relay pass on the rest.
func (o *outputs) finish() (stdout, stderr []byte) {
	stdout, stderr = o.out.finish(), o.err.finish()
	for _, finish := range o.relayed {
		finish()
	}
	return stdout, stderr
}

func samePath(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// capture reads a job's PIPE while the job runs, so that the job never blocks
// on a full pipe, and keeps the first limit bytes.
type capture struct {
	r       *os.File
	limit   int
	buf     []byte
	dropped int64
	done    chan struct{}
}

func (c *capture) run() {
	defer close(c.done)
	chunk := make([]byte, 32<<10)
	for {
		n, err := c.r.Read(chunk)
		keep := min(n, c.limit-len(c.buf))
		if keep > 0 {
			c.grow(keep)
			c.buf = append(c.buf, chunk[:keep]...)
		}
		c.dropped += int64(n - max(keep, 0))
		if err != nil {
			return
		}
	}
}

// grow makes room for n more bytes, doubling, but never past the limit, so
// that a flood costs pipelimit bytes and no more.
func (c *capture) grow(n int) {
	if len(c.buf)+n <= cap(c.buf) {
		return
	}
	size := min(max(2*cap(c.buf), len(c.buf)+n, 4<<10), c.limit)
	buf := make([]byte, len(c.buf), size)
	copy(buf, c.buf)
	c.buf = buf
}

func (c *capture) finish() []byte {
	if c == nil {
		return nil
	}
	c.r.SetReadDeadline(time.Now().Add(drainDelay))
	<-c.done
	c.r.Close()
	if c.dropped > 0 {
		if len(c.buf) > 0 && c.buf[len(c.buf)-1] != '\n' {
			c.buf = append(c.buf, '\n')
		}
		c.buf = append(c.buf, "[expool: "+strconv.FormatInt(c.dropped, 10)+
			" more bytes discarded: pipelimit is "+strconv.Itoa(c.limit)+" bytes]\n"...)
	}
	if c.buf == nil {
		c.buf = []byte{}
	}
	return c.buf
}
