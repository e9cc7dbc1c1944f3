package lua

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

/* load lib {{{ */

// The loaders of Lua 5.1's loadlib.c: package.preload, Lua files on
// package.path, and C libraries on package.cpath, which gopher-lua cannot
// load (as a Lua 5.1 built without dynamic libraries).
var loLoaders = []LGFunction{loLoaderPreload, loLoaderLua, loLoaderC, loLoaderCRoot}

// dlMessage is Lua 5.1's message where it cannot load C libraries.
const dlMessage = "dynamic libraries not enabled; check your Lua installation"

func loGetPath(env string, defpath string) string {
	path := os.Getenv(env)
	if len(path) == 0 {
		path = defpath
	}
	path = strings.Replace(path, ";;", ";"+defpath+";", -1)
	if os.PathSeparator != '/' {
		dir, err := filepath.Abs(filepath.Dir(os.Args[0]))
		if err != nil {
			panic(err)
		}
		path = strings.Replace(path, "!", dir, -1)
	}
	return path
}

// loFindFile is loadlib.c's findfile: the first readable file the templates
// of package[pname] give for name, or the "no file" lines of the others.
func loFindFile(L *LState, name, pname string) (string, string) {
	name = strings.Replace(name, ".", string(os.PathSeparator), -1)
	lv := L.GetField(L.Get(EnvironIndex), pname)
	if !LVCanConvToString(lv) {
		L.RaiseError("'package.%s' must be a string", pname)
	}
	var messages strings.Builder
	for _, pattern := range strings.Split(LVAsString(lv), ";") {
		if pattern == "" {
			continue
		}
		filename := strings.Replace(pattern, "?", name, -1)
		if f, err := os.Open(filename); err == nil {
			f.Close()
			return filename, ""
		}
		fmt.Fprintf(&messages, "\n\tno file '%s'", filename)
	}
	return "", messages.String()
}

func OpenPackage(L *LState) int {
	packagemod := L.RegisterModule(LoadLibName, loFuncs)

	L.SetField(packagemod, "preload", L.NewTable())

	// As in Lua 5.1, the environment of the loaders, require and module is
	// the package table, where they find path, cpath, preload and loaders.
	packageFunction := func(fn LGFunction) *LFunction {
		f := L.NewFunction(fn)
		f.Env = packagemod.(*LTable)
		return f
	}
	loaders := L.CreateTable(len(loLoaders), 0)
	for i, loader := range loLoaders {
		L.RawSetInt(loaders, i+1, packageFunction(loader))
	}
	L.SetGlobal("require", packageFunction(loRequire))
	L.SetGlobal("module", packageFunction(loModule))
	L.SetField(packagemod, "loaders", loaders)
	L.SetField(L.Get(RegistryIndex), "_LOADERS", loaders)

	loaded := L.NewTable()
	L.SetField(packagemod, "loaded", loaded)
	L.SetField(L.Get(RegistryIndex), "_LOADED", loaded)

	L.SetField(packagemod, "path", LString(loGetPath(LuaPath, LuaPathDefault)))
	L.SetField(packagemod, "cpath", LString(loGetPath("LUA_CPATH", "./?.so;"+LuaLDir+"/../../lib/lua/5.1/?.so;/usr/local/lib/lua/5.1/loadall.so")))

	L.SetField(packagemod, "config", LString(LuaDirSep+"\n"+LuaPathSep+
		"\n"+LuaPathMark+"\n"+LuaExecDir+"\n"+LuaIgMark+"\n"))

	L.Push(packagemod)
	return 1
}

var loFuncs = map[string]LGFunction{
	"loadlib": loLoadLib,
	"seeall":  loSeeAll,
}

func loLoaderPreload(L *LState) int {
	name := L.CheckString(1)
	preload := L.GetField(L.Get(EnvironIndex), "preload")
	if _, ok := preload.(*LTable); !ok {
		L.RaiseError("'package.preload' must be a table")
	}
	lv := L.GetField(preload, name)
	if lv == LNil {
		L.Push(LString(fmt.Sprintf("\n\tno field package.preload['%s']", name)))
		return 1
	}
	L.Push(lv)
	return 1
}

func loLoaderLua(L *LState) int {
	name := L.CheckString(1)
	path, msg := loFindFile(L, name, "path")
	if len(path) == 0 {
		L.Push(LString(msg))
		return 1
	}
	fn, err := loadFileChunk(L, path)
	if err != "" {
		L.RaiseError("error loading module '%s' from file '%s':\n\t%s", name, path, err)
	}
	L.Push(fn)
	return 1
}

// loLoaderC finds a C library for the module on package.cpath; it cannot
// load it.
func loLoaderC(L *LState) int {
	name := L.CheckString(1)
	path, msg := loFindFile(L, name, "cpath")
	if len(path) == 0 {
		L.Push(LString(msg))
		return 1
	}
	L.RaiseError("error loading module '%s' from file '%s':\n\t%s", name, path, dlMessage)
	return 0
}

// loLoaderCRoot looks for the C library of the root of a module a.b.c.
func loLoaderCRoot(L *LState) int {
	name := L.CheckString(1)
	root, _, dotted := strings.Cut(name, ".")
	if !dotted {
		return 0
	}
	path, msg := loFindFile(L, root, "cpath")
	if len(path) == 0 {
		L.Push(LString(msg))
		return 1
	}
	L.RaiseError("error loading module '%s' from file '%s':\n\t%s", name, path, dlMessage)
	return 0
}

// loLoadLib is package.loadlib where C libraries cannot be loaded: nil, the
// message, "absent" (as Lua 5.1 built without them).
func loLoadLib(L *LState) int {
	L.CheckString(1)
	L.CheckString(2)
	L.Push(LNil)
	L.Push(LString(dlMessage))
	L.Push(LString("absent"))
	return 3
}

func loSeeAll(L *LState) int {
	mod := L.CheckTable(1)
	mt := L.GetMetatable(mod)
	if mt == LNil {
		mt = L.CreateTable(0, 1)
		L.SetMetatable(mod, mt)
	}
	L.SetField(mt, "__index", L.Get(GlobalsIndex))
	return 0
}

/* }}} */

//
