package luaapi

import (
	"runtime"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// register installs the expool globals (Job, Task, ExecPool, PIPE, STDOUT,
// DEVNULL, cpu_count, EXPOOL), require("expool") and the replaced standard
// functions.
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
	s.replaceStdlib()
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

func (s *Script) registerTypes() {
	jobType.register(s.L)
	taskType.register(s.L)
	s.registerPool()
}
