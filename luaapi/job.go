package luaapi

import (
	"fmt"
	"math"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// jobObj is a Job as Lua sees it: the pool's job and the Lua values it carries.
type jobObj struct {
	s                         *Script
	job                       *pool.Job
	ud                        *lua.LUserData
	task                      *taskObj
	params                    lua.LValue
	onstart, ondone, onfinish *lua.LFunction
}

var jobType = &object[*jobObj]{
	kind:     "Job",
	typeName: "expool.Job",
	str:      func(o *jobObj) string { return fmt.Sprintf("Job %q (%s)", o.job.Name, statusValue(o.job.Status)) },
	describe: func(o *jobObj) string { return fmt.Sprintf("Job %q", o.job.Name) },
	inUse:    func(o *jobObj) bool { return o.job.Executed() },
	frozen:   "once the job is executed",
	fields: map[string]field[*jobObj]{
		"name": {spec: true,
			get: func(o *jobObj) lua.LValue { return lua.LString(o.job.Name) },
			set: func(o *jobObj, v lua.LValue) string { return setString(&o.job.Name, v, true) }},
		"args": {spec: true,
			get: func(o *jobObj) lua.LValue { return listValue(o.s.L, o.job.Args) },
			set: func(o *jobObj, v lua.LValue) string {
				if v == lua.LNil {
					o.job.Args = nil
					return ""
				}
				args, msg := stringList(v)
				if msg == "" && len(args) > 0 && args[0] == "" {
					msg = "[1], the executable, must not be empty"
				}
				if msg == "" {
					o.job.Args = args
				}
				return msg
			}},
		"workdir": {spec: true,
			get: func(o *jobObj) lua.LValue { return getString(o.job.Workdir) },
			set: func(o *jobObj, v lua.LValue) string { return setString(&o.job.Workdir, v, false) }},
		"timeout": {spec: true,
			get: func(o *jobObj) lua.LValue { return getSeconds(o.job.Timeout) },
			set: func(o *jobObj, v lua.LValue) string { return setSeconds(&o.job.Timeout, v) }},
		"ontimeout": {spec: true,
			get: func(o *jobObj) lua.LValue { return lua.LBool(o.job.RestartOnTimeout) },
			set: func(o *jobObj, v lua.LValue) string { return setBool(&o.job.RestartOnTimeout, v) }},
		"maxrestarts": {spec: true,
			get: func(o *jobObj) lua.LValue {
				if o.job.MaxRestarts < 0 {
					return lua.LNil
				}
				return lua.LNumber(o.job.MaxRestarts)
			},
			set: func(o *jobObj, v lua.LValue) string {
				if v == lua.LNil {
					o.job.MaxRestarts = -1
					return ""
				}
				n, ok := toInt(v, 0, math.MaxInt32)
				if !ok {
					return "must be an integer ≥ 0, " + got(v)
				}
				o.job.MaxRestarts = n
				return ""
			}},
		"task": {spec: true,
			get: func(o *jobObj) lua.LValue {
				if o.task == nil {
					return lua.LNil
				}
				return o.task.ud
			},
			set: func(o *jobObj, v lua.LValue) string {
				t, msg := taskArg(v)
				if msg == "" {
					o.task = t
					o.job.Task = nil
					if t != nil {
						o.job.Task = t.task
					}
				}
				return msg
			}},
		"startdelay": {spec: true,
			get: func(o *jobObj) lua.LValue { return getSeconds(o.job.StartDelay) },
			set: func(o *jobObj, v lua.LValue) string { return setSeconds(&o.job.StartDelay, v) }},
		"onstart":  callbackField(func(o *jobObj) **lua.LFunction { return &o.onstart }, (*jobObj).bind),
		"ondone":   callbackField(func(o *jobObj) **lua.LFunction { return &o.ondone }, (*jobObj).bind),
		"onfinish": callbackField(func(o *jobObj) **lua.LFunction { return &o.onfinish }, (*jobObj).bind),
		"params": {
			get: func(o *jobObj) lua.LValue { return o.params },
			set: func(o *jobObj, v lua.LValue) string { o.params = v; return "" }},
		"stdout": {spec: true,
			get: func(o *jobObj) lua.LValue { return o.s.destValue(o.job.Stdout) },
			set: func(o *jobObj, v lua.LValue) string { return setDest(&o.job.Stdout, v, false) }},
		"stderr": {spec: true,
			get: func(o *jobObj) lua.LValue { return o.s.destValue(o.job.Stderr) },
			set: func(o *jobObj, v lua.LValue) string { return setDest(&o.job.Stderr, v, true) }},
		"env": {spec: true,
			get: func(o *jobObj) lua.LValue {
				if o.job.Env == nil {
					return lua.LNil
				}
				t := o.s.L.CreateTable(0, len(o.job.Env))
				for k, v := range o.job.Env {
					t.RawSetString(k, lua.LString(v))
				}
				return t
			},
			set: func(o *jobObj, v lua.LValue) string {
				env, msg := envTable(v)
				if msg == "" {
					o.job.Env = env
				}
				return msg
			}},

		"status": {get: func(o *jobObj) lua.LValue { return statusValue(o.job.Status) }},
		"returncode": {get: func(o *jobObj) lua.LValue {
			if code, ok := o.job.ReturnCode(); ok {
				return lua.LNumber(code)
			}
			return lua.LNil
		}},
		"tstart": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue { return timeValue(a.Start) })
		}},
		"tstop": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue { return timeValue(a.Stop) })
		}},
		"duration": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue {
				if !a.Ended() {
					return lua.LNil
				}
				return lua.LNumber(a.Stop.Sub(a.Start).Seconds())
			})
		}},
		"pid": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue {
				if a.PID == 0 {
					return lua.LNil
				}
				return lua.LNumber(a.PID)
			})
		}},
		"restarts": {get: func(o *jobObj) lua.LValue { return lua.LNumber(o.job.Restarts) }},
		"resumed":  {get: func(o *jobObj) lua.LValue { return lua.LBool(o.job.Resumed) }},
		"output": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue { return bytesValue(a.Output) })
		}},
		"erroutput": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue { return bytesValue(a.ErrOutput) })
		}},
		"error": {get: func(o *jobObj) lua.LValue { return getString(o.job.Error) }},
		"rusage": {get: func(o *jobObj) lua.LValue {
			return lastAttempt(o, func(a *pool.Attempt) lua.LValue {
				// A stub has none; a resumed job, the one it had.
				if !a.Exited() || a.PID == 0 && !(o.job.Resumed && len(o.job.Args) > 0) {
					return lua.LNil
				}
				t := o.s.L.CreateTable(0, 3)
				t.RawSetString("utime", lua.LNumber(a.Rusage.Utime.Seconds()))
				t.RawSetString("stime", lua.LNumber(a.Rusage.Stime.Seconds()))
				t.RawSetString("maxrss", lua.LNumber(a.Rusage.MaxRSS))
				return t
			})
		}},
	},
}

// newJob is Job{...}.
func (s *Script) newJob(L *lua.LState) int {
	tbl, ok := L.Get(1).(*lua.LTable)
	if !ok || L.GetTop() != 1 {
		L.RaiseError("Job: expects one table of fields, as in Job{name=\"x\", args={\"ls\"}}, got %s", typeName(L.Get(1)))
	}
	o := &jobObj{s: s, job: &pool.Job{MaxRestarts: -1}, params: lua.LNil}
	o.job.Owner = o
	jobType.decode(L, o, tbl)
	if o.job.Name == "" {
		L.RaiseError("Job: field \"name\" is required")
	}
	o.ud = jobType.wrap(L, o)
	L.Push(o.ud)
	return 1
}

// bind hands the job's Lua callbacks to the pool.
func (o *jobObj) bind() {
	o.job.OnStart, o.job.OnDone, o.job.OnFinish = nil, nil, nil
	if o.onstart != nil {
		o.job.OnStart = o.runOnStart
	}
	if o.ondone != nil {
		o.job.OnDone = o.runOnDone
	}
	if o.onfinish != nil {
		o.job.OnFinish = o.runOnFinish
	}
}

func (o *jobObj) what(callback string) func() string {
	return func() string { return fmt.Sprintf("job %q %s", o.job.Name, callback) }
}

func (o *jobObj) runOnStart(*pool.Job) error { return o.s.call(o.onstart, o.ud, o.what("onstart")) }
func (o *jobObj) runOnDone(*pool.Job)        { o.s.call(o.ondone, o.ud, o.what("ondone")) }
func (o *jobObj) runOnFinish(*pool.Job)      { o.s.call(o.onfinish, o.ud, o.what("onfinish")) }

func statusValue(st pool.Status) lua.LValue {
	if st == "" {
		return lua.LString(pool.StatusPending)
	}
	return lua.LString(st)
}

// lastAttempt reads a field of the job's last attempt; nil if none started.
func lastAttempt(o *jobObj, get func(*pool.Attempt) lua.LValue) lua.LValue {
	if o.job.Last == nil {
		return lua.LNil
	}
	return get(o.job.Last)
}

func bytesValue(b []byte) lua.LValue {
	if b == nil {
		return lua.LNil
	}
	return lua.LString(b)
}

// destValue is an output destination as Lua sees it.
func (s *Script) destValue(d pool.Dest) lua.LValue {
	switch d.Kind {
	case pool.DestFile:
		return lua.LString(d.Path)
	case pool.DestInherit:
		return lua.LNil
	}
	return s.dests[d.Kind]
}

// envTable decodes a table of environment variables.
func envTable(v lua.LValue) (map[string]string, string) {
	if v == lua.LNil {
		return nil, ""
	}
	tbl, ok := v.(*lua.LTable)
	if !ok {
		return nil, "must be a table of names to values, " + got(v)
	}
	env := map[string]string{}
	var problems []string
	tbl.ForEach(func(k, val lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok || name == "" || strings.ContainsAny(string(name), "=\x00") {
			problems = append(problems, fmt.Sprintf("has a bad variable name: %s %s", typeName(k), shortValue(k)))
			return
		}
		switch val := val.(type) {
		case lua.LString:
			env[string(name)] = string(val)
		case lua.LNumber:
			env[string(name)] = val.String()
		default:
			problems = append(problems, fmt.Sprintf("[%q] must be a string, %s", string(name), got(val)))
		}
	})
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, problems[0]
	}
	return env, ""
}
