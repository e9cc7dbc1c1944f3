package luaapi

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// jobObj is a Job as Lua sees it: the pool's job and the Lua values it carries.
type jobObj struct {
	luaObject
	job  *pool.Job
	task *taskObj
}

var jobType = specType("Job", "once the job is executed", (*jobObj).executed, map[string]field[*jobObj]{
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
			return setInt(&o.job.MaxRestarts, v, 0, math.MaxInt32, "must be an integer ≥ 0")
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
	"slurm": {spec: true,
		get: func(o *jobObj) lua.LValue {
			if o.job.Extra == nil {
				return lua.LNil
			}
			return listValue(o.s.L, o.job.Extra.LauncherArgs)
		},
		set: func(o *jobObj, v lua.LValue) string {
			if v == lua.LNil {
				if o.job.Extra != nil {
					o.job.Extra.LauncherArgs = nil
				}
				return ""
			}
			args, msg := stringList(v)
			if msg == "" {
				o.job.More().LauncherArgs = args
			}
			return msg
		}},
	"retries": {spec: true,
		get: func(o *jobObj) lua.LValue {
			if o.job.Extra == nil {
				return lua.LNumber(0)
			}
			return lua.LNumber(o.job.Extra.Retries)
		},
		set: func(o *jobObj, v lua.LValue) string {
			n := 0
			if v != lua.LNil {
				if msg := setInt(&n, v, 0, math.MaxInt32, "must be an integer ≥ 0"); msg != "" {
					return msg
				}
			}
			if n > 0 || o.job.Extra != nil {
				o.job.More().Retries = n
			}
			return ""
		}},
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
	"memlimit": {spec: true,
		get: func(o *jobObj) lua.LValue { return getGiB(o.job.MemLimit()) },
		set: func(o *jobObj, v lua.LValue) string {
			var b int64
			if msg := setGiB(&b, v); msg != "" {
				return msg
			}
			if b > 0 && o.s.launcher != "slurm" { // Slurm enforces it (srun --mem)
				if err := o.s.loop.MemoryError(); err != nil {
					return "cannot be enforced: " + err.Error()
				}
			}
			if b != 0 || o.job.Extra != nil {
				extra(o.job).MemLimit = b
			}
			return ""
		}},
	"mem": {spec: true,
		get: func(o *jobObj) lua.LValue {
			if o.job.Extra == nil || o.job.Extra.Mem == 0 {
				return lua.LNil
			}
			return getGiB(o.job.Extra.Mem)
		},
		set: func(o *jobObj, v lua.LValue) string {
			var b int64
			if msg := setGiB(&b, v); msg != "" {
				return msg
			}
			if b != 0 || o.job.Extra != nil {
				extra(o.job).Mem = b
			}
			return ""
		}},
	"category": {spec: true,
		get: func(o *jobObj) lua.LValue { return getString(o.job.Category()) },
		set: func(o *jobObj, v lua.LValue) string {
			var cat string
			if msg := setString(&cat, v, false); msg != "" {
				return msg
			}
			if cat != "" || o.job.Extra != nil {
				extra(o.job).Category = cat
			}
			return ""
		}},
	"size": {spec: true,
		get: func(o *jobObj) lua.LValue { return lua.LNumber(o.job.Size()) },
		set: func(o *jobObj, v lua.LValue) string {
			var size float64
			switch v := v.(type) {
			case lua.LNumber:
				size = float64(v)
				if math.IsNaN(size) || math.IsInf(size, 0) || size < 0 {
					return "must be a number ≥ 0, " + got(v)
				}
			case *lua.LNilType:
			default:
				return "must be a number, " + got(v)
			}
			if size != 0 || o.job.Extra != nil {
				extra(o.job).Size = size
			}
			return ""
		}},
	"slowdown": {spec: true,
		get: func(o *jobObj) lua.LValue {
			if o.job.Extra == nil || o.job.Extra.Slowdown == 0 {
				return lua.LNumber(1)
			}
			return lua.LNumber(o.job.Extra.Slowdown)
		},
		set: func(o *jobObj, v lua.LValue) string {
			var slowdown float64
			switch v := v.(type) {
			case lua.LNumber:
				slowdown = float64(v)
				if math.IsNaN(slowdown) || math.IsInf(slowdown, 0) || slowdown <= 0 {
					return "must be a number > 0, " + got(v)
				}
			case *lua.LNilType:
			default:
				return "must be a number, " + got(v)
			}
			if slowdown != 0 || o.job.Extra != nil {
				extra(o.job).Slowdown = slowdown
			}
			return ""
		}},
	"affinity": {spec: true,
		get: func(o *jobObj) lua.LValue { return lua.LBool(o.job.Extra == nil || !o.job.Extra.Unpinned) },
		set: func(o *jobObj, v lua.LValue) string {
			pinned := true
			switch v := v.(type) {
			case lua.LBool:
				pinned = bool(v)
			case *lua.LNilType:
			default:
				return "must be a boolean (false: not pinned to CPUs), " + got(v)
			}
			if !pinned || o.job.Extra != nil {
				extra(o.job).Unpinned = !pinned
			}
			return ""
		}},

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
			// A stub has none; a resumed job, the one it had; one on Slurm,
			// none known.
			if !a.Exited() || a.PID == 0 && !(o.job.Resumed && len(o.job.Args) > 0) || a.Rusage.Unknown {
				return lua.LNil
			}
			t := o.s.L.CreateTable(0, 3)
			t.RawSetString("utime", lua.LNumber(a.Rusage.Utime.Seconds()))
			t.RawSetString("stime", lua.LNumber(a.Rusage.Stime.Seconds()))
			t.RawSetString("maxrss", lua.LNumber(a.Rusage.MaxRSS))
			return t
		})
	}},
	"peakmem": {get: func(o *jobObj) lua.LValue {
		return lastAttempt(o, func(a *pool.Attempt) lua.LValue {
			if _, b, ok := a.Memory(); ok {
				return getGiB(b)
			}
			return lua.LNil
		})
	}},
	"cpus": {get: func(o *jobObj) lua.LValue {
		return lastAttempt(o, func(a *pool.Attempt) lua.LValue {
			if a.CPUs == nil {
				return lua.LNil
			}
			t := o.s.L.CreateTable(len(a.CPUs), 0)
			for _, c := range a.CPUs {
				t.Append(lua.LNumber(c))
			}
			return t
		})
	}},
})

// newJob is Job{...}.
func (s *Script) newJob(L *lua.LState) int {
	o := &jobObj{luaObject: luaObject{s: s, params: lua.LNil}, job: &pool.Job{MaxRestarts: -1}}
	o.job.Owner = o
	return construct(L, jobType, o, `Job{name="x", args={"ls"}}`)
}

func (o *jobObj) spec() spec {
	j := o.job
	return spec{kind: "Job", name: &j.Name, timeout: &j.Timeout, stdout: &j.Stdout, stderr: &j.Stderr, status: &j.Status}
}

func (o *jobObj) executed() bool { return o.job.Executed() }

// extra is j.Extra, made if nil.
func extra(j *pool.Job) *pool.JobExtra {
	if j.Extra == nil {
		j.Extra = &pool.JobExtra{}
	}
	return j.Extra
}

// bind hands the job's Lua callbacks to the pool. (Closures of generic code
// carry a dictionary: 8 bytes more per callback, so each kind has its own.)
func (o *jobObj) bind() {
	j := o.job
	j.OnStart, j.OnDone, j.OnFinish = nil, nil, nil
	if o.onstart != nil {
		j.OnStart = func(*pool.Job) error { return o.call(o.onstart, "onstart") }
	}
	if o.ondone != nil {
		j.OnDone = func(*pool.Job) { o.call(o.ondone, "ondone") }
	}
	if o.onfinish != nil {
		j.OnFinish = func(*pool.Job) { o.call(o.onfinish, "onfinish") }
	}
}

// lastAttempt reads a field of the job's last attempt; nil if none started.
func lastAttempt(o *jobObj, get func(*pool.Attempt) lua.LValue) lua.LValue {
	if o.job.Last == nil {
		return lua.LNil
	}
	return get(o.job.Last)
}

// bytesValue is a job's captured output as a Lua string: the bytes
// themselves, not a copy (megabytes, read as often as the script likes),
// which pool.Attempt promises never to change.
func bytesValue(b []byte) lua.LValue {
	if b == nil {
		return lua.LNil
	}
	return lua.LString(unsafe.String(unsafe.SliceData(b), len(b)))
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
