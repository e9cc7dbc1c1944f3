package luaapi

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"expool/pool"
)

// field describes one field of a Lua object: how to read it and, unless it is
// read-only, how to set it. A set function returns what is wrong with the
// value ("must be a string, got number"), or "".
type field[T any] struct {
	get func(o T) lua.LValue
	set func(o T, v lua.LValue) string
	// spec fields can be set only until the object is in use (a job
	// executed, a task with members); the others whenever.
	spec bool
}

// object is a Lua-visible Go object with named fields, exposed as userdata
// with __index and __newindex metamethods over its field table.
//
// gopher-luar is not used here, though it exposes Go structs to Lua: it lets
// Lua write every exported field by reflection, with no validation, no
// read-only fields and no "frozen once executed" rule; it would fill a
// time.Duration with a number of nanoseconds; and a nil-able returncode would
// come out as userdata. Each field here converts its value explicitly and
// names what is wrong with it.
type object[T any] struct {
	kind     string // "Job", "Task", "ExecPool"
	typeName string // of its metatable: "expool.Job"
	fields   map[string]field[T]
	// str is what tostring() shows.
	str func(o T) string
	// describe names one object in errors: `Job "x"`.
	describe func(o T) string
	// inUse reports whether spec fields are frozen, and frozen says why.
	inUse  func(o T) bool
	frozen string
}

// decode sets o's fields from the constructor table tbl, raising a Lua error
// naming the first wrong field (in sorted order, so errors are repeatable).
// A right table, the common case, is decoded without allocating.
func (ob *object[T]) decode(L *lua.LState, o T, tbl *lua.LTable) {
	if msg := ob.problems(o, tbl); msg != "" {
		L.RaiseError("%s: %s", ob.kind, msg)
	}
}

// problems sets o's fields from tbl and says what is wrong with the first
// wrong field, in sorted order, or returns "".
func (ob *object[T]) problems(o T, tbl *lua.LTable) string {
	bad := false
	for k, v := tbl.Next(lua.LNil); k != lua.LNil; k, v = tbl.Next(k) {
		if ob.problem(o, k, v) != "" {
			bad = true
			break
		}
	}
	if !bad {
		return ""
	}
	type kv struct{ k, v lua.LValue }
	var fields []kv
	tbl.ForEach(func(k, v lua.LValue) { fields = append(fields, kv{k, v}) })
	sort.Slice(fields, func(i, j int) bool { return sortKey(fields[i].k) < sortKey(fields[j].k) })
	for _, f := range fields {
		if msg := ob.problem(o, f.k, f.v); msg != "" {
			return msg
		}
	}
	return ""
}

// sortKey orders non-string keys first, then field names.
func sortKey(k lua.LValue) string {
	if s, ok := k.(lua.LString); ok {
		return "1" + string(s)
	}
	return "0"
}

// problem sets the field k of o to v, or says what is wrong.
func (ob *object[T]) problem(o T, k, v lua.LValue) string {
	key, ok := k.(lua.LString)
	if !ok {
		return fmt.Sprintf("field names must be strings, %s (fields are named, as in %s{name=\"x\"})", got(k), ob.kind)
	}
	f, ok := ob.fields[string(key)]
	switch {
	case !ok:
		return fmt.Sprintf("unknown field %q%s", string(key), ob.suggest(string(key)))
	case f.set == nil:
		return fmt.Sprintf("field %q is read-only", string(key))
	}
	if msg := f.set(o, v); msg != "" {
		return fmt.Sprintf("field %q %s", string(key), msg)
	}
	return ""
}

// suggest proposes the known field nearest to a misspelt one.
func (ob *object[T]) suggest(key string) string {
	best, bestDist := "", 3
	for name, f := range ob.fields {
		if f.set == nil {
			continue
		}
		if d := editDistance(strings.ToLower(key), name); d < bestDist || d == bestDist && name < best {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// register installs the metatable of the object's type.
func (ob *object[T]) register(L *lua.LState) {
	mt := L.NewTypeMetatable(ob.typeName)
	L.SetField(mt, "__index", L.NewFunction(guarded(ob.index)))
	L.SetField(mt, "__newindex", L.NewFunction(guarded(ob.newIndex)))
	L.SetField(mt, "__tostring", L.NewFunction(guarded(func(L *lua.LState) int {
		L.Push(lua.LString(ob.str(ob.check(L))))
		return 1
	})))
	L.SetField(mt, "__metatable", lua.LString(ob.typeName))
}

// wrap makes the userdata that stands for o in Lua.
func (ob *object[T]) wrap(L *lua.LState, o T) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = o
	L.SetMetatable(ud, L.GetTypeMetatable(ob.typeName))
	return ud
}

// check returns the object in argument 1 of a metamethod or method.
func (ob *object[T]) check(L *lua.LState) T {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if o, ok := ud.Value.(T); ok {
			return o
		}
	}
	hint := ""
	if ob.kind == "ExecPool" {
		hint = " (call methods with a colon: pool:execute(job))"
	}
	L.RaiseError("expected %s %s%s, got %s", article(ob.kind), ob.kind, hint, typeName(L.Get(1)))
	var zero T
	return zero
}

func article(kind string) string {
	if strings.ContainsRune("AEIOU", rune(kind[0])) {
		return "an"
	}
	return "a"
}

// index is the __index metamethod.
func (ob *object[T]) index(L *lua.LState) int {
	o := ob.check(L)
	key := L.CheckString(2)
	f, ok := ob.fields[key]
	if !ok {
		L.RaiseError("%s has no field %q", ob.describe(o), key)
	}
	L.Push(f.get(o))
	return 1
}

// newIndex is the __newindex metamethod.
func (ob *object[T]) newIndex(L *lua.LState) int {
	o := ob.check(L)
	key := L.CheckString(2)
	f, ok := ob.fields[key]
	switch {
	case !ok:
		L.RaiseError("%s: unknown field %q%s", ob.describe(o), key, ob.suggest(key))
	case f.set == nil:
		L.RaiseError("%s: field %q is read-only", ob.describe(o), key)
	case f.spec && ob.inUse != nil && ob.inUse(o):
		L.RaiseError("%s: field %q cannot change %s", ob.describe(o), key, ob.frozen)
	}
	if msg := f.set(o, L.Get(3)); msg != "" {
		L.RaiseError("%s: field %q %s", ob.describe(o), key, msg)
	}
	return 0
}

// typeName is the Lua type of v, or the expool class of a userdata.
func typeName(v lua.LValue) string {
	if ud, ok := v.(*lua.LUserData); ok {
		switch ud.Value.(type) {
		case *jobObj:
			return "Job"
		case *taskObj:
			return "Task"
		case *poolObj:
			return "ExecPool"
		case destValue:
			return "output destination"
		}
	}
	return v.Type().String()
}

// shortValue shows a scalar value in an error message.
func shortValue(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber, lua.LBool:
		return v.String()
	case lua.LString:
		s := string(v)
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return fmt.Sprintf("%q", s)
	}
	return ""
}

func got(v lua.LValue) string {
	if s := shortValue(v); s != "" {
		return "got " + typeName(v) + " " + s
	}
	return "got " + typeName(v)
}

func setString(dst *string, v lua.LValue, required bool) string {
	switch v := v.(type) {
	case lua.LString:
		if v == "" {
			return "must not be empty"
		}
		*dst = string(v)
		return ""
	case *lua.LNilType:
		if required {
			return "is required"
		}
		*dst = ""
		return ""
	}
	return "must be a string, " + got(v)
}

func getString(s string) lua.LValue {
	if s == "" {
		return lua.LNil
	}
	return lua.LString(s)
}

// forever is the duration of seconds past what a time.Duration holds (about
// 292 years), math.huge included: no timeout, no SIGKILL after SIGTERM.
const forever = time.Duration(math.MaxInt64)

// setSeconds converts seconds to a duration explicitly; nil is 0, and a
// number too large for a duration is forever.
func setSeconds(dst *time.Duration, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber:
		f := float64(v)
		switch {
		case math.IsNaN(f):
			return "must be a number of seconds ≥ 0 (math.huge for forever), got NaN"
		case f < 0:
			return "must be a number of seconds ≥ 0 (math.huge for forever), " + got(v)
		case f*float64(time.Second) >= float64(forever):
			*dst = forever
		default:
			*dst = time.Duration(f * float64(time.Second))
		}
		return ""
	case *lua.LNilType:
		*dst = 0
		return ""
	}
	return "must be a number of seconds, " + got(v)
}

// getSeconds is a duration in seconds; forever is math.huge.
func getSeconds(d time.Duration) lua.LValue {
	if d == forever {
		return lua.LNumber(math.Inf(1))
	}
	return lua.LNumber(d.Seconds())
}

// maxGiB keeps bytes within an int64.
const maxGiB = float64(1<<33) - 1

// setGiB converts GiB, as the Lua API counts memory, to bytes; nil is 0.
func setGiB(dst *int64, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || f < 0 || f > maxGiB {
			return "must be a number of GiB ≥ 0, " + got(v)
		}
		*dst = int64(f * (1 << 30))
		return ""
	case *lua.LNilType:
		*dst = 0
		return ""
	}
	return "must be a number of GiB, " + got(v)
}

// getGiB is bytes in GiB.
func getGiB(b int64) lua.LValue { return lua.LNumber(float64(b) / (1 << 30)) }

// toInt converts an integral Lua number within [lo, hi].
func toInt(v lua.LValue, lo, hi int) (int, bool) {
	n, ok := v.(lua.LNumber)
	if !ok {
		return 0, false
	}
	f := float64(n)
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, false
	}
	return int(f), true
}

// setInt sets an integer within [lo, hi]; must says what it must be.
func setInt(dst *int, v lua.LValue, lo, hi int, must string) string {
	n, ok := toInt(v, lo, hi)
	if !ok {
		return must + ", " + got(v)
	}
	*dst = n
	return ""
}

func setBool(dst *bool, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LBool:
		*dst = bool(v)
		return ""
	case *lua.LNilType:
		*dst = false
		return ""
	}
	return "must be a boolean, " + got(v)
}

func setFunction(dst **lua.LFunction, v lua.LValue) string {
	switch v := v.(type) {
	case *lua.LFunction:
		*dst = v
		return ""
	case *lua.LNilType:
		*dst = nil
		return ""
	}
	return "must be a function, " + got(v)
}

func getFunction(f *lua.LFunction) lua.LValue {
	if f == nil {
		return lua.LNil
	}
	return f
}

// timeValue is seconds since the Unix epoch, or nil for the zero time.
func timeValue(t time.Time) lua.LValue {
	if t.IsZero() {
		return lua.LNil
	}
	return lua.LNumber(float64(t.UnixNano()) / 1e9)
}

// destValue is the Go value of the PIPE, STDOUT and DEVNULL userdata.
type destValue struct{ dest pool.Dest }

// setDest decodes an output destination: a path, PIPE, DEVNULL, STDOUT (for
// stderr only), or nil.
func setDest(dst *pool.Dest, v lua.LValue, allowStdout bool) string {
	switch v := v.(type) {
	case lua.LString:
		if v == "" {
			return "must not be an empty path"
		}
		*dst = pool.File(string(v))
		return ""
	case *lua.LNilType:
		*dst = pool.Inherit
		return ""
	case *lua.LUserData:
		if d, ok := v.Value.(destValue); ok {
			if d.dest.Kind == pool.DestStdout && !allowStdout {
				return "cannot be STDOUT (only stderr can)"
			}
			*dst = d.dest
			return ""
		}
	}
	return "must be a file path, PIPE, DEVNULL or STDOUT, " + got(v)
}

// stringList decodes an array of strings; numbers are converted as Lua does.
func stringList(v lua.LValue) ([]string, string) {
	tbl, ok := v.(*lua.LTable)
	if !ok {
		return nil, "must be an array of strings, " + got(v)
	}
	n := tbl.Len()
	list := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		switch s := tbl.RawGetInt(i).(type) {
		case lua.LString:
			list = append(list, string(s))
		case lua.LNumber:
			list = append(list, s.String())
		default:
			return nil, fmt.Sprintf("[%d] must be a string, %s", i, got(s))
		}
	}
	extra := ""
	tbl.ForEach(func(k, _ lua.LValue) {
		if i, ok := toInt(k, 1, n); !ok || i < 1 {
			if extra == "" {
				extra = fmt.Sprintf("must be an array (keys 1..n), has key %s %s", typeName(k), shortValue(k))
			}
		}
	})
	if extra != "" {
		return nil, extra
	}
	return list, ""
}

func listValue(L *lua.LState, list []string) lua.LValue {
	if list == nil {
		return lua.LNil
	}
	t := L.CreateTable(len(list), 0)
	for _, s := range list {
		t.Append(lua.LString(s))
	}
	return t
}
