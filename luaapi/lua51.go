package luaapi

// What makes a script's Lua the Lua of Lua 5.1.5 beyond the patched VM
// (third_party/gopher-lua, PATCHES.md): the io library writes to the
// script's own outputs and is flushed however the script ends.

import (
	lua "github.com/yuin/gopher-lua"
)

// setupLua51 points the io library's standard output and error at the
// script's; print writes through io.stdout, so that the order of print and
// io.write holds whatever setvbuf says.
func (s *Script) setupLua51() {
	lua.SetStdio(s.L, nil, s.stdout, s.stderr)
}

// flushOutput writes what the io library holds in buffers (io.stdout after
// setvbuf("full"), files the script did not close), as C's exit does:
// when the script ends, at os.exit, after an error or a signal.
func (s *Script) flushOutput() {
	lua.FlushAll(s.L)
}
