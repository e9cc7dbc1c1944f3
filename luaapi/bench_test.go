package luaapi

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchScript is a Script ready for Lua outside Run: its contexts are made.
func benchScript(b *testing.B) *Script {
	s, _, _ := newTestScript(b)
	s.L.SetContext(s.stop.begin())
	return s
}

// benchLua runs src, a chunk that returns a function of a count n, and times
// that function called with b.N.
func benchLua(b *testing.B, src string) {
	s := benchScript(b)
	defer s.Close()
	fn, err := s.L.LoadString(src)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}); err != nil {
		b.Fatal(err)
	}
	body := s.L.Get(-1).(*lua.LFunction)
	s.L.Pop(1)
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.L.CallByParam(lua.P{Fn: body, NRet: 0, Protect: true}, lua.LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkJobConstructor: Job{} from Lua, decoding two fields.
func BenchmarkJobConstructor(b *testing.B) {
	benchLua(b, `return function(n) for i = 1, n do local j = Job{name="j", args={"true"}} end end`)
}

// BenchmarkExecuteStub: execute and join of a stub job, whose callbacks run,
// from Lua: the event loop and the Lua call path together.
func BenchmarkExecuteStub(b *testing.B) {
	benchLua(b, `local p = ExecPool(2)
local done = 0
local function cb(j) done = done + 1 end
return function(n)
  for i = 1, n do p:execute(Job{name="j", onstart=cb, ondone=cb, onfinish=cb}) end
  p:join()
end`)
}

// BenchmarkCallback: one callback call from Go, protected, with a job.
func BenchmarkCallback(b *testing.B) {
	s := benchScript(b)
	defer s.Close()
	if err := s.L.DoString(`count = 0; function cb(j) count = count + 1 end; job = Job{name="j"}`); err != nil {
		b.Fatal(err)
	}
	fn := s.L.GetGlobal("cb").(*lua.LFunction)
	job := s.L.GetGlobal("job")
	what := func() string { return "cb" }
	b.ReportAllocs()
	for b.Loop() {
		s.call(fn, job, what)
	}
}

// BenchmarkFieldRead: reading a job's field from Lua.
func BenchmarkFieldRead(b *testing.B) {
	benchLua(b, `local j = Job{name="j", timeout=1}
return function(n) local t = 0; for i = 1, n do t = t + j.timeout end end`)
}
