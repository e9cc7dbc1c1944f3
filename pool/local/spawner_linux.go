//go:build !expool_portable

package local

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Why a spawner: the kernel charges a process's peak memory (the rusage
// maxrss that wait4 reports) with the peak of the memory it ran in before
// exec: Linux's exec records the old address space's high-water mark into
// the process's maxrss (setmax_mm_hiwater_rss in exec_mmap), and a process
// that Go forks shares expool's address space until it execs (clone with
// CLONE_VM | CLONE_VFORK). Every job would report at least expool's own peak,
// hundreds of MiB for a script that holds many jobs. So jobs are started by
// the spawner (spawner/spawner.c), a static program of a few KiB started
// once, from the reaper's thread: it clones each job's process with
// CLONE_VM | CLONE_VFORK | CLONE_PARENT, so that the process shares the
// spawner's few pages until it execs, has a maxrss of its own, and is the
// reaper thread's child, which the reaper waits for and whose Pdeathsig
// fires when expool dies.
//
// The spawner is run from a memfd. Where it cannot run (another
// architecture, a kernel that forbids executing a memfd and a temporary
// directory mounted noexec), jobs are forked directly, and their maxrss is
// at least expool's (RELIABILITY.md says so).

// spawnSpec is what starts a job's process.
type spawnSpec struct {
	path      string   // the executable
	argv      []string // argv[0] included
	env       []string
	dir       string         // "": expool's
	files     [3]*os.File    // stdin, stdout, stderr
	setpgid   bool           // lead a process group of its own
	pdeathsig syscall.Signal // sent to the process when expool dies; 0: none
	cpus      *unix.CPUSet   // the CPUs it may run on; nil: expool's
	exiting   func(pid int)  // see child.exiting
}

// spawnError is why a process did not start: which step failed, and how.
type spawnError struct {
	step int
	err  error
}

// The steps of a start, as the spawner numbers them (STEP_* in spawner.c).
const (
	stepNone = iota
	stepRequest
	stepClone
	stepSetpgid
	stepParent
	stepStdio
	stepChdir
	stepAffinity
	stepExec
)

func (e *spawnError) Error() string {
	what := map[int]string{
		stepRequest: "spawner", stepClone: "fork", stepSetpgid: "setpgid", stepParent: "parent",
		stepStdio: "stdio", stepChdir: "workdir", stepAffinity: "cpu affinity", stepExec: "exec",
	}[e.step]
	return what + ": " + e.err.Error()
}

func (e *spawnError) Unwrap() error { return e.err }

// spawnRequest is the header of a request (struct request in spawner.c).
type spawnRequest struct {
	Magic, Size, Argc, Envc, Flags uint32
	Pdeathsig                      int32
	CPUMask, Reserved              uint32
}

// spawnReply is a reply (struct reply in spawner.c).
type spawnReply struct {
	Pid, Step, Err, Reserved int32
	Started                  int64 // CLOCK_MONOTONIC, ns
}

const (
	spawnMagic   = 0x31505845
	spawnSetpgid = 1
)

// A spawner is the spawner process and expool's end of its socket, on
// which requests go one after the other, without waiting for the replies:
// a goroutine of its own reads them (read), in the order of the requests.
type spawner struct {
	conn *spawnConn // nil: not running
	buf  []byte     // the request being written, reused
}

// A spawnConn is one spawner process and its socket, in the runtime's poller
// (a goroutine that waits for it parks, not its thread).
type spawnConn struct {
	file *os.File
	proc *child

	mu      sync.Mutex // guards pending and gone
	pending []*spawnRequestOf
	gone    bool // the socket ended: its requests have failed
}

// spawnRequestOf is a request sent, whose reply has not been read.
type spawnRequestOf struct {
	spec *spawnSpec
	done func(c *child, started time.Time, err error)
}

var (
	spawnMu    sync.Mutex // guards theSpawner and what follows
	theSpawner spawner
	// spawnerUsers counts the open launchers; the spawner stops when
	// the last one closes, so that none outlives expool as a zombie.
	spawnerUsers int
	// spawnerFailed is why the spawner cannot run, once it could not;
	// jobs are then forked directly.
	spawnerFailed error
	// spawnerOff forces direct forks (the tests of that path).
	spawnerOff bool
)

// useSpawner and releaseSpawner count a launcher in and out.
func useSpawner() {
	spawnMu.Lock()
	spawnerUsers++
	spawnMu.Unlock()
}

func releaseSpawner() {
	spawnMu.Lock()
	defer spawnMu.Unlock()
	spawnerUsers--
	if spawnerUsers == 0 {
		theSpawner.stop()
	}
}

// spawnAsync starts a process as spec says, through the spawner, or on the
// reaper's thread where the spawner cannot run, and has the reaper wait for
// it. It does not wait for the spawner: done is called once the process has
// started, as the reaper's child, with when its program was exec'd, or with
// why it could not start (after it is reaped, if it was started at all), on
// the goroutine that reads the spawner's replies, or before spawnAsync
// returns. An error spawnAsync returns is why the process did not start, and
// done is then not called.
func spawnAsync(spec *spawnSpec, done func(c *child, started time.Time, err error)) error {
	r := reaperThread()
	spawnMu.Lock()
	defer spawnMu.Unlock()
	if !spawnerOff && spawnerFailed == nil && theSpawner.conn == nil {
		spawnerFailed = theSpawner.start(r)
	}
	if spawnerOff || spawnerFailed != nil {
		c, started, err := forkDirect(r, spec)
		if err == nil {
			done(c, started, nil)
		}
		return err
	}
	req := theSpawner.encode(spec)
	if req == nil {
		return &spawnError{step: stepRequest, err: errors.New("an argument or environment entry holds a NUL byte")}
	}
	rq := &spawnRequestOf{spec: spec, done: done}
	err := theSpawner.send(r, rq, req)
	if errors.Is(err, errSpawnerGone) {
		// Killed by someone: start it again, once.
		theSpawner.stop()
		if err = theSpawner.start(r); err == nil {
			err = theSpawner.send(r, rq, req)
		}
	}
	return err
}

var errSpawnerGone = errors.New("the spawner is gone")

// start starts the spawner from the reaper's thread, and the goroutine that
// reads its replies.
func (s *spawner) start(r *reaper) error {
	exe, cleanup, err := spawnerExecutable()
	if err != nil {
		return err
	}
	defer cleanup()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("spawner: %w", err)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return fmt.Errorf("spawner: %w", err)
	}
	defer devnull.Close()
	var pid int
	var proc *child
	r.do(func() {
		pid, err = syscall.ForkExec(exe, []string{"expool-spawner", strconv.Itoa(os.Getpid())}, &syscall.ProcAttr{
			Env:   []string{},
			Files: []uintptr{devnull.Fd(), devnull.Fd(), devnull.Fd(), uintptr(fds[1])},
			// Its own group: a signal to expool's (Ctrl-C) must not reach it.
			Sys: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
		})
		if err == nil {
			proc = &child{pid: pid}
			r.watchSpawner(proc)
		}
	})
	unix.Close(fds[1])
	if err == nil {
		// Non-blocking, so that os.File puts it in the runtime's poller.
		err = unix.SetNonblock(fds[0], true)
	}
	if err != nil {
		unix.Close(fds[0])
		if proc != nil {
			<-proc.done // it exits once its socket has ended
		}
		return fmt.Errorf("spawner: %w", err)
	}
	s.conn = &spawnConn{file: os.NewFile(uintptr(fds[0]), "expool-spawner"), proc: proc}
	go s.conn.read(r)
	return nil
}

// stop closes the socket, which ends the spawner, and waits until it is
// reaped (or kills it, if it does not end). Requests still unanswered fail.
func (s *spawner) stop() {
	sc := s.conn
	if sc == nil {
		return
	}
	s.conn = nil
	sc.file.Close()
	select {
	case <-sc.proc.done:
	case <-time.After(5 * time.Second):
		unix.Kill(sc.proc.pid, unix.SIGKILL)
		<-sc.proc.done
	}
}

// send sends the request req of rq to the spawner; read hands the reply to
// rq. errSpawnerGone: the spawner has ended, and rq was not sent.
func (s *spawner) send(r *reaper, rq *spawnRequestOf, req []byte) error {
	sc := s.conn
	spec := rq.spec
	rights := unix.UnixRights(int(spec.files[0].Fd()), int(spec.files[1].Fd()), int(spec.files[2].Fd()))
	// Pending before it is sent: the reply may come before sendAll returns.
	r.spawnStarting()
	sc.mu.Lock()
	if sc.gone {
		sc.mu.Unlock()
		r.spawnDone()
		return errSpawnerGone
	}
	sc.pending = append(sc.pending, rq)
	sc.mu.Unlock()
	if err := sendAll(sc.file, req, rights); err != nil {
		// Its reply cannot come: every request not answered fails, this
		// one by the error returned, unless read failed it already.
		if !sc.end(r, rq) {
			return nil
		}
		return errSpawnerGone
	}
	return nil
}

// read reads the spawner's replies, one per request in the order they were
// sent, until the socket ends.
func (sc *spawnConn) read(r *reaper) {
	var b [24]byte
	for {
		if err := readFull(sc.file, b[:]); err != nil {
			sc.end(r, nil)
			return
		}
		var rep spawnReply
		rep.Pid = int32(binary.NativeEndian.Uint32(b[0:]))
		rep.Step = int32(binary.NativeEndian.Uint32(b[4:]))
		rep.Err = int32(binary.NativeEndian.Uint32(b[8:]))
		rep.Started = int64(binary.NativeEndian.Uint64(b[16:]))
		sc.mu.Lock()
		if len(sc.pending) == 0 {
			sc.mu.Unlock()
			sc.end(r, nil) // not expool's spawner at the other end
			return
		}
		rq := sc.pending[0]
		sc.pending[0] = nil
		sc.pending = sc.pending[1:]
		sc.mu.Unlock()
		rq.replied(r, rep)
	}
}

// end marks the socket as ended and fails the requests not answered, but
// quiet, whose sender is told otherwise; it reports whether quiet was one
// (if not, it has failed already).
func (sc *spawnConn) end(r *reaper, quiet *spawnRequestOf) (found bool) {
	sc.mu.Lock()
	pending := sc.pending
	sc.pending, sc.gone = nil, true
	sc.mu.Unlock()
	for _, rq := range pending {
		r.spawnDone()
		if rq == quiet {
			found = true
		} else {
			rq.done(nil, time.Time{}, &spawnError{step: stepRequest, err: errSpawnerGone})
		}
	}
	return found
}

// replied hands rq's reply on: the process, watched by the reaper from now
// on, or why it did not start, once the reaper has reaped what exited.
func (rq *spawnRequestOf) replied(r *reaper, rep spawnReply) {
	var c *child
	if rep.Pid > 0 {
		c = &child{pid: int(rep.Pid), group: rq.spec.setpgid}
		if rep.Step == stepNone {
			c.exiting = rq.spec.exiting
		}
		r.watch(c)
	}
	r.spawnDone()
	if rep.Step != stepNone {
		err := &spawnError{step: int(rep.Step), err: syscall.Errno(rep.Err)}
		if c == nil {
			rq.done(nil, time.Time{}, err)
			return
		}
		// It exited before exec: once reaped, nothing is left of it.
		c.then(func() { rq.done(nil, time.Time{}, err) })
		return
	}
	rq.done(c, monotonicTime(rep.Started), nil)
}

// encode writes spec's request into s.buf; nil if a string holds a NUL.
func (s *spawner) encode(spec *spawnSpec) []byte {
	b := s.buf[:0]
	b = append(b, make([]byte, 32)...)
	for _, str := range [][]string{{spec.path, spec.dir}, spec.argv, spec.env} {
		for _, x := range str {
			for i := 0; i < len(x); i++ {
				if x[i] == 0 {
					return nil
				}
			}
			b = append(b, x...)
			b = append(b, 0)
		}
	}
	var mask []byte
	if spec.cpus != nil {
		mask = cpuSetBytes(spec.cpus)
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		b = append(b, mask...)
	}
	h := spawnRequest{Magic: spawnMagic, Size: uint32(len(b) - 32), Argc: uint32(len(spec.argv)),
		Envc: uint32(len(spec.env)), Pdeathsig: int32(spec.pdeathsig), CPUMask: uint32(len(mask))}
	if spec.setpgid {
		h.Flags |= spawnSetpgid
	}
	for i, v := range []uint32{h.Magic, h.Size, h.Argc, h.Envc, h.Flags, uint32(h.Pdeathsig), h.CPUMask, h.Reserved} {
		binary.NativeEndian.PutUint32(b[4*i:], v)
	}
	s.buf = b
	return b
}

// sendAll writes b, with rights, to f, a socket in the runtime's poller.
func sendAll(f *os.File, b, rights []byte) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		for len(b) > 0 {
			n, err := unix.SendmsgN(int(fd), b, rights, nil, unix.MSG_NOSIGNAL)
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return false // the poller waits until it is writable
			case err != nil:
				serr = err
				return true
			}
			b, rights = b[n:], nil
		}
		return true
	})
	if err != nil {
		return err
	}
	return serr
}

// readFull reads len(b) bytes from f, a socket in the runtime's poller.
func readFull(f *os.File, b []byte) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for len(b) > 0 {
			n, err := unix.Read(int(fd), b)
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return false // the poller waits until it is readable
			case err != nil:
				rerr = err
				return true
			case n == 0:
				rerr = errSpawnerGone
				return true
			}
			b = b[n:]
		}
		return true
	})
	if err != nil {
		return err
	}
	return rerr
}

// cpuSetBytes is set as sched_setaffinity reads it.
func cpuSetBytes(set *unix.CPUSet) []byte {
	var b []byte
	for _, word := range set {
		b = binary.NativeEndian.AppendUint64(b, uint64(word))
	}
	return b
}

// monotonicTime converts a CLOCK_MONOTONIC reading into a time.Time, from
// one pair of readings of both clocks: Go's monotonic clock is
// CLOCK_MONOTONIC, so the two advance together.
func monotonicTime(ns int64) time.Time {
	clockOnce.Do(func() {
		var ts unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
		clockBase, clockBaseNs = time.Now(), ts.Nano()
	})
	return clockBase.Add(time.Duration(ns - clockBaseNs))
}

var (
	clockOnce   sync.Once
	clockBase   time.Time
	clockBaseNs int64
)

// spawnerExecutable makes the embedded spawner executable: a memfd, or, where
// memfds cannot be executed, a temporary file; cleanup removes it once
// started.
func spawnerExecutable() (path string, cleanup func(), err error) {
	if len(spawnerELF) == 0 {
		return "", nil, errors.New("spawner: none built for this architecture")
	}
	// MFD_EXEC asks for an executable memfd where the kernel may refuse
	// them by default (vm.memfd_noexec, Linux 6.3); older kernels refuse the
	// flag itself.
	fd, err := unix.MemfdCreate("expool-spawner", unix.MFD_CLOEXEC|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("expool-spawner", unix.MFD_CLOEXEC)
	}
	if err == nil {
		f := os.NewFile(uintptr(fd), "expool-spawner")
		if _, err = f.Write(spawnerELF); err == nil && unix.Access("/proc/self/fd/"+strconv.Itoa(fd), unix.X_OK) == nil {
			return "/proc/self/fd/" + strconv.Itoa(fd), func() { f.Close() }, nil
		}
		f.Close()
	}
	f, err := os.CreateTemp("", "expool-spawner")
	if err != nil {
		return "", nil, fmt.Errorf("spawner: %w", err)
	}
	remove := func() { os.Remove(f.Name()) }
	_, err = f.Write(spawnerELF)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o700)
	}
	if err != nil {
		remove()
		return "", nil, fmt.Errorf("spawner: %w", err)
	}
	return f.Name(), remove, nil
}

// forkDirect forks spec's process on the reaper's thread, as Go forks: it
// shares expool's memory until it execs.
func forkDirect(r *reaper, spec *spawnSpec) (*child, time.Time, error) {
	attr := &syscall.ProcAttr{
		Dir:   spec.dir,
		Env:   spec.env,
		Files: []uintptr{spec.files[0].Fd(), spec.files[1].Fd(), spec.files[2].Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: spec.setpgid, Pdeathsig: spec.pdeathsig},
	}
	var c *child
	var started time.Time
	var err error
	r.do(func() {
		if spec.cpus != nil {
			// The child inherits its parent thread's CPUs.
			var cpus unix.CPUSet
			if err = unix.SchedGetaffinity(0, &cpus); err == nil {
				err = unix.SchedSetaffinity(0, spec.cpus)
			}
			if err != nil {
				err = &spawnError{step: stepAffinity, err: err}
				return
			}
			defer unix.SchedSetaffinity(0, &cpus)
		}
		var pid int
		pid, err = syscall.ForkExec(spec.path, spec.argv, attr)
		if err == nil {
			started = time.Now()
			c = &child{pid: pid, group: spec.setpgid, exiting: spec.exiting}
			r.watch(c)
		}
	})
	return c, started, err
}
