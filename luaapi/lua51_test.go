package luaapi

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// runLua51Script runs src as a script on the fake launcher and returns its
// standard output, standard error and exit status.
func runLua51Script(t *testing.T, src string) (string, string, int) {
	t.Helper()
	s, stdout, stderr := newTestScript(t)
	defer s.Close()
	code := s.Run("script.lua", []byte(src), nil)
	return stdout.String(), stderr.String(), code
}

func TestLua51Output(t *testing.T) {
	cases := []struct{ name, src, stdout string }{
		{"io.write goes to the script's output", `io.write("a", 1, 0.1 + 0.2, "\n")`, "a10.3\n"},
		{"print and io.write keep their order", `io.write("1 "); print("2"); io.stdout:write("3 "); print(4)`, "1 2\n3 4\n"},
		{"a full buffer is flushed at the end", `io.stdout:setvbuf("full"); io.write("A\n"); io.write("B")`, "A\nB"},
		{"line buffering and print", `io.stdout:setvbuf("line"); io.write("partial "); print("then print"); io.write("end")`, "partial then print\nend"},
		{"os.exit flushes", `io.stdout:setvbuf("full"); io.write("buffered\n"); os.exit(0); io.write("never")`, "buffered\n"},
		{"an error flushes", `io.stdout:setvbuf("full"); io.write("before\n"); error("stop")`, "before\n"},
		{"numbers print as Lua 5.1's", `print(0.1 + 0.2, 1e15, 2^53, 1/0, -1/0)`, "0.3\t1e+15\t9.007199254741e+15\tinf\t-inf\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, stderr, _ := runLua51Script(t, c.src); got != c.stdout {
				t.Errorf("stdout %q, want %q (stderr %q)", got, c.stdout, stderr)
			}
		})
	}
}

// TestLua51NumbersInJobs checks that numbers in a job's argv and
// environment are written as Lua 5.1 writes them.
func TestLua51NumbersInJobs(t *testing.T) {
	src := `
local p = ExecPool(1)
for lr = 0.1, 0.35, 0.1 do
  p:execute(Job{name = "lr_" .. lr, args = {"echo", lr, 1e15, 2^53}, stdout = PIPE,
    ondone = function(j) io.write(j.name, ": ", j.output) end})
end
p:join()`
	want := "lr_0.1: 0.1 1e+15 9.007199254741e+15\nlr_0.2: 0.2 1e+15 9.007199254741e+15\nlr_0.3: 0.3 1e+15 9.007199254741e+15\n"
	if got, stderr, _ := runLua51Script(t, src); got != want {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr %s", got, want, stderr)
	}
}

func TestLua51Errors(t *testing.T) {
	cases := []struct{ name, src, stderr string }{
		{"an undefined global is named", "local x = 1\nundefinedfn()", "expool: script.lua:2: attempt to call global 'undefinedfn' (a nil value)\n"},
		{"error level 2 points at the caller", "local function check(x) error('bad x', 2) end\ncheck(1)", "expool: script.lua:2: bad x\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runLua51Script(t, c.src)
			if code != 1 || !strings.HasPrefix(stderr, c.stderr) {
				t.Errorf("status %d, stderr %q; want 1, %q", code, stderr, c.stderr)
			}
		})
	}
}

func TestLua51ErrorValues(t *testing.T) {
	cases := []struct{ name, src, stderr string }{
		{"a table", `error({code = 2})`, "expool: (error object is not a string)\n"},
		{"a table with __tostring", `error(setmetatable({}, {__tostring = function() return "custom" end}))`, "expool: custom\n"},
		{"nil", `error()`, "expool: (error object is not a string)\n"},
		{"a number", `error(42)`, "expool: script.lua:1: 42\n"},
		{"a syntax error", "x = = 1", "expool: script.lua:1: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runLua51Script(t, c.src)
			if code != 1 || !strings.HasPrefix(stderr, c.stderr) {
				t.Errorf("status %d, stderr %q; want 1, %q", code, stderr, c.stderr)
			}
		})
	}
}

// TestLua51InternalError checks that a Go panic under a script (a bug) is
// one line naming the script's position and "internal error", that no
// pcall of the script catches it, and that the script ends with status 1.
func TestLua51InternalError(t *testing.T) {
	s, stdout, stderr := newTestScript(t)
	defer s.Close()
	s.L.SetGlobal("boom", s.L.NewFunction(guarded(func(L *lua.LState) int { panic("boom") })))
	code := s.Run("script.lua", []byte("print('before')\nlocal ok = pcall(boom)\nprint('after', ok)"), nil)
	want := "expool: script.lua:2: " + internalError + ": boom\n"
	if code != 1 || stderr.String() != want || stdout.String() != "before\n" {
		t.Errorf("status %d, stdout %q, stderr %q; want 1, %q, %q", code, stdout, stderr, "before\n", want)
	}
}

// Benchmarks of the Lua VM itself, to compare the patched VM with the one
// before (go test -run '^$' -bench Lua51 ./luaapi).

// BenchmarkLua51PcallError: an erroring pcall, the cost of a caught error.
func BenchmarkLua51PcallError(b *testing.B) {
	benchLua(b, `return function(n) for i = 1, n do pcall(error, "x") end end`)
}

// BenchmarkLua51PcallRuntimeError: a runtime error caught by pcall.
func BenchmarkLua51PcallRuntimeError(b *testing.B) {
	benchLua(b, `local function f() local t = nil; return t.x end
return function(n) for i = 1, n do pcall(f) end end`)
}

// BenchmarkLua51Calls: Lua calls (a recursive Fibonacci) per b.N.
func BenchmarkLua51Calls(b *testing.B) {
	benchLua(b, `local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
return function(n) for i = 1, n do fib(10) end end`)
}

// BenchmarkLua51Strings: string.format, concatenation and gsub.
func BenchmarkLua51Strings(b *testing.B) {
	benchLua(b, `return function(n) for i = 1, n do
  local s = string.format("%s_%d_%.3f", "lr", i, i / 7) .. tostring(i * 0.1)
  s = s:gsub("_", "-")
end end`)
}

// BenchmarkLua51Tables: table construction, insertion and sort.
func BenchmarkLua51Tables(b *testing.B) {
	benchLua(b, `return function(n) for i = 1, n do
  local t = {}
  for k = 1, 16 do t[#t + 1] = (k * 7919) % 17 end
  table.sort(t)
end end`)
}

// TestLua51CallbackErrorKeepsUpvalues: after an ondone raised an error, later
// callbacks still count into the main chunk's local (gopher-lua #448 lost
// every later update).
func TestLua51CallbackErrorKeepsUpvalues(t *testing.T) {
	src := `
local done = 0
local p = ExecPool(1)
for i = 1, 5 do
  p:execute(Job{name = "j" .. i, args = {"true"}, ondone = function()
    if i == 2 then error("callback " .. i .. " failed") end
    done = done + 1
  end})
end
p:join()
print(done)`
	stdout, stderr, code := runLua51Script(t, src)
	if stdout != "4\n" || code != 1 || !strings.Contains(stderr, "callback 2 failed") {
		t.Errorf("stdout %q, status %d, stderr %q; want 4, 1, the callback's error", stdout, code, stderr)
	}
}
