package luaapi

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// How errors reach the user: a Lua error's message, with its traceback when
// it says something; a syntax error as file:LINE; and a Go panic in expool,
// a bug, as an internal error rather than a stack dump.

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
				L.RaiseError("%s: %v\n%s", internalError, r, debug.Stack())
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
		case line == "stack traceback:" || strings.TrimSpace(line) == "[G]: ?":
			continue
		case !strings.Contains(line, "[G]:") && !strings.HasSuffix(line, "in main chunk"):
			informative = true
		}
		frames = append(frames, line)
	}
	if len(frames) == 0 || !(informative || alwaysTrace) {
		return msg
	}
	return msg + "\nstack traceback:\n" + strings.Join(frames, "\n")
}

// syntaxError formats a load error as "file:LINE: message".
func syntaxError(err error) string {
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) && apiErr.Cause != nil {
		var perr *parse.Error
		if errors.As(apiErr.Cause, &perr) {
			if perr.Pos.Line == parse.EOF {
				return fmt.Sprintf("%s: %s at end of file", perr.Pos.Source, perr.Message)
			}
			return fmt.Sprintf("%s:%d: %s near '%s'", perr.Pos.Source, perr.Pos.Line, perr.Message, perr.Token)
		}
		var cerr *lua.CompileError
		if errors.As(apiErr.Cause, &cerr) {
			return strings.TrimSpace(cerr.Error())
		}
		return apiErr.Cause.Error()
	}
	return err.Error()
}
