package luaapi

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// chooser turns fuzz input into choices; when the input runs out, every
// choice is 0.
type chooser struct{ data []byte }

func (c *chooser) pick(n int) int {
	if len(c.data) == 0 || n <= 1 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return int(b) % n
}

func (c *chooser) chance(percent int) bool { return c.pick(100) < percent }

// newTestScript is a Script whose jobs run on the fake launcher, with its
// output in buffers.
func newTestScript(t testing.TB) (s *Script, stdout, stderr *bytes.Buffer) {
	t.Helper()
	stdout, stderr = new(bytes.Buffer), new(bytes.Buffer)
	loop, err := pool.NewLoop(&fakeLauncher{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { loop.Close() })
	return New(loop, Options{Stdout: stdout, Stderr: stderr, Executable: "/bin/false"}), stdout, stderr
}

// --- FuzzConstructors: the tables users give to Job{}, Task{} and ExecPool{}.

var constructorKeys = []string{
	"name", "args", "workdir", "timeout", "ontimeout", "maxrestarts", "task", "startdelay",
	"onstart", "ondone", "onfinish", "params", "stdout", "stderr", "env", "workers",
	"killgrace", "pipelimit", "status", "returncode", "timout", "Name", "", "name\x00",
	"memlimit", "mem", "category", "size", "slowdown", "affinity", "memsample", "peakmem", "memory", "cpus",
}

// value makes a Lua value of any kind, nested up to depth.
func (c *chooser) value(L *lua.LState, fixtures []lua.LValue, depth int) lua.LValue {
	switch c.pick(12) {
	case 0:
		return lua.LNil
	case 1:
		return lua.LBool(c.chance(50))
	case 2:
		return []lua.LNumber{0, 1, -1, 0.5, 2, 1e9, -1e9, 1e300, -1e300, 1 << 53, 3.7,
			lua.LNumber(math.NaN()), lua.LNumber(math.Inf(1)), lua.LNumber(math.Inf(-1)),
			lua.LNumber(math.MaxInt64), 16 << 20}[c.pick(16)]
	case 3, 4:
		return lua.LString([]string{"", "x", "ls", "true", "a/b/c.txt", "/", "..",
			strings.Repeat("long", 10000), "\x00nul", "é\xff\xfe", "A=B", "name"}[c.pick(12)])
	case 5, 6:
		if depth <= 0 {
			return lua.LNumber(c.pick(5))
		}
		t := L.NewTable()
		for i, n := 0, c.pick(6); i < n; i++ {
			if c.chance(60) {
				t.Append(c.value(L, fixtures, depth-1))
			} else {
				t.RawSet(c.value(L, fixtures, 0), c.value(L, fixtures, depth-1))
			}
		}
		return t
	default:
		return fixtures[c.pick(len(fixtures))]
	}
}

func FuzzConstructors(f *testing.F) {
	f.Add([]byte{0, 3, 0, 5, 3, 1})
	f.Add([]byte{1, 4, 0, 3, 0, 7, 2, 3})
	f.Add([]byte{2, 5, 16, 2, 13, 17, 2, 15, 18, 5, 4})
	f.Add([]byte("\x00\x06\x01\x05\x05\x02\x03\x03\x03\x01\x02\x0b\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, _ := newTestScript(t)
		defer s.Close()
		L := s.L
		c := &chooser{data}
		// Values that only Lua can make: a function, our objects, a foreign userdata.
		if err := L.DoString(`
			fixtures = {function() end, PIPE, STDOUT, DEVNULL, Task{name="t"}, Job{name="j"}, ExecPool(1),
			  newproxy and newproxy() or io.stdout}`); err != nil {
			t.Fatal(err)
		}
		fixtures := []lua.LValue{}
		L.GetGlobal("fixtures").(*lua.LTable).ForEach(func(_, v lua.LValue) { fixtures = append(fixtures, v) })

		kind := []string{"Job", "Task", "ExecPool"}[c.pick(3)]
		tbl := L.NewTable()
		if kind != "ExecPool" || c.chance(80) {
			tbl.RawSetString("name", lua.LString("n"))
		}
		for i, n := 0, c.pick(8); i < n; i++ {
			if c.chance(85) {
				tbl.RawSetString(constructorKeys[c.pick(len(constructorKeys))], c.value(L, fixtures, 3))
			} else {
				tbl.RawSet(c.value(L, fixtures, 1), c.value(L, fixtures, 2))
			}
		}
		arg := lua.LValue(tbl)
		if c.chance(5) {
			arg = c.value(L, fixtures, 2) // not even a table
		}
		// Called from a Lua chunk, so that errors carry a file:line; an
		// object made is read back field by field and printed.
		fn, err := L.Load(strings.NewReader(`
			local kind, arg = ...
			local obj = _G[kind](arg)
			if type(arg) == "table" then
			  for k in pairs(arg) do local _ = obj[k] end
			end
			return tostring(obj)`), "fuzz.lua")
		if err != nil {
			t.Fatal(err)
		}
		err = L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, lua.LString(kind), arg)
		if err == nil {
			return
		}
		msg := err.(*lua.ApiError).Object.String()
		if strings.Contains(msg, internalError) || strings.Contains(msg, "runtime error") {
			t.Fatalf("%s{...}: a Go panic: %s", kind, msg)
		}
		if !regexp.MustCompile(`^fuzz\.lua:[23]: ` + kind + `\b`).MatchString(msg) {
			t.Fatalf("%s{...}: the error does not name the constructor with file:line: %q", kind, msg)
		}
	})
}

// --- FuzzSnippets: the API called in odd orders.

// snippet writes a script of API calls, callbacks included, from the choices.
type snippet struct {
	c       *chooser
	b       strings.Builder
	njobs   int
	created []int // jobs[i] that some statement assigns
}

const (
	snippetJobs  = 6
	snippetTasks = 3
)

func (g *snippet) pool() string { return []string{"p", "p", "q"}[g.c.pick(3)] }

// job names a job, mostly one that a statement made.
func (g *snippet) job() string {
	if len(g.created) > 0 && g.c.chance(85) {
		return fmt.Sprintf("jobs[%d]", g.created[g.c.pick(len(g.created))])
	}
	return fmt.Sprintf("jobs[%d]", g.c.pick(snippetJobs)+1)
}
func (g *snippet) task() string { return fmt.Sprintf("tasks[%d]", g.c.pick(snippetTasks)+1) }

func (g *snippet) args() string {
	return []string{`{"sleep", "0.02"}`, `{"sleep", "0.05"}`, `{"sleep", "3"}`, `{"stubborn", "3"}`,
		`nil`, `{"true"}`, `{"false"}`, `{"echo", "hi"}`, `{"missing"}`, `{}`}[g.c.pick(10)]
}

func (g *snippet) seconds() string {
	return []string{"0", "0.01", "0.03", "0.001", "1"}[g.c.pick(5)]
}

func (g *snippet) dest(stderr bool) string {
	d := []string{"nil", "PIPE", "DEVNULL", `"out/a.txt"`, `"out/b.txt"`, "STDOUT"}
	if !stderr {
		d = d[:5]
	}
	return d[g.c.pick(len(d))]
}

// callback is a function whose body is a few statements, shallower.
func (g *snippet) callback(depth int, finish bool) string {
	var b strings.Builder
	b.WriteString("function(x) ")
	if finish {
		b.WriteString("fin(x); ")
	}
	for i, n := 0, g.c.pick(3); i < n && depth > 0; i++ {
		b.WriteString(g.statement(depth-1) + "; ")
	}
	b.WriteString("end")
	return b.String()
}

func (g *snippet) newJob(depth int) string {
	g.njobs++
	fields := []string{
		fmt.Sprintf("name=%q", fmt.Sprint("j", g.njobs)),
		"args=" + g.args(),
		"onfinish=" + g.callback(depth, true),
	}
	if g.c.chance(50) {
		fields = append(fields, "timeout="+g.seconds())
	}
	if g.c.chance(25) {
		fields = append(fields, "ontimeout=true", fmt.Sprintf("maxrestarts=%d", g.c.pick(3)))
	}
	if g.c.chance(40) {
		fields = append(fields, "task="+g.task())
	}
	if g.c.chance(30) {
		// related jobs: a timeout ends the bigger ones
		fields = append(fields, fmt.Sprintf("category=%q, size=%d", []string{"a", "b"}[g.c.pick(2)], g.c.pick(4)))
	}
	if g.c.chance(40) {
		fields = append(fields, "onstart="+g.callback(depth, false))
	}
	if g.c.chance(40) {
		fields = append(fields, "ondone="+g.callback(depth, false))
	}
	if g.c.chance(20) {
		fields = append(fields, "startdelay=0.01")
	}
	if g.c.chance(30) {
		fields = append(fields, "stdout="+g.dest(false), "stderr="+g.dest(true))
	}
	return "Job{" + strings.Join(fields, ", ") + "}"
}

func (g *snippet) statement(depth int) string {
	switch g.c.pick(17) {
	case 0, 1:
		i := g.c.pick(snippetJobs) + 1
		g.created = append(g.created, i)
		return fmt.Sprintf("jobs[%d] = %s", i, g.newJob(depth))
	case 2:
		t := g.task()
		fields := []string{`name="` + t + `"`}
		if g.c.chance(40) {
			fields = append(fields, "timeout="+g.seconds())
		}
		if g.c.chance(30) {
			fields = append(fields, "task="+g.task())
		}
		if g.c.chance(40) {
			fields = append(fields, "onfinish="+g.callback(depth, false))
		}
		return t + " = Task{" + strings.Join(fields, ", ") + "}"
	case 3, 4, 5:
		return g.pool() + ":execute(" + g.job() + ")"
	case 6:
		return g.pool() + ":execute(" + g.job() + ", false)"
	case 7:
		return "print(" + g.pool() + ":execute(" + g.job() + ", false))"
	case 8:
		return g.pool() + ":join()"
	case 9:
		return g.pool() + ":join(" + g.seconds() + ")"
	case 10:
		return g.pool() + ":terminate()"
	case 11:
		f := []string{"timeout", "args", "params", "name", "status", "task", "stdout", "maxrestarts"}[g.c.pick(8)]
		v := []string{"1", `"x"`, "nil", "{}", g.task(), "PIPE", "-1"}[g.c.pick(7)]
		return g.job() + "." + f + " = " + v
	case 12:
		j := g.job()
		return "print(" + j + " and " + j + ".status, " + g.pool() + ".running, " + g.pool() + ".pending, #" + g.pool() + ".failures)"
	case 13:
		if g.c.chance(15) {
			return "os.exit(3)"
		}
		return `error("stop")`
	case 14:
		// Executes every job at once: queues, then cancellations, follow.
		return fmt.Sprintf("for i = 1, %d do pcall(function() %s:execute(jobs[i]) end) end", snippetJobs, g.pool())
	default:
		return "pcall(function() " + g.statement(depth) + " end)"
	}
}

const snippetPrelude = `local p = ExecPool{workers=2, killgrace=0.01, pipelimit=64}
local q = ExecPool(1)
local jobs, tasks, finished = {}, {}, {}
local function fin(j)
  finished[j] = (finished[j] or 0) + 1
  if finished[j] > 1 then print("INVARIANT: onfinish twice for " .. j.name) end
end
`

const snippetEnd = `
-- a callback of one pool's job may execute a job on the other
repeat p:join(); q:join() until p.running + p.pending + q.running + q.pending == 0
for _, j in pairs(jobs) do
  local final = j.status ~= "pending" and j.status ~= "running"
  if final ~= (finished[j] ~= nil) then
    print("INVARIANT: job " .. j.name .. " is " .. j.status .. " and onfinish ran " .. tostring(finished[j]) .. " times")
  end
end
for _, pool in ipairs({p, q}) do
  if pool.running ~= 0 or pool.pending ~= 0 then
    print("INVARIANT: after join, running " .. pool.running .. " pending " .. pool.pending)
  end
end
`

// expoolLine is what every line of expool's own on stderr must look like:
// an error with the script's file:line, or its traceback.
var expoolLine = regexp.MustCompile(`^expool: ((job|task) "[^"]*" \w+: )?fuzz\.lua:\d+: `)

func FuzzSnippets(f *testing.F) {
	for _, seed := range []string{
		"\x00\x01\x03\x08",
		"\x00\x03\x03\x01\x05\x05\x08\x0a\x08",
		"\x02\x00\x01\x04\x00\x01\x02\x03\x03\x03\x0a\x08",
		"\x00\x00\x05\x03\x00\x0c\x09\x0b\x08\x07\x06",
		"\x01\x05\x00\x03\x01\x0e\x03\x0d\x0a",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t.Chdir(t.TempDir()) // the jobs' output files
		g := &snippet{c: &chooser{data}}
		g.b.WriteString(snippetPrelude)
		for i, n := 0, g.c.pick(16)+1; i < n; i++ {
			// Most go on after an error, as a script with pcall would.
			if g.c.chance(85) {
				g.b.WriteString("pcall(function() " + g.statement(2) + " end)\n")
			} else {
				g.b.WriteString(g.statement(2) + "\n")
			}
		}
		g.b.WriteString(snippetEnd)
		src := g.b.String()

		s, stdout, stderr := newTestScript(t)
		defer s.Close()
		done := make(chan int, 1)
		go func() { done <- s.Run("fuzz.lua", []byte(src), nil) }()
		var code int
		signalled := false
		select {
		case code = <-done:
		case <-time.After(10 * time.Second):
			// A few jobs of 3 s queued on one worker, each restarted on
			// timeout, take that long: stop the script as a user would.
			signalled = true
			stopped := false
			for i := 0; i < 3 && !stopped; i++ {
				s.Signal(syscall.SIGINT)
				select {
				case code = <-done:
					stopped = true
				case <-time.After(3 * time.Second):
				}
			}
			if !stopped {
				select {
				case code = <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("hangs even after three SIGINTs:\n%s", src)
				}
			}
		}
		out := stderr.String()
		// Invariants are printed; an error stops the script, not the check.
		if i := strings.Index(stdout.String(), "INVARIANT"); i >= 0 {
			t.Fatalf("%s\nscript:\n%s\nstderr:\n%s", stdout.String()[i:], src, out)
		}
		// A long script is no defect; what is checked is that SIGINT
		// stopped it (128+2), or that it ended on its own meanwhile.
		if signalled && code == 130 {
			return
		}
		if strings.Contains(out, internalError) || strings.Contains(out, "runtime error") {
			t.Fatalf("script:\n%s\nstderr:\n%s", src, out)
		}
		if code != 0 && code != 1 && code != 3 {
			t.Fatalf("exit status %d\nscript:\n%s\nstderr:\n%s", code, src, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "expool: ") && !expoolLine.MatchString(line) {
				t.Fatalf("an error without file:line: %q\nscript:\n%s", line, src)
			}
		}
	})
}
