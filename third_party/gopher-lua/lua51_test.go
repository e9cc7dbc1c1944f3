package lua

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Regression tests of the patches listed in PATCHES.md: each chunk returns
// what Lua 5.1.5 returns for it, its values joined by tabs.

type lua51Case struct {
	code, want string
}

func checkLua51(t *testing.T, cases []lua51Case) {
	t.Helper()
	for _, c := range cases {
		if got := runLua51(t, c.code); got != c.want {
			t.Errorf("%s\n  got  %q\n  want %q", c.code, got, c.want)
		}
	}
}

// runLua51 runs code in a fresh state and returns its results, or its error.
func runLua51(t *testing.T, code string) string {
	t.Helper()
	L := NewState()
	defer L.Close()
	if err := L.DoString(code); err != nil {
		return "error: " + err.(*ApiError).Object.String()
	}
	var out []string
	for i := 1; i <= L.GetTop(); i++ {
		out = append(out, L.ToStringMeta(L.Get(i)).String())
	}
	return strings.Join(out, "\t")
}

func TestPatchMultipleAssignment(t *testing.T) {
	checkLua51(t, []lua51Case{
		// issue #440
		{"local a, b = 1, 2; a, b = b, a; return a, b", "2\t1"},
		{"local a, b = 0, 0; a, b = a + 1, a + b; return a, b", "1\t0"},
		{"local x, y, z = 1, 2, 3; x, y, z = z, x, y; return x, y, z", "3\t1\t2"},
		{"local a, b = 48, 18; while b ~= 0 do a, b = b, a % b end; return a", "6"},
		{"local u = {x = 'x', y = 'y'}; u.x, u.y = u.y, u.x; return u.x, u.y", "y\tx"},
		// issue #315: values are where they were computed
		{"local a, d, f = {}, 'e', 1; f, a.d = f, d; return f, a.d", "1\te"},
		{"local a, d, f = {}, 'e', 1; a.d, f = d, f; return f, a.d", "1\te"},
		// a local used as a table or as a value keeps its old value until
		// everything is evaluated
		{"local t = {}; local a = t; a.x, a = 1, 2; return t.x, a", "1\t2"},
		{"local t, a = {}, 1; t.x, a = a, 2; return t.x, a", "1\t2"},
		{"local i, a = 1, {}; a[i], i = 20, 2; return a[1], a[2], i", "20\tnil\t2"},
		{"local i, a = 3, {}; i, a[i] = i + 1, 20; return i, a[3], a[4]", "4\t20\tnil"},
		{"local function f() return 1, 2 end; local a, b = 9, 9; a, b = f(); return a, b", "1\t2"},
		{"local a, b = 1, 2; local function s() a, b = b, a end; s(); return a, b", "2\t1"},
	})
}

func TestPatchGenericForLoopVariables(t *testing.T) {
	checkLua51(t, []lua51Case{
		// issue #514: the loop's hidden registers are set as three, whatever
		// the number of names
		{`local function f(a, b) return tostring(a) .. "/" .. tostring(b) end
		  local r = {}
		  for _, v in ipairs({1, 2}) do r[#r + 1] = f() end
		  for _, v in ipairs({1, 2}) do r[#r + 1] = f() end
		  return table.concat(r, " ")`, "nil/nil nil/nil nil/nil nil/nil"},
	})
}

func TestPatchJumpToEarlierJump(t *testing.T) {
	checkLua51(t, []lua51Case{
		// issue #540: a loop whose body starts with a jump
		{"local s = 0; for _, v in ipairs{1, 2, 3} do if false then local x = 1 end s = s + v end; return s", "6"},
		{`local t = {}
		  for k, v in pairs({a = 1}) do if false then local u = v end t[#t + 1] = k .. v end
		  for _, v in ipairs({10, 20}) do if nil then local y, z = 1, 2 end t[#t + 1] = v end
		  return table.concat(t, " ")`, "a1 10 20"},
		{"local n = 0; while n < 3 do if false then local x end n = n + 1 end; return n", "3"},
	})
}

func TestPatchPCallClosesOnlyWhatItUnwound(t *testing.T) {
	checkLua51(t, []lua51Case{
		// issue #448
		{`local n = 0
		  local function inc() n = n + 1 end
		  pcall(function() error("x") end)
		  inc()
		  return n`, "1"},
		{`local a
		  local function use() return a("test") end
		  pcall(function() error("an error") end)
		  a = function(s) return "called with " .. s end
		  return use()`, "called with test"},
		{`local count = 0
		  local function bump() count = count + 1 end
		  for i = 1, 3 do
		    pcall(function() pcall(function() bump(); error("inner") end); bump(); error("outer") end)
		    bump()
		  end
		  return count`, "9"},
		{`local n = 0
		  local function bump() n = n + 1 end
		  xpcall(function() bump(); error("x") end, function(e) bump(); return e end)
		  bump()
		  return n`, "3"},
		// what the error unwound is closed: its closures keep their values
		{`local get
		  pcall(function() local v = "kept"; get = function() return v end; error("x") end)
		  local a, b, c = "overwrite", "the", "registers"
		  return get()`, "kept"},
		{`local get
		  local co = coroutine.create(function() local v = "kept"; get = function() return v end; error("x") end)
		  coroutine.resume(co)
		  return get()`, "kept"},
	})
}

// TestInlinedFilesUpToDate checks that state.go and vm.go are what
// _tools/go-inline makes of _state.go and _vm.go, so that a patch to the
// underscored files is not lost.
func TestInlinedFilesUpToDate(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3, which runs _tools/go-inline, is not installed")
	}
	dir := t.TempDir()
	sources, _ := filepath.Glob("*.go")
	for _, name := range append(sources, "_tools/go-inline") {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("python3", append([]string{"./_tools/go-inline"}, sources...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go-inline: %v\n%s", err, out)
	}
	for _, name := range []string{"state.go", "vm.go"} {
		generated, _ := os.ReadFile(filepath.Join(dir, name))
		generated, err := format.Source(generated)
		if err != nil {
			t.Fatal(err)
		}
		current, _ := os.ReadFile(name)
		if !bytes.Equal(generated, current) {
			t.Errorf("%s is not what go-inline makes of _%s: run python3 ./_tools/go-inline *.go && gofmt -w state.go vm.go", name, name)
		}
	}
}

func TestPatchNumbersPrintAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return tostring(0.1+0.2)", "0.3"},
		{"return tostring(1/3)", "0.33333333333333"},
		{"return tostring(100)", "100"},
		{"return tostring(-0)", "-0"},
		{"return tostring(0/0)", "-nan"},
		{"return tostring(-(0/0))", "nan"},
		{"return tostring(1/0)", "inf"},
		{"return tostring(-1/0)", "-inf"},
		{"return tostring(1e15)", "1e+15"},
		{"return tostring(1e14)", "1e+14"},
		{"return tostring(99999999999999)", "99999999999999"},
		{"return tostring(123456789012345)", "1.2345678901234e+14"},
		{"return tostring(2^53)", "9.007199254741e+15"},
		{"return tostring(2^63)", "9.2233720368548e+18"},
		{"return tostring(1e-5)", "1e-05"},
		{"return tostring(0.0001)", "0.0001"},
		{"return tostring(5e-324)", "4.9406564584125e-324"},
		{"return tostring(1e300*10)", "1e+301"},
		{"return tostring(-1.5)", "-1.5"},
		{"return tostring(123.456)", "123.456"},
		{"return tostring(1e100)", "1e+100"},
		{"return tostring(3.14159265358979)", "3.1415926535898"},
		{"return tostring(2^-1074)", "4.9406564584125e-324"},
		{"return 1 .. '' .. 0.5 .. 2^63", "10.59.2233720368548e+18"},
		{"return table.concat({0.1 + 0.2, 1e15, -0.0}, ' ')", "0.3 1e+15 -0"},
	})
}

func TestPatchNumbersReadAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return tonumber(\"1e-05\")", "1e-05"},
		{"return \"010\" + 0", "10"},
		{"return tonumber(\"0x10\")", "16"},
		{"return tonumber(\" 10 \")", "10"},
		{"return tonumber(\"1e\")", "nil"},
		{"return tonumber(\"\")", "nil"},
		{"return tonumber(\"0x\")", "nil"},
		{"return tonumber(\" 0x1p4 \")", "16"},
		{"return tonumber(\"inf\")", "inf"},
		{"return tonumber(\"-nan\") ~= tonumber(\"-nan\")", "true"},
		{"return tonumber(\"1.5\", 10)", "1.5"},
		{"return tonumber(\".5\")", "0.5"},
		{"return tonumber(\"5.\")", "5"},
		{"return tonumber(\"1 2\")", "nil"},
		{"return tonumber(\"1\\0\")", "1"},
		{"return tonumber(\"ff\", 16)", "255"},
		{"return tonumber(\"-ff\", 16)", "1.844674407371e+19"},
		{"return tonumber(\"zz\", 36)", "1295"},
		{"return tonumber(\"8\", 8)", "nil"},
		{"return tonumber(\"0x10\", 16)", "16"},
		{"return tonumber(\"0x\", 16)", "nil"},
		{"return tonumber(\" 11 \", 2)", "3"},
		{"return tonumber(\"ffffffffffffffffff\", 16)", "1.844674407371e+19"},
		{"return tonumber(\"1e400\")", "inf"},
		{"return \"0x10\" + 1", "17"},
		{"return \" 5 \" * 2", "10"},
		{"return \"1E2\" + 0", "100"},
		{"return 0x1p4", "16"},
		{"return 3e2", "300"},
		{"return .5e1", "5"},
	})
	for _, code := range []string{"return 3x", "return 0x", "return 1e+", "return 1..2"} {
		if _, err := NewState().LoadString(code); err == nil || !strings.Contains(err.Error(), "malformed number") {
			t.Errorf("%s: want a malformed number, got %v", code, err)
		}
	}
}

func TestPatchMathAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return math.huge, -math.huge, math.huge == 1/0", "inf\t-inf\ttrue"},
		{"return math.mod(7, 3), math.mod(-7, 3), math.fmod(-7, 3)", "1\t-1\t-1"},
		{"return math.modf(math.huge)", "inf\t0"},
		{"return math.modf(-math.huge)", "-inf\t-0"},
		{"return math.modf(-3.5)", "-3\t-0.5"},
		{"return math.deg(1), math.rad(1), math.deg(math.pi)", "57.295779513082\t0.017453292519943\t180"},
		{"return math.ldexp(1, '3'), math.floor('3.7'), math.max('10', 2)", "8\t3\t10"},
	})
}

func TestPatchErrorMessagesAsLua51(t *testing.T) {
	// Runtime errors name the value as the code does (getobjname), "bad
	// argument" names the function as its caller does (getfuncname), and
	// positions are those luaL_where gives.
	code := `local function msg(f, ...) local ok, e = pcall(f, ...) return (tostring(e):gsub("^[^:]*:%d+: ", "")) end
local t, loc = {}, nil
local cases = {
 function() undefinedfn() end,
 function() t.nofield() end,
 function() t:nomethod() end,
 function() loc() end,
 function() return t.a.b end,
 function() return loc.x end,
 function() return t + 1 end,
 function() return nothere - 1 end,
 function() return -t end,
 function() return "a" .. t end,
 function() return loc .. "a" end,
 function() return #loc end,
 function() return {} < {} end,
 function() return 1 < "x" end,
 function() for i = 1, "x" do end end,
 function() return ("x"):rep({}) end,
 function() return string.rep() end,
 function() local s = "x"; return s.y.z end,
}
local r = {}
for i, f in ipairs(cases) do r[#r + 1] = msg(f) end
r[#r + 1] = select(2, pcall(string.rep))
r[#r + 1] = select(2, pcall(error, "msg", 1))
local function lvl2() error("two", 2) end
local function caller()
  lvl2()
end
r[#r + 1] = select(2, pcall(caller))
return table.concat(r, "\n")`
	want := []string{
		"attempt to call global 'undefinedfn' (a nil value)",
		"attempt to call field 'nofield' (a nil value)",
		"attempt to call method 'nomethod' (a nil value)",
		"attempt to call upvalue 'loc' (a nil value)",
		"attempt to index field 'a' (a nil value)",
		"attempt to index upvalue 'loc' (a nil value)",
		"attempt to perform arithmetic on upvalue 't' (a table value)",
		"attempt to perform arithmetic on global 'nothere' (a nil value)",
		"attempt to perform arithmetic on upvalue 't' (a table value)",
		"attempt to concatenate upvalue 't' (a table value)",
		"attempt to concatenate upvalue 'loc' (a nil value)",
		"attempt to get length of upvalue 'loc' (a nil value)",
		"attempt to compare two table values",
		"attempt to compare number with string",
		"'for' limit must be a number",
		"bad argument #1 to 'rep' (number expected, got table)",
		"bad argument #1 to 'rep' (string expected, got no value)",
		"attempt to index field 'y' (a nil value)",
		"bad argument #1 to '?' (string expected, got no value)",
		"msg",
		"<string>:29: two",
	}
	if got := runLua51(t, code); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestPatchStringLibraryAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return string.format(\"%5.2f|%d|%x|%g|%s\", \"3.14\", \"42\", 255, 0.1, 1.5)", " 3.14|42|ff|0.1|1.5"},
		{"return string.format(\"%q\", 'a\\n\"b\\0c\\r')", "\"a\\\n\\\"b\\000c\\r\""},
		{"return string.format(\"%-5d|%05d|%+d|% d|%.3d|%#x|%#o|%X\", 42, -42, 42, 42, 7, 255, 8, -1)", "42   |-0042|+42| 42|007|0xff|010|FFFFFFFFFFFFFFFF"},
		{"return string.format(\"%e|%.2e|%G|%g|%#g|%g\", 12345.678, 0.000123, 1e-10, 1e20, 1.5, 100)", "1.234568e+04|1.23e-04|1E-10|1e+20|1.50000|100"},
		{"return string.format(\"%5s|%-5s|%.2s|%c%c\", \"ab\", \"ab\", \"abc\", 72, 105)", "   ab|ab   |ab|Hi"},
		{"return string.format(\"%.0f %.0f %.0f %.2f\", 0.5, 1.5, 2.5, 2.675)", "0 2 2 2.67"},
		{"return #string.format(\"%c\", 0)", "0"},
		{"return select(2, pcall(string.format, \"%d\"))", "bad argument #2 to '?' (no value)"},
		{"return select(2, pcall(string.format, \"%y\", 1))", "invalid option '%y' to 'format'"},
		{"return select(2, pcall(string.format, \"%123d\", 1))", "invalid format (width or precision too long)"},
		{"return string.find(\"hello world\", \"o w\")", "5	7"},
		{"return string.find(\"a+b\", \"+\", 1, true)", "2	2"},
		{"return string.find(\"abc\", \"b()\")", "2	2	3"},
		{"return string.match(\"key = val\", \"^(%w+)%s*=%s*(%w+)$\")", "key	val"},
		{"return string.match(\"THE (quick) fox\", \"%f[%a]%a+\")", "THE"},
		{"return string.match(\"f(a(b)c) d\", \"%b()\")", "(a(b)c)"},
		{"return string.gsub(\"hello world\", \"(%w+) (%w+)\", \"%2 %1\")", "world hello	1"},
		{"return string.gsub(\"abc\", \"\", \"-\")", "-a-b-c-	4"},
		{"return string.gsub(\"$name is $v\", \"%$(%w+)\", {name = \"Lua\", v = 5.1})", "Lua is 5.1	2"},
		{"return string.gsub(\"abc\", \"%w\", function(c) if c == \"b\" then return nil end return c:upper() end)", "AbC	3"},
		{"return select(2, pcall(string.gsub, \"abc\", \"%w\", {a = true}))", "invalid replacement value (a boolean)"},
		{"return select(2, pcall(string.find, \"a\", \"[a\"))", "malformed pattern (missing ']')"},
		{"return select(2, pcall(string.find, \"a\", \"%\"))", "malformed pattern (ends with '%')"},
		{"return string.rep(\"ab\", 3), string.rep(\"ab\", 0), string.rep(\"x\", 2, \"-\")", "ababab		xx"},
		{"return string.sub(\"hello\", -3), string.sub(\"hello\", 2, -2), string.sub(\"hello\", 0)", "llo	ell	hello"},
		{"return string.byte(\"ABC\", -1), string.char(72, 105), (\"héllo\"):upper()", "67	Hi	HéLLO"},
		{"return getmetatable(\"\").__index == string, rawget(string, \"__index\")", "true	nil"},
	})
}

func TestPatchArithmeticAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		// no constant folding of a division by zero or of a NaN, and
		// numeric constants shared as in Lua 5.1 (-0 and 0 are one)
		{"local h = math.huge; return 1/0, -1/0, 5 % 0, 3 % h, -3 % h, 5.5 % -2, 1 / -h, -0.0",
			"inf\t-inf\t-nan\t-nan\t-nan\t-0.5\t-0\t0"}, // -0.0 is the constant 0 already there
		{"local a = -0.0; return 1/0, -1/0", "-inf\tinf"},
		{"local z = 0 * -1; return z, 1/z", "-0\t-inf"},
	})
}

func TestPatchPrintAsLua51(t *testing.T) {
	L := NewState()
	defer L.Close()
	var line strings.Builder
	L.SetGlobal("capture", L.NewFunction(func(L *LState) int {
		PrintLine(L, &line)
		return 0
	}))
	cases := []struct{ code, want string }{
		{`capture(1, "a\0b", nil, 0.1 + 0.2)`, "1\ta\tnil\t0.3\n"},
		{`local old = tostring; tostring = function(v) return "<" .. old(v) .. ">" end; capture(1, true); tostring = old`, "<1>\t<true>\n"},
		{`capture(setmetatable({}, {__tostring = function() return "T" end}))`, "T\n"},
	}
	for _, c := range cases {
		line.Reset()
		if err := L.DoString(c.code); err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if line.String() != c.want {
			t.Errorf("%s: got %q, want %q", c.code, line.String(), c.want)
		}
	}
	err := L.DoString(`tostring = function() return {} end; capture(1)`)
	if err == nil || !strings.Contains(err.Error(), "'tostring' must return a string to 'print'") {
		t.Errorf("tostring returning a table: %v", err)
	}
}

func TestPatchBaseLibraryAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return pcall(assert, false)", "false\tassertion failed!"},
		{"return pcall(assert, nil, 12)", "false\t12"},
		{"return pcall(assert)", "false\tbad argument #1 to '?' (value expected)"},
		{"return select('#', assert(1, 2, 3))", "3"},
		{"return pcall(error, 42)", "false\t42"},
		{"return pcall(error, \"msg\", 0)", "false\tmsg"},
		{"return pcall(error)", "false\tnil"},
		{"return pcall(setmetatable, 1, {})", "false\tbad argument #1 to '?' (table expected, got number)"},
		{"return pcall(setmetatable, {}, 1)", "false\tbad argument #2 to '?' (nil or table expected)"},
		{"return select(-1, \"a\", \"b\")", "b"},
		{"return pcall(select, 0)", "false\tbad argument #1 to '?' (index out of range)"},
		{"return select(\"#x\", 1, 2)", "2"},
		{"return pcall(select, \"x\")", "false\tbad argument #1 to '?' (number expected, got string)"},
		{"return pcall(next, {}, \"nope\")", "false\tinvalid key to 'next'"},
		{"return next({})", "nil"},
		{"return pcall(tostring, setmetatable({}, {__tostring = function() return 42 end}))", "true\t42"},
		{"return xpcall(function() error(\"a\") end, function() error(\"b\") end)", "false\terror in error handling"},
		{"return xpcall(function() error(\"a\") end, 42)", "false\terror in error handling"},
		{"return xpcall(function() return 1, 2 end, nil)", "true\t1\t2"},
		{"return pcall(unpack, {}, 1, 9000)", "false\ttoo many results to unpack"},
		{"return unpack({1, 2, 3}, 2)", "2\t3"},
		{"return unpack({n = 2})", ""},
		{"return pcall(nil)", "false\tattempt to call a nil value"},
		{"return pcall(rawset, {}, nil, 1)", "false\ttable index is nil"},
		{"return pcall(loadstring(\"error('e')\"))", "false\t[string \"error('e')\"]:1: e"},
		{"return pcall(loadstring(\"error('e')\", \"@file.lua\"))", "false\tfile.lua:1: e"},
		{"return pcall(loadstring(\"\\n\\nerror('e')\", \"a long chunk name that goes on and on and on and on and on\"))", "false\t[string \"a long chunk name that goes on and on and o...\"]:3: e"},
		{"return loadfile(\"missing.lua\")", "nil\tcannot open missing.lua: No such file or directory"},
		{"return pcall(dofile, \"missing.lua\")", "false\tcannot open missing.lua: No such file or directory"},
		{"return pcall(load, function() return {} end)", "true\tnil\treader function must return a string"},
		{"return pcall(collectgarbage, \"nope\")", "false\tbad argument #1 to '?' (invalid option 'nope')"},
		{"return collectgarbage(\"count\") > 0, collectgarbage()", "true\t0"},
		{"return pcall(newproxy, {})", "false\tbad argument #1 to '?' (boolean or proxy expected)"},
		{"return getmetatable(newproxy(true)) ~= nil, getmetatable(newproxy(false))", "true\tnil"},
	})
}

func TestPatchTableLibraryAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return table.concat({1, 2, 3}, \", \", 2)", "2, 3"},
		{"return pcall(table.concat, {1, {}, 3})", "false\tinvalid value (table) at index 2 in table for 'concat'"},
		{"return pcall(table.insert, {}, 1, 2, 3)", "false\twrong number of arguments to 'insert'"},
		{"return pcall(table.setn, {}, 1)", "false\t'setn' is obsolete"},
		{"return table.maxn({[10] = 1, [1.5] = 2})", "10"},
		{"return table.foreachi({10, 20}, function(i, v) if v == 20 then return \"stop\" .. i end end)", "stop2"},
		{"return table.remove({}), #{table.remove({1, 2, 3}, 5)}", "nil\t0"},
		{"return pcall(table.sort, {3, \"a\", 1})", "false\tattempt to compare string with number"},
		{"return pcall(table.sort, {5, 4, 3, 2, 1}, function(a, b) return true end)", "false\tinvalid order function for sorting"},
	})
	// a stable result, even with equal keys: the order Lua 5.1's quicksort gives
	checkLua51(t, []lua51Case{
		{`local t = {}
		  for i = 1, 30 do t[i] = {k = i % 4, i = i} end
		  table.sort(t, function(a, b) return a.k < b.k end)
		  local r = {}
		  for i, v in ipairs(t) do r[i] = v.i end
		  return table.concat(r, " ")`, "20 12 24 4 8 16 28 13 1 29 21 9 17 25 5 26 22 18 30 14 2 10 6 7 11 23 27 19 3 15"},
	})
}

func TestPatchCoroutinesAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"return coroutine.resume(coroutine.create(function() local ok, e = pcall(coroutine.yield, 1) return ok, e end))", "true\tfalse\tattempt to yield across metamethod/C-call boundary"},
		{"return pcall(coroutine.yield, 1)", "false\tattempt to yield across metamethod/C-call boundary"},
		{"return coroutine.resume(coroutine.create(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end))", "false\tattempt to yield across metamethod/C-call boundary"},
		{"return pcall(coroutine.create, print)", "false\tbad argument #1 to '?' (Lua function expected)"},
		{"return pcall(coroutine.resume, 1)", "false\tbad argument #1 to '?' (coroutine expected)"},
		{"return pcall(coroutine.status, {})", "false\tbad argument #1 to '?' (coroutine expected)"},
		{"return (function() local co = coroutine.create(function() end) coroutine.resume(co) return coroutine.resume(co) end)()", "false\tcannot resume dead coroutine"},
		{"return (function() local co co = coroutine.create(function() return coroutine.resume(co) end) return coroutine.resume(co) end)()", "true\tfalse\tcannot resume running coroutine"},
		{"return (function() local a, b, c a = coroutine.create(function() coroutine.resume(b) end) b = coroutine.create(function() coroutine.resume(c) end) c = coroutine.create(function() r = coroutine.status(a) end) coroutine.resume(a) return r end)()", "normal"},
		{"return (function() local function f(n) if n == 0 then return 0 end local ok, v = pcall(f, n - 1) return v + 1 end return pcall(f, 250) end)()", "false\t<string>:1: attempt to perform arithmetic on local 'v' (a string value)"},
		{"return coroutine.running()", "nil"},
	})
}

func TestPatchDebugLibraryAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{`local function f() return debug.getinfo(1, "Sln") end
		  local i = f()
		  return i.short_src, i.source, i.currentline, i.what, i.linedefined, i.name, i.namewhat`,
			"<string>\t@<string>\t1\tLua\t1\tf\tlocal"},
		{`local g = debug.getinfo(print); return g.what, g.short_src, g.source, g.currentline`, "C\t[C]\t=[C]\t-1"},
		{`return debug.getinfo(1, "S").what, debug.getinfo(100)`, "main\tnil"},
		{`return pcall(debug.getinfo, 1, "a")`, "false\tbad argument #2 to '?' (invalid option)"},
		{`return debug.traceback(nil), debug.traceback({}) ~= nil`, "nil\ttrue"},
		{`local function inner() return debug.traceback("here", 1) end
		  local tb = inner()
		  return tb`, "here\nstack traceback:\n\t<string>:1: in function 'inner'\n\t<string>:2: in main chunk\n\t[C]: ?"},
		{`local function lvl3() error("x") end
		  local ok, tb = xpcall(function() lvl3() end, debug.traceback)
		  return tb`, "<string>:1: x\nstack traceback:\n\t[C]: in function 'error'\n\t<string>:1: in function 'lvl3'\n\t<string>:2: in function <<string>:2>\n\t[C]: in function 'xpcall'\n\t<string>:2: in main chunk\n\t[C]: ?"},
		{`return debug.gethook()`, "nil\t\t0"},
		{`return type(debug.getregistry()), debug.setmetatable({}, nil)`, "table\ttrue"},
		// locals end where their block ends, so the value in a register is
		// named after the variable it holds now
		{`for i = 1, 2 do local x = i end
		  local function F() return debug.getinfo(1, "n").name end
		  local name = F()
		  return name`, "F"},
		{`local function inner() return debug.traceback("here", 1) end
		  return inner()`, "here\nstack traceback:\n\t<string>:1: in function <<string>:1>\n\t(tail call): ?\n\t[C]: ?"},
		{`return pcall(function() for i = undefinedfn(), 2 do end end)`, "false\t<string>:1: attempt to call global 'undefinedfn' (a nil value)"},
	})
}

func TestPatchIoLibraryAsLua51(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	// each chunk runs in a pcall: the first value is pcall's
	for _, c := range []lua51Case{
		{"local f = assert(io.open(\"t.tmp\", \"w\")) f:write(\"hello world\\n42 3.5e2 0x10 -7\\nlast\") f:close() f = io.open(\"t.tmp\") local a, b, c = f:read(5), f:read(1), f:read(\"*l\") local n = {f:read(\"*n\", \"*n\", \"*n\", \"*n\")} local l, rest = f:read(\"*l\"), f:read(\"*a\") local e1, e2, e3 = f:read(\"*a\"), f:read(\"*l\"), f:read(0) f:close() os.remove(\"t.tmp\") return a, b, c, n[1], n[2], n[3], n[4], l, rest, e1, e2, e3", "true\thello\t \tworld\t42\t350\t16\t-7\t\tlast\t\tnil\tnil"},
		{"local f = assert(io.open(\"t.tmp\", \"w\")) f:write(\"  12  abc 0.5\\n1e3\\n-.5\\n\") f:close() f = io.open(\"t.tmp\") local r = {f:read(\"*n\"), f:read(\"*n\"), f:read(\"*l\"), f:read(\"*n\"), f:read(\"*n\")} f:close() os.remove(\"t.tmp\") return r[1], r[2], r[3], r[4], r[5] ", "true\t12\tnil\tabc 0.5\t1000\t-0.5"},
		{"return io.open(\"does/not/exist.tmp\")", "true\tnil\tdoes/not/exist.tmp: No such file or directory\t2"},
		{"return io.open(\"x.tmp\", \"bogus\")", "true\tnil\tx.tmp: Invalid argument\t22"},
		{"local f = io.open(\"c.tmp\", \"w\") f:close() os.remove(\"c.tmp\") return io.type(f), tostring(f), pcall(f.write, f, \"x\")", "true\tclosed file\tfile (closed)\tfalse\tattempt to use a closed file"},
		{"return io.write(\"\") == true, io.type(io.stdout), io.type(42)", "true\ttrue\tfile\tnil"},
		{"return io.close()", "true\tnil\tcannot close standard file"},
		{"return pcall(io.lines, \"missing.tmp\")", "true\tfalse\tbad argument #1 to '?' (missing.tmp: No such file or directory)"},
		{"local f = io.open(\"s.tmp\", \"w+\") f:write(\"0123456789\") local r = {f:seek(\"set\", 2), f:read(3), f:seek(), f:seek(\"end\"), f:seek(\"end\", -2), f:read(\"*a\")} f:close() os.remove(\"s.tmp\") return unpack(r)", "true\t2\t234\t5\t10\t8\t89"},
		{"local f = io.open(\"m.tmp\", \"w\") f:write(\"one\\n\") f:close() f = io.open(\"m.tmp\", \"a+\") f:write(\"+\") f:seek(\"set\") local s = f:read(\"*a\") f:close() os.remove(\"m.tmp\") return s", "true\tone\n+"},
		{"local f = io.open(\"l.tmp\", \"w\") f:write(\"a\\r\\nb\\n\\nc\") f:close() local t = {} for l in io.lines(\"l.tmp\") do t[#t + 1] = #l end os.remove(\"l.tmp\") return unpack(t)", "true\t2\t1\t0\t1"},
		{"local p = io.popen(\"echo hello\") local s = p:read(\"*a\") return s, p:close()", "true\thello\n\ttrue"},
		{"return pcall(io.stdout.setvbuf, io.stdout, \"bogus\")", "true\tfalse\tbad argument #2 to '?' (invalid option 'bogus')"},
	} {
		if got := runLua51(t, "return pcall(function() "+c.code+" end)"); got != c.want {
			t.Errorf("%s\n  got  %q\n  want %q", c.code, got, c.want)
		}
	}
}

// recordingWriter keeps each Write, to see how output is cut into writes.
type recordingWriter struct{ writes []string }

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestPatchIoBuffering(t *testing.T) {
	cases := []struct {
		code   string
		writes []string // before FlushAll
		all    string
	}{
		// unbuffered by default: a write per call, the call whole
		{`io.write("a", 1, "b\n"); print("x", 2); io.write("c")`, []string{"a1b\n", "x\t2\n", "c"}, "a1b\nx\t2\nc"},
		{`io.stdout:setvbuf("full"); io.write("A\n"); io.write("B")`, nil, "A\nB"},
		{`io.stdout:setvbuf("full", 4); io.write("ab"); io.write("cdef"); io.write("g")`, []string{"ab", "cdef"}, "abcdefg"},
		{`io.stdout:setvbuf("line"); io.write("partial "); print("then print"); io.write("end\nrest")`, []string{"partial then print\n", "end\n"}, "partial then print\nend\nrest"},
		{`io.stdout:setvbuf("full"); io.write("x"); io.stdout:setvbuf("no"); io.write("y")`, []string{"x", "y"}, "xy"},
	}
	for _, c := range cases {
		L := NewState()
		var w recordingWriter
		SetStdio(L, nil, &w, nil)
		if err := L.DoString(c.code); err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if strings.Join(w.writes, "|") != strings.Join(c.writes, "|") {
			t.Errorf("%s: writes %q, want %q", c.code, w.writes, c.writes)
		}
		FlushAll(L)
		if all := strings.Join(w.writes, ""); all != c.all {
			t.Errorf("%s: after FlushAll %q, want %q", c.code, all, c.all)
		}
		L.Close()
	}
}

func TestPatchOsLibraryAsLua51(t *testing.T) {
	defer func(local *time.Location) { time.Local = local }(time.Local)
	time.Local = time.UTC // os.time reads dates in local time
	checkLua51(t, []lua51Case{
		{"return os.date(\"!%Y-%m-%d %H:%M:%S\", 86400 * 365 + 3661)", "1971-01-01 01:01:01"},
		{"return os.date(\"!%c\", 1700000000)", "Tue Nov 14 22:13:20 2023"},
		{"return os.date(\"!%a|%A|%b|%B|%C|%d|%D|%e|%F|%g|%G|%h|%H|%I|%j|%k|%l|%m|%M|%p|%P|%r|%R|%s|%S|%T|%u|%U|%V|%w|%W|%x|%X|%y|%Y|%z|%Z|%%|%Q\", 1700000000)", "Tue|Tuesday|Nov|November|20|14|11/14/23|14|2023-11-14|23|2023|Nov|22|10|318|22|10|11|13|PM|pm|10:13:20 PM|22:13|1700000000|20|22:13:20|2|46|46|2|46|11/14/23|22:13:20|23|2023|+0000|GMT|%|%Q"},
		{"return os.date(\"!%U %W %V %G\", 1704067200), os.date(\"!%U %W %V %G\", 1735603200)", "00 01 01 2024\t52 53 01 2025"},
		{"return os.date(\"!*t\", 1700000000).yday, os.date(\"!*t\", 1700000000).wday, os.date(\"!*t\", 0).isdst", "318\t3\tfalse"},
		{"return os.time({year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15})", "1709209815"},
		{"return os.time({year = 2024, month = 13, day = 1, hour = 0}), os.time({year = 2024, month = 1, day = 0})", "1735689600\t1704024000"},
		{"return pcall(os.time, {year = 2024})", "false\tfield 'day' missing in date table"},
		{"return os.difftime(10, 5), os.difftime(100)", "5\t100"},
		{"return os.time({year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59})", "nil"},
		{"return os.execute(), os.execute(\"exit 3\"), os.execute(\"true\")", "1\t768\t0"},
		{"return os.remove(\"nonexistent.tmp\")", "nil\tnonexistent.tmp: No such file or directory\t2"},
		{"return os.rename(\"nope.tmp\", \"x.tmp\")", "nil\tnope.tmp: No such file or directory\t2"},
		{"return os.setlocale(), os.setlocale(\"C\"), os.setlocale(nil, \"numeric\"), os.setlocale(\"xx_YY.nope\")", "C\tC\tC\tnil"},
		{"return pcall(os.getenv)", "false\tbad argument #1 to '?' (string expected, got no value)"},
	})
	// os.clock is the process's CPU time: it grows with work, not with sleep
	checkLua51(t, []lua51Case{
		{`local c = os.clock(); local x = 0; for i = 1, 3e6 do x = x + i end; return os.clock() > c, type(c)`, "true\tnumber"},
	})
}

func TestPatchDeepRecursion(t *testing.T) {
	for _, minimize := range []bool{true, false} {
		L := NewState(Options{CallStackSize: 20000, MinimizeStackMemory: minimize, RegistrySize: 1024, RegistryMaxSize: 1 << 23, RegistryGrowStep: 1024})
		err := L.DoString(`
			local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
			assert(depth(19000) == 19000)
			local ok, e = pcall(depth, 1e6)
			assert(not ok and e:find("stack overflow$"), e)
			local c = 0
			local function f() c = c + 1; f() end
			assert(not pcall(f) and c > 19000)
			-- a traceback of 20,000 levels: the first 12 and the last 10
			local function tb(n) if n == 0 then return debug.traceback() end local s = tb(n - 1) return s end
			local _, lines = tb(19000):gsub("\n", "")
			assert(lines == 11 + 1 + 10, lines)
		`)
		if err != nil {
			t.Errorf("MinimizeStackMemory %v: %v", minimize, err)
		}
		L.Close()
	}
}

func TestPatchSyntaxErrorsAsLua51(t *testing.T) {
	// each code goes to loadstring: its error, or "ok"
	for _, c := range []lua51Case{
		{"x = ", "[string \"x = \"]:1: unexpected symbol near '<eof>'"},
		{"local = 1", "[string \"local = 1\"]:1: '<name>' expected near '='"},
		{"for i = 1 do end", "[string \"for i = 1 do end\"]:1: ',' expected near 'do'"},
		{"if x then", "[string \"if x then\"]:1: 'end' expected near '<eof>'"},
		{"return return", "[string \"return return\"]:1: unexpected symbol near 'return'"},
		{"f(", "[string \"f(\"]:1: unexpected symbol near '<eof>'"},
		{"a.b:c = 1", "[string \"a.b:c = 1\"]:1: function arguments expected near '='"},
		{"x = }", "[string \"x = }\"]:1: unexpected symbol near '}'"},
		{"local t = {1 2}", "[string \"local t = {1 2}\"]:1: '}' expected near '2'"},
		{"'unfinished", "[string \"'unfinished\"]:1: unfinished string near '<eof>'"},
		{"[[unfinished", "[string \"[[unfinished\"]:1: unfinished long string near '<eof>'"},
		{"x = 1 1", "[string \"x = 1 1\"]:1: unexpected symbol near '1'"},
		{"break", "[string \"break\"]:1: no loop to break near '<eof>'"},
		{"goto = 1", "ok"},
		{"local function end", "[string \"local function end\"]:1: '<name>' expected near 'end'"},
		{"function f() x = ... end", "[string \"function f() x = ... end\"]:1: cannot use '...' outside a vararg function near '...'"},
		{"x = 3x", "[string \"x = 3x\"]:1: malformed number near '3x'"},
		{"f()\n(g)()", "[string \"f()...\"]:2: ambiguous syntax (function call x new statement) near '('"},
		{"(a) = 1", "[string \"(a) = 1\"]:1: syntax error near '='"},
		{"f() = 1", "[string \"f() = 1\"]:1: unexpected symbol near '='"},
		{"x = [==[ a ]=]", "[string \"x = [==[ a ]=]\"]:1: unfinished long string near '<eof>'"},
		{"s = '\\300'", "[string \"s = '\\300'\"]:1: escape sequence too large near '''"},
		{"local function f(a, 1) end", "[string \"local function f(a, 1) end\"]:1: <name> or '...' expected near '1'"},
		{"for a b in c do end", "[string \"for a b in c do end\"]:1: '=' or 'in' expected near 'b'"},
		{"do return 1 print(2) end", "[string \"do return 1 print(2) end\"]:1: 'end' expected near 'print'"},
		{"t = {[1] 2}", "[string \"t = {[1] 2}\"]:1: '=' expected near '2'"},
		{"x = ~y", "[string \"x = ~y\"]:1: unexpected symbol near '~'"},
		{"x = 1\n\n\ny = = 2", "[string \"x = 1...\"]:4: unexpected symbol near '='"},
		{"f(\n1,\n2", "[string \"f(...\"]:3: ')' expected (to close '(' at line 1) near '<eof>'"},
		{"s = [[\n[[ nested ]]", "[string \"s = [[...\"]:2: nesting of [[...]] is deprecated near '['"},
		{"x = a..b..", "[string \"x = a..b..\"]:1: unexpected symbol near '<eof>'"},
		{"local goto = 1; return goto", "ok"},
		{"a, b() = 1, 2", "[string \"a, b() = 1, 2\"]:1: syntax error near '='"},
		{"x = \"\\", "[string \"x = \"\\\"]:1: unfinished string near '<eof>'"},
		{"x = 'a\nb'", "[string \"x = 'a...\"]:1: unfinished string near ''a'"},
		{"-- comment\n--[[ long\ncomment", "[string \"-- comment...\"]:3: unfinished long comment near '<eof>'"},
		{"return ...", "ok"},
	} {
		L := NewState()
		L.SetGlobal("code", LString(c.code))
		if err := L.DoString(`local f, e = loadstring(code); result = e or "ok"`); err != nil {
			t.Fatal(err)
		}
		if got := L.GetGlobal("result").String(); got != c.want {
			t.Errorf("%q\n  got  %q\n  want %q", c.code, got, c.want)
		}
		L.Close()
	}
}

func TestPatchStringDump(t *testing.T) {
	checkLua51(t, []lua51Case{
		{`local function f(a, b) local t = {a, b, "s", 1.5, true} return #t, a .. b end
		  local g = loadstring(string.dump(f))
		  return type(string.dump(f)), g("x", "y")`, "string\t5\txy"},
		{`local up = 1
		  local function f() return up end
		  return loadstring(string.dump(f))()`, "nil"},
		{`return pcall(string.dump, print)`, "false\tunable to dump given function"},
		{`return loadstring("\27Lua\81\0 not ours")`, "nil\tbinary string: bad header in precompiled chunk"},
	})
}

// TestPatchCallFrameSegmentsKept: the growing call stack keeps its segments
// for reuse, unwinds to any depth (a segment's end included), and is full
// at its maximum exactly.
func TestPatchCallFrameSegmentsKept(t *testing.T) {
	cs := newAutoGrowingCallFrameStack(100).(*autoGrowingCallFrameStack)
	for i := 0; i < 100; i++ {
		if cs.IsFull() {
			t.Fatalf("full at %d", i)
		}
		cs.Push(callFrame{Pc: i})
	}
	if !cs.IsFull() || cs.Sp() != 100 {
		t.Fatalf("not full at 100: Sp %d", cs.Sp())
	}
	for _, sp := range []int{64, 32, 33, 0, FramesPerSegment} {
		cs.SetSp(sp)
		if cs.Sp() != sp {
			t.Errorf("SetSp(%d): Sp %d", sp, cs.Sp())
		}
		if sp > 0 && cs.Last().Pc != sp-1 {
			t.Errorf("SetSp(%d): Last().Pc %d", sp, cs.Last().Pc)
		}
		cs.Push(callFrame{Pc: sp})
		if cs.Sp() != sp+1 || cs.Last().Pc != sp {
			t.Errorf("push after SetSp(%d): Sp %d, Last().Pc %d", sp, cs.Sp(), cs.Last().Pc)
		}
	}
	cs.FreeAll()
}

func TestPatchPackageAsLua51(t *testing.T) {
	checkLua51(t, []lua51Case{
		{"package.path = '/nonexistent/?.lua'; package.cpath = '/nonexistent/?.so'; return pcall(require, 'a.b')",
			"false\tmodule 'a.b' not found:\n\tno field package.preload['a.b']\n\tno file '/nonexistent/a/b.lua'\n\tno file '/nonexistent/a/b.so'\n\tno file '/nonexistent/a.so'"},
		{"package.path = 5; package.cpath = ''; return pcall(require, 'x')",
			"false\tmodule 'x' not found:\n\tno field package.preload['x']\n\tno file '5'"},
		{"package.path = {}; return pcall(require, 'x')", "false\t'package.path' must be a string"},
		{"package.preload = 1; return pcall(require, 'x')", "false\t'package.preload' must be a table"},
		{"package.loaders = nil; return pcall(require, 'x')", "false\t'package.loaders' must be a table"},
		{"package.loaders = {function() return 7 end}; return pcall(require, 'x')", "false\tmodule 'x' not found:7"},
		{"package.preload.l = function() return require('l') end; pcall(require, 'l'); return pcall(require, 'l')",
			"false\tloop or previous error loading module 'l'"},
		{"package.preload.r = function() package.loaded.r = 's'; return 42 end; return require('r'), package.loaded.r", "42\t42"},
		{"package.preload.k = function() package.loaded.k = 's' end; return require('k')", "s"},
		{"package.preload.n = function() end; return require('n')", "true"},
		{"package.preload['m.s'] = function(n) return select('#', module(n)), _PACKAGE, _NAME end; return require('m.s')", "0"},
		{"package.preload['m.s'] = function(n) module(n); return _PACKAGE .. _NAME end; return require('m.s')", "m.m.s"},
		{"c = 1; return pcall(module, 'c')", "false\tname conflict for module 'c'"},
		{"return package.loadlib('a', 'b')", "nil\tdynamic libraries not enabled; check your Lua installation\tabsent"},
		{"return #package.loaders, type(package.cpath)", "4\tstring"},
	})
}
