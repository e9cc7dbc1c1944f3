package luaapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
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
	// DefaultLauncher is the launcher of pools that name none: "local"
	// (also for "") or "slurm".
	DefaultLauncher string
	// Slurm returns the launcher of the pools that run their jobs on Slurm,
	// the same each time, or why there is none; nil: there is none.
	Slurm func() (pool.Launcher, error)
}

// Script runs one expool Lua script: its Lua state, its pools and its exit
// status. Every method but Signal is called from one goroutine, the one that
// owns the Lua state and runs the loop: the main chunk, every callback and
// every observer run on it. Signal may come from any other (a signal
// handler's); it only touches the stop state and Loop.Interrupt.
type Script struct {
	L              *lua.LState
	loop           *pool.Loop
	stdout, stderr io.Writer
	executable     string
	workers        int
	launcher       string                        // of pools that name none
	slurm          func() (pool.Launcher, error) // see Options.Slurm

	pools          []*pool.Pool // in creation order, for the implicit join
	callbackFailed bool
	stop           stop // signals, os.exit and the contexts they cancel

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
		launcher:   opts.DefaultLauncher,
		slurm:      opts.Slurm,
	}
	if s.launcher == "" {
		s.launcher = "local"
	}
	if s.slurm == nil {
		s.slurm = func() (pool.Launcher, error) { return nil, errors.New("this expool has no Slurm launcher") }
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
	s.stop.close()
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

	s.L.SetContext(s.stop.begin())
	err = s.L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, largs...)
	if err == nil {
		err = s.joinAll()
	}
	failed := err != nil && !s.stop.stopped()
	if failed {
		fmt.Fprintf(s.stderr, "expool: %s\n", errorText(s.describeError(err), false))
	}
	why := s.stop.why()
	if failed {
		why = "error in the main chunk"
	}
	s.windUp(why)
	return s.stop.status(failed || s.callbackFailed)
}

// joinAll is the implicit join at the end of the script.
func (s *Script) joinAll() error {
	for _, p := range s.pools {
		if _, err := p.Join(s.stop.main, 0); err != nil {
			return err
		}
	}
	return nil
}

// windUp terminates whatever still runs, why being what their job.error
// says, and waits for all of it. The callbacks of the jobs that end meanwhile
// run with a fresh context, unless a third signal or an os.exit in one of
// them turns them off.
func (s *Script) windUp(why string) {
	s.L.SetContext(s.stop.windUp())
	// Processes must be reaped whatever happens, so this waits unconditionally.
	s.loop.Shutdown(context.Background(), why)
}

// Signal handles SIGINT, SIGTERM, SIGHUP or SIGQUIT received by expool. The
// first terminates every job and stops the main chunk; callbacks still run,
// those of the terminated jobs included. The second kills every job at once
// (SIGKILL, no grace period). A third also stops the callbacks, for one that
// hangs. Safe from any goroutine.
func (s *Script) Signal(sig os.Signal) {
	n := s.stop.signal(sig)
	s.loop.Interrupt(signalName(sig), n > 1)
}

// call runs a callback, protected, with the callbacks' context. An error is
// printed with its traceback and makes the exit status 1; one caused by
// os.exit or a third signal is not printed and is returned as a
// context.Canceled that says which (pool.Cancelled).
func (s *Script) call(fn *lua.LFunction, arg lua.LValue, what func() string) error {
	ctx, ok := s.stop.callbackContext()
	if !ok {
		return pool.Cancelled(s.stop.why())
	}
	outer := s.L.Context()
	s.L.SetContext(ctx)
	err := s.L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, arg)
	s.L.SetContext(outer)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return pool.Cancelled(s.stop.why())
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
