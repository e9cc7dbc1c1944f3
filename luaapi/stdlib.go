package luaapi

import (
	mathpkg "math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The standard functions that expool replaces: os.exit, which must stop the
// script and still let every job be wound up; print, which must write its
// line in one write; math.random and math.randomseed, which must repeat a
// sequence for a seed. io.write, io.stdout and io.stderr write where print
// writes, through the io library's SetStdio (setupLua51).

// replaceStdlib installs expool's versions of the standard functions.
func (s *Script) replaceStdlib() {
	L := s.L
	os := L.GetGlobal("os").(*lua.LTable)
	os.RawSetString("exit", L.NewFunction(guarded(s.osExit)))
	L.SetGlobal("print", L.NewFunction(guarded(s.print)))
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
	s.flushOutput()
	L.RaiseError("os.exit(%d)", code)
	return 0
}

// print writes its line, as Lua 5.1's print makes it, in one write, so that
// it does not interleave with the output of jobs that share expool's stdout.
func (s *Script) print(L *lua.LState) int {
	var b strings.Builder
	lua.PrintLine(L, &b)
	lua.WriteStdout(L, b.String())
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
