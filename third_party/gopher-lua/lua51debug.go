package lua

// Error messages as Lua 5.1 words them: what a value is called in the code
// (ldebug.c's getobjname), what a function is called by its caller
// (getfuncname), and where an error is (luaL_where).

import (
	"errors"
	"fmt"
	"strings"

	"github.com/yuin/gopher-lua/parse"
)

// getObjName says what register reg of proto holds at instruction pc:
// ("local", "t"), ("global", "print"), ("field", "x"), ("upvalue", "n"),
// ("method", "m"), or ("", "") when the code does not say.
func getObjName(proto *FunctionProto, pc, reg int) (kind, name string) {
	if name, ok := activeLocalName(proto, reg, pc); ok {
		return "local", name
	}
	setpc := findSetReg(proto, pc, reg)
	if setpc < 0 {
		return "", ""
	}
	inst := proto.Code[setpc]
	switch opGetOpCode(inst) {
	case OP_GETGLOBAL:
		return "global", constantName(proto, opGetArgBx(inst)|opBitRk)
	case OP_MOVE, OP_MOVEN:
		if b := opGetArgB(inst); b < opGetArgA(inst) {
			return getObjName(proto, setpc, b)
		}
	case OP_GETTABLE, OP_GETTABLEKS:
		return "field", constantName(proto, opGetArgC(inst))
	case OP_GETUPVAL:
		name := "?"
		if b := opGetArgB(inst); b < len(proto.DbgUpvalues) {
			name = proto.DbgUpvalues[b]
		}
		return "upvalue", name
	case OP_SELF:
		return "method", constantName(proto, opGetArgC(inst))
	}
	return "", ""
}

// activeLocalName is the name of the local variable in register reg at
// instruction pc, if there is one (luaF_getlocalname).
func activeLocalName(proto *FunctionProto, reg, pc int) (string, bool) {
	n := reg + 1
	for _, local := range proto.DbgLocals {
		if local.StartPc > pc {
			break
		}
		if pc <= local.EndPc {
			n--
			if n == 0 {
				return local.Name, true
			}
		}
	}
	return "", false
}

// constantName is the name of a field given by the RK operand rk: its
// string constant, or "?".
func constantName(proto *FunctionProto, rk int) string {
	if opIsK(rk) {
		if s, ok := proto.Constants[rk&^opBitRk].(LString); ok {
			return string(s)
		}
	}
	return "?"
}

// findSetReg returns the instruction before lastpc that last set register
// reg, or -1 when that depends on a jump (Lua 5.2's findsetreg, for Lua
// 5.1's instructions).
func findSetReg(proto *FunctionProto, lastpc, reg int) int {
	setreg := -1
	jmptarget := 0 // the code before this is conditional
	set := func(pc int) {
		if pc < jmptarget {
			setreg = -1
		} else {
			setreg = pc
		}
	}
	for pc := 0; pc < lastpc && pc < len(proto.Code); pc++ {
		inst := proto.Code[pc]
		op := opGetOpCode(inst)
		a := opGetArgA(inst)
		switch op {
		case OP_LOADNIL:
			if a <= reg && reg <= opGetArgB(inst) {
				set(pc)
			}
		case OP_TFORLOOP:
			if reg >= a+2 {
				set(pc)
			}
		case OP_CALL, OP_TAILCALL:
			if reg >= a {
				set(pc)
			}
		case OP_VARARG:
			if b := opGetArgB(inst); reg >= a && (b == 0 || reg <= a+b-2) {
				set(pc)
			}
		case OP_SELF:
			if reg == a || reg == a+1 {
				set(pc)
			}
		case OP_JMP:
			dest := pc + 1 + opGetArgSbx(inst)
			if pc < dest && dest <= lastpc && dest > jmptarget {
				jmptarget = dest
			}
		case OP_CLOSURE:
			if reg == a {
				set(pc)
			}
			pc += int(proto.FunctionPrototypes[opGetArgBx(inst)].NumUpvalues)
		case OP_SETLIST:
			if opGetArgC(inst) == 0 {
				pc++ // the batch number
			}
		default:
			if opProps[op].SetRegA && reg == a {
				set(pc)
			}
		}
	}
	return setreg
}

// varInfo names the value in register reg of the running Lua function, as
// " global 'foo'", or "" when it cannot (the running function is a Go one,
// or the code does not say).
func (ls *LState) varInfo(reg int) string {
	cf := ls.currentFrame
	if cf == nil || cf.Fn.IsG || reg < 0 || cf.Pc < 1 {
		return ""
	}
	kind, name := getObjName(cf.Fn.Proto, cf.Pc-1, reg)
	if kind == "" {
		return ""
	}
	return fmt.Sprintf(" %s '%s'", kind, name)
}

// typeError raises Lua 5.1's "attempt to OP a TYPE value", naming the
// value when it is register reg of the running Lua function (-1: none).
func (ls *LState) typeError(v LValue, reg int, op string) {
	if info := ls.varInfo(reg); info != "" {
		ls.runError("attempt to %s%s (a %s value)", op, info, v.Type().String())
	}
	ls.runError("attempt to %s a %s value", op, v.Type().String())
}

// currentInst returns the instruction the running Lua function executes, or
// false when a Go function runs.
func (ls *LState) currentInst() (uint32, bool) {
	cf := ls.currentFrame
	if cf == nil || cf.Fn.IsG || cf.Pc < 1 {
		return 0, false
	}
	return cf.Fn.Proto.Code[cf.Pc-1], true
}

// indexError is the error of indexing obj, which is neither a table nor has
// an __index or __newindex: it is named when it is the operand of the
// running instruction.
func (ls *LState) indexError(obj, operand LValue) {
	reg := -1
	if inst, ok := ls.currentInst(); ok && obj == operand {
		switch opGetOpCode(inst) {
		case OP_GETTABLE, OP_GETTABLEKS, OP_SELF:
			reg = opGetArgB(inst)
		case OP_SETTABLE, OP_SETTABLEKS:
			reg = opGetArgA(inst)
		}
	}
	ls.typeError(obj, reg, "index")
}

// arithError is the error of arithmetic on lhs and rhs: the first that is
// not a number names the error (luaG_aritherror).
func (ls *LState) arithError(lhs, rhs LValue) {
	bad, operand := rhs, 1
	if _, err := toNumberValue(lhs); err != nil {
		bad, operand = lhs, 0
	}
	reg := -1
	if inst, ok := ls.currentInst(); ok {
		switch op := opGetOpCode(inst); {
		case op == OP_UNM:
			reg = opGetArgB(inst)
		case op >= OP_ADD && op <= OP_POW:
			rk := opGetArgB(inst)
			if operand == 1 {
				rk = opGetArgC(inst)
			}
			if !opIsK(rk) {
				reg = rk
			}
		}
	}
	ls.typeError(bad, reg, "perform arithmetic on")
}

// toNumberValue converts a number or a numeric string.
func toNumberValue(v LValue) (LNumber, error) {
	switch lv := v.(type) {
	case LNumber:
		return lv, nil
	case LString:
		return parseNumber(string(lv))
	}
	return 0, errNotNumber
}

// orderError is the error of comparing lhs and rhs (luaG_ordererror).
func (ls *LState) orderError(lhs, rhs LValue) {
	t1, t2 := lhs.Type().String(), rhs.Type().String()
	if t1 == t2 {
		ls.runError("attempt to compare two %s values", t1)
	}
	ls.runError("attempt to compare %s with %s", t1, t2)
}

// funcName says what the caller of frame fr calls it: ("global", "print"),
// ("method", "write"), ... or ("", "") (Lua 5.1's getfuncname): a function
// called by a Go function, or reached by a tail call, has no name.
func funcName(fr *callFrame) (kind, name string) {
	if fr == nil || !fr.Fn.IsG && fr.TailCall > 0 {
		return "", ""
	}
	caller := fr.Parent
	if caller == nil || caller.Fn.IsG || caller.Pc < 1 {
		return "", ""
	}
	inst := caller.Fn.Proto.Code[caller.Pc-1]
	switch opGetOpCode(inst) {
	case OP_CALL, OP_TAILCALL, OP_TFORLOOP:
		return getObjName(caller.Fn.Proto, caller.Pc-1, opGetArgA(inst))
	}
	return "", ""
}

// luaWhere is luaL_where: "file:line: " of the function at the given level
// of the call stack (0: the running one), or "" when it is a Go function or
// there is no such level.
func (ls *LState) luaWhere(level int) string {
	frame, ok := ls.frameAt(level)
	if !ok || frame == nil || frame.Fn.IsG || frame.Pc < 1 {
		return ""
	}
	proto := frame.Fn.Proto
	return fmt.Sprintf("%s:%d: ", proto.shortSource(), proto.DbgSourcePositions[frame.Pc-1])
}

// frameAt is lua_getstack: the frame at a level of the call stack, each
// tail call counting as a level; nil when the level falls on a tail call.
func (ls *LState) frameAt(level int) (*callFrame, bool) {
	frame := ls.currentFrame
	for ; level > 0 && frame != nil; frame = frame.Parent {
		level--
		if !frame.Fn.IsG {
			level -= frame.TailCall
		}
	}
	switch {
	case level == 0 && frame != nil:
		return frame, true
	case level < 0:
		return nil, true // a tail call
	}
	return nil, false
}

// idSize is Lua 5.1's LUA_IDSIZE, the size of a chunk's short name.
const idSize = 60

// chunkID is how messages name a chunk (luaO_chunkid): "=name" is name,
// "@file" is the file (its end, when too long), and another name is
// [string "first line..."] for a chunk loaded from a string by Lua code,
// the file name for one loaded by a Go program (L.Load(r, "script.lua")).
func chunkID(source string, fromString bool) string {
	if name, ok := strings.CutPrefix(source, "="); ok {
		return truncate(name, idSize-1)
	}
	if file, ok := strings.CutPrefix(source, "@"); ok || !fromString {
		if !ok {
			file = source
		}
		if max := idSize - len(" '...' ") - 1; len(file) > max {
			return "..." + file[len(file)-max:]
		}
		return file
	}
	n := strings.IndexAny(source, "\n\r")
	if n < 0 {
		n = len(source)
	}
	if max := idSize - len(` [string "..."] `) - 1; n > max {
		n = max
	}
	if n < len(source) {
		return `[string "` + source[:n] + `..."]`
	}
	return `[string "` + source + `"]`
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// scriptWhere is the position of the innermost Lua function running, for
// the message of a Go panic: "file:line: ", or "".
func (ls *LState) scriptWhere() string {
	for frame := ls.currentFrame; frame != nil; frame = frame.Parent {
		if !frame.Fn.IsG && frame.Pc > 0 {
			proto := frame.Fn.Proto
			return fmt.Sprintf("%s:%d: ", proto.shortSource(), proto.DbgSourcePositions[frame.Pc-1])
		}
	}
	return ""
}

// syntaxMessage words a syntax error as Lua 5.1 does:
// "chunk:line: message near 'token'".
func syntaxMessage(err error, chunkid string) string {
	var perr *parse.Error
	if !errors.As(err, &perr) {
		return err.Error()
	}
	if perr.Pos.Line == parse.EOF {
		return fmt.Sprintf("%s: %s near '<eof>'", chunkid, perr.Message)
	}
	return fmt.Sprintf("%s:%d: %s near '%s'", chunkid, perr.Pos.Line, perr.Message, perr.Token)
}

// runError raises a runtime error as luaG_runerror: with the position of
// the running function when it is a Lua one (luaL_error, RaiseError, gives
// the caller's).
func (ls *LState) runError(format string, args ...interface{}) {
	ls.raiseError(0, ls.luaWhere(0)+fmt.Sprintf(format, args...))
}

// frameInfo is what Lua 5.1's lua_getinfo says of a function at a level of
// the call stack ("Snl"), or of a function value (frame nil).
type frameInfo struct {
	source, shortSrc, what    string
	currentLine               int
	lineDefined, lastLineDefd int
	name, nameWhat            string
}

// infoOf describes fn, running in frame (nil: not running; tail: the level
// is a tail call that left no frame).
func infoOf(fn *LFunction, frame *callFrame, tail bool) frameInfo {
	if tail {
		return frameInfo{source: "=(tail call)", shortSrc: "(tail call)", what: "tail", currentLine: -1, lineDefined: -1, lastLineDefd: -1}
	}
	info := frameInfo{currentLine: -1}
	if fn.IsG {
		info.source, info.shortSrc, info.what = "=[C]", "[C]", "C"
		info.lineDefined, info.lastLineDefd = -1, -1
	} else {
		proto := fn.Proto
		info.source = proto.SourceName
		if !strings.HasPrefix(info.source, "=") && !strings.HasPrefix(info.source, "@") && proto.shortSrc == chunkID(info.source, false) {
			info.source = "@" + info.source // a file, named by a Go program
		}
		info.shortSrc = proto.shortSource()
		info.lineDefined, info.lastLineDefd = proto.LineDefined, proto.LastLineDefined
		info.what = "Lua"
		if proto.LineDefined == 0 {
			info.what = "main"
		}
		if frame != nil && frame.Pc > 0 {
			info.currentLine = proto.DbgSourcePositions[frame.Pc-1]
		}
	}
	if frame != nil {
		info.nameWhat, info.name = funcName(frame)
	}
	return info
}

// traceback is Lua 5.1's stack traceback from a level of the call stack:
// "stack traceback:", then a line per level, the first 12 and the last 10
// when there are more.
func (ls *LState) traceback(level int) string {
	const levels1, levels2 = 12, 10
	// The levels, from the running function down: nil for a tail call, and
	// below the main thread's first function the Go program that called it,
	// which Lua 5.1 shows as a C function ("[C]: ?", as lua5.1's own).
	var levels []*callFrame
	for frame := ls.currentFrame; frame != nil; frame = frame.Parent {
		levels = append(levels, frame)
		if !frame.Fn.IsG {
			for i := 0; i < frame.TailCall; i++ {
				levels = append(levels, nil)
			}
		}
	}
	host := ls.Parent == nil && len(levels) > 0
	depth := len(levels)
	if host {
		depth++
	}
	var b strings.Builder
	b.WriteString("stack traceback:")
	if level < 0 {
		level = 0
	}
	firstPart := true
	for ; level < depth; level++ {
		if level >= levels1 && firstPart {
			firstPart = false
			if depth > level+levels2+1 {
				b.WriteString("\n\t...") // too many levels: the last ones
				level = depth - levels2 - 1
				continue
			}
		}
		var info frameInfo
		switch frame := (*callFrame)(nil); {
		case level == len(levels):
			info = frameInfo{shortSrc: "[C]", what: "C", currentLine: -1}
		case levels[level] == nil:
			info = infoOf(nil, nil, true)
		default:
			frame = levels[level]
			info = infoOf(frame.Fn, frame, false)
		}
		b.WriteString("\n\t" + info.shortSrc + ":")
		if info.currentLine > 0 {
			fmt.Fprintf(&b, "%d:", info.currentLine)
		}
		switch {
		case info.nameWhat != "":
			fmt.Fprintf(&b, " in function '%s'", info.name)
		case info.what == "main":
			b.WriteString(" in main chunk")
		case info.what == "C" || info.what == "tail":
			b.WriteString(" ?")
		default:
			fmt.Fprintf(&b, " in function <%s:%d>", info.shortSrc, info.lineDefined)
		}
	}
	return b.String()
}
