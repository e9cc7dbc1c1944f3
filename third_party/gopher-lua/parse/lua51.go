package parse

// A parser of Lua 5.1.5's grammar, after its llex.c and lparser.c: the
// same tokens, the same checks in the same order, so that a syntax error
// names the same line and says what Lua 5.1 says ("'=' expected near
// 'x'", "'end' expected (to close 'function' at line 2) near '<eof>'").
// It builds gopher-lua's AST. As an extension kept from gopher-lua, "goto
// name" (goto followed by a name, at the start of a statement, which is
// not valid Lua 5.1) and "::name::" labels are statements; elsewhere goto
// is a name, as in Lua 5.1.

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/internal/cnum"
)

// Tokens other than single characters (which are their own code).
const (
	tkAnd = iota + 257
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	// other terminal symbols
	tkConcat
	tkDots
	tkEq
	tkGe
	tkLe
	tkNe
	tkNumber
	tkName
	tkString
	tkEOS
	tkDbColon // "::", gopher-lua's labels
)

var tokenNames = map[int]string{
	tkAnd: "and", tkBreak: "break", tkDo: "do", tkElse: "else", tkElseif: "elseif",
	tkEnd: "end", tkFalse: "false", tkFor: "for", tkFunction: "function", tkIf: "if",
	tkIn: "in", tkLocal: "local", tkNil: "nil", tkNot: "not", tkOr: "or", tkRepeat: "repeat",
	tkReturn: "return", tkThen: "then", tkTrue: "true", tkUntil: "until", tkWhile: "while",
	tkConcat: "..", tkDots: "...", tkEq: "==", tkGe: ">=", tkLe: "<=", tkNe: "~=",
	tkNumber: "<number>", tkName: "<name>", tkString: "<string>", tkEOS: "<eof>", tkDbColon: "::",
}

var reserved = map[string]int{
	"and": tkAnd, "break": tkBreak, "do": tkDo, "else": tkElse, "elseif": tkElseif,
	"end": tkEnd, "false": tkFalse, "for": tkFor, "function": tkFunction, "if": tkIf,
	"in": tkIn, "local": tkLocal, "nil": tkNil, "not": tkNot, "or": tkOr,
	"repeat": tkRepeat, "return": tkReturn, "then": tkThen, "true": tkTrue,
	"until": tkUntil, "while": tkWhile,
}

// maxSyntaxLevels is LUAI_MAXCCALLS, the nesting the parser allows.
const maxSyntaxLevels = 200

// maxVars is LUAI_MAXVARS, the locals a function may have active.
const maxVars = 200

const eoz = -1

type token struct {
	tok  int
	str  string // the name, the string's value, the numeral
	line int
}

// syntaxError is a syntax error with its line and near-token; it is
// panicked with, and recovered by Parse.
type syntaxError struct{ err *Error }

type lexState struct {
	r         *bufio.Reader
	current   int
	line      int // the line of the current character
	lastline  int // the line of the last token consumed
	t         token
	ahead     token
	buf       []byte
	source    string
	nest      int
	fs        *funcState
	hasAhead  bool
	aheadBuf  []byte
	tokensBuf []byte // the raw text of the current token (txtToken)
	// parens are the variables written in parentheses: values, which an
	// assignment cannot assign ("(a) = 1" is a syntax error).
	parens map[ast.Expr]bool
}

// funcState is what the parser tracks of the function being parsed.
type funcState struct {
	prev    *funcState
	vararg  bool
	loops   int // enclosing loops, for "no loop to break"
	nactvar int // active locals
	line    int // where the function is defined (0: the main chunk)
}

// Parse parses a Lua 5.1 chunk.
func Parse(reader io.Reader, name string) (chunk []ast.Stmt, err error) {
	ls := &lexState{r: bufio.NewReaderSize(reader, 4096), line: 1, source: name, parens: map[ast.Expr]bool{}}
	defer func() {
		if r := recover(); r != nil {
			if se, ok := r.(syntaxError); ok {
				chunk, err = nil, se.err
				return
			}
			panic(r)
		}
	}()
	ls.next()
	ls.nextToken()
	ls.fs = &funcState{vararg: true}
	chunk = ls.chunk()
	ls.check(tkEOS)
	return chunk, nil
}

/* the lexer (llex.c) {{{ */

func (ls *lexState) next() {
	c, err := ls.r.ReadByte()
	if err != nil {
		ls.current = eoz
		return
	}
	ls.current = int(c)
}

func (ls *lexState) save(c int) { ls.buf = append(ls.buf, byte(c)) }

func (ls *lexState) saveAndNext() {
	ls.save(ls.current)
	ls.next()
}

func (ls *lexState) currIsNewline() bool { return ls.current == '\n' || ls.current == '\r' }

func (ls *lexState) incLineNumber() {
	old := ls.current
	ls.next() // skip '\n' or '\r'
	if ls.currIsNewline() && ls.current != old {
		ls.next() // skip '\n\r' or '\r\n'
	}
	ls.line++
}

func (ls *lexState) checkNext(set string) bool {
	if ls.current == eoz || !strings.ContainsRune(set, rune(ls.current)) {
		return false
	}
	ls.saveAndNext()
	return true
}

func tokenText(tok int) string {
	if tok < 257 {
		if tok < 32 || tok == 127 {
			return fmt.Sprintf("char(%d)", tok)
		}
		return string(rune(tok))
	}
	return tokenNames[tok]
}

// txtToken is the text of a token in a message: a name, a string or a
// number as scanned so far, else the token.
func (ls *lexState) txtToken(tok int) string {
	switch tok {
	case tkName, tkString, tkNumber:
		return string(ls.buf)
	}
	return tokenText(tok)
}

// lexError raises "msg near 'token'" at the current line; tok 0: no near.
func (ls *lexState) lexError(msg string, tok int) {
	e := &Error{Pos: ast.Position{Source: ls.source, Line: ls.line}, Message: msg}
	if tok != 0 {
		e.Token = ls.txtToken(tok)
	}
	panic(syntaxError{e})
}

func (ls *lexState) syntaxError(msg string) {
	if ls.hasAhead {
		ls.buf = ls.tokensBuf // the current token's text, not the lookahead's
	}
	ls.lexError(msg, ls.t.tok)
}

// skipSep reads "[" or "]" and the "=" after it: their count, or -count-1
// when the bracket does not follow.
func (ls *lexState) skipSep() int {
	count := 0
	s := ls.current
	ls.saveAndNext()
	for ls.current == '=' {
		ls.saveAndNext()
		count++
	}
	if ls.current == s {
		return count
	}
	return -count - 1
}

func (ls *lexState) readLongString(isString bool, sep int) string {
	ls.saveAndNext() // the second '['
	if ls.currIsNewline() {
		ls.incLineNumber()
	}
	for {
		switch ls.current {
		case eoz:
			if isString {
				ls.lexError("unfinished long string", tkEOS)
			}
			ls.lexError("unfinished long comment", tkEOS)
		case '[':
			if ls.skipSep() == sep {
				ls.saveAndNext()
				if sep == 0 {
					ls.lexError("nesting of [[...]] is deprecated", '[')
				}
			}
		case ']':
			if ls.skipSep() == sep {
				ls.saveAndNext()
				if !isString {
					return ""
				}
				return string(ls.buf[2+sep : len(ls.buf)-(2+sep)])
			}
		case '\n', '\r':
			ls.save('\n')
			ls.incLineNumber()
			if !isString {
				ls.buf = ls.buf[:0]
			}
		default:
			if isString {
				ls.saveAndNext()
			} else {
				ls.next()
			}
		}
	}
}

func (ls *lexState) readString(del int) string {
	ls.saveAndNext()
	for ls.current != del {
		switch ls.current {
		case eoz:
			ls.lexError("unfinished string", tkEOS)
		case '\n', '\r':
			ls.lexError("unfinished string", tkString)
		case '\\':
			ls.next() // the '\' is not saved
			c := 0
			switch ls.current {
			case 'a':
				c = '\a'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'v':
				c = '\v'
			case '\n', '\r':
				ls.save('\n')
				ls.incLineNumber()
				continue
			case eoz:
				continue // an error on the next turn
			default:
				if !isDecimal(ls.current) {
					ls.saveAndNext() // \\, \", \' and any other character
				} else { // \ddd
					c = 0
					for i := 0; i < 3 && isDecimal(ls.current); i++ {
						c = 10*c + ls.current - '0'
						ls.next()
					}
					if c > 255 {
						ls.lexError("escape sequence too large", tkString)
					}
					ls.save(c)
				}
				continue
			}
			ls.save(c)
			ls.next()
		default:
			ls.saveAndNext()
		}
	}
	ls.saveAndNext() // the closing delimiter
	return string(ls.buf[1 : len(ls.buf)-1])
}

func (ls *lexState) readNumeral() string {
	for isDecimal(ls.current) || ls.current == '.' {
		ls.saveAndNext()
	}
	if ls.checkNext("Ee") {
		ls.checkNext("+-")
	}
	for ls.current != eoz && (isAlnumByte(ls.current) || ls.current == '_') {
		ls.saveAndNext()
	}
	if _, ok := cnum.Str2Number(string(ls.buf)); !ok {
		ls.lexError("malformed number", tkNumber)
	}
	return string(ls.buf)
}

func isAlnumByte(c int) bool { return c >= 0 && c < 256 && cnum.IsAlnum(byte(c)) }

func isAlphaByte(c int) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// lex reads the next token (llex).
func (ls *lexState) lex() token {
	ls.buf = ls.buf[:0]
	for {
		switch ls.current {
		case '\n', '\r':
			ls.incLineNumber()
			continue
		case '-':
			ls.next()
			if ls.current != '-' {
				return token{tok: '-', line: ls.line}
			}
			ls.next()
			if ls.current == '[' {
				sep := ls.skipSep()
				ls.buf = ls.buf[:0]
				if sep >= 0 {
					ls.readLongString(false, sep)
					ls.buf = ls.buf[:0]
					continue
				}
			}
			for !ls.currIsNewline() && ls.current != eoz {
				ls.next()
			}
			continue
		case '[':
			sep := ls.skipSep()
			if sep >= 0 {
				s := ls.readLongString(true, sep)
				return token{tok: tkString, str: s, line: ls.line}
			}
			if sep == -1 {
				return token{tok: '[', line: ls.line}
			}
			ls.lexError("invalid long string delimiter", tkString)
		case '=':
			ls.next()
			if ls.current != '=' {
				return token{tok: '=', line: ls.line}
			}
			ls.next()
			return token{tok: tkEq, line: ls.line}
		case '<':
			ls.next()
			if ls.current != '=' {
				return token{tok: '<', line: ls.line}
			}
			ls.next()
			return token{tok: tkLe, line: ls.line}
		case '>':
			ls.next()
			if ls.current != '=' {
				return token{tok: '>', line: ls.line}
			}
			ls.next()
			return token{tok: tkGe, line: ls.line}
		case '~':
			ls.next()
			if ls.current != '=' {
				return token{tok: '~', line: ls.line}
			}
			ls.next()
			return token{tok: tkNe, line: ls.line}
		case ':':
			ls.next()
			if ls.current != ':' {
				return token{tok: ':', line: ls.line}
			}
			ls.next()
			return token{tok: tkDbColon, line: ls.line}
		case '"', '\'':
			s := ls.readString(ls.current)
			return token{tok: tkString, str: s, line: ls.line}
		case '.':
			ls.saveAndNext()
			if ls.checkNext(".") {
				if ls.checkNext(".") {
					return token{tok: tkDots, line: ls.line}
				}
				return token{tok: tkConcat, line: ls.line}
			}
			if !isDecimal(ls.current) {
				return token{tok: '.', line: ls.line}
			}
			return token{tok: tkNumber, str: ls.readNumeral(), line: ls.line}
		case eoz:
			return token{tok: tkEOS, line: ls.line}
		default:
			switch c := ls.current; {
			case c == ' ' || c == '\t' || c == '\v' || c == '\f':
				ls.next()
				continue
			case isDecimal(c):
				return token{tok: tkNumber, str: ls.readNumeral(), line: ls.line}
			case isAlphaByte(c) || c == '_':
				for ls.current != eoz && (isAlnumByte(ls.current) || ls.current == '_') {
					ls.saveAndNext()
				}
				name := string(ls.buf)
				if tok, ok := reserved[name]; ok {
					return token{tok: tok, str: name, line: ls.line}
				}
				return token{tok: tkName, str: name, line: ls.line}
			default:
				ls.next()
				return token{tok: c, line: ls.line}
			}
		}
	}
}

// nextToken consumes the current token (luaX_next).
func (ls *lexState) nextToken() {
	ls.lastline = ls.line
	if ls.hasAhead {
		ls.t = ls.ahead
		ls.buf = ls.aheadBuf
		ls.hasAhead = false
		return
	}
	ls.t = ls.lex()
}

// lookahead reads the token after the current one (luaX_lookahead).
func (ls *lexState) lookahead() {
	ls.tokensBuf = append([]byte(nil), ls.buf...)
	ls.ahead = ls.lex()
	ls.aheadBuf = append([]byte(nil), ls.buf...)
	ls.hasAhead = true
}

/* }}} */

/* the parser (lparser.c) {{{ */

func (ls *lexState) errorExpected(tok int) {
	ls.syntaxError(fmt.Sprintf("'%s' expected", tokenText(tok)))
}

func (ls *lexState) testNext(tok int) bool {
	if ls.t.tok == tok {
		ls.nextToken()
		return true
	}
	return false
}

func (ls *lexState) check(tok int) {
	if ls.t.tok != tok {
		ls.errorExpected(tok)
	}
}

func (ls *lexState) checkNextTok(tok int) {
	ls.check(tok)
	ls.nextToken()
}

func (ls *lexState) checkMatch(what, who, where int) {
	if !ls.testNext(what) {
		if where == ls.line {
			ls.errorExpected(what)
		}
		ls.syntaxError(fmt.Sprintf("'%s' expected (to close '%s' at line %d)", tokenText(what), tokenText(who), where))
	}
}

func (ls *lexState) strCheckName() string {
	ls.check(tkName)
	name := ls.t.str
	ls.nextToken()
	return name
}

func (ls *lexState) enterLevel() {
	ls.nest++
	if ls.nest > maxSyntaxLevels {
		ls.lexError("chunk has too many syntax levels", 0)
	}
}

func (ls *lexState) leaveLevel() { ls.nest-- }

func blockFollow(tok int) bool {
	switch tok {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

// addLocals counts n more active locals of the function (luaY_checklimit).
func (ls *lexState) addLocals(n int) {
	fs := ls.fs
	fs.nactvar += n
	if fs.nactvar > maxVars {
		what := "main function"
		if fs.line != 0 {
			what = fmt.Sprintf("function at line %d", fs.line)
		}
		ls.lexError(fmt.Sprintf("%s has more than %d local variables", what, maxVars), 0)
	}
}

// block parses a block: its locals end with it.
func (ls *lexState) block() []ast.Stmt {
	saved := ls.fs.nactvar
	stmts := ls.chunk()
	ls.fs.nactvar = saved
	return stmts
}

func (ls *lexState) chunk() []ast.Stmt {
	stmts := []ast.Stmt{}
	ls.enterLevel()
	for !blockFollow(ls.t.tok) {
		stmt, last := ls.statement()
		if stmt != nil {
			stmts = append(stmts, stmt)
		}
		ls.testNext(';')
		if last {
			break
		}
	}
	ls.leaveLevel()
	return stmts
}

// statement parses a statement; last is true for return and break, which
// end a block.
func (ls *lexState) statement() (stmt ast.Stmt, last bool) {
	line := ls.t.line
	switch ls.t.tok {
	case tkIf:
		return ls.ifStat(line), false
	case tkWhile:
		ls.nextToken()
		cond := ls.expr()
		ls.fs.loops++
		ls.checkNextTok(tkDo)
		body := ls.block()
		ls.fs.loops--
		end := ls.t.line
		ls.checkMatch(tkEnd, tkWhile, line)
		st := &ast.WhileStmt{Condition: cond, Stmts: body}
		st.SetLine(line)
		st.SetLastLine(end)
		return st, false
	case tkDo:
		ls.nextToken()
		body := ls.block()
		end := ls.t.line
		ls.checkMatch(tkEnd, tkDo, line)
		st := &ast.DoBlockStmt{Stmts: body}
		st.SetLine(line)
		st.SetLastLine(end)
		return st, false
	case tkFor:
		return ls.forStat(line), false
	case tkRepeat:
		ls.nextToken()
		ls.fs.loops++
		saved := ls.fs.nactvar
		body := ls.chunk()
		ls.checkMatch(tkUntil, tkRepeat, line)
		cond := ls.expr() // sees the locals of the body
		ls.fs.nactvar = saved
		ls.fs.loops--
		st := &ast.RepeatStmt{Condition: cond, Stmts: body}
		st.SetLine(line)
		st.SetLastLine(ls.lastline)
		return st, false
	case tkFunction:
		ls.nextToken()
		name := ls.funcName()
		fn := ls.body(name.Func == nil, line)
		st := &ast.FuncDefStmt{Name: name, Func: fn}
		st.SetLine(line)
		st.SetLastLine(fn.LastLine())
		return st, false
	case tkLocal:
		ls.nextToken()
		if ls.testNext(tkFunction) {
			name := ls.strCheckName()
			ls.addLocals(1)
			fn := ls.body(false, ls.line)
			st := &ast.LocalAssignStmt{Names: []string{name}, Exprs: []ast.Expr{fn}}
			st.SetLine(line)
			st.SetLastLine(fn.LastLine())
			return st, false
		}
		var names []string
		for {
			names = append(names, ls.strCheckName())
			if !ls.testNext(',') {
				break
			}
		}
		exprs := []ast.Expr{}
		if ls.testNext('=') {
			exprs = ls.exprList()
		}
		ls.addLocals(len(names))
		st := &ast.LocalAssignStmt{Names: names, Exprs: exprs}
		st.SetLine(line)
		st.SetLastLine(ls.lastline)
		return st, false
	case tkReturn:
		ls.nextToken()
		var exprs []ast.Expr
		if !blockFollow(ls.t.tok) && ls.t.tok != ';' {
			exprs = ls.exprList()
		}
		st := &ast.ReturnStmt{Exprs: exprs}
		st.SetLine(line)
		st.SetLastLine(ls.lastline)
		return st, true
	case tkBreak:
		ls.nextToken()
		if ls.fs.loops == 0 {
			ls.syntaxError("no loop to break")
		}
		st := &ast.BreakStmt{}
		st.SetLine(line)
		return st, true
	case tkDbColon: // gopher-lua's label
		ls.nextToken()
		name := ls.strCheckName()
		ls.checkNextTok(tkDbColon)
		st := &ast.LabelStmt{Name: name}
		st.SetLine(line)
		return st, false
	case tkName:
		if ls.t.str == "goto" {
			ls.lookahead()
			if ls.ahead.tok == tkName { // gopher-lua's goto
				ls.nextToken()
				label := ls.strCheckName()
				st := &ast.GotoStmt{Label: label}
				st.SetLine(line)
				return st, false
			}
		}
	}
	return ls.exprStat(line), false
}

func (ls *lexState) ifStat(line int) ast.Stmt {
	ls.nextToken()
	cond := ls.expr()
	ls.checkNextTok(tkThen)
	top := &ast.IfStmt{Condition: cond, Then: ls.block()}
	top.SetLine(line)
	cur := top
	for ls.t.tok == tkElseif {
		eline := ls.t.line
		ls.nextToken()
		cond := ls.expr()
		ls.checkNextTok(tkThen)
		next := &ast.IfStmt{Condition: cond, Then: ls.block()}
		next.SetLine(eline)
		cur.Else = []ast.Stmt{next}
		cur = next
	}
	if ls.testNext(tkElse) {
		cur.Else = ls.block()
	}
	end := ls.t.line
	ls.checkMatch(tkEnd, tkIf, line)
	for c := top; c != nil; {
		c.SetLastLine(end)
		if len(c.Else) == 1 {
			if next, ok := c.Else[0].(*ast.IfStmt); ok && next != c {
				c = next
				continue
			}
		}
		break
	}
	return top
}

func (ls *lexState) forStat(line int) ast.Stmt {
	ls.nextToken()
	name := ls.strCheckName()
	var st ast.Stmt
	switch ls.t.tok {
	case '=':
		ls.nextToken()
		init := ls.expr()
		ls.checkNextTok(',')
		limit := ls.expr()
		var step ast.Expr
		if ls.testNext(',') {
			step = ls.expr()
		}
		ls.addLocals(3)
		body := ls.forBody(1)
		ls.fs.nactvar -= 3
		st = &ast.NumberForStmt{Name: name, Init: init, Limit: limit, Step: step, Stmts: body}
	case ',', tkIn:
		names := []string{name}
		for ls.testNext(',') {
			names = append(names, ls.strCheckName())
		}
		ls.checkNextTok(tkIn)
		exprs := ls.exprList()
		ls.addLocals(3)
		body := ls.forBody(len(names))
		ls.fs.nactvar -= 3
		st = &ast.GenericForStmt{Names: names, Exprs: exprs, Stmts: body}
	default:
		ls.syntaxError("'=' or 'in' expected")
	}
	end := ls.t.line
	ls.checkMatch(tkEnd, tkFor, line)
	st.SetLine(line)
	st.SetLastLine(end)
	return st
}

func (ls *lexState) forBody(nvars int) []ast.Stmt {
	ls.checkNextTok(tkDo)
	ls.fs.loops++
	saved := ls.fs.nactvar
	ls.addLocals(nvars)
	body := ls.block()
	ls.fs.nactvar = saved
	ls.fs.loops--
	return body
}

// funcName parses "a.b.c" or "a.b:m" (funcname).
func (ls *lexState) funcName() *ast.FuncName {
	ls.check(tkName)
	var v ast.Expr = &ast.IdentExpr{Value: ls.t.str}
	v.SetLine(ls.t.line)
	ls.nextToken()
	for ls.t.tok == '.' {
		ls.nextToken()
		key := &ast.StringExpr{Value: ls.strCheckName()}
		key.SetLine(ls.lastline)
		attr := &ast.AttrGetExpr{Object: v, Key: key}
		attr.SetLine(ls.lastline)
		v = attr
	}
	if ls.t.tok == ':' {
		ls.nextToken()
		return &ast.FuncName{Receiver: v, Method: ls.strCheckName()}
	}
	return &ast.FuncName{Func: v}
}

// body parses a function's parameters and body, from its '('.
func (ls *lexState) body(needSelf bool, line int) *ast.FunctionExpr {
	fs := &funcState{prev: ls.fs, line: line}
	ls.fs = fs
	ls.checkNextTok('(')
	par := &ast.ParList{Names: []string{}}
	if needSelf {
		ls.addLocals(1) // self, which the compiler adds
	}
	if ls.t.tok != ')' {
		for {
			switch ls.t.tok {
			case tkName:
				par.Names = append(par.Names, ls.strCheckName())
			case tkDots:
				ls.nextToken()
				par.HasVargs = true
				fs.vararg = true
			default:
				ls.syntaxError("<name> or '...' expected")
			}
			if par.HasVargs || !ls.testNext(',') {
				break
			}
		}
	}
	ls.addLocals(len(par.Names))
	ls.checkNextTok(')')
	stmts := ls.chunk()
	end := ls.line
	ls.checkMatch(tkEnd, tkFunction, line)
	ls.fs = fs.prev
	fn := &ast.FunctionExpr{ParList: par, Stmts: stmts}
	fn.SetLine(line)
	fn.SetLastLine(end)
	return fn
}

func (ls *lexState) exprList() []ast.Expr {
	exprs := []ast.Expr{ls.expr()}
	for ls.testNext(',') {
		exprs = append(exprs, ls.expr())
	}
	return exprs
}

// exprStat is a call, or an assignment.
func (ls *lexState) exprStat(line int) ast.Stmt {
	v := ls.primaryExp()
	if call, ok := v.(*ast.FuncCallExpr); ok && !call.AdjustRet {
		st := &ast.FuncCallStmt{Expr: v}
		st.SetLine(v.Line())
		st.SetLastLine(ls.lastline)
		return st
	}
	lhs := []ast.Expr{v}
	for {
		if !ls.assignable(lhs[len(lhs)-1]) {
			ls.syntaxError("syntax error")
		}
		if !ls.testNext(',') {
			break
		}
		lhs = append(lhs, ls.primaryExp())
	}
	ls.checkNextTok('=')
	rhs := ls.exprList()
	st := &ast.AssignStmt{Lhs: lhs, Rhs: rhs}
	st.SetLine(line)
	st.SetLastLine(ls.lastline)
	return st
}

// assignable reports whether v is a variable (VLOCAL..VINDEXED): a name or
// an indexing, not in parentheses.
func (ls *lexState) assignable(v ast.Expr) bool {
	switch v.(type) {
	case *ast.IdentExpr, *ast.AttrGetExpr:
		return !ls.parens[v]
	}
	return false
}

func (ls *lexState) prefixExp() ast.Expr {
	switch ls.t.tok {
	case '(':
		line := ls.t.line
		ls.nextToken()
		e := ls.expr()
		ls.checkMatch(')', '(', line)
		switch x := e.(type) {
		case *ast.FuncCallExpr:
			x.AdjustRet = true
		case *ast.Comma3Expr:
			x.AdjustRet = true
		case *ast.IdentExpr, *ast.AttrGetExpr:
			ls.parens[x] = true // a value, not a variable any more
		}
		return e
	case tkName:
		e := &ast.IdentExpr{Value: ls.t.str}
		e.SetLine(ls.t.line)
		ls.nextToken()
		return e
	}
	ls.syntaxError("unexpected symbol")
	return nil
}

func (ls *lexState) primaryExp() ast.Expr {
	v := ls.prefixExp()
	for {
		switch ls.t.tok {
		case '.':
			ls.nextToken()
			key := &ast.StringExpr{Value: ls.strCheckName()}
			key.SetLine(ls.lastline)
			attr := &ast.AttrGetExpr{Object: v, Key: key}
			attr.SetLine(ls.lastline)
			v = attr
		case '[':
			ls.nextToken()
			key := ls.expr()
			ls.checkNextTok(']')
			attr := &ast.AttrGetExpr{Object: v, Key: key}
			attr.SetLine(ls.lastline)
			v = attr
		case ':':
			ls.nextToken()
			method := ls.strCheckName()
			line := ls.line
			args := ls.funcArgs()
			call := &ast.FuncCallExpr{Receiver: v, Method: method, Args: args}
			call.SetLine(line)
			call.SetLastLine(ls.lastline)
			v = call
		case '(', tkString, '{':
			line := ls.line
			args := ls.funcArgs()
			call := &ast.FuncCallExpr{Func: v, Args: args}
			call.SetLine(line)
			call.SetLastLine(ls.lastline)
			v = call
		default:
			return v
		}
	}
}

func (ls *lexState) funcArgs() []ast.Expr {
	line := ls.line
	switch ls.t.tok {
	case '(':
		if line != ls.lastline {
			ls.syntaxError("ambiguous syntax (function call x new statement)")
		}
		ls.nextToken()
		args := []ast.Expr{}
		if ls.t.tok != ')' {
			args = ls.exprList()
		}
		ls.checkMatch(')', '(', line)
		return args
	case '{':
		return []ast.Expr{ls.constructor()}
	case tkString:
		s := &ast.StringExpr{Value: ls.t.str}
		s.SetLine(ls.t.line)
		ls.nextToken()
		return []ast.Expr{s}
	}
	ls.syntaxError("function arguments expected")
	return nil
}

func (ls *lexState) constructor() ast.Expr {
	line := ls.line
	ls.checkNextTok('{')
	t := &ast.TableExpr{Fields: []*ast.Field{}}
	t.SetLine(line)
	for ls.t.tok != '}' {
		switch ls.t.tok {
		case tkName:
			ls.lookahead()
			if ls.ahead.tok != '=' {
				t.Fields = append(t.Fields, &ast.Field{Value: ls.expr()})
				break
			}
			key := &ast.StringExpr{Value: ls.strCheckName()}
			key.SetLine(ls.lastline)
			ls.checkNextTok('=')
			t.Fields = append(t.Fields, &ast.Field{Key: key, Value: ls.expr()})
		case '[':
			ls.nextToken()
			key := ls.expr()
			ls.checkNextTok(']')
			ls.checkNextTok('=')
			t.Fields = append(t.Fields, &ast.Field{Key: key, Value: ls.expr()})
		default:
			t.Fields = append(t.Fields, &ast.Field{Value: ls.expr()})
		}
		if !ls.testNext(',') && !ls.testNext(';') {
			break
		}
	}
	ls.checkMatch('}', '{', line)
	t.SetLastLine(ls.lastline)
	return t
}

func (ls *lexState) simpleExp() ast.Expr {
	var e ast.Expr
	line := ls.t.line
	switch ls.t.tok {
	case tkNumber:
		e = &ast.NumberExpr{Value: ls.t.str}
	case tkString:
		e = &ast.StringExpr{Value: ls.t.str}
	case tkNil:
		e = &ast.NilExpr{}
	case tkTrue:
		e = &ast.TrueExpr{}
	case tkFalse:
		e = &ast.FalseExpr{}
	case tkDots:
		if !ls.fs.vararg {
			ls.syntaxError("cannot use '...' outside a vararg function")
		}
		e = &ast.Comma3Expr{}
	case '{':
		return ls.constructor()
	case tkFunction:
		ls.nextToken()
		return ls.body(false, ls.line)
	default:
		return ls.primaryExp()
	}
	e.SetLine(line)
	ls.nextToken()
	return e
}

type binop struct {
	left, right int
	op          string
}

var binops = map[int]binop{
	'+': {6, 6, "+"}, '-': {6, 6, "-"}, '*': {7, 7, "*"}, '/': {7, 7, "/"}, '%': {7, 7, "%"},
	'^': {10, 9, "^"}, tkConcat: {5, 4, ".."},
	tkEq: {3, 3, "=="}, tkNe: {3, 3, "~="}, '<': {3, 3, "<"}, tkLe: {3, 3, "<="}, '>': {3, 3, ">"}, tkGe: {3, 3, ">="},
	tkAnd: {2, 2, "and"}, tkOr: {1, 1, "or"},
}

const unaryPriority = 8

func (ls *lexState) expr() ast.Expr { return ls.subExpr(0) }

// subExpr parses an expression whose operators bind tighter than limit.
// The line of an operation is the line of its last token, as Lua 5.1
// emits its instruction when it has read its operands.
func (ls *lexState) subExpr(limit int) ast.Expr {
	ls.enterLevel()
	var e ast.Expr
	switch ls.t.tok {
	case tkNot, '-', '#':
		op := ls.t.tok
		ls.nextToken()
		operand := ls.subExpr(unaryPriority)
		switch op {
		case tkNot:
			e = &ast.UnaryNotOpExpr{Expr: operand}
		case '-':
			e = &ast.UnaryMinusOpExpr{Expr: operand}
		default:
			e = &ast.UnaryLenOpExpr{Expr: operand}
		}
		e.SetLine(ls.lastline)
	default:
		e = ls.simpleExp()
	}
	for {
		b, ok := binops[ls.t.tok]
		if !ok || b.left <= limit {
			break
		}
		ls.nextToken()
		rhs := ls.subExpr(b.right)
		switch b.op {
		case "and", "or":
			e = &ast.LogicalOpExpr{Operator: b.op, Lhs: e, Rhs: rhs}
		case "==", "~=", "<", "<=", ">", ">=":
			e = &ast.RelationalOpExpr{Operator: b.op, Lhs: e, Rhs: rhs}
		case "..":
			e = &ast.StringConcatOpExpr{Lhs: e, Rhs: rhs}
		default:
			e = &ast.ArithmeticOpExpr{Operator: b.op, Lhs: e, Rhs: rhs}
		}
		e.SetLine(ls.lastline)
	}
	ls.leaveLevel()
	return e
}

/* }}} */
