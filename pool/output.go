package pool

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
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
			c.done, c.hurry = make(chan struct{}), make(chan struct{})
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

// pipes reports whether the outputs read pipes (PIPEs, or the relay's),
// which finish drains.
func (o *outputs) pipes() bool {
	return o.out != nil || o.err != nil || len(o.relayed) > 0
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
// on a full pipe, and keeps the first limit bytes. It reads straight into
// chunks sized by what has come (what the pipe holds when a chunk is made,
// and no less than twice the last chunk, up to 4 MiB), so that no byte is
// copied while the job runs; finish joins them once.
//
// A pipe wakes its reader at every write: 256 times for a megabyte written
// by 4 KiB, as most programs write. So once the pipe wakes the capture again
// less than pipePace after a read, the capture enlarges it and reads at most
// once per pipePace while the job writes on: a few reads a megabyte.
type capture struct {
	r       *os.File
	limit   int
	chunks  [][]byte // what was kept, in order; all full but the last
	kept    int
	dropped int64
	done    chan struct{}
	hurry   chan struct{} // closed by finish: no more pacing
	big     bool          // the pipe was enlarged
}

const pipePace = time.Millisecond

// bigPipes counts the pipes enlarged (enlargePipe) and not closed yet.
var bigPipes atomic.Int32

func (c *capture) run() {
	defer close(c.done)
	rc, err := c.r.SyscallConn()
	if err != nil {
		return
	}
	var discard []byte
	var lastRead time.Time
	paced := false
	for {
		over := false
		err := rc.Read(func(fd uintptr) bool {
			for {
				buf := c.room(fd)
				keep := buf != nil
				if !keep {
					if discard == nil {
						discard = make([]byte, 64<<10)
					}
					buf = discard
				}
				n, err := unix.Read(int(fd), buf)
				switch {
				case err == unix.EINTR:
					continue
				case err == unix.EAGAIN:
					if paced = c.tooSoon(fd, lastRead); paced {
						return true // to wait out the pace
					}
					return false // the poller waits for more
				case err != nil || n == 0:
					over = true // the end, or an error: what came is kept
					return true
				case keep:
					last := len(c.chunks) - 1
					c.chunks[last] = c.chunks[last][:len(c.chunks[last])+n]
					c.kept += n
				default:
					c.dropped += int64(n)
				}
				lastRead = time.Now()
			}
		})
		if over || err != nil {
			return
		}
		if paced {
			t := time.NewTimer(time.Until(lastRead.Add(pipePace)))
			select {
			case <-t.C:
			case <-c.hurry:
				t.Stop()
			}
		}
	}
}

// tooSoon reports whether the capture, which has emptied pipe fd, should wait
// out pipePace before it reads again, rather than wait for the next write:
// it is not in a hurry, the last read was less than pipePace ago, and the
// pipe is big enough to take what comes meanwhile.
func (c *capture) tooSoon(fd uintptr, lastRead time.Time) bool {
	select {
	case <-c.hurry:
		return false
	default:
	}
	if time.Since(lastRead) >= pipePace {
		return false
	}
	if !c.big {
		c.big = enlargePipe(fd)
	}
	return c.big
}

// room is where the next bytes of pipe fd go: the free end of the last
// chunk, or a new chunk, sized by what the pipe holds; nil past the limit.
func (c *capture) room(fd uintptr) []byte {
	left := c.limit - c.kept
	if left <= 0 {
		return nil
	}
	k := len(c.chunks)
	if k > 0 {
		if last := c.chunks[k-1]; len(last) < cap(last) {
			return last[len(last):min(cap(last), len(last)+left)]
		}
	}
	// What the pipe holds; at least 1 byte, to see its end.
	size, err := unix.IoctlGetInt(int(fd), fionread)
	if err != nil || size < 1 {
		size = 1
	}
	if k > 0 {
		size = max(size, 2*cap(c.chunks[k-1]))
	}
	chunk := newChunk(min(size, left))
	c.chunks = append(c.chunks, chunk)
	return chunk[:min(cap(chunk), left)]
}

// Chunks are 4 KiB to 4 MiB, powers of two, and reused: a capture's chunks
// are garbage once finish has joined them, and the garbage of megabytes of
// output a job would make the Go GC run every few jobs.
const (
	minChunkShift = 12
	chunkClasses  = 11 // 4 KiB << 10 is 4 MiB
)

var chunks [chunkClasses]sync.Pool // of *[]byte

// newChunk is an empty chunk of at least size bytes, or of 4 MiB.
func newChunk(size int) []byte {
	class := 0
	for class < chunkClasses-1 && 1<<(minChunkShift+class) < size {
		class++
	}
	if b, ok := chunks[class].Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 1<<(minChunkShift+class))
}

// freeChunk gives back a chunk that newChunk made.
func freeChunk(b []byte) {
	for class := range chunkClasses {
		if cap(b) == 1<<(minChunkShift+class) {
			b = b[:0]
			chunks[class].Put(&b)
			return
		}
	}
}

// finish waits, at most drainDelay, for the capture to read what is left in
// its pipe, and returns what it kept, in one slice of its size, with a note
// of what it discarded.
func (c *capture) finish() []byte {
	if c == nil {
		return nil
	}
	close(c.hurry)
	c.r.SetReadDeadline(time.Now().Add(drainDelay))
	<-c.done
	c.r.Close()
	if c.big {
		pipeClosed()
	}
	var note string
	if c.dropped > 0 {
		note = "[expool: " + strconv.FormatInt(c.dropped, 10) + " more bytes discarded: pipelimit is " + strconv.Itoa(c.limit) + " bytes]\n"
		if last := c.lastByte(); last >= 0 && last != '\n' {
			note = "\n" + note
		}
	}
	out := make([]byte, 0, c.kept+len(note))
	for _, chunk := range c.chunks {
		out = append(out, chunk...)
		freeChunk(chunk)
	}
	c.chunks = nil
	return append(out, note...)
}

// lastByte is the last byte kept, or -1.
func (c *capture) lastByte() int {
	for i := len(c.chunks) - 1; i >= 0; i-- {
		if n := len(c.chunks[i]); n > 0 {
			return int(c.chunks[i][n-1])
		}
	}
	return -1
}
