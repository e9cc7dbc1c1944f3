package luaapi

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
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
