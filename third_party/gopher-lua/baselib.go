package lua

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"syscall"

	"github.com/yuin/gopher-lua/internal/cnum"
)

/* basic functions {{{ */

func OpenBase(L *LState) int {
	global := L.Get(GlobalsIndex).(*LTable)
	L.SetGlobal("_G", global)
	L.SetGlobal("_VERSION", LString(LuaVersion))
	basemod := L.RegisterModule("_G", baseFuncs)
	global.RawSetString("ipairs", L.NewClosure(baseIpairs, L.NewFunction(ipairsaux)))
	global.RawSetString("pairs", L.NewClosure(basePairs, L.NewFunction(pairsaux)))
	L.Push(basemod)
	return 1
}

var baseFuncs = map[string]LGFunction{
	"assert":         baseAssert,
	"collectgarbage": baseCollectGarbage,
	"dofile":         baseDoFile,
	"error":          baseError,
	"gcinfo":         baseGcinfo,
	"getfenv":        baseGetFEnv,
	"getmetatable":   baseGetMetatable,
	"load":           baseLoad,
	"loadfile":       baseLoadFile,
	"loadstring":     baseLoadString,
	"next":           baseNext,
	"pcall":          basePCall,
	"print":          basePrint,
	"rawequal":       baseRawEqual,
	"rawget":         baseRawGet,
	"rawset":         baseRawSet,
	"select":         baseSelect,
	"setfenv":        baseSetFEnv,
	"setmetatable":   baseSetMetatable,
	"tonumber":       baseToNumber,
	"tostring":       baseToString,
	"type":           baseType,
	"unpack":         baseUnpack,
	"xpcall":         baseXPCall,
	// hidden features
	"newproxy": baseNewProxy,
}

func baseAssert(L *LState) int {
	L.CheckAny(1)
	if !L.ToBool(1) {
		L.RaiseError("%s", L.OptString(2, "assertion failed!"))
		return 0
	}
	return L.GetTop()
}

// baseCollectGarbage is Lua 5.1's collectgarbage on Go's collector:
// "collect" and "step" run it, "count" is the heap in use, in KiB;
// "setpause" and "setstepmul" keep their values without effect.
func baseCollectGarbage(L *LState) int {
	opt := L.OptString(1, "collect")
	arg := L.OptInt(2, 0)
	switch opt {
	case "collect":
		runtime.GC()
		L.Push(LNumber(0))
	case "count":
		L.Push(LNumber(float64(heapInUse()) / 1024))
	case "step":
		runtime.GC()
		L.Push(LTrue)
	case "stop", "restart":
		L.Push(LNumber(0))
	case "setpause":
		L.Push(LNumber(L.G.gcPause))
		L.G.gcPause = arg
	case "setstepmul":
		L.Push(LNumber(L.G.gcStepmul))
		L.G.gcStepmul = arg
	default:
		L.ArgError(1, "invalid option '"+opt+"'")
	}
	return 1
}

// baseGcinfo is Lua 5.1's gcinfo: the heap in use, in whole KiB.
func baseGcinfo(L *LState) int {
	L.Push(LNumber(heapInUse() / 1024))
	return 1
}

func heapInUse() uint64 {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

func baseDoFile(L *LState) int {
	top := L.GetTop()
	fn, err := loadFileChunk(L, L.OptString(1, ""))
	if err != "" {
		L.Push(LString(err))
		L.Panic(L)
	}
	L.Push(fn)
	L.Call(0, MultRet)
	return L.GetTop() - top
}

// baseError is Lua 5.1's error: a string or a number gets the position of
// the given level; other values are raised as they are.
func baseError(L *LState) int {
	obj := L.Get(1)
	level := L.OptInt(2, 1)
	if n, ok := obj.(LNumber); ok {
		obj = LString(n.String())
	}
	L.Error(obj, level)
	return 0
}

func baseGetFEnv(L *LState) int {
	var value LValue
	if L.GetTop() == 0 {
		value = LNumber(1)
	} else {
		value = L.Get(1)
	}

	if fn, ok := value.(*LFunction); ok {
		if !fn.IsG {
			L.Push(fn.Env)
		} else {
			L.Push(L.G.Global)
		}
		return 1
	}

	if number, ok := value.(LNumber); ok {
		level := int(float64(number))
		if level <= 0 {
			L.Push(L.Env)
		} else {
			cf := L.currentFrame
			for i := 0; i < level && cf != nil; i++ {
				cf = cf.Parent
			}
			if cf == nil || cf.Fn.IsG {
				L.Push(L.G.Global)
			} else {
				L.Push(cf.Fn.Env)
			}
		}
		return 1
	}

	L.Push(L.G.Global)
	return 1
}

func baseGetMetatable(L *LState) int {
	L.Push(L.GetMetatable(L.CheckAny(1)))
	return 1
}

func ipairsaux(L *LState) int {
	i := L.CheckInt(2)
	tb := L.CheckTable(1)
	i++
	v := tb.RawGetInt(i)
	if v == LNil {
		return 0
	}
	L.Pop(1)
	L.Push(LNumber(i))
	L.Push(v)
	return 2
}

func baseIpairs(L *LState) int {
	tb := L.CheckTable(1)
	L.Push(L.Get(UpvalueIndex(1)))
	L.Push(tb)
	L.Push(LNumber(0))
	return 3
}

func loadaux(L *LState, reader io.Reader, chunkname string) int {
	if fn, err := L.load(reader, chunkname, true); err != nil {
		L.Push(LNil)
		L.Push(LString(loadErrorMessage(err)))
		return 2
	} else {
		L.Push(fn)
		return 1
	}
}

// loadErrorMessage is the message of a failed load: the syntax error as
// Lua 5.1 words it.
func loadErrorMessage(err error) string {
	if aerr, ok := err.(*ApiError); ok {
		return aerr.Object.String()
	}
	return err.Error()
}

// baseLoad is Lua 5.1's load: the chunk is what the function returns,
// piece by piece, until nil or an empty string.
func baseLoad(L *LState) int {
	fn := L.CheckFunction(1)
	chunkname := L.OptString(2, "=(load)")
	var buf strings.Builder
	L.SetTop(2)
	for {
		L.Push(fn)
		if err := L.PCall(0, 1, nil); err != nil {
			aerr := err.(*ApiError)
			if aerr.Type == ApiErrorPanic {
				panic(aerr)
			}
			L.Push(LNil)
			L.Push(aerr.Object)
			return 2
		}
		ret := L.reg.Pop()
		if ret == LNil {
			break
		}
		s, ok := ret.(LString)
		if n, isNumber := ret.(LNumber); isNumber {
			s, ok = LString(n.String()), true
		}
		if !ok {
			L.Push(LNil)
			L.Push(LString(L.luaWhere(1) + "reader function must return a string"))
			return 2
		}
		if s == "" {
			break
		}
		buf.WriteString(string(s))
	}
	return loadaux(L, strings.NewReader(buf.String()), chunkname)
}

func baseLoadFile(L *LState) int {
	fn, err := loadFileChunk(L, L.OptString(1, ""))
	if err != "" {
		L.Push(LNil)
		L.Push(LString(err))
		return 2
	}
	L.Push(fn)
	return 1
}

// loadFileChunk is luaL_loadfile: the file (standard input when name is
// ""), a first line starting with '#' left out, or a message as Lua 5.1's.
func loadFileChunk(L *LState, name string) (*LFunction, string) {
	var src []byte
	var err error
	chunkname := "@" + name
	if name == "" {
		chunkname = "=stdin"
		src, err = io.ReadAll(os.Stdin)
	} else {
		src, err = os.ReadFile(name)
	}
	if err != nil {
		what := "read"
		if os.IsNotExist(err) || os.IsPermission(err) {
			what = "open"
		}
		return nil, fmt.Sprintf("cannot %s %s: %s", what, chunkID(chunkname, false), Strerror(err))
	}
	if len(src) > 0 && src[0] == '#' {
		if i := strings.IndexByte(string(src), '\n'); i >= 0 {
			src = src[i:]
		} else {
			src = nil
		}
	}
	fn, lerr := L.Load(strings.NewReader(string(src)), chunkname)
	if lerr != nil {
		return nil, loadErrorMessage(lerr)
	}
	return fn, ""
}

// Strerror words an error of the operating system as C's strerror does
// with glibc ("No such file or directory").
func Strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			return strings.ToUpper(msg[:1]) + msg[1:]
		}
	}
	return err.Error()
}

func baseLoadString(L *LState) int {
	s := L.CheckString(1)
	return loadaux(L, strings.NewReader(s), L.OptString(2, s))
}

func baseNext(L *LState) int {
	tb := L.CheckTable(1)
	index := L.Get(2)
	key, value, ok := tb.next(index)
	if !ok {
		L.RaiseError("invalid key to 'next'")
	}
	if key == LNil {
		L.Push(LNil)
		return 1
	}
	L.Push(key)
	L.Push(value)
	return 2
}

func pairsaux(L *LState) int {
	tb := L.CheckTable(1)
	key, value, ok := tb.next(L.Get(2))
	if !ok {
		L.RaiseError("invalid key to 'next'")
	}
	if key == LNil {
		L.Push(LNil)
		return 1
	}
	L.Pop(1)
	L.Push(key)
	L.Push(key)
	L.Push(value)
	return 2
}

func basePairs(L *LState) int {
	tb := L.CheckTable(1)
	L.Push(L.Get(UpvalueIndex(1)))
	L.Push(tb)
	L.Push(LNil)
	return 3
}

func basePCall(L *LState) int {
	L.CheckAny(1)
	nargs := L.GetTop() - 1
	L.noTraceNext = true
	if err := L.PCall(nargs, MultRet, nil); err != nil {
		aerr := err.(*ApiError)
		if aerr.Type == ApiErrorPanic {
			panic(aerr) // a bug of the VM, not the script's error
		}
		L.Push(LFalse)
		L.Push(aerr.Object)
		return 2
	} else {
		L.Insert(LTrue, 1)
		return L.GetTop()
	}
}

// basePrint is Lua 5.1's print: each argument through the global tostring
// (an error if that does not return a string), each ending at its first
// NUL as C's fputs writes it, the line written at once to io.stdout.
func basePrint(L *LState) int {
	var b strings.Builder
	PrintLine(L, &b)
	WriteStdout(L, b.String())
	return 0
}

// PrintLine writes to b the line Lua 5.1's print writes for the arguments
// of the running function.
func PrintLine(L *LState, b *strings.Builder) {
	tostring := L.GetGlobal("tostring")
	top := L.GetTop()
	for i := 1; i <= top; i++ {
		L.Push(tostring)
		L.Push(L.Get(i))
		L.Call(1, 1)
		s, ok := L.Get(-1).(LString)
		if !ok {
			if n, isNumber := L.Get(-1).(LNumber); isNumber {
				s = LString(n.String())
			} else {
				L.RaiseError("'tostring' must return a string to 'print'")
			}
		}
		L.Pop(1)
		if i > 1 {
			b.WriteByte('\t')
		}
		str := string(s)
		if j := strings.IndexByte(str, 0); j >= 0 {
			str = str[:j]
		}
		b.WriteString(str)
	}
	b.WriteByte('\n')
}

func baseRawEqual(L *LState) int {
	if L.CheckAny(1) == L.CheckAny(2) {
		L.Push(LTrue)
	} else {
		L.Push(LFalse)
	}
	return 1
}

func baseRawGet(L *LState) int {
	L.Push(L.RawGet(L.CheckTable(1), L.CheckAny(2)))
	return 1
}

func baseRawSet(L *LState) int {
	L.RawSet(L.CheckTable(1), L.CheckAny(2), L.CheckAny(3))
	return 0
}

func baseSelect(L *LState) int {
	n := L.GetTop()
	if s, ok := L.Get(1).(LString); ok && strings.HasPrefix(string(s), "#") {
		L.Push(LNumber(n - 1))
		return 1
	}
	i := L.CheckInt(1)
	if i < 0 {
		i = n + i
	} else if i > n {
		i = n
	}
	if i < 1 {
		L.ArgError(1, "index out of range")
	}
	return n - i
}

func baseSetFEnv(L *LState) int {
	var value LValue
	if L.GetTop() == 0 {
		value = LNumber(1)
	} else {
		value = L.Get(1)
	}
	env := L.CheckTable(2)

	if fn, ok := value.(*LFunction); ok {
		if fn.IsG {
			L.RaiseError("cannot change the environment of given object")
		} else {
			fn.Env = env
			L.Push(fn)
			return 1
		}
	}

	if number, ok := value.(LNumber); ok {
		level := int(float64(number))
		if level <= 0 {
			L.Env = env
			return 0
		}

		cf := L.currentFrame
		for i := 0; i < level && cf != nil; i++ {
			cf = cf.Parent
		}
		if cf == nil || cf.Fn.IsG {
			L.RaiseError("cannot change the environment of given object")
		} else {
			cf.Fn.Env = env
			L.Push(cf.Fn)
			return 1
		}
	}

	L.RaiseError("cannot change the environment of given object")
	return 0
}

func baseSetMetatable(L *LState) int {
	t := L.Get(2).Type()
	L.CheckTable(1)
	if t != LTNil && t != LTTable {
		L.ArgError(2, "nil or table expected")
	}
	obj := L.Get(1)
	if m := L.metatable(obj, true); m != LNil {
		if tb, ok := m.(*LTable); ok && tb.RawGetString("__metatable") != LNil {
			L.RaiseError("cannot change a protected metatable")
		}
	}
	L.SetMetatable(obj, L.Get(2))
	L.SetTop(1)
	return 1
}

// baseToNumber is Lua 5.1's tonumber: base 10 converts as arithmetic
// does, other bases read an unsigned integer as C's strtoul.
func baseToNumber(L *LState) int {
	base := 10
	if L.Get(2) != LNil {
		base = L.CheckInt(2)
	}
	if base == 10 {
		switch lv := L.CheckAny(1).(type) {
		case LNumber:
			L.Push(lv)
			return 1
		case LString:
			if v, err := parseNumber(string(lv)); err == nil {
				L.Push(v)
				return 1
			}
		}
		L.Push(LNil)
		return 1
	}
	s := L.CheckString(1)
	if base < 2 || base > 36 {
		L.ArgError(2, "base out of range")
	}
	if n, ok := strtoul(s, base); ok {
		L.Push(LNumber(float64(n)))
		return 1
	}
	L.Push(LNil)
	return 1
}

// strtoul reads s as tonumber does with C's strtoul: spaces, a sign (a
// minus negates the unsigned result), "0x" in base 16, digits of the base
// (at least one), spaces. Out of range, it is the largest unsigned long.
func strtoul(s string, base int) (uint64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && cnum.IsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitValue(s[i+2]) < 16 {
		i += 2
	}
	var n uint64
	overflow := false
	start := i
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		}
		n = n*uint64(base) + uint64(d)
	}
	if i == start {
		return 0, false
	}
	for i < len(s) && cnum.IsSpace(s[i]) {
		i++
	}
	if i != len(s) {
		return 0, false
	}
	switch {
	case overflow:
		n = math.MaxUint64
	case neg:
		n = -n
	}
	return n, true
}

// digitValue is the value of c as a digit of base 36, or 36.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 36
}

// baseToString is Lua 5.1's tostring: __tostring's result, whatever it is.
func baseToString(L *LState) int {
	v1 := L.CheckAny(1)
	if fn, ok := L.metaOp1(v1, "__tostring").(*LFunction); ok {
		L.Push(fn)
		L.Push(v1)
		L.Call(1, 1)
		return 1
	}
	L.Push(LString(v1.String()))
	return 1
}

func baseType(L *LState) int {
	L.Push(LString(L.CheckAny(1).Type().String()))
	return 1
}

// maxCStack is Lua 5.1's LUAI_MAXCSTACK: the most values a Go function
// may push (unpack's "too many results").
const maxCStack = 8000

func baseUnpack(L *LState) int {
	tb := L.CheckTable(1)
	start := L.OptInt(2, 1)
	end := tb.Len()
	if L.Get(3) != LNil {
		end = L.CheckInt(3)
	}
	if start > end {
		return 0
	}
	n := end - start + 1
	if n <= 0 || n > maxCStack-L.GetTop() {
		L.RaiseError("too many results to unpack")
	}
	for i := start; i <= end; i++ {
		L.Push(tb.RawGetInt(i))
	}
	return n
}

// baseXPCall is Lua 5.1's xpcall: the handler may be any value; when it is
// not a function, or fails, the error is "error in error handling".
func baseXPCall(L *LState) int {
	L.CheckAny(2)
	L.SetTop(2)
	fn := L.Get(1)
	handler, ok := L.Get(2).(*LFunction)
	if !ok {
		handler = L.NewFunction(func(L *LState) int {
			L.RaiseError("error in error handling")
			return 0
		})
	}
	top := L.GetTop()
	L.Push(fn)
	L.noTraceNext = true
	if err := L.PCall(0, MultRet, handler); err != nil {
		aerr := err.(*ApiError)
		if aerr.Type == ApiErrorPanic {
			panic(aerr)
		}
		L.Push(LFalse)
		L.Push(aerr.Object)
		return 2
	} else {
		L.Insert(LTrue, top+1)
		return L.GetTop() - top
	}
}

/* }}} */

/* load lib {{{ */

// loModule is Lua 5.1's ll_module: it returns nothing.
func loModule(L *LState) int {
	name := L.CheckString(1)
	loaded := L.GetField(L.Get(RegistryIndex), "_LOADED")
	tb := L.GetField(loaded, name)
	if _, ok := tb.(*LTable); !ok {
		tb = L.FindTable(L.Get(GlobalsIndex).(*LTable), name, 1)
		if tb == LNil {
			L.RaiseError("name conflict for module '%s'", name)
		}
		L.SetField(loaded, name, tb)
	}
	if L.GetField(tb, "_NAME") == LNil {
		L.SetField(tb, "_M", tb)
		L.SetField(tb, "_NAME", LString(name))
		pname := ""
		if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
			pname = name[:dot+1]
		}
		L.SetField(tb, "_PACKAGE", LString(pname))
	}

	caller := L.currentFrame.Parent
	if caller == nil || caller.Fn.IsG {
		L.RaiseError("'module' not called from a Lua function")
	}
	L.SetFEnv(caller.Fn, tb)

	top := L.GetTop()
	for i := 2; i <= top; i++ {
		L.Push(L.Get(i))
		L.Push(tb)
		L.Call(1, 0)
	}
	return 0
}

var loopdetection = &LUserData{}

// loRequire is Lua 5.1's ll_require: the loaders are those of
// package.loaders (the function's environment is the package table), their
// messages concatenated; a non-nil result of the module replaces
// package.loaded[name].
func loRequire(L *LState) int {
	name := L.CheckString(1)
	L.SetTop(1)
	loaded := L.GetField(L.Get(RegistryIndex), "_LOADED")
	lv := L.GetField(loaded, name)
	if LVAsBool(lv) {
		if lv == loopdetection {
			L.RaiseError("loop or previous error loading module '%s'", name)
		}
		L.Push(lv)
		return 1
	}
	loaders, ok := L.GetField(L.Get(EnvironIndex), "loaders").(*LTable)
	if !ok {
		L.RaiseError("'package.loaders' must be a table")
	}
	var messages strings.Builder
	var modasfunc LValue
	for i := 1; ; i++ {
		loader := L.RawGetInt(loaders, i)
		if loader == LNil {
			L.RaiseError("module '%s' not found:%s", name, messages.String())
		}
		L.Push(loader)
		L.Push(LString(name))
		L.Call(1, 1)
		ret := L.reg.Pop()
		if ret.Type() == LTFunction {
			modasfunc = ret
			break
		}
		if LVCanConvToString(ret) {
			messages.WriteString(LVAsString(ret))
		}
	}
	L.SetField(loaded, name, loopdetection)
	L.Push(modasfunc)
	L.Push(LString(name))
	L.Call(1, 1)
	if ret := L.reg.Pop(); ret != LNil {
		L.SetField(loaded, name, ret)
	}
	modv := L.GetField(loaded, name)
	if modv == loopdetection {
		modv = LTrue
		L.SetField(loaded, name, modv)
	}
	L.Push(modv)
	return 1
}

/* }}} */

/* hidden features {{{ */

func baseNewProxy(L *LState) int {
	L.SetTop(1)
	ud := L.NewUserData()
	arg := L.Get(1)
	switch {
	case !LVAsBool(arg):
	case arg == LTrue:
		mt := L.NewTable()
		L.G.proxyMetatables[mt] = true
		L.SetMetatable(ud, mt)
	default:
		mt, ok := L.GetMetatable(arg).(*LTable)
		if _, isUd := arg.(*LUserData); !isUd || !ok || !L.G.proxyMetatables[mt] {
			L.ArgError(1, "boolean or proxy expected")
		}
		L.SetMetatable(ud, mt)
	}
	L.Push(ud)
	return 1
}

/* }}} */

//
