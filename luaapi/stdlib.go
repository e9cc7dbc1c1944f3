package luaapi

import (
	"io"
	mathpkg "math"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The standard functions that expool replaces: os.exit, which must stop the
// script and still let every job be wound up; print, which must write its
// line in one write; io.write and io.stdout/io.stderr's write, which must go
// where print goes; math.random and math.randomseed, which must
// repeat a sequence for a seed.

// replaceStdlib installs expool's versions of the standard functions.
func (s *Script) replaceStdlib() {
	L := s.L
	os := L.GetGlobal("os").(*lua.LTable)
	os.RawSetString("exit", L.NewFunction(guarded(s.osExit)))
	L.SetGlobal("print", L.NewFunction(guarded(s.print)))
	s.redirectStdio()
	math := L.GetGlobal("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(guarded(s.mathRandom)))
	math.RawSetString("randomseed", L.NewFunction(guarded(s.mathRandomseed)))
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
	// All Lua code stops, the callback that called os.exit and those around
	// it included; the wind-up then runs the remaining callbacks afresh.
	s.stop.exit(code)
	L.RaiseError("os.exit(%d)", code)
	return 0
}

// print writes its line in one write, so that it does not interleave with
// the output of jobs that share expool's stdout.
func (s *Script) print(L *lua.LState) int {
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(L.ToStringMeta(L.Get(i)).String())
	}
	b.WriteByte('\n')
	io.WriteString(s.stdout, b.String())
	return 0
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
			L.RaiseError("bad argument #1 to 'random' (interval is empty)")
		}
		L.Push(lua.LNumber(1 + s.rand.Int64N(m)))
	default:
		m, n := L.CheckInt64(1), L.CheckInt64(2)
		if m > n {
			L.RaiseError("bad argument #2 to 'random' (interval is empty)")
		}
		L.Push(lua.LNumber(m + s.rand.Int64N(n-m+1)))
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

// redirectStdio has io.write, io.stdout:write and io.stderr:write write to
// the script's Stdout and Stderr when these are not files (gopher-lua's io
// library writes to os.Stdout and os.Stderr): so that, while the progress
// line is drawn, they go through the same lines as print.
func (s *Script) redirectStdio() {
	L := s.L
	iolib, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	redirected := map[*lua.LUserData]io.Writer{}
	for name, w := range map[string]io.Writer{"stdout": s.stdout, "stderr": s.stderr} {
		ud, ok := iolib.RawGetString(name).(*lua.LUserData)
		if _, isFile := w.(*os.File); ok && !isFile {
			redirected[ud] = w
		}
	}
	if len(redirected) == 0 {
		return
	}
	// write writes the arguments from the first on, as io.write does.
	write := func(L *lua.LState, w io.Writer, first int) int {
		for i := first; i <= L.GetTop(); i++ {
			L.CheckTypes(i, lua.LTNumber, lua.LTString)
		}
		for i := first; i <= L.GetTop(); i++ {
			if _, err := io.WriteString(w, lua.LVAsString(L.Get(i))); err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString(err.Error()))
				return 2
			}
		}
		L.Push(lua.LTrue)
		return 1
	}
	if mt, ok := L.GetTypeMetatable("FILE*").(*lua.LTable); ok {
		if fileWrite, ok := mt.RawGetString("write").(*lua.LFunction); ok {
			mt.RawSetString("write", L.NewFunction(func(L *lua.LState) int {
				if ud, ok := L.Get(1).(*lua.LUserData); ok && redirected[ud] != nil {
					return write(L, redirected[ud], 2)
				}
				return callThrough(L, fileWrite)
			}))
		}
	}
	ioWrite, ok1 := iolib.RawGetString("write").(*lua.LFunction)
	ioOutput, ok2 := iolib.RawGetString("output").(*lua.LFunction)
	if ok1 && ok2 {
		iolib.RawSetString("write", L.NewFunction(func(L *lua.LState) int {
			L.Push(ioOutput)
			L.Call(0, 1)
			out := L.Get(-1)
			L.Pop(1)
			if ud, ok := out.(*lua.LUserData); ok && redirected[ud] != nil {
				return write(L, redirected[ud], 1)
			}
			return callThrough(L, ioWrite)
		}))
	}
}

// callThrough calls fn with this call's arguments and returns its results.
func callThrough(L *lua.LState, fn *lua.LFunction) int {
	top := L.GetTop()
	L.Push(fn)
	for i := 1; i <= top; i++ {
		L.Push(L.Get(i))
	}
	L.Call(top, lua.MultRet)
	return L.GetTop() - top
}
