package lua

// The string library, a port of Lua 5.1.5's lstrlib.c: its pattern
// matching, its string.format (C's sprintf, as glibc formats), its
// conversions and its messages.

import (
	"strings"

	"github.com/yuin/gopher-lua/internal/cnum"
)

const emptyLString LString = LString("")

func OpenString(L *LState) int {
	mod := L.RegisterModule(StringLibName, strFuncs).(*LTable)
	gmatch := L.NewFunction(strGmatch)
	mod.RawSetString("gmatch", gmatch)
	mod.RawSetString("gfind", gmatch)
	mt := L.NewTable() // the strings' metatable, as Lua 5.1's: {__index = string}
	mt.RawSetString("__index", mod)
	L.G.builtinMts[int(LTString)] = mt
	L.Push(mod)
	return 1
}

var strFuncs = map[string]LGFunction{
	"byte":    strByte,
	"char":    strChar,
	"dump":    strDump,
	"find":    strFind,
	"format":  strFormat,
	"gsub":    strGsub,
	"len":     strLen,
	"lower":   strLower,
	"match":   strMatch,
	"rep":     strRep,
	"reverse": strReverse,
	"sub":     strSub,
	"upper":   strUpper,
}

// maxStringSize bounds the strings string.rep and string.format make: Lua
// 5.1 reports "not enough memory" when malloc fails; Go could not recover
// from running out of memory.
const maxStringSize = 1<<31 - 1

// posrelat makes a negative string position count from the end.
func posrelat(pos int64, length int) int64 {
	if pos < 0 {
		pos += int64(length) + 1
	}
	if pos < 0 {
		return 0
	}
	return pos
}

// checkInt is luaL_checkint: a C int, so larger values wrap as C's cast.
func checkInt(L *LState, n int) int {
	return int(int32(L.CheckInt64(n)))
}

func strLen(L *LState) int {
	L.Push(LNumber(len(L.CheckString(1))))
	return 1
}

func strSub(L *LState) int {
	s := L.CheckString(1)
	start := posrelat(L.CheckInt64(2), len(s))
	end := posrelat(L.OptInt64(3, -1), len(s))
	if start < 1 {
		start = 1
	}
	if end > int64(len(s)) {
		end = int64(len(s))
	}
	if start <= end {
		L.Push(LString(s[start-1 : end]))
	} else {
		L.Push(emptyLString)
	}
	return 1
}

func strReverse(L *LState) int {
	s := L.CheckString(1)
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[len(s)-1-i] = s[i]
	}
	L.Push(LString(b))
	return 1
}

// strLower and strUpper change ASCII letters only, as C's tolower and
// toupper in the C locale.
func strLower(L *LState) int {
	s := L.CheckString(1)
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	L.Push(LString(b))
	return 1
}

func strUpper(L *LState) int {
	s := L.CheckString(1)
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	L.Push(LString(b))
	return 1
}

func strRep(L *LState) int {
	s := L.CheckString(1)
	n := checkInt(L, 2)
	if n <= 0 || s == "" {
		L.Push(emptyLString)
		return 1
	}
	if len(s) > maxStringSize/n {
		L.RaiseError("not enough memory")
	}
	L.Push(LString(strings.Repeat(s, n)))
	return 1
}

func strByte(L *LState) int {
	s := L.CheckString(1)
	posi := posrelat(L.OptInt64(2, 1), len(s))
	pose := posrelat(L.OptInt64(3, posi), len(s))
	if posi <= 0 {
		posi = 1
	}
	if pose > int64(len(s)) {
		pose = int64(len(s))
	}
	if posi > pose {
		return 0
	}
	for i := posi; i <= pose; i++ {
		L.Push(LNumber(s[i-1]))
	}
	return int(pose - posi + 1)
}

func strChar(L *LState) int {
	top := L.GetTop()
	b := make([]byte, top)
	for i := 1; i <= top; i++ {
		c := checkInt(L, i)
		if c < 0 || c > 255 {
			L.ArgError(i, "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(LString(b))
	return 1
}

// strDump writes a Lua function as a binary chunk that load and loadstring
// read back (see lua51dump.go); a Go function cannot be dumped.
func strDump(L *LState) int {
	fn := L.CheckFunction(1)
	if fn.IsG {
		L.RaiseError("unable to dump given function")
	}
	L.Push(LString(dumpFunction(fn.Proto)))
	return 1
}

/* pattern matching {{{ */

const (
	patEsc         = '%'
	patSpecials    = "^$*+?.([%-"
	maxCaptures    = 32
	capUnfinished  = -1
	capPosition    = -2
	maxMatchCalls  = 200000 // a bound on the matcher's recursion, for Go's stack
	patternTooLong = "pattern too complex"
)

type capture struct {
	init, len int
}

// matchState is lstrlib's MatchState. The pattern is a C string: it ends
// at its first NUL, and reading at its end gives 0, as does reading the
// subject at its end.
type matchState struct {
	L       *LState
	src     string
	pat     string
	level   int
	capture [maxCaptures]capture
	depth   int
}

func (ms *matchState) p(i int) byte {
	if i < len(ms.pat) {
		return ms.pat[i]
	}
	return 0
}

func (ms *matchState) s(i int) byte {
	if i < len(ms.src) {
		return ms.src[i]
	}
	return 0
}

func (ms *matchState) checkCapture(l byte) int {
	n := int(l) - '1'
	if n < 0 || n >= ms.level || ms.capture[n].len == capUnfinished {
		ms.L.RaiseError("invalid capture index")
	}
	return n
}

func (ms *matchState) captureToClose() int {
	for level := ms.level - 1; level >= 0; level-- {
		if ms.capture[level].len == capUnfinished {
			return level
		}
	}
	ms.L.RaiseError("invalid pattern capture")
	return 0
}

func (ms *matchState) classEnd(p int) int {
	c := ms.p(p)
	p++
	switch c {
	case patEsc:
		if ms.p(p) == 0 {
			ms.L.RaiseError("%s", "malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if ms.p(p) == '^' {
			p++
		}
		for { // look for a ']'
			if ms.p(p) == 0 {
				ms.L.RaiseError("malformed pattern (missing ']')")
			}
			c := ms.p(p)
			p++
			if c == patEsc && ms.p(p) != 0 {
				p++ // skip escapes (e.g. '%]')
			}
			if ms.p(p) == ']' {
				break
			}
		}
		return p + 1
	}
	return p
}

func isAlphaC(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isLowerC(c byte) bool { return c >= 'a' && c <= 'z' }
func isUpperC(c byte) bool { return c >= 'A' && c <= 'Z' }
func isCntrlC(c byte) bool { return c < 32 || c == 127 }
func isPunctC(c byte) bool { return c > 32 && c < 127 && !cnum.IsAlnum(c) }

func isHexDigitC(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func matchClass(c, cl byte) bool {
	var res bool
	lower := cl
	if isUpperC(cl) {
		lower = cl + 'a' - 'A'
	}
	switch lower {
	case 'a':
		res = isAlphaC(c)
	case 'c':
		res = isCntrlC(c)
	case 'd':
		res = c >= '0' && c <= '9'
	case 'l':
		res = isLowerC(c)
	case 'p':
		res = isPunctC(c)
	case 's':
		res = cnum.IsSpace(c)
	case 'u':
		res = isUpperC(c)
	case 'w':
		res = cnum.IsAlnum(c)
	case 'x':
		res = isHexDigitC(c)
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if isUpperC(cl) {
		return !res
	}
	return res
}

// matchBracketClass matches c against the class [...] from p (at '[') to
// ec (at ']').
func (ms *matchState) matchBracketClass(c byte, p, ec int) bool {
	sig := true
	if ms.p(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case ms.p(p) == patEsc:
			p++
			if matchClass(c, ms.p(p)) {
				return sig
			}
		case ms.p(p+1) == '-' && p+2 < ec:
			p += 2
			if ms.p(p-2) <= c && c <= ms.p(p) {
				return sig
			}
		case ms.p(p) == c:
			return sig
		}
	}
	return !sig
}

func (ms *matchState) singleMatch(c byte, p, ep int) bool {
	switch ms.p(p) {
	case '.':
		return true
	case patEsc:
		return matchClass(c, ms.p(p+1))
	case '[':
		return ms.matchBracketClass(c, p, ep-1)
	}
	return ms.p(p) == c
}

func (ms *matchState) matchBalance(s, p int) int {
	if ms.p(p) == 0 || ms.p(p+1) == 0 {
		ms.L.RaiseError("unbalanced pattern")
	}
	if ms.s(s) != ms.p(p) || s >= len(ms.src) {
		return -1
	}
	b, e := ms.p(p), ms.p(p+1)
	cont := 1
	for s++; s < len(ms.src); s++ {
		switch ms.src[s] {
		case e:
			cont--
			if cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

func (ms *matchState) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(ms.src) && ms.singleMatch(ms.src[s+i], p, ep) {
		i++
	}
	for ; i >= 0; i-- { // try with the most repetitions first
		if res := ms.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (ms *matchState) minExpand(s, p, ep int) int {
	for {
		if res := ms.match(s, ep+1); res >= 0 {
			return res
		}
		if s < len(ms.src) && ms.singleMatch(ms.src[s], p, ep) {
			s++
		} else {
			return -1
		}
	}
}

func (ms *matchState) startCapture(s, p, what int) int {
	level := ms.level
	if level >= maxCaptures {
		ms.L.RaiseError("too many captures")
	}
	ms.capture[level] = capture{init: s, len: what}
	ms.level = level + 1
	res := ms.match(s, p)
	if res < 0 {
		ms.level--
	}
	return res
}

func (ms *matchState) endCapture(s, p int) int {
	l := ms.captureToClose()
	ms.capture[l].len = s - ms.capture[l].init
	res := ms.match(s, p)
	if res < 0 {
		ms.capture[l].len = capUnfinished
	}
	return res
}

func (ms *matchState) matchCapture(s int, l byte) int {
	n := ms.checkCapture(l)
	c := ms.capture[n]
	if len(ms.src)-s >= c.len && ms.src[c.init:c.init+c.len] == ms.src[s:s+c.len] {
		return s + c.len
	}
	return -1
}

// match matches the pattern from p against the subject from s and returns
// where the match ends, or -1.
func (ms *matchState) match(s, p int) int {
	ms.depth++
	if ms.depth > maxMatchCalls {
		ms.L.RaiseError(patternTooLong)
	}
	res := ms.doMatch(s, p)
	ms.depth--
	return res
}

func (ms *matchState) doMatch(s, p int) int {
	for {
		switch ms.p(p) {
		case '(':
			if ms.p(p+1) == ')' {
				return ms.startCapture(s, p+2, capPosition)
			}
			return ms.startCapture(s, p+1, capUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case 0:
			return s
		case '$':
			if ms.p(p+1) == 0 {
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		case patEsc:
			switch c := ms.p(p + 1); {
			case c == 'b':
				s = ms.matchBalance(s, p+2)
				if s < 0 {
					return -1
				}
				p += 4
				continue
			case c == 'f':
				p += 2
				if ms.p(p) != '[' {
					ms.L.RaiseError("%s", "missing '[' after '%f' in pattern")
				}
				ep := ms.classEnd(p)
				var previous byte
				if s > 0 {
					previous = ms.src[s-1]
				}
				if ms.matchBracketClass(previous, p, ep-1) || !ms.matchBracketClass(ms.s(s), p, ep-1) {
					return -1
				}
				p = ep
				continue
			case c >= '0' && c <= '9':
				s = ms.matchCapture(s, c)
				if s < 0 {
					return -1
				}
				p += 2
				continue
			}
		}
		// a pattern item
		ep := ms.classEnd(p)
		m := s < len(ms.src) && ms.singleMatch(ms.src[s], p, ep)
		switch ms.p(ep) {
		case '?':
			if m {
				if res := ms.match(s+1, ep+1); res >= 0 {
					return res
				}
			}
			p = ep + 1
		case '*':
			return ms.maxExpand(s, p, ep)
		case '+':
			if m {
				return ms.maxExpand(s+1, p, ep)
			}
			return -1
		case '-':
			return ms.minExpand(s, p, ep)
		default:
			if !m {
				return -1
			}
			s++
			p = ep
		}
	}
}

// oneCapture returns capture i of a match from s to e: the whole match
// when there are no captures.
func (ms *matchState) oneCapture(i, s, e int) LValue {
	if i >= ms.level {
		if i == 0 {
			return LString(ms.src[s:e])
		}
		ms.L.RaiseError("invalid capture index")
	}
	c := ms.capture[i]
	switch c.len {
	case capUnfinished:
		ms.L.RaiseError("unfinished capture")
	case capPosition:
		return LNumber(c.init + 1)
	}
	return LString(ms.src[c.init : c.init+c.len])
}

// pushCaptures pushes the captures of a match (the whole match when s >= 0
// and there are none) and returns how many.
func (ms *matchState) pushCaptures(s, e int) int {
	n := ms.level
	if n == 0 && s >= 0 {
		n = 1
	}
	for i := 0; i < n; i++ {
		ms.L.Push(ms.oneCapture(i, s, e))
	}
	return n
}

func newMatchState(L *LState, src, pat string) *matchState {
	if i := strings.IndexByte(pat, 0); i >= 0 {
		pat = pat[:i] // a pattern is a C string
	}
	return &matchState{L: L, src: src, pat: pat}
}

func strFindAux(L *LState, find bool) int {
	s := L.CheckString(1)
	p := L.CheckString(2)
	init := posrelat(L.OptInt64(3, 1), len(s)) - 1
	if init < 0 {
		init = 0
	} else if init > int64(len(s)) {
		init = int64(len(s))
	}
	cpat := p
	if i := strings.IndexByte(cpat, 0); i >= 0 {
		cpat = cpat[:i]
	}
	if find && (LVAsBool(L.Get(4)) || !strings.ContainsAny(cpat, patSpecials)) {
		// a plain search
		if i := strings.Index(s[init:], p); i >= 0 {
			L.Push(LNumber(int(init) + i + 1))
			L.Push(LNumber(int(init) + i + len(p)))
			return 2
		}
		L.Push(LNil)
		return 1
	}
	ms := newMatchState(L, s, p)
	pstart := 0
	anchor := ms.p(0) == '^'
	if anchor {
		pstart = 1
	}
	for s1 := int(init); ; s1++ {
		ms.level = 0
		if e := ms.match(s1, pstart); e >= 0 {
			if find {
				L.Push(LNumber(s1 + 1))
				L.Push(LNumber(e))
				return ms.pushCaptures(-1, 0) + 2
			}
			return ms.pushCaptures(s1, e)
		}
		if s1 >= len(s) || anchor {
			break
		}
	}
	L.Push(LNil)
	return 1
}

func strFind(L *LState) int { return strFindAux(L, true) }

func strMatch(L *LState) int { return strFindAux(L, false) }

func strGmatch(L *LState) int {
	s := L.CheckString(1)
	p := L.CheckString(2)
	pos := 0
	L.Push(L.NewFunction(func(L *LState) int {
		ms := newMatchState(L, s, p)
		for src := pos; src <= len(s); src++ {
			ms.level = 0
			if e := ms.match(src, 0); e >= 0 {
				pos = e
				if e == src {
					pos++ // an empty match: go on one character at least
				}
				return ms.pushCaptures(src, e)
			}
		}
		return 0
	}))
	return 1
}

// addValue appends to b the replacement of the match from s to e.
func (ms *matchState) addValue(b *strings.Builder, s, e int, repl LValue) {
	L := ms.L
	var v LValue
	switch r := repl.(type) {
	case LString, LNumber:
		news := LVAsString(r)
		for i := 0; i < len(news); i++ {
			c := news[i]
			if c != patEsc {
				b.WriteByte(c)
				continue
			}
			i++
			var d byte // a '%' at the end: the C string's terminating NUL
			if i < len(news) {
				d = news[i]
			}
			switch {
			case d < '0' || d > '9':
				b.WriteByte(d)
			case d == '0':
				b.WriteString(ms.src[s:e])
			default:
				b.WriteString(LVAsString(ms.oneCapture(int(d-'1'), s, e)))
			}
		}
		return
	case *LFunction:
		L.Push(r)
		n := ms.pushCaptures(s, e)
		L.Call(n, 1)
		v = L.reg.Pop()
	case *LTable:
		v = L.GetTable(r, ms.oneCapture(0, s, e))
	}
	switch {
	case !LVAsBool(v):
		b.WriteString(ms.src[s:e]) // nil or false: the original text
	case LVCanConvToString(v):
		b.WriteString(LVAsString(v))
	default:
		L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	}
}

func strGsub(L *LState) int {
	src := L.CheckString(1)
	p := L.CheckString(2)
	repl := L.Get(3)
	switch repl.Type() {
	case LTNumber, LTString, LTFunction, LTTable:
	default:
		L.ArgError(3, "string/function/table expected")
	}
	maxS := int64(len(src) + 1)
	if L.Get(4) != LNil {
		maxS = int64(checkInt(L, 4))
	}
	ms := newMatchState(L, src, p)
	pstart := 0
	anchor := ms.p(0) == '^'
	if anchor {
		pstart = 1
	}
	var b strings.Builder
	s, n := 0, int64(0)
	for n < maxS {
		ms.level = 0
		e := ms.match(s, pstart)
		if e >= 0 {
			n++
			ms.addValue(&b, s, e, repl)
		}
		switch {
		case e > s: // a non-empty match: skip it
			s = e
		case s < len(src):
			b.WriteByte(src[s])
			s++
		default:
			goto done
		}
		if anchor {
			break
		}
	}
done:
	b.WriteString(src[s:])
	L.Push(LString(b.String()))
	L.Push(LNumber(n))
	return 2
}

/* }}} */

/* string.format {{{ */

const formatFlags = "-+ #0"

// strFormat is Lua 5.1.5's str_format: each conversion is C's sprintf, and
// what sprintf writes ends at its first NUL, as in Lua 5.1.
func strFormat(L *LState) int {
	fmtstr := L.CheckString(1)
	top := L.GetTop()
	arg := 1
	var b strings.Builder
	for i := 0; i < len(fmtstr); {
		c := fmtstr[i]
		i++
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i < len(fmtstr) && fmtstr[i] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		arg++
		if arg > top {
			L.ArgError(arg, "no value")
		}
		var fl cnum.Flags
		i, fl = scanFormat(L, fmtstr, i)
		var conv byte
		if i < len(fmtstr) {
			conv = fmtstr[i]
		}
		i++
		var item string
		switch conv {
		case 'c':
			item = cnum.Pad(string([]byte{byte(int32(cnumInt(L, arg)))}), fl, false)
		case 'd', 'i':
			item = cnum.FormatInt(cnumInt(L, arg), fl)
		case 'o', 'u', 'x', 'X':
			item = cnum.FormatUint(cnumUint(L, arg), conv, fl)
		case 'e', 'E', 'f', 'g', 'G':
			f := float64(L.CheckNumber(arg))
			item = cnum.Pad(cnum.FormatFloat(f, conv, fl), fl, fl.Zero && !fl.Minus && !isNaNOrInf(f))
		case 'q':
			addQuoted(&b, L.CheckString(arg))
			continue
		case 's':
			s := L.CheckString(arg)
			if fl.Prec < 0 && len(s) >= 100 {
				// no precision and too long to format: kept whole
				b.WriteString(s)
				continue
			}
			if i := strings.IndexByte(s, 0); i >= 0 {
				s = s[:i]
			}
			if fl.Prec >= 0 && len(s) > fl.Prec {
				s = s[:fl.Prec]
			}
			item = cnum.Pad(s, fl, false)
		default:
			name := "%" + string(conv)
			if conv == 0 {
				name = "%" // C's message ends at the NUL
			}
			L.RaiseError("invalid option '%s' to 'format'", name)
		}
		if j := strings.IndexByte(item, 0); j >= 0 {
			item = item[:j]
		}
		b.WriteString(item)
		if b.Len() > maxStringSize {
			L.RaiseError("not enough memory")
		}
	}
	L.Push(LString(b.String()))
	return 1
}

// scanFormat reads the flags, width and precision of a conversion from
// fmtstr[i:], at most two digits each (scanformat).
func scanFormat(L *LState, fmtstr string, i int) (int, cnum.Flags) {
	fl := cnum.Flags{Prec: -1}
	at := func(j int) byte {
		if j < len(fmtstr) {
			return fmtstr[j]
		}
		return 0
	}
	start := i
	for at(i) != 0 && strings.IndexByte(formatFlags, at(i)) >= 0 {
		switch at(i) {
		case '-':
			fl.Minus = true
		case '+':
			fl.Plus = true
		case ' ':
			fl.Space = true
		case '#':
			fl.Sharp = true
		case '0':
			fl.Zero = true
		}
		i++
	}
	if i-start >= len(formatFlags)+1 {
		L.RaiseError("invalid format (repeated flags)")
	}
	digits := func() int {
		n := 0
		for k := 0; k < 2 && at(i) >= '0' && at(i) <= '9'; k++ {
			n = n*10 + int(at(i)-'0')
			i++
		}
		return n
	}
	fl.Width = digits()
	if at(i) == '.' {
		i++
		fl.Prec = digits()
	}
	if at(i) >= '0' && at(i) <= '9' {
		L.RaiseError("invalid format (width or precision too long)")
	}
	return i, fl
}

// cnumInt is (long)luaL_checknumber: truncated towards zero; out of range,
// what x86-64 gives (the smallest long).
func cnumInt(L *LState, arg int) int64 {
	return int64(float64(L.CheckNumber(arg)))
}

// cnumUint is (unsigned long)luaL_checknumber as gcc compiles it for
// x86-64: negative numbers wrap.
func cnumUint(L *LState, arg int) uint64 {
	f := float64(L.CheckNumber(arg))
	if f >= 1<<63 {
		return uint64(f)
	}
	return uint64(int64(f))
}

func isNaNOrInf(f float64) bool { return f != f || f-f != 0 }

func addQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString("\\r")
		case 0:
			b.WriteString("\\000")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

/* }}} */
