package webui

import (
	"sync"
	"sync/atomic"
	"time"

	"expool/pool"
)

// publishEvery is how often, at most, the view publishes a snapshot: changes
// that come closer together are published together.
const publishEvery = 200 * time.Millisecond

// memoryEvery is how often, while someone watches, the view publishes the
// memory of the running jobs whose memory is sampled: it changes with no
// event of the loop's.
const memoryEvery = time.Second

// barsDrawn is the number of ended attempts the live timeline draws, the
// latest: a page cannot draw a run of a million attempts.
const barsDrawn = 2000

// changesKept is the number of snapshots whose changes the view remembers,
// so that an event stream that missed a few can be sent what changed since.
const changesKept = 32

// watchedFor is how long after a reader last read a snapshot the view goes
// on publishing its changes: while nobody watches (no event stream open,
// nothing read for this long), it publishes none, and its records are not
// copied; the next reader gets a snapshot made then.
const watchedFor = 10 * time.Second

// View is the web view's record of a run. It is a pool.Observer: on the
// loop's goroutine, each event writes what changed into the view's records,
// a few words per job. A goroutine of its own publishes a Snapshot of them,
// at most every publishEvery, while someone watches; readers (the HTTP
// handlers) read only snapshots, which are never written, and the loop never
// waits for them.
type View struct {
	script string
	start  time.Time

	latest   atomic.Pointer[Snapshot]
	pending  atomic.Bool  // changes not published yet
	lastRead atomic.Int64 // when a reader last asked for a snapshot, ns since the epoch
	pubMu    sync.Mutex   // one publish at a time
	lastPub  time.Time    // guarded by pubMu

	mu sync.Mutex // guards b, held by the loop for a few words per event
	b  builder

	wake      chan struct{} // the builder has changes to publish
	stop      chan struct{}
	closeOnce sync.Once
	done      chan struct{}

	subMu sync.Mutex
	subs  map[chan struct{}]struct{}
}

// NewView returns the view of a run of script that starts now, and starts
// publishing it.
func NewView(script string) *View {
	v := &View{script: script, start: time.Now(), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}), subs: map[chan struct{}]struct{}{}}
	v.b.init()
	v.publish(false)
	go v.run()
	return v
}

// Snapshot returns the latest snapshot; if there are changes since (nobody
// was watching), a new one, or, if the latest is younger than publishEvery,
// the latest, and the next one follows.
func (v *View) Snapshot() *Snapshot {
	v.lastRead.Store(time.Now().UnixNano())
	if v.pending.Load() {
		v.pubMu.Lock()
		if v.pending.Load() && !v.latest.Load().Over {
			if time.Since(v.lastPub) >= publishEvery {
				v.publishLocked(false)
			} else {
				v.wakePublisher()
			}
		}
		v.pubMu.Unlock()
	}
	return v.latest.Load()
}

// wakePublisher has the publisher look for changes to publish.
func (v *View) wakePublisher() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// watched reports whether someone watches: an event stream is open, or a
// reader read a snapshot within watchedFor.
func (v *View) watched() bool {
	v.subMu.Lock()
	streams := len(v.subs)
	v.subMu.Unlock()
	return streams > 0 || time.Since(time.Unix(0, v.lastRead.Load())) < watchedFor
}

// Close publishes the last snapshot, marked over, and stops publishing.
func (v *View) Close() {
	v.closeOnce.Do(func() { close(v.stop) })
	<-v.done
}

// subscribe returns a channel that receives (without blocking the sender:
// it holds one signal) when a new snapshot is published, and a function to
// stop.
func (v *View) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	v.subMu.Lock()
	v.subs[ch] = struct{}{}
	v.subMu.Unlock()
	return ch, func() {
		v.subMu.Lock()
		delete(v.subs, ch)
		v.subMu.Unlock()
	}
}

// run publishes the changes, at most every publishEvery, while someone
// watches, until Close.
func (v *View) run() {
	defer close(v.done)
	timer := time.NewTimer(0)
	<-timer.C
	memory := time.NewTicker(memoryEvery)
	defer memory.Stop()
	for {
		select {
		case <-v.wake:
		case <-memory.C:
			if !v.watched() || !v.memoryChanged() {
				continue
			}
		case <-v.stop:
			v.publish(true)
			return
		}
		v.pubMu.Lock()
		wait := time.Until(v.lastPub.Add(publishEvery))
		v.pubMu.Unlock()
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-v.stop:
				timer.Stop()
				v.publish(true)
				return
			}
		}
		if v.watched() {
			v.publish(false)
		}
	}
}

// publish makes a snapshot of the records and tells the subscribers.
func (v *View) publish(over bool) {
	v.pubMu.Lock()
	defer v.pubMu.Unlock()
	v.publishLocked(over)
}

func (v *View) publishLocked(over bool) {
	v.lastPub = time.Now()
	v.mu.Lock()
	s := v.b.snapshot(v.latest.Load())
	v.pending.Store(false)
	v.mu.Unlock()
	s.Script, s.Start, s.Over = v.script, v.start, over
	if over {
		s.End = s.At
	}
	v.latest.Store(s)
	v.subMu.Lock()
	for ch := range v.subs {
		select {
		case ch <- struct{}{}:
		default: // it has one to read already
		}
	}
	v.subMu.Unlock()
}

// memoryChanged marks the running jobs whose memory is sampled as changed,
// if there are any, and reports whether there were.
func (v *View) memoryChanged() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	any := false
	for id, run := range v.b.running {
		if run.sampled {
			v.b.markJob(id)
			any = true
		}
	}
	if any && !v.b.dirty { // published now, by the caller: no wake
		v.b.dirty = true
		v.pending.Store(true)
	}
	return any
}

// changed wakes the publisher, once per batch of changes. v.mu is held.
func (v *View) changed() {
	if v.b.dirty {
		return
	}
	v.b.dirty = true
	v.pending.Store(true)
	v.wakePublisher()
}

// The observer's methods, on the loop's goroutine.

// JobExecuted makes j's record.
func (v *View) JobExecuted(j *pool.Job) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.b.executed(j)
	v.changed()
}

// AttemptStarted records j's new attempt, running.
func (v *View) AttemptStarted(j *pool.Job) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.b.attemptStarted(j)
	v.changed()
}

// AttemptEnded records the end of j's attempt, with status st.
func (v *View) AttemptEnded(j *pool.Job, st pool.Status) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.b.attemptEnded(j, st)
	v.changed()
}

// JobFinished records j's end.
func (v *View) JobFinished(j *pool.Job) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.b.finished(j)
	v.changed()
}
