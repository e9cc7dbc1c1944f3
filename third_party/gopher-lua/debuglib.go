package lua

import (
	"bufio"
	"os"
	"strings"
)

func OpenDebug(L *LState) int {
	dbgmod := L.RegisterModule(DebugLibName, debugFuncs)
	L.Push(dbgmod)
	return 1
}

var debugFuncs = map[string]LGFunction{
	"debug":        debugDebug,
	"gethook":      debugGetHook,
	"getregistry":  debugGetRegistry,
	"sethook":      debugSetHook,
	"getfenv":      debugGetFEnv,
	"getinfo":      debugGetInfo,
	"getlocal":     debugGetLocal,
	"getmetatable": debugGetMetatable,
	"getupvalue":   debugGetUpvalue,
	"setfenv":      debugSetFEnv,
	"setlocal":     debugSetLocal,
	"setmetatable": debugSetMetatable,
	"setupvalue":   debugSetUpvalue,
	"traceback":    debugTraceback,
}

func debugGetFEnv(L *LState) int {
	L.Push(L.GetFEnv(L.CheckAny(1)))
	return 1
}

// debugGetInfo is Lua 5.1's debug.getinfo, for the running thread.
func debugGetInfo(L *LState) int {
	options := L.OptString(2, "flnSu")
	var info frameInfo
	var fn LValue = LNil
	switch v := L.Get(1).(type) {
	case LNumber:
		frame, ok := L.frameAt(int(v))
		if !ok {
			L.Push(LNil)
			return 1
		}
		if frame == nil {
			info = infoOf(nil, nil, true)
		} else {
			info, fn = infoOf(frame.Fn, frame, false), frame.Fn
		}
	case *LFunction:
		info, fn = infoOf(v, nil, false), v
	default:
		if s, ok := v.(LString); ok {
			if n, err := parseNumber(string(s)); err == nil {
				L.Replace(1, n)
				return debugGetInfo(L)
			}
		}
		L.ArgError(1, "function or level expected")
	}
	for _, c := range options {
		if !strings.ContainsRune(">SlnufL", c) {
			L.ArgError(2, "invalid option")
		}
	}
	tbl := L.NewTable()
	if strings.Contains(options, "S") {
		tbl.RawSetString("source", LString(info.source))
		tbl.RawSetString("short_src", LString(info.shortSrc))
		tbl.RawSetString("linedefined", LNumber(info.lineDefined))
		tbl.RawSetString("lastlinedefined", LNumber(info.lastLineDefd))
		tbl.RawSetString("what", LString(info.what))
	}
	if strings.Contains(options, "l") {
		tbl.RawSetString("currentline", LNumber(info.currentLine))
	}
	if strings.Contains(options, "u") {
		if f, ok := fn.(*LFunction); ok {
			tbl.RawSetString("nups", LNumber(len(f.Upvalues)))
		} else {
			tbl.RawSetString("nups", LNumber(0))
		}
	}
	if strings.Contains(options, "n") {
		if info.name != "" {
			tbl.RawSetString("name", LString(info.name))
		}
		tbl.RawSetString("namewhat", LString(info.nameWhat))
	}
	if strings.Contains(options, "f") {
		tbl.RawSetString("func", fn)
	}
	L.Push(tbl)
	return 1
}

func debugGetLocal(L *LState) int {
	level := L.CheckInt(1)
	idx := L.CheckInt(2)
	dbg, ok := L.GetStack(level)
	if !ok {
		L.ArgError(1, "level out of range")
	}
	name, value := L.GetLocal(dbg, idx)
	if len(name) > 0 {
		L.Push(LString(name))
		L.Push(value)
		return 2
	}
	L.Push(LNil)
	return 1
}

func debugGetMetatable(L *LState) int {
	L.Push(L.GetMetatable(L.CheckAny(1)))
	return 1
}

func debugGetUpvalue(L *LState) int {
	fn := L.CheckFunction(1)
	idx := L.CheckInt(2)
	name, value := L.GetUpvalue(fn, idx)
	if len(name) > 0 {
		L.Push(LString(name))
		L.Push(value)
		return 2
	}
	L.Push(LNil)
	return 1
}

func debugSetFEnv(L *LState) int {
	L.SetFEnv(L.CheckAny(1), L.CheckAny(2))
	return 0
}

func debugSetLocal(L *LState) int {
	level := L.CheckInt(1)
	idx := L.CheckInt(2)
	value := L.CheckAny(3)
	dbg, ok := L.GetStack(level)
	if !ok {
		L.ArgError(1, "level out of range")
	}
	name := L.SetLocal(dbg, idx, value)
	if len(name) > 0 {
		L.Push(LString(name))
	} else {
		L.Push(LNil)
	}
	return 1
}

func debugSetMetatable(L *LState) int {
	t := L.Get(2).Type()
	if t != LTNil && t != LTTable {
		L.ArgError(2, "nil or table expected")
	}
	L.SetMetatable(L.Get(1), L.Get(2))
	L.Push(LTrue)
	return 1
}

func debugSetUpvalue(L *LState) int {
	fn := L.CheckFunction(1)
	idx := L.CheckInt(2)
	value := L.CheckAny(3)
	name := L.SetUpvalue(fn, idx, value)
	if len(name) > 0 {
		L.Push(LString(name))
	} else {
		L.Push(LNil)
	}
	return 1
}

// debugTraceback is Lua 5.1's debug.traceback([thread,] [msg [, level]]).
func debugTraceback(L *LState) int {
	L1, arg := L, 0
	if th, ok := L.Get(1).(*LState); ok {
		L1, arg = th, 1
	}
	level := 0
	if L1 == L {
		level = 1 // level 0 is traceback itself
	}
	if n, ok := L.Get(arg + 2).(LNumber); ok {
		level = int(n)
	}
	var msg string
	switch v := L.Get(arg + 1).(type) {
	case LString, LNumber:
		msg = v.String() + "\n"
	default:
		if L.GetTop() > arg {
			L.Push(v) // a message that is not a string is returned as it is
			return 1
		}
	}
	L.Push(LString(msg + L1.traceback(level)))
	return 1
}

func debugGetRegistry(L *LState) int {
	L.Push(L.G.Registry)
	return 1
}

// debugGetHook says that no hook is set: gopher-lua has no hooks.
func debugGetHook(L *LState) int {
	L.Push(LNil)
	L.Push(emptyLString)
	L.Push(LNumber(0))
	return 3
}

// debugSetHook clears hooks; gopher-lua cannot call hooks, so setting one
// is an error rather than a hook that never runs.
func debugSetHook(L *LState) int {
	arg := 1
	if _, ok := L.Get(1).(*LState); ok {
		arg = 2
	}
	if L.Get(arg) != LNil {
		L.RaiseError("debug.sethook: hooks are not supported")
	}
	return 0
}

// debugDebug is Lua 5.1's debug.debug: it runs the lines of standard input
// until one is "cont".
func debugDebug(L *LState) int {
	reader := bufio.NewReader(os.Stdin)
	for {
		os.Stderr.WriteString("lua_debug> ")
		line, err := reader.ReadString('\n')
		line = strings.TrimRight(line, "\n")
		if line == "cont" || err != nil && line == "" {
			return 0
		}
		fn, lerr := L.load(strings.NewReader(line), "=(debug command)", false)
		if lerr == nil {
			L.Push(fn)
			lerr = L.PCall(0, 0, nil)
		}
		if lerr != nil {
			os.Stderr.WriteString(lerr.(*ApiError).Object.String() + "\n")
		}
	}
}
