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

const taskTypeName = "expool.Task"

var taskType = &object[*taskObj]{
	kind:     "Task",
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
		"onstart": {spec: true,
			get: func(o *taskObj) lua.LValue { return getFunction(o.onstart) },
			set: func(o *taskObj, v lua.LValue) string {
				msg := setFunction(&o.onstart, v)
				o.task.OnStart = nil
				if o.onstart != nil {
					o.task.OnStart = func(*pool.Task) { o.s.call(o.onstart, o.ud, o.what("onstart")) }
				}
				return msg
			}},
		"ondone": {spec: true,
			get: func(o *taskObj) lua.LValue { return getFunction(o.ondone) },
			set: func(o *taskObj, v lua.LValue) string {
				msg := setFunction(&o.ondone, v)
				o.task.OnDone = nil
				if o.ondone != nil {
					o.task.OnDone = func(*pool.Task) { o.s.call(o.ondone, o.ud, o.what("ondone")) }
				}
				return msg
			}},
		"onfinish": {spec: true,
			get: func(o *taskObj) lua.LValue { return getFunction(o.onfinish) },
			set: func(o *taskObj, v lua.LValue) string {
				msg := setFunction(&o.onfinish, v)
				o.task.OnFinish = nil
				if o.onfinish != nil {
					o.task.OnFinish = func(*pool.Task) { o.s.call(o.onfinish, o.ud, o.what("onfinish")) }
				}
				return msg
			}},
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

func (s *Script) registerTask() {
	mt := s.L.NewTypeMetatable(taskTypeName)
	s.L.SetField(mt, "__index", s.L.NewFunction(taskType.index(checkTask)))
	s.L.SetField(mt, "__newindex", s.L.NewFunction(taskType.newIndex(checkTask)))
	s.L.SetField(mt, "__tostring", s.L.NewFunction(func(L *lua.LState) int {
		o := checkTask(L)
		L.Push(lua.LString(fmt.Sprintf("Task %q (%s)", o.task.Name, statusValue(o.task.Status))))
		return 1
	}))
	s.L.SetField(mt, "__metatable", lua.LString(taskTypeName))
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
	o.ud = L.NewUserData()
	o.ud.Value = o
	L.SetMetatable(o.ud, L.GetTypeMetatable(taskTypeName))
	L.Push(o.ud)
	return 1
}

func checkTask(L *lua.LState) *taskObj {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if o, ok := ud.Value.(*taskObj); ok {
			return o
		}
	}
	L.RaiseError("expected a Task, got %s", typeName(L.Get(1)))
	return nil
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
