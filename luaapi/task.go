package luaapi

import (
	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// taskObj is a Task as Lua sees it.
type taskObj struct {
	luaObject
	task   *pool.Task
	parent *taskObj
}

var taskType = specType("Task", "once the task has members", (*taskObj).hasMembers, map[string]field[*taskObj]{
	"task": {spec: true,
		get: func(o *taskObj) lua.LValue {
			if o.parent == nil {
				return lua.LNil
			}
			return o.parent.ud
		},
		set: func(o *taskObj, v lua.LValue) string {
			t, msg := taskArg(v)
			if msg != "" {
				return msg
			}
			for x := t; x != nil; x = x.parent {
				if x == o {
					return "would make the task its own ancestor"
				}
			}
			o.parent = t
			o.task.Parent = nil
			if t != nil {
				o.task.Parent = t.task
			}
			return ""
		}},

	"tstart":   {get: func(o *taskObj) lua.LValue { return timeValue(o.task.Tstart) }},
	"tstop":    {get: func(o *taskObj) lua.LValue { return timeValue(o.task.Tstop) }},
	"numadded": {get: func(o *taskObj) lua.LValue { return lua.LNumber(o.task.NumAdded) }},
	"numdone":  {get: func(o *taskObj) lua.LValue { return lua.LNumber(o.task.NumDone) }},
	"numterm":  {get: func(o *taskObj) lua.LValue { return lua.LNumber(o.task.NumTerm) }},
})

// newTask is Task{...}.
func (s *Script) newTask(L *lua.LState) int {
	o := &taskObj{luaObject: luaObject{s: s, params: lua.LNil}, task: &pool.Task{Status: pool.StatusPending}}
	return construct(L, taskType, o, `Task{name="x"}`)
}

func (o *taskObj) spec() spec {
	t := o.task
	return spec{kind: "Task", name: &t.Name, timeout: &t.Timeout, stdout: &t.Stdout, stderr: &t.Stderr, status: &t.Status}
}

func (o *taskObj) hasMembers() bool { return o.task.NumAdded > 0 }

// bind hands the task's Lua callbacks to the pool.
func (o *taskObj) bind() {
	t := o.task
	t.OnStart, t.OnDone, t.OnFinish = nil, nil, nil
	if o.onstart != nil {
		t.OnStart = func(*pool.Task) { o.call(o.onstart, "onstart") }
	}
	if o.ondone != nil {
		t.OnDone = func(*pool.Task) { o.call(o.ondone, "ondone") }
	}
	if o.onfinish != nil {
		t.OnFinish = func(*pool.Task) { o.call(o.onfinish, "onfinish") }
	}
}

// taskArg decodes a Task value or nil.
func taskArg(v lua.LValue) (*taskObj, string) {
	if v == lua.LNil {
		return nil, ""
	}
	if ud, ok := v.(*lua.LUserData); ok {
		if t, ok := ud.Value.(*taskObj); ok {
			return t, ""
		}
	}
	return nil, "must be a Task, " + got(v)
}
