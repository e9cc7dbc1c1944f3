package luaapi

import (
	"errors"
	"fmt"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// poolObj is an ExecPool as Lua sees it.
type poolObj struct {
	s        *Script
	pool     *pool.Pool
	ud       *lua.LUserData
	launcher string // "local" or "slurm"
}

var poolType = &object[*poolObj]{
	kind:     "ExecPool",
	typeName: "expool.ExecPool",
	str: func(o *poolObj) string {
		return fmt.Sprintf("ExecPool %q (%d workers, %d running, %d pending)",
			o.pool.Name, o.pool.Workers, o.pool.Running(), o.pool.Pending())
	},
	describe: func(o *poolObj) string { return fmt.Sprintf("ExecPool %q", o.pool.Name) },
	fields: map[string]field[*poolObj]{
		"workers":   {get: func(o *poolObj) lua.LValue { return lua.LNumber(o.pool.Workers) }},
		"name":      {get: func(o *poolObj) lua.LValue { return lua.LString(o.pool.Name) }},
		"killgrace": {get: func(o *poolObj) lua.LValue { return getSeconds(o.pool.KillGrace) }},
		"pipelimit": {get: func(o *poolObj) lua.LValue { return lua.LNumber(o.pool.PipeLimit) }},
		"memlimit":  {get: func(o *poolObj) lua.LValue { return getGiB(o.pool.MemLimit) }},
		"memsample": {get: func(o *poolObj) lua.LValue { return getSeconds(o.pool.MemSample) }},
		"affinity": {get: func(o *poolObj) lua.LValue {
			if o.pool.Affinity == 0 {
				return lua.LNil
			}
			return lua.LNumber(o.pool.Affinity)
		}},
		"memory":   {get: func(o *poolObj) lua.LValue { return getGiB(o.pool.Memory()) }},
		"launcher": {get: func(o *poolObj) lua.LValue { return lua.LString(o.launcher) }},
		"running":  {get: func(o *poolObj) lua.LValue { return lua.LNumber(o.pool.Running()) }},
		"pending":  {get: func(o *poolObj) lua.LValue { return lua.LNumber(o.pool.Pending()) }},
		"failures": {get: func(o *poolObj) lua.LValue {
			t := o.s.L.CreateTable(len(o.pool.Failures), 0)
			for _, j := range o.pool.Failures {
				t.Append(j.Owner.(*jobObj).ud)
			}
			return t
		}},
		"execute":   {get: func(o *poolObj) lua.LValue { return o.s.methods["execute"] }},
		"join":      {get: func(o *poolObj) lua.LValue { return o.s.methods["join"] }},
		"terminate": {get: func(o *poolObj) lua.LValue { return o.s.methods["terminate"] }},
	},
}

func (s *Script) registerPool() {
	L := s.L
	poolType.register(L)
	s.methods = map[string]*lua.LFunction{
		"execute":   L.NewFunction(guarded(s.poolExecute)),
		"join":      L.NewFunction(guarded(s.poolJoin)),
		"terminate": L.NewFunction(guarded(s.poolTerminate)),
	}
}

// newPool is ExecPool(workers) or ExecPool{workers=, killgrace=, name=,
// pipelimit=, memlimit=, memsample=, affinity=, launcher=, slurm=}.
func (s *Script) newPool(L *lua.LState) int {
	c := poolSpec{Config: pool.Config{
		Name:      "ExecPool",
		Workers:   s.workers,
		KillGrace: pool.DefaultKillGrace,
		PipeLimit: pool.DefaultPipeLimit,
		MemSample: pool.DefaultMemSample,
	}}
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		n, ok := toInt(v, 1, math.MaxInt32)
		if !ok {
			L.RaiseError("ExecPool: workers must be a positive integer, %s", got(v))
		}
		c.Workers = n
	case *lua.LTable:
		poolConfigFields.decode(L, &c, v)
	default:
		L.RaiseError("ExecPool: expects a number of workers or a table of fields, as in ExecPool{workers=4}, got %s", typeName(v))
	}
	if L.GetTop() > 1 {
		L.RaiseError("ExecPool: expects one argument, got %d", L.GetTop())
	}
	if c.launcher == "" {
		c.launcher = s.launcher
	}
	if c.launcher == "slurm" {
		l, err := s.slurm()
		if err != nil {
			L.RaiseError("ExecPool: launcher \"slurm\": %v", err)
		}
		c.Launcher, c.LauncherArgs = l, c.slurm.args()
	}
	p, err := s.loop.NewPool(c.Config)
	if err != nil {
		L.RaiseError("ExecPool: %v", err)
	}
	o := &poolObj{s: s, pool: p, launcher: c.launcher}
	s.pools = append(s.pools, o.pool)
	o.ud = poolType.wrap(L, o)
	L.Push(o.ud)
	return 1
}

// poolSpec is what ExecPool{...} says.
type poolSpec struct {
	pool.Config
	launcher string // "local", "slurm", or "" for the command line's
	slurm    slurmSpec
}

// slurmSpec is ExecPool{slurm={partition=, account=, args={...}}}.
type slurmSpec struct {
	partition, account string
	extra              []string
}

// args are srun's options for the pool's jobs.
func (s slurmSpec) args() []string {
	var args []string
	if s.partition != "" {
		args = append(args, "--partition="+s.partition)
	}
	if s.account != "" {
		args = append(args, "--account="+s.account)
	}
	return append(args, s.extra...)
}

var slurmSpecFields = &object[*slurmSpec]{
	kind: "ExecPool: slurm",
	fields: map[string]field[*slurmSpec]{
		"partition": {set: func(s *slurmSpec, v lua.LValue) string { return setString(&s.partition, v, false) }},
		"account":   {set: func(s *slurmSpec, v lua.LValue) string { return setString(&s.account, v, false) }},
		"args": {set: func(s *slurmSpec, v lua.LValue) string {
			if v == lua.LNil {
				s.extra = nil
				return ""
			}
			args, msg := stringList(v)
			if msg == "" {
				s.extra = args
			}
			return msg
		}},
	},
}

// poolConfigFields are ExecPool{...}'s fields; a nil one keeps its default.
var poolConfigFields = &object[*poolSpec]{
	kind: "ExecPool",
	fields: map[string]field[*poolSpec]{
		"launcher": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string {
			name, ok := v.(lua.LString)
			if !ok || name != "local" && name != "slurm" {
				return `must be "local" or "slurm", ` + got(v)
			}
			c.launcher = string(name)
			return ""
		})},
		"slurm": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string {
			tbl, ok := v.(*lua.LTable)
			if !ok {
				return "must be a table {partition=, account=, args={...}}, " + got(v)
			}
			if msg := slurmSpecFields.problems(&c.slurm, tbl); msg != "" {
				return "is wrong: " + msg
			}
			return ""
		})},
		"workers": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string {
			return setInt(&c.Workers, v, 1, math.MaxInt32, "must be a positive integer")
		})},
		"killgrace": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string { return setSeconds(&c.KillGrace, v) })},
		"name":      {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string { return setString(&c.Name, v, true) })},
		"pipelimit": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string {
			return setInt(&c.PipeLimit, v, 0, math.MaxInt, "must be an integer number of bytes ≥ 0")
		})},
		"memlimit": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string { return setGiB(&c.MemLimit, v) })},
		"memsample": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string {
			n, ok := v.(lua.LNumber)
			if !ok {
				return "must be a number of seconds, " + got(v)
			}
			f := float64(n)
			if !(f == 0 || f >= minMemSample.Seconds() && f <= maxMemSample.Seconds()) {
				return fmt.Sprintf("must be 0 (no sampling) or a number of seconds from %g to %g, %s", minMemSample.Seconds(), maxMemSample.Seconds(), got(v))
			}
			c.MemSample = time.Duration(f * float64(time.Second))
			return ""
		})},
		"affinity": {set: nilKeepsDefault(func(c *poolSpec, v lua.LValue) string {
			n, ok := toInt(v, 1, math.MaxInt32)
			if !ok {
				return "must be a number of CPUs per job, an integer ≥ 1, " + got(v)
			}
			c.Affinity = n
			return ""
		})},
	},
}

// minMemSample and maxMemSample bound how often memory is sampled: every
// sample of a process costs a few microseconds.
const (
	minMemSample = 10 * time.Millisecond
	maxMemSample = time.Hour
)

// nilKeepsDefault makes a setter that leaves the default for nil.
func nilKeepsDefault(set func(*poolSpec, lua.LValue) string) func(*poolSpec, lua.LValue) string {
	return func(c *poolSpec, v lua.LValue) string {
		if v == lua.LNil {
			return ""
		}
		return set(c, v)
	}
}

// poolExecute is pool:execute(job [, concur]).
func (s *Script) poolExecute(L *lua.LState) int {
	p := poolType.check(L)
	ud, _ := L.Get(2).(*lua.LUserData)
	var o *jobObj
	if ud != nil {
		o, _ = ud.Value.(*jobObj)
	}
	if o == nil {
		L.RaiseError("pool:execute: expects a Job, got %s", typeName(L.Get(2)))
	}
	concur := true
	switch v := L.Get(3).(type) {
	case *lua.LNilType:
	case lua.LBool:
		concur = bool(v)
	default:
		L.RaiseError("pool:execute: concur must be a boolean, %s", got(v))
	}
	s.flushOutput() // a job sees the files the script wrote, its output comes after the script's
	var err error
	if concur {
		err = p.pool.Execute(o.job)
	} else {
		err = p.pool.ExecuteWait(L.Context(), o.job)
	}
	switch {
	case errors.Is(err, pool.ErrExecuted):
		L.RaiseError("pool:execute: Job %q was already executed", o.job.Name)
	case errors.Is(err, pool.ErrTaskFinished):
		L.RaiseError("pool:execute: Job %q: its Task %q has already finished", o.job.Name, finishedTask(o.task).task.Name)
	case err != nil:
		L.RaiseError("pool:execute: %v", err) // interrupted: the script is stopping
	}
	if concur {
		L.Push(lua.LNumber(0))
		return 1
	}
	if code, ok := o.job.ReturnCode(); ok {
		L.Push(lua.LNumber(code))
		return 1
	}
	L.Push(lua.LNil)
	if o.job.Error != "" {
		L.Push(lua.LString(o.job.Error))
	} else {
		L.Push(lua.LString(o.job.Status))
	}
	return 2
}

// finishedTask is the finished task among t and its ancestors.
func finishedTask(t *taskObj) *taskObj {
	for x := t; x != nil; x = x.parent {
		if x.task.Finished() {
			return x
		}
	}
	return t
}

// poolJoin is pool:join([timeout]).
func (s *Script) poolJoin(L *lua.LState) int {
	p := poolType.check(L)
	var timeout time.Duration
	if msg := setSeconds(&timeout, L.Get(2)); msg != "" {
		L.RaiseError("pool:join: timeout %s", msg)
	}
	s.flushOutput()
	ok, err := p.pool.Join(L.Context(), timeout)
	if err != nil {
		L.RaiseError("pool:join: %v", err)
	}
	L.Push(lua.LBool(ok))
	return 1
}

// poolTerminate is pool:terminate().
func (s *Script) poolTerminate(L *lua.LState) int {
	p := poolType.check(L)
	if err := p.pool.Terminate(L.Context(), "pool:terminate()"); err != nil {
		L.RaiseError("pool:terminate: %v", err)
	}
	return 0
}
