package luaapi

// What makes a script's Lua the Lua of Lua 5.1.5 beyond the patched VM
// (third_party/gopher-lua, PATCHES.md): the io library writes to the
// script's own outputs and is flushed however the script ends.

import (
	"errors"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// lua51Options let scripts recurse as deep as Lua 5.1 does, 16,383 calls in
// a thread (Lua 5.1's array of calls doubles from 8, and a size above its
// LUAI_MAXCALLS, 20,000, is a "stack overflow" error a pcall catches: 16,384
// less the thread's base call), without a fixed cost: the call stack and the
// values' stack start small and grow as the script goes deeper (a coroutine
// starts small too).
var lua51Options = lua.Options{
	CallStackSize:       16383,
	MinimizeStackMemory: true,
	RegistrySize:        1024,
	RegistryMaxSize:     1 << 23,
	RegistryGrowStep:    1024,
}

// setupLua51 points the io library's standard output and error at the
// script's (print writes through io.stdout, so that the order of print and
// io.write holds whatever setvbuf says), and leaves out what Lua 5.1 does
// not have.
func (s *Script) setupLua51() {
	lua.SetStdio(s.L, nil, s.stdout, s.stderr)
	// gopher-lua's channel library is not Lua 5.1's: a script does not see it
	s.L.SetGlobal("channel", lua.LNil)
	if loaded, ok := s.L.GetField(s.L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); ok {
		loaded.RawSetString("channel", lua.LNil)
	}
}

// flushOutput writes what the io library holds in buffers (io.stdout after
// setvbuf("full"), files the script did not close), as C's exit does:
// when the script ends, at os.exit, after an error or a signal; and before
// pool:execute and pool:join, so that a job sees the files the script wrote
// and its output comes after the script's.
func (s *Script) flushOutput() {
	lua.FlushAll(s.L)
}

// describeError makes err what the user reads: the script's error value as
// a string (errorValueText), and a bug of expool's or of the VM (a Go panic
// under the VM) one line that names the script's position and says
// "internal error".
func (s *Script) describeError(err error) error {
	var apiErr *lua.ApiError
	if !errors.As(err, &apiErr) {
		return err
	}
	if apiErr.Type == lua.ApiErrorPanic {
		msg := firstLine(apiErr.Object.String())
		if !strings.Contains(msg, internalError) {
			pos := scriptPosition.FindString(msg)
			msg = pos + internalError + ": " + strings.TrimPrefix(msg, pos)
		}
		return errors.New(msg)
	}
	if _, ok := apiErr.Object.(lua.LString); ok {
		return err
	}
	described := *apiErr
	described.Object = lua.LString(errorValueText(s.L, apiErr.Object))
	return &described
}

// scriptPosition matches the "file:line: " that starts a message.
var scriptPosition = regexp.MustCompile(`^[^\n]*?:[0-9]+: `)

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// errorValueText is how an uncaught error value is written: a string or a
// number as it is; another value by its __tostring metamethod when it has
// one that gives a string, else as lua5.1 writes it, "(error object is not
// a string)".
func errorValueText(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	}
	if fn, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, v); err == nil {
			s := L.Get(-1)
			L.Pop(1)
			if str, ok := s.(lua.LString); ok {
				return string(str)
			}
		}
	}
	return "(error object is not a string)"
}

// isInternal reports whether err is a bug of expool's or of the VM.
func isInternal(err error) bool {
	var apiErr *lua.ApiError
	return errors.As(err, &apiErr) && apiErr.Type == lua.ApiErrorPanic
}

// internalFailure ends the script as os.exit(1) would: a bug under a
// callback is not a callback's error to carry on after. Every job is
// terminated by the wind-up.
func (s *Script) internalFailure() {
	s.stop.exit(1)
}

// loadErrorText is a syntax error as Lua 5.1 words it:
// "file:line: message near 'token'".
func loadErrorText(err error) string {
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		return apiErr.Object.String()
	}
	return err.Error()
}
