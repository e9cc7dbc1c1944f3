package luaapi

import (
	"io"
	"os"

	lua "github.com/yuin/gopher-lua"
)

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
