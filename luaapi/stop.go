package luaapi

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// stop is how far a script has been stopped, by signals and os.exit, and the
// two contexts that stopping cancels. The main chunk (and the implicit join)
// runs with main, which the first signal or os.exit cancels; callbacks run
// with callbacks, which only a third signal or os.exit cancels, so that a
// signal never cuts a callback short. Its states:
//
//	running        the main chunk runs
//	stopped        a signal or os.exit came: main is cancelled (and
//	               Script.Signal has terminated the jobs); callbacks still run
//	winding up     the main chunk has ended: Run waits for every job, whose
//	               callbacks run with a fresh context
//	callbacks off  a third signal, or os.exit while winding up: the
//	               callbacks' context is cancelled, and none runs any more
//
// signal and exit are safe from any goroutine; the rest is for the goroutine
// that owns the Lua state.
type stop struct {
	callbacksOff atomic.Bool
	// main and callbacks are the contexts now; read on the owner's goroutine.
	main, callbacks context.Context

	mu              sync.Mutex // guards what signal and exit share
	cancelMain      context.CancelFunc
	cancelCallbacks context.CancelFunc
	windingUp       bool
	signals         int
	signum          syscall.Signal // the first signal's
	exitCode        *int           // os.exit's
}

// begin makes the contexts that the main chunk and the callbacks start with;
// main is cancelled already if a signal came first.
func (st *stop) begin() (main context.Context) {
	ctx, cancel := context.WithCancel(context.Background())
	st.mu.Lock()
	st.main, st.cancelMain = ctx, cancel
	if st.signals > 0 {
		cancel()
	}
	st.mu.Unlock()
	st.newCallbacks()
	return ctx
}

// windUp enters the wind-up: callbacks run with a fresh context from now on,
// which it returns.
func (st *stop) windUp() context.Context {
	st.mu.Lock()
	st.windingUp = true
	st.mu.Unlock()
	st.newCallbacks()
	return st.callbacks
}

// newCallbacks makes a fresh context for the callbacks, cancelled at once if
// they are off.
func (st *stop) newCallbacks() {
	ctx, cancel := context.WithCancel(context.Background())
	st.mu.Lock()
	if st.cancelCallbacks != nil {
		st.cancelCallbacks()
	}
	st.callbacks, st.cancelCallbacks = ctx, cancel
	if st.callbacksOff.Load() {
		cancel()
	}
	st.mu.Unlock()
}

// callbackContext is the context a callback runs with, or false if
// callbacks are off.
func (st *stop) callbackContext() (context.Context, bool) {
	if st.callbacksOff.Load() {
		return nil, false
	}
	return st.callbacks, true
}

// signal records a signal expool received and cancels what it stops: the
// main chunk, and from the third on the callbacks. It returns how many
// signals came so far.
func (st *stop) signal(sig os.Signal) int {
	st.mu.Lock()
	st.signals++
	n := st.signals
	if n == 1 {
		st.signum, _ = sig.(syscall.Signal)
	}
	if n >= 3 {
		st.callbacksOff.Store(true)
	}
	st.cancelLocked(n >= 3)
	st.mu.Unlock()
	return n
}

// exit records os.exit's code (the first one stands) and cancels all Lua
// code, the callback that called it and those around it included; while
// winding up, it also turns the callbacks off.
func (st *stop) exit(code int) {
	st.mu.Lock()
	if st.exitCode == nil {
		st.exitCode = &code
	}
	if st.windingUp {
		st.callbacksOff.Store(true)
	}
	st.cancelLocked(true)
	st.mu.Unlock()
}

// cancelLocked cancels the main context, and the callbacks' too if
// callbacks, those that exist yet; st.mu is held (a context's cancel calls
// nothing of ours).
func (st *stop) cancelLocked(callbacks bool) {
	if st.cancelMain != nil {
		st.cancelMain()
	}
	if callbacks && st.cancelCallbacks != nil {
		st.cancelCallbacks()
	}
}

// why says what stopped the script, as a job's error says it: "os.exit", or
// the first signal's name; "the script ended" if nothing did.
func (st *stop) why() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.exitCode != nil:
		return "os.exit"
	case st.signals > 0:
		return signalName(st.signum)
	}
	return "the script ended"
}

// signalName is a signal's name, as "SIGINT".
func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return name
		}
	}
	return sig.String()
}

// stopped reports whether a signal or os.exit has stopped the script.
func (st *stop) stopped() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.signals > 0 || st.exitCode != nil
}

// status is the exit status: 128+N after signal N, os.exit's code, else 1 if
// the script failed, else 0.
func (st *stop) status(failed bool) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.signals > 0:
		return 128 + int(st.signum)
	case st.exitCode != nil:
		return *st.exitCode
	case failed:
		return 1
	}
	return 0
}

// close cancels the callbacks' context.
func (st *stop) close() {
	st.mu.Lock()
	if st.cancelCallbacks != nil {
		st.cancelCallbacks()
	}
	st.mu.Unlock()
}
