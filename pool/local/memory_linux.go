//go:build !expool_portable

package local

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The memory of a job's attempt is the resident memory (RSS) of its
// processes, summed: its lead process and every descendant the sampler can
// follow, that is those still in the process tree under the lead, and those
// that were orphaned and adopted by expool (a subreaper) that are in the
// job's process group or carry its attempt's mark. Pages that processes
// share (copy-on-write after a fork, shared libraries) count in each.
//
// One goroutine samples every attempt of the launcher that asked for it
// (Command.MemSample), and only while there is one: every period it reads
// the children of expool's main thread, where the kernel puts adopted
// orphans, then walks each attempt's processes. What it costs is what it
// reads: per process, a pread of /proc/PID/statm and of its main thread's
// /proc/PID/task/PID/children; an fstat of /proc/PID/task, whose link count
// tells its threads, at each of its first samples and then every
// threadsEvery; for a process with more threads, a pread of each thread's
// children list too (a child is listed under the thread that forked it).
// So a child forked by a thread that a process started once it had run for
// a while is found within threadsEvery samples. It keeps those files open (3 descriptors per process, plus one
// per extra thread), so that a tick costs a few system calls per process
// and no path lookup; where it cannot open one (no descriptor left), it
// reads the file by its path each time. Attempts of the same period are
// sampled in one wake-up, on a grid of that period.
//
// Measured on 200 processes of one thread, per tick: reading statm and
// children through held descriptors, 0.5 ms (0.65 ms with the fstat);
// opening them by path each time, 3.1 to 3.8 ms (a path lookup costs more
// than the read); one scan of all of /proc reading each process's stat
// (334 processes), 3 to 3.6 ms, and more as the machine runs more. So the
// sampler walks each job's tree through held files rather than scan /proc;
// BenchmarkSample200 measures the whole of a tick.

// procDir is where the proc file system is; tests change it.
var procDir = "/proc"

// threadsEvery is how often, in samples, the sampler counts the threads of a
// process whose thread count has not changed.
const threadsEvery = 10

// sampler samples the memory of the launcher's attempts.
type sampler struct {
	probeOnce sync.Once
	probeErr  error

	mu       sync.Mutex // guards the fields below, and every tracked's next
	attempts map[uint64]*tracked
	running  bool          // its goroutine runs
	done     chan struct{} // closed when it ends
	closed   bool          // the launcher is closed: no goroutine any more
	target   time.Time     // when the goroutine wakes next
	linger   time.Duration // how long the goroutine waits, idle, before it ends: the last period asked for
	wake     chan struct{}
}

// tracked is an attempt whose memory is sampled.
type tracked struct {
	attempt uint64
	lead    int // pid of its lead process, the id of its process group
	every   time.Duration
	report  func(int64)
	next    time.Time // guarded by sampler.mu

	mu    sync.Mutex // held while it is sampled; untrack takes it
	done  bool
	procs map[int]*procFiles // its processes found so far
}

// MemoryError says why the launcher cannot sample its jobs' memory, or is
// nil: it needs Linux's /proc, the children lists of tasks
// (CONFIG_PROC_CHILDREN) among it.
func (l *Launcher) MemoryError() error {
	s := &l.memory
	s.probeOnce.Do(func() {
		self := strconv.Itoa(l.pid)
		for _, name := range []string{"statm", "task/" + self + "/children"} {
			path := procDir + "/" + self + "/" + name
			if _, err := os.ReadFile(path); err != nil {
				s.probeErr = fmt.Errorf("expool cannot sample memory here: %v (it reads Linux's /proc)", err)
				return
			}
		}
	})
	return s.probeErr
}

// track has the memory of attempt n, whose lead process is lead, sampled
// every period, and reported to report.
func (l *Launcher) track(n uint64, lead int, every time.Duration, report func(int64)) {
	if l.MemoryError() != nil {
		return
	}
	s := &l.memory
	t := &tracked{attempt: n, lead: lead, every: every, report: report, procs: map[int]*procFiles{}}
	now := time.Now()
	// On the grid of the period, so that attempts of one period are
	// sampled together.
	t.next = now.Truncate(every).Add(every)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attempts == nil {
		s.attempts = map[uint64]*tracked{}
		s.wake = make(chan struct{}, 1)
	}
	s.attempts[n] = t
	s.linger = every
	switch {
	case s.closed:
	case !s.running:
		s.running = true
		s.target = t.next
		s.done = make(chan struct{})
		go s.run(l, s.done)
	case t.next.Before(s.target):
		s.target = t.next
		s.poke()
	}
}

// untrack stops sampling attempt n; no sample is reported once it returns.
func (l *Launcher) untrack(n uint64) {
	s := &l.memory
	s.mu.Lock()
	t := s.attempts[n]
	delete(s.attempts, n)
	s.mu.Unlock()
	if t == nil {
		return
	}
	t.mu.Lock()
	t.done = true
	for _, f := range t.procs {
		f.close()
	}
	t.procs = nil
	t.mu.Unlock()
}

// stopSampling ends the sampler's goroutine, if it runs, and waits for it:
// no file of /proc stays open.
func (l *Launcher) stopSampling() {
	s := &l.memory
	s.mu.Lock()
	s.closed = true
	done := s.done
	if s.running {
		s.poke()
	}
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// poke wakes the goroutine; mu is held.
func (s *sampler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the sampler's goroutine: it samples the attempts that are due, and
// sleeps until the next is, while any is tracked. It ends once none has
// been for a period, rather than at once, so that jobs that last less than
// a period (thousands of `true`) do not start it anew each.
func (s *sampler) run(l *Launcher, done chan<- struct{}) {
	defer close(done)
	w := newWalker(l)
	defer w.close()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var due []*tracked
	var idle time.Time // since when none is tracked
	for {
		now := time.Now()
		s.mu.Lock()
		if s.closed {
			s.running = false
			s.mu.Unlock()
			return
		}
		if len(s.attempts) == 0 {
			if !idle.IsZero() && !now.Before(idle.Add(s.linger)) {
				s.running = false
				s.mu.Unlock()
				return
			}
			if idle.IsZero() {
				idle = now
			}
			s.target = now.Truncate(s.linger).Add(s.linger)
			if s.target.Before(idle.Add(s.linger)) {
				s.target = s.target.Add(s.linger)
			}
			next := s.target
			s.mu.Unlock()
			s.sleep(timer, next)
			continue
		}
		idle = time.Time{}
		due = due[:0]
		var next time.Time
		for _, t := range s.attempts {
			if !t.next.After(now) {
				due = append(due, t)
				t.next = t.next.Add(t.every)
				if !t.next.After(now) {
					t.next = now.Truncate(t.every).Add(t.every)
				}
			}
			if next.IsZero() || t.next.Before(next) {
				next = t.next
			}
		}
		s.target = next
		leads := w.leads[:0]
		if len(due) > 0 {
			for _, t := range s.attempts {
				leads = append(leads, t.lead)
			}
		}
		s.mu.Unlock()
		if len(due) > 0 {
			w.adopt(leads)
			for _, t := range due {
				w.sample(t)
			}
			continue
		}
		s.sleep(timer, next)
	}
}

// sleep waits until next, or until poked.
func (s *sampler) sleep(timer *time.Timer, next time.Time) {
	timer.Reset(time.Until(next))
	select {
	case <-timer.C:
	case <-s.wake:
		if !timer.Stop() {
			<-timer.C
		}
	}
}

// procFiles are the files of a process the sampler keeps open; -1 for one it
// reads by its path.
type procFiles struct {
	pid      int
	statm    int
	children int         // its main thread's children list
	task     int         // its task directory: its link count is 2 + its threads
	threads  map[int]int // its other threads' children lists, by thread id
	samples  int
	seen     uint64 // the walk that last found it
}

func (f *procFiles) close() {
	for _, fd := range []int{f.statm, f.children, f.task} {
		releaseProc(fd)
	}
	for _, fd := range f.threads {
		releaseProc(fd)
	}
}

// walker is what the sampler's goroutine reads /proc with.
type walker struct {
	launcher *Launcher
	page     int64
	buf      []byte
	walk     uint64 // counts the walks, to tell which processes one found
	self     int    // expool's main thread's children list
	selfPath string
	adopted  map[int]*adoptee // expool's children that are not the lead of an attempt
	leads    []int
	isLead   map[int]bool
	queue    []int
}

// adoptee is a child of expool that is no attempt's lead: a job's process
// whose parent died (expool is a subreaper), or a process the script started.
type adoptee struct {
	statm   int // held open, so that a pid reused is told from it
	attempt uint64
	pgid    int
	seen    uint64
}

func newWalker(l *Launcher) *walker {
	self := strconv.Itoa(l.pid)
	w := &walker{launcher: l, page: int64(os.Getpagesize()), buf: make([]byte, 4<<10),
		selfPath: procDir + "/" + self + "/task/" + self + "/children", adopted: map[int]*adoptee{}}
	w.self = openProc(w.selfPath)
	return w
}

func (w *walker) close() {
	if w.self >= 0 {
		unix.Close(w.self)
	}
	for _, a := range w.adopted {
		if a.statm >= 0 {
			unix.Close(a.statm)
		}
	}
}

// heldFDs counts the descriptors that samplers hold open for the processes
// they sample, process-wide. Past heldFDsMax they read by path instead, so
// that sampling never takes the descriptors that jobs' pipes need: the
// loop's budget of descriptors leaves heldFDsMax out (FDsReserved).
var heldFDs atomic.Int64

// heldFDsMax is an eighth of the process's limit of open files, at most
// 4,096 (1,365 processes sampled through held descriptors).
var heldFDsMax = sync.OnceValue(func() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return int(min(rl.Cur/8, 4096))
})

// FDsReserved is how many file descriptors the launcher's memory sampler
// may hold open besides those of the jobs' processes.
func (l *Launcher) FDsReserved() int { return heldFDsMax() + 1 }

// holdProc opens a file of /proc to keep open, if the samplers may hold one
// more; -1 if not, or if it cannot be opened. releaseProc closes it.
func holdProc(path string, flags int) int {
	if heldFDs.Add(1) > int64(heldFDsMax()) {
		heldFDs.Add(-1)
		return -1
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|flags, 0)
	if err != nil {
		heldFDs.Add(-1)
		return -1
	}
	return fd
}

func releaseProc(fd int) {
	if fd >= 0 {
		unix.Close(fd)
		heldFDs.Add(-1)
	}
}

func openProc(path string) int {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// read reads the whole file fd, or, if fd is -1, the file path(), into w.buf.
func (w *walker) read(fd int, path func() string) ([]byte, bool) {
	if fd < 0 {
		if path == nil {
			return nil, false
		}
		fd = openProc(path())
		if fd < 0 {
			return nil, false
		}
		defer unix.Close(fd)
	}
	n := 0
	for {
		k, err := unix.Pread(fd, w.buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, false
		}
		n += k
		if k == 0 || n < len(w.buf) {
			return w.buf[:n], true
		}
		w.buf = append(w.buf, make([]byte, len(w.buf))...)
	}
}

// pids appends the pids listed in b, separated by spaces, to list.
func pids(b []byte, list []int) []int {
	n, digits := 0, false
	for _, c := range b {
		if '0' <= c && c <= '9' {
			n, digits = n*10+int(c-'0'), true
			continue
		}
		if digits {
			list = append(list, n)
		}
		n, digits = 0, false
	}
	if digits {
		list = append(list, n)
	}
	return list
}

// field is the i-th field (from 0) of b, separated by spaces, as a number.
func field(b []byte, i int) (int64, bool) {
	for ; i > 0; i-- {
		j := bytes.IndexByte(b, ' ')
		if j < 0 {
			return 0, false
		}
		b = b[j+1:]
	}
	var n int64
	digits := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	return n, digits > 0
}

// adopt reads expool's children and tells, once for each, which attempt it
// belongs to: by its process group, that of an attempt's lead, else by the
// mark in its environment.
func (w *walker) adopt(leads []int) {
	w.walk++
	b, ok := w.read(w.self, func() string { return w.selfPath })
	if !ok {
		return
	}
	if w.isLead == nil {
		w.isLead = map[int]bool{}
	}
	isLead := w.isLead
	clear(isLead)
	for _, pid := range leads {
		isLead[pid] = true
	}
	for _, pid := range pids(b, w.queue[:0]) {
		if isLead[pid] {
			continue
		}
		a := w.adopted[pid]
		if a != nil {
			if _, ok := w.read(a.statm, nil); !ok {
				// Gone, its pid reused: tell it afresh.
				w.drop(pid, a)
				a = nil
			}
		}
		if a == nil {
			a = w.classify(pid, isLead)
			if a == nil {
				continue
			}
			w.adopted[pid] = a
		}
		a.seen = w.walk
	}
	for pid, a := range w.adopted {
		if a.seen != w.walk {
			w.drop(pid, a)
		}
	}
}

func (w *walker) drop(pid int, a *adoptee) {
	if a.statm >= 0 {
		unix.Close(a.statm)
	}
	delete(w.adopted, pid)
}

// classify tells which attempt of this launcher the child pid of expool
// belongs to, if any.
func (w *walker) classify(pid int, isLead map[int]bool) *adoptee {
	dir := procDir + "/" + strconv.Itoa(pid)
	a := &adoptee{statm: openProc(dir + "/statm")}
	if a.statm < 0 {
		return nil
	}
	st, err := readStat(pid)
	if err != nil {
		unix.Close(a.statm)
		return nil
	}
	a.pgid = st.pgid
	if !isLead[st.pgid] {
		l := w.launcher
		if m, ok := findMark(pid, func(m attemptMark) bool { return m.expool == l.pid && m.launcher == l.id }); ok {
			a.attempt = m.attempt
		}
	}
	return a
}

// sample walks t's processes, sums their resident memory and reports it.
func (w *walker) sample(t *tracked) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	w.walk++
	queue := append(w.queue[:0], t.lead)
	for pid, a := range w.adopted {
		if a.pgid == t.lead || a.attempt == t.attempt && a.attempt != 0 {
			queue = append(queue, pid)
		}
	}
	var total int64
	for i := 0; i < len(queue); i++ {
		pid := queue[i]
		f := t.procs[pid]
		if f != nil && f.seen == w.walk {
			continue
		}
		if f == nil {
			f = w.open(pid)
			t.procs[pid] = f
		}
		rss, ok := w.rss(f)
		if !ok {
			f.close()
			delete(t.procs, pid)
			continue
		}
		f.seen = w.walk
		total += rss
		queue = w.children(f, queue)
	}
	w.queue = queue
	for pid, f := range t.procs {
		if f.seen != w.walk {
			f.close()
			delete(t.procs, pid)
		}
	}
	if len(t.procs) > 0 {
		t.report(total)
	}
}

// path is a function that makes the path of a file of process pid, for
// when it is not held open.
func (w *walker) path(pid int, name string) func() string {
	return func() string { return procDir + "/" + strconv.Itoa(pid) + "/" + name }
}

// open opens the files of process pid that the sampler reads.
func (w *walker) open(pid int) *procFiles {
	p := strconv.Itoa(pid)
	dir := procDir + "/" + p
	return &procFiles{pid: pid, statm: holdProc(dir+"/statm", 0), children: holdProc(dir+"/task/"+p+"/children", 0),
		task: holdProc(dir+"/task", unix.O_DIRECTORY)}
}

// rss reads the resident memory of f's process, in bytes.
func (w *walker) rss(f *procFiles) (int64, bool) {
	var b []byte
	var ok bool
	if f.statm >= 0 {
		b, ok = w.read(f.statm, nil)
	} else {
		b, ok = w.read(-1, w.path(f.pid, "statm"))
	}
	if !ok {
		return 0, false
	}
	// size resident shared text lib data dt, in pages
	pages, ok := field(b, 1)
	return pages * w.page, ok
}

// children appends the children of f's process to queue: those of its main
// thread, and, if it has more threads, theirs.
func (w *walker) children(f *procFiles, queue []int) []int {
	var b []byte
	var ok bool
	if f.children >= 0 {
		b, ok = w.read(f.children, nil)
	} else {
		b, ok = w.read(-1, w.path(f.pid, "task/"+strconv.Itoa(f.pid)+"/children"))
	}
	if ok {
		queue = pids(b, queue)
	}
	// Its threads are counted at each of its first threadsEvery samples
	// (a process starts most of its threads as it starts), at every sample
	// while it has more than one, and else every threadsEvery samples.
	f.samples++
	if f.samples <= threadsEvery || f.samples%threadsEvery == 0 || f.threads != nil {
		var st unix.Stat_t
		var err error
		if f.task >= 0 {
			err = unix.Fstat(f.task, &st)
		} else {
			err = unix.Stat(w.path(f.pid, "task")(), &st)
		}
		threads := int(st.Nlink) - 2
		switch {
		case err != nil:
		case threads > 1 && (threads != len(f.threads)+1 || f.samples%threadsEvery == 0):
			w.listThreads(f)
		case threads <= 1 && f.threads != nil:
			for _, fd := range f.threads {
				releaseProc(fd)
			}
			f.threads = nil
		}
	}
	for tid, fd := range f.threads {
		var b []byte
		var ok bool
		if fd >= 0 {
			b, ok = w.read(fd, nil)
		} else {
			b, ok = w.read(-1, w.path(f.pid, "task/"+strconv.Itoa(tid)+"/children"))
		}
		if ok {
			queue = pids(b, queue)
		}
	}
	return queue
}

// listThreads brings f's threads other than its main one up to date.
func (w *walker) listThreads(f *procFiles) {
	dir, err := os.ReadDir(w.path(f.pid, "task")())
	if err != nil {
		return
	}
	now := make(map[int]bool, len(dir))
	for _, e := range dir {
		tid, err := strconv.Atoi(e.Name())
		if err != nil || tid == f.pid {
			continue
		}
		now[tid] = true
		if f.threads == nil {
			f.threads = map[int]int{}
		}
		if _, ok := f.threads[tid]; !ok {
			f.threads[tid] = holdProc(w.path(f.pid, "task/"+e.Name()+"/children")(), 0)
		}
	}
	for tid, fd := range f.threads {
		if !now[tid] {
			releaseProc(fd)
			delete(f.threads, tid)
		}
	}
}
