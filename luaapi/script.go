package luaapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	mathpkg "math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// Options set up a Script.
type Options struct {
	// Stdout receives print() and io.write(); Stderr io.stderr:write() and
	// expool's messages.
	Stdout, Stderr io.Writer
	// Executable is the absolute path of expool, the global EXPOOL.
	Executable string
	// Workers is the default size of pools created without one; 0 is
	// max(cpu_count()-1, 1).
	Workers int
}

// Script runs one expool Lua script: its Lua state, its pools and its exit
// status. Every method but Signal is called from one goroutine.
type Script struct {
	L              *lua.LState
	loop           *pool.Loop
	stdout, stderr io.Writer
	executable     string
	workers        int

	pools          []*pool.Pool // in creation order, for the implicit join
	callbackFailed bool
	callbacksOff   atomic.Bool // after a third signal, or os.exit during the wind-up

	// The main chunk runs with mainCtx, which the first signal or os.exit
	// cancels; callbacks run with cbCtx, which only a third signal or os.exit
	// cancels, so that a signal never cuts a callback short.
	mainCtx, cbCtx context.Context

	mu         sync.Mutex // guards what Signal and os.exit share
	mainCancel context.CancelFunc
	cbCancel   context.CancelFunc
	shutdown   bool // the script ended; jobs are being wound up
	signals    int
	signum     syscall.Signal
	exitCode   *int

	dests   map[pool.DestKind]*lua.LUserData // PIPE, STDOUT, DEVNULL
	methods map[string]*lua.LFunction        // of ExecPool

	seed *rand.PCG  // math.randomseed's
	rand *rand.Rand // math.random's
}

// New returns a Script with a fresh Lua state holding the expool globals,
// whose pools run on loop. Its maker configures the loop (launcher,
// observers, resume, where inherited output goes) and closes it after Run.
func New(loop *pool.Loop, opts Options) *Script {
	s := &Script{
		loop:       loop,
		stdout:     orDefault(opts.Stdout, os.Stdout),
		stderr:     orDefault(opts.Stderr, os.Stderr),
		executable: opts.Executable,
		workers:    opts.Workers,
	}
	if s.workers <= 0 {
		s.workers = max(runtime.NumCPU()-1, 1)
	}
	s.seed = rand.NewPCG(uint64(time.Now().UnixNano()), 0)
	s.rand = rand.New(s.seed)
	s.L = lua.NewState(lua51Options)
	s.register()
	s.setupLua51()
	return s
}

func orDefault(w io.Writer, def io.Writer) io.Writer {
	if w == nil {
		return def
	}
	return w
}

// Close releases the Lua state. Call it after Run.
func (s *Script) Close() {
	s.mu.Lock()
	if s.cbCancel != nil {
		s.cbCancel()
	}
	s.mu.Unlock()
	s.L.Close()
}

// Run loads and runs a script: src is its text, name the chunk name used in
// error messages (the file name), args its arguments (arg[1..n] and ...).
// Then it joins the pools that still have jobs, or, after an error, a signal
// or os.exit, terminates every job; either way every callback runs and no
// process is left. It returns expool's exit status: 0, os.exit's code, 1
// after an error in the script or a callback, 128+N after signal N, 70 after
// a bug of expool's.
func (s *Script) Run(name string, src []byte, args []string) (code int) {
	defer s.flushOutput()
	defer func() {
		// A bug outside Lua code; Close still kills what the jobs left.
		if r := recover(); r != nil {
			fmt.Fprintf(s.stderr, "expool: %s: %v\n", internalError, r)
			code = 70
		}
	}()
	fn, err := s.L.Load(bytes.NewReader(stripShebang(src)), name)
	if err != nil {
		fmt.Fprintf(s.stderr, "expool: %s\n", loadErrorText(err))
		return 1
	}
	argt := s.L.CreateTable(len(args), 1)
	argt.RawSetInt(0, lua.LString(name))
	largs := make([]lua.LValue, len(args))
	for i, a := range args {
		argt.RawSetInt(i+1, lua.LString(a))
		largs[i] = lua.LString(a)
	}
	s.L.SetGlobal("arg", argt)

	mainCtx, mainCancel := context.WithCancel(context.Background())
	defer mainCancel()
	s.mu.Lock()
	s.mainCtx, s.mainCancel = mainCtx, mainCancel
	if s.signals > 0 {
		mainCancel()
	}
	s.mu.Unlock()
	s.newCallbackContext()
	s.L.SetContext(mainCtx)
	err = s.L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, largs...)
	if err == nil {
		err = s.joinAll()
	}
	failed := err != nil && !s.stopped()
	if failed {
		fmt.Fprintf(s.stderr, "expool: %s\n", errorText(s.describeError(err), false))
	}
	s.windUp()
	return s.exitStatus(failed)
}

// joinAll is the implicit join at the end of the script.
func (s *Script) joinAll() error {
	for _, p := range s.pools {
		if _, err := p.Join(s.mainCtx, 0); err != nil {
			return err
		}
	}
	return nil
}

// windUp terminates whatever still runs and waits for all of it. The
// callbacks of the jobs that end meanwhile run with a fresh context, unless a
// third signal or an os.exit in one of them turns them off.
func (s *Script) windUp() {
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	s.newCallbackContext()
	s.L.SetContext(s.cbCtx)
	// Processes must be reaped whatever happens, so this waits unconditionally.
	s.loop.Shutdown(context.Background())
}

// newCallbackContext makes the context callbacks run with.
func (s *Script) newCallbackContext() {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	if s.cbCancel != nil {
		s.cbCancel()
	}
	s.cbCtx, s.cbCancel = ctx, cancel
	if s.callbacksOff.Load() {
		cancel()
	}
	s.mu.Unlock()
}

// Signal handles SIGINT, SIGTERM, SIGHUP or SIGQUIT received by expool. The
// first terminates every job and stops the main chunk; callbacks still run,
// those of the terminated jobs included. The second kills every job at once
// (SIGKILL, no grace period). A third also stops the callbacks, for one that
// hangs. Safe from any goroutine.
func (s *Script) Signal(sig os.Signal) {
	s.mu.Lock()
	s.signals++
	n := s.signals
	if n == 1 {
		s.signum, _ = sig.(syscall.Signal)
	}
	if n >= 3 {
		s.callbacksOff.Store(true)
	}
	mainCancel, cbCancel := s.mainCancel, s.cbCancel
	s.mu.Unlock()
	s.loop.Interrupt()
	if mainCancel != nil {
		mainCancel()
	}
	if n >= 3 && cbCancel != nil {
		cbCancel()
	}
}

// stopped reports whether a signal or os.exit has stopped the script.
func (s *Script) stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signals > 0 || s.exitCode != nil
}

func (s *Script) exitStatus(failed bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.signals > 0:
		return 128 + int(s.signum)
	case s.exitCode != nil:
		return *s.exitCode
	case failed || s.callbackFailed:
		return 1
	}
	return 0
}

// osExit replaces os.exit: it records the code and stops the Lua code; Run
// then terminates every job and returns the code.
func (s *Script) osExit(L *lua.LState) int {
	code := 0
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if !v {
			code = 1
		}
	default:
		n, ok := toInt(v, -1<<31, 1<<31-1)
		if !ok {
			L.RaiseError("os.exit: the code must be an integer or a boolean, %s", got(v))
		}
		code = n
	}
	s.mu.Lock()
	if s.exitCode == nil {
		s.exitCode = &code
	}
	if s.shutdown {
		s.callbacksOff.Store(true)
	}
	mainCancel, cbCancel := s.mainCancel, s.cbCancel
	s.mu.Unlock()
	// All Lua code stops, the callback that called os.exit and those around
	// it included; the wind-up then runs the remaining callbacks afresh.
	mainCancel()
	cbCancel()
	s.flushOutput()
	L.RaiseError("os.exit(%d)", code)
	return 0
}

// call runs a callback, protected, with the callbacks' context. An error is
// printed with its traceback and makes the exit status 1; one caused by
// os.exit or a third signal is not printed and is returned as
// context.Canceled.
func (s *Script) call(fn *lua.LFunction, arg lua.LValue, what func() string) error {
	if s.callbacksOff.Load() {
		return context.Canceled
	}
	ctx, outer := s.cbCtx, s.L.Context()
	s.L.SetContext(ctx)
	err := s.L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, arg)
	s.L.SetContext(outer)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return context.Canceled
	}
	s.callbackFailed = true
	fmt.Fprintf(s.stderr, "expool: %s: %s\n", what(), errorText(s.describeError(err), true))
	if isInternal(err) {
		s.internalFailure()
	}
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		return errors.New(apiErr.Object.String())
	}
	return err
}

// internalError starts the message of a Go panic in expool.
const internalError = "internal error (a bug in expool, please report it)"

// guarded turns a Go panic in f, a bug of expool's, into a Lua error that
// says so, rather than one gopher-lua would report as the script's own.
func guarded(f lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(*lua.ApiError); ok {
					panic(r) // a Lua error, raised on purpose
				}
				// Not the script's error: no pcall catches it, and the
				// script ends with it (describeError).
				panic(fmt.Sprintf("%s: %v", internalError, r))
			}
		}()
		return f(L)
	}
}

// errorText is a Lua error's message and traceback. The traceback is left
// out when it says nothing the message does not: when the error was raised by
// the main chunk itself, or by a Go function it called directly.
func errorText(err error, alwaysTrace bool) string {
	var apiErr *lua.ApiError
	if !errors.As(err, &apiErr) {
		return err.Error()
	}
	msg := apiErr.Object.String()
	var frames []string
	informative := false
	for _, line := range strings.Split(apiErr.StackTrace, "\n") {
		switch {
		case line == "stack traceback:" || strings.TrimSpace(line) == "[C]: ?":
			continue
		case !strings.Contains(line, "[C]:") && !strings.HasSuffix(line, "in main chunk"):
			informative = true
		}
		frames = append(frames, line)
	}
	if len(frames) == 0 || !(informative || alwaysTrace) {
		return msg
	}
	return msg + "\nstack traceback:\n" + strings.Join(frames, "\n")
}

// stripShebang blanks a first line starting with "#", keeping line numbers.
func stripShebang(src []byte) []byte {
	if len(src) == 0 || src[0] != '#' {
		return src
	}
	if i := bytes.IndexByte(src, '\n'); i >= 0 {
		return src[i:]
	}
	return nil
}

// register installs the globals and require("expool").
func (s *Script) register() {
	L := s.L
	s.registerTypes()
	s.dests = map[pool.DestKind]*lua.LUserData{}
	destMT := L.NewTable()
	L.SetField(destMT, "__tostring", L.NewFunction(guarded(func(L *lua.LState) int {
		d := L.CheckUserData(1).Value.(destValue)
		L.Push(lua.LString(destName(d.dest.Kind)))
		return 1
	})))
	L.SetField(destMT, "__metatable", lua.LString("expool output destination"))
	for _, d := range []pool.Dest{pool.Pipe, pool.Stdout, pool.DevNull} {
		ud := L.NewUserData()
		ud.Value = destValue{d}
		L.SetMetatable(ud, destMT)
		s.dests[d.Kind] = ud
	}
	globals := s.globals()
	for name, v := range globals {
		L.SetGlobal(name, v)
	}
	L.PreloadModule("expool", func(L *lua.LState) int {
		mod := L.NewTable()
		for name, v := range globals {
			mod.RawSetString(name, v)
		}
		L.Push(mod)
		return 1
	})
	os := L.GetGlobal("os").(*lua.LTable)
	os.RawSetString("exit", L.NewFunction(guarded(s.osExit)))
	L.SetGlobal("print", L.NewFunction(guarded(s.print)))
	math := L.GetGlobal("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(guarded(s.mathRandom)))
	math.RawSetString("randomseed", L.NewFunction(guarded(s.mathRandomseed)))
}

// math.random and math.randomseed work on the script's own generator:
// gopher-lua's seed the global one of math/rand, whose Seed does nothing
// since Go 1.24, so math.randomseed(7) would not repeat a sweep.

func (s *Script) mathRandom(L *lua.LState) int {
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(s.rand.Float64()))
	case 1:
		m := L.CheckInt64(1)
		if m < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(1 + s.rand.Int64N(m)))
	case 2:
		m, n := L.CheckInt64(1), L.CheckInt64(2)
		if m > n {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(m + s.rand.Int64N(n-m+1)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (s *Script) mathRandomseed(L *lua.LState) int {
	x := float64(L.CheckNumber(1))
	seed := uint64(int64(x))
	if float64(int64(x)) != x {
		seed = mathpkg.Float64bits(x)
	}
	s.seed.Seed(seed, 0)
	return 0
}

func (s *Script) globals() map[string]lua.LValue {
	L := s.L
	return map[string]lua.LValue{
		"Job":      L.NewFunction(guarded(s.newJob)),
		"Task":     L.NewFunction(guarded(s.newTask)),
		"ExecPool": L.NewFunction(guarded(s.newPool)),
		"PIPE":     s.dests[pool.DestPipe],
		"STDOUT":   s.dests[pool.DestStdout],
		"DEVNULL":  s.dests[pool.DestDevNull],
		"cpu_count": L.NewFunction(guarded(func(L *lua.LState) int {
			L.Push(lua.LNumber(runtime.NumCPU()))
			return 1
		})),
		"EXPOOL": lua.LString(s.executable),
	}
}

func destName(k pool.DestKind) string {
	switch k {
	case pool.DestPipe:
		return "PIPE"
	case pool.DestStdout:
		return "STDOUT"
	case pool.DestDevNull:
		return "DEVNULL"
	}
	return "inherit"
}

// print writes its line, as Lua 5.1's print makes it, in one write, so that
// it does not interleave with the output of jobs that share expool's stdout.
func (s *Script) print(L *lua.LState) int {
	var b strings.Builder
	lua.PrintLine(L, &b)
	lua.WriteStdout(L, b.String())
	return 0
}

func (s *Script) registerTypes() {
	jobType.register(s.L)
	taskType.register(s.L)
	s.registerPool()
}
