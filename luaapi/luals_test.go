package luaapi

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/gopher-lua/parse"
)

// The LuaLS definitions in ../luals declare every field of Job, Task and
// ExecPool that the API has, and parse as Lua.
func TestLuaLSDefinitions(t *testing.T) {
	src, err := os.ReadFile("../luals/expool.lua")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parse.Parse(strings.NewReader(string(src)), "expool.lua"); err != nil {
		t.Fatalf("luals/expool.lua does not parse: %v", err)
	}
	declared := func(class string) map[string]bool {
		// the class and the spec class it extends
		fields := map[string]bool{}
		for _, c := range []string{class, class + "Spec"} {
			block := regexp.MustCompile(`(?s)---@class expool\.` + regexp.QuoteMeta(c) + `\b.*?\n[^-]`).Find(src)
			for _, m := range regexp.MustCompile(`---@field (\w+)`).FindAllSubmatch(block, -1) {
				fields[string(m[1])] = true
			}
		}
		return fields
	}
	check := func(class string, names []string) {
		have := declared(class)
		for _, name := range names {
			if !have[name] {
				t.Errorf("luals/expool.lua: expool.%s has no ---@field %s", class, name)
			}
		}
	}
	var jobs, tasks, pools []string
	for name := range jobType.fields {
		jobs = append(jobs, name)
	}
	for name := range taskType.fields {
		tasks = append(tasks, name)
	}
	for name := range poolType.fields {
		switch name {
		case "execute", "join", "terminate":
			if !strings.Contains(string(src), "function pool:"+name+"(") {
				t.Errorf("luals/expool.lua: no method expool.ExecPool:%s", name)
			}
		default:
			pools = append(pools, name)
		}
	}
	check("Job", jobs)
	check("Task", tasks)
	check("ExecPool", pools)
	for _, global := range []string{"function Job(", "function Task(", "function ExecPool(", "PIPE =", "STDOUT =", "DEVNULL =", "function cpu_count(", "EXPOOL ="} {
		if !strings.Contains(string(src), global) {
			t.Errorf("luals/expool.lua does not declare %q", global)
		}
	}
}
