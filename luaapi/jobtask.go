package luaapi

import (
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// What Job and Task objects have alike in Lua: the script they belong to,
// their userdata, params and callbacks, the fields that work the same way on
// both (name, timeout, stdout, stderr, status, params, onstart, ondone,
// onfinish), and their constructor's steps.

// luaObject is the Lua side of a Job or a Task.
type luaObject struct {
	s                         *Script
	ud                        *lua.LUserData
	params                    lua.LValue
	onstart, ondone, onfinish *lua.LFunction
}

func (o *luaObject) lua() *luaObject { return o }

// call runs one of the object's callbacks (see Script.call); callback names
// it in error messages.
func (o *luaObject) call(fn *lua.LFunction, callback string) error {
	return o.s.call(fn, o.ud, func() string {
		sp := o.ud.Value.(specObject).spec()
		return fmt.Sprintf("%s %q %s", strings.ToLower(sp.kind), *sp.name, callback)
	})
}

// specObject is a Job or a Task object: jobObj or taskObj.
type specObject interface {
	lua() *luaObject
	// spec points at the fields of the pool object that both kinds have.
	spec() spec
	// bind hands the object's callbacks to the pool object.
	bind()
}

// spec points at the fields that pool.Job and pool.Task have alike.
type spec struct {
	kind           string // "Job" or "Task"
	name           *string
	timeout        *time.Duration
	stdout, stderr *pool.Dest
	status         *pool.Status
}

// specType is the object type of Job or Task (kind): its own fields and the
// shared ones, whose spec fields are frozen, for the reason frozen says, once
// inUse.
func specType[T specObject](kind, frozen string, inUse func(T) bool, fields map[string]field[T]) *object[T] {
	return &object[T]{
		kind:     kind,
		typeName: "expool." + kind,
		str: func(o T) string {
			sp := o.spec()
			return fmt.Sprintf("%s %q (%s)", kind, *sp.name, statusValue(*sp.status))
		},
		describe: func(o T) string { return fmt.Sprintf("%s %q", kind, *o.spec().name) },
		inUse:    inUse,
		frozen:   frozen,
		fields:   withSharedFields(fields),
	}
}

// withSharedFields adds to fields those that Job and Task have alike.
func withSharedFields[T specObject](fields map[string]field[T]) map[string]field[T] {
	fields["name"] = field[T]{spec: true,
		get: func(o T) lua.LValue { return lua.LString(*o.spec().name) },
		set: func(o T, v lua.LValue) string { return setString(o.spec().name, v, true) }}
	fields["timeout"] = field[T]{spec: true,
		get: func(o T) lua.LValue { return getSeconds(*o.spec().timeout) },
		set: func(o T, v lua.LValue) string { return setSeconds(o.spec().timeout, v) }}
	fields["stdout"] = field[T]{spec: true,
		get: func(o T) lua.LValue { return o.lua().s.destValue(*o.spec().stdout) },
		set: func(o T, v lua.LValue) string { return setDest(o.spec().stdout, v, false) }}
	fields["stderr"] = field[T]{spec: true,
		get: func(o T) lua.LValue { return o.lua().s.destValue(*o.spec().stderr) },
		set: func(o T, v lua.LValue) string { return setDest(o.spec().stderr, v, true) }}
	fields["status"] = field[T]{get: func(o T) lua.LValue { return statusValue(*o.spec().status) }}
	fields["params"] = field[T]{
		get: func(o T) lua.LValue { return o.lua().params },
		set: func(o T, v lua.LValue) string { o.lua().params = v; return "" }}
	fields["onstart"] = callbackField[T](func(o *luaObject) **lua.LFunction { return &o.onstart })
	fields["ondone"] = callbackField[T](func(o *luaObject) **lua.LFunction { return &o.ondone })
	fields["onfinish"] = callbackField[T](func(o *luaObject) **lua.LFunction { return &o.onfinish })
	return fields
}

// callbackField is a spec field holding a Lua function; the object binds its
// callbacks again after it is set.
func callbackField[T specObject](fn func(o *luaObject) **lua.LFunction) field[T] {
	return field[T]{spec: true,
		get: func(o T) lua.LValue { return getFunction(*fn(o.lua())) },
		set: func(o T, v lua.LValue) string {
			if msg := setFunction(fn(o.lua()), v); msg != "" {
				return msg
			}
			o.bind()
			return ""
		}}
}

// construct is the constructor Job{...} or Task{...}: it decodes the table
// of fields into o, which must get a name, and pushes o's userdata. example
// shows a right call in the error for a wrong one.
func construct[T specObject](L *lua.LState, ob *object[T], o T, example string) int {
	tbl, ok := L.Get(1).(*lua.LTable)
	if !ok || L.GetTop() != 1 {
		L.RaiseError("%s: expects one table of fields, as in %s, got %s", ob.kind, example, typeName(L.Get(1)))
	}
	ob.decode(L, o, tbl)
	if *o.spec().name == "" {
		L.RaiseError("%s: field \"name\" is required", ob.kind)
	}
	o.lua().ud = ob.wrap(L, o)
	L.Push(o.lua().ud)
	return 1
}

func statusValue(st pool.Status) lua.LValue {
	if st == "" {
		return lua.LString(pool.StatusPending)
	}
	return lua.LString(st)
}
