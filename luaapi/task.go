package luaapi

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// taskObj is a Task as Lua sees it.
type taskObj struct {
	s                         *Script
	task                      *pool.Task
	ud                        *lua.LUserData
	parent                    *taskObj
	params                    lua.LValue
	onstart, ondone, onfinish *lua.LFunction
}

var taskType = &object[*taskObj]{
	kind:     "Task",
	typeName: "expool.Task",
	str:      func(o *taskObj) string { return fmt.Sprintf("Task %q (%s)", o.task.Name, statusValue(o.task.Status)) },
	describe: func(o *taskObj) string { return fmt.Sprintf("Task %q", o.task.Name) },
	inUse:    func(o *taskObj) bool { return o.task.NumAdded > 0 },
	frozen:   "once the task has members",
	fields: map[string]field[*taskObj]{
		"name": {spec: true,
			get: func(o *taskObj) lua.LValue { return lua.LString(o.task.Name) },
			set: func(o *taskObj, v lua.LValue) string { return setString(&o.task.Name, v, true) }},
		"timeout": {spec: true,
			get: func(o *taskObj) lua.LValue { return getSeconds(o.task.Timeout) },
			set: func(o *taskObj, v lua.LValue) string { return setSeconds(&o.task.Timeout, v) }},
		"onstart":  callbackField(func(o *taskObj) **lua.LFunction { return &o.onstart }, (*taskObj).bind),
		"ondone":   callbackField(func(o *taskObj) **lua.LFunction { return &o.ondone }, (*taskObj).bind),
		"onfinish": callbackField(func(o *taskObj) **lua.LFunction { return &o.onfinish }, (*taskObj).bind),
		"params": {
			get: func(o *taskObj) lua.LValue { return o.params },
			set: func(o *taskObj, v lua.LValue) string { o.params = v; return "" }},
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
		"stdout": {spec: true,
			get: func(o *taskObj) lua.LValue { return o.s.destValue(o.task.Stdout) },
			set: func(o *taskObj, v lua.LValue) string { return setDest(&o.task.Stdout, v, false) }},
		"stderr": {spec: true,
			get: func(o *taskObj) lua.LValue { return o.s.destValue(o.task.Stderr) },
			set: func(o *taskObj, v lua.LValue) string { return setDest(&o.task.Stderr, v, true) }},

		"status":   {get: func(o *taskObj) lua.LValue { return statusValue(o.task.Status) }},
		"tstart":   {get: func(o *taskObj) lua.LValue { return timeValue(o.task.Tstart) }},
		"tstop":    {get: func(o *taskObj) lua.LValue { return timeValue(o.task.Tstop) }},
		"numadded": {get: func(o *taskObj) lua.LValue { return lua.LNumber(o.task.NumAdded) }},
		"numdone":  {get: func(o *taskObj) lua.LValue { return lua.LNumber(o.task.NumDone) }},
		"numterm":  {get: func(o *taskObj) lua.LValue { return lua.LNumber(o.task.NumTerm) }},
	},
}

// newTask is Task{...}.
func (s *Script) newTask(L *lua.LState) int {
	tbl, ok := L.Get(1).(*lua.LTable)
	if !ok || L.GetTop() != 1 {
		L.RaiseError("Task: expects one table of fields, as in Task{name=\"x\"}, got %s", typeName(L.Get(1)))
	}
	o := &taskObj{s: s, task: &pool.Task{Status: pool.StatusPending}, params: lua.LNil}
	taskType.decode(L, o, tbl)
	if o.task.Name == "" {
		L.RaiseError("Task: field \"name\" is required")
	}
	o.ud = taskType.wrap(L, o)
	L.Push(o.ud)
	return 1
}

// bind hands the task's Lua callbacks to the pool.
func (o *taskObj) bind() {
	o.task.OnStart, o.task.OnDone, o.task.OnFinish = nil, nil, nil
	if o.onstart != nil {
		o.task.OnStart = func(*pool.Task) { o.s.call(o.onstart, o.ud, o.what("onstart")) }
	}
	if o.ondone != nil {
		o.task.OnDone = func(*pool.Task) { o.s.call(o.ondone, o.ud, o.what("ondone")) }
	}
	if o.onfinish != nil {
		o.task.OnFinish = func(*pool.Task) { o.s.call(o.onfinish, o.ud, o.what("onfinish")) }
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

func (o *taskObj) what(callback string) func() string {
	return func() string { return fmt.Sprintf("task %q %s", o.task.Name, callback) }
}
