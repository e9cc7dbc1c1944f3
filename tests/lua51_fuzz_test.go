package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"expool/cli"
)

// FuzzLua51 generates Lua 5.1 programs from the fuzzer's bytes (arithmetic
// on numbers and numeric strings, multiple assignments, closures made in
// loops, nested pcalls and errors, string.format, string functions) and
// runs each under lua5.1 and under expool (in this process, as `expool -`
// with the program on standard input): their standard output and exit
// status must agree, and so must the first line of their errors.
//
// Only a divergence fails it. The generator makes programs that end in
// milliseconds with little memory (no unbounded loop, strings of a few
// bytes) and that use nothing whose answer Lua 5.1 leaves open (no
// addresses but those compareLua51 replaces, no os.time, os.clock or
// math.random, no pairs order, no ^ whose last digit a libm chooses); the
// sign of a NaN and of a zero are not compared (unsigned). Each interpreter has a time bound: a program lua5.1 does not
// finish in time is skipped, one that expool does not finish, a hang, fails.
func FuzzLua51(f *testing.F) {
	lua51Reference(f)
	for _, seed := range [][]byte{
		{}, {1, 2, 3, 4, 5, 6, 7, 8}, []byte("multiple assignment"), []byte("closures in loops"),
		[]byte("\x03\x03\x03\x03\x03\x03pcall in pcall"), []byte("\x05\x05\x05\x05\x05\x05format"),
		bytes.Repeat([]byte{0xff, 0x00, 0x7f, 0x80}, 16), []byte("0123456789abcdefghijklmnopqrstuvwxyz"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		prog := newProgramGen(data).program()
		start := time.Now()
		want := runReference(t, prog)
		took := time.Since(start)
		got := runExpoolIn(t, prog, took)
		if strings.Contains(got.stderr, "internal error") {
			t.Fatalf("internal error:\n%s\nprogram:\n%s", got.stderr, prog)
		}
		compareLua51(t, []byte(prog), unsigned(want), unsigned(got))
		if t.Failed() {
			t.Logf("program:\n%s", prog)
		}
	})
}

// The time bounds of one generated program, which either interpreter runs
// in milliseconds: past lua5.1's the program is skipped (the machine is too
// loaded to judge it), past expool's it fails.
const (
	fuzzReferenceTimeout = 10 * time.Second
	fuzzExpoolTimeout    = 60 * time.Second
)

// runExpoolIn runs prog in this process as `expool -`, which must end within
// fuzzExpoolTimeout; took is how long lua5.1 took, for the message.
func runExpoolIn(t *testing.T, prog string, took time.Duration) lua51Run {
	done := make(chan lua51Run, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		status := cli.Main([]string{"--no-progress", "-"}, strings.NewReader(prog), &stdout, &stderr)
		done <- lua51Run{stdout: stdout.String(), stderr: stderr.String(), status: status}
	}()
	select {
	case got := <-done:
		return got
	case <-time.After(fuzzExpoolTimeout):
		t.Fatalf("expool did not end in %v (lua5.1 did, in %v); program:\n%s", fuzzExpoolTimeout, took.Round(time.Millisecond), prog)
		return lua51Run{}
	}
}

// negativeZero is a -0 written alone (not in -0.5 or 1e-05).
var negativeZero = regexp.MustCompile(`(^|[^0-9A-Za-z.])-0($|[^0-9A-Za-z.])`)

// unsigned writes every NaN "nan" and every -0 "0", two differences README
// lists: glibc's libm and Go's math give different signs to the NaN of an
// invalid operation (math.fmod(1, 0), (-8)^(1/3)); and a function that
// writes both 0 and -0 (folded, as -0 or -1 * 0) has one constant for both
// in either VM, but not always the same one.
func unsigned(r lua51Run) lua51Run {
	for _, s := range []*string{&r.stdout, &r.stderr} {
		*s = strings.ReplaceAll(*s, "-nan", "nan")
		for negativeZero.MatchString(*s) {
			*s = negativeZero.ReplaceAllString(*s, "${1}0${2}")
		}
	}
	return r
}

// runReference runs prog under lua5.1, from its standard input.
func runReference(t *testing.T, prog string) lua51Run {
	ctx, cancel := context.WithTimeout(context.Background(), fuzzReferenceTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "lua5.1", "-")
	cmd.Stdin = strings.NewReader(prog)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := lua51Run{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Skipf("lua5.1 did not end in %v: a loaded machine, or a program the generator should not make", fuzzReferenceTimeout)
	case errors.As(err, &exitErr):
		run.status = exitErr.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return run
}

// programGen makes a program from the fuzzer's bytes: each choice reads a
// byte, and zeros once they run out, so that every input is a program.
type programGen struct {
	data   []byte
	pos    int
	locals []string // in scope in the main chunk
	b      strings.Builder
	depth  int
}

func newProgramGen(data []byte) *programGen { return &programGen{data: data} }

func (g *programGen) pick(n int) int {
	if g.pos >= len(g.data) {
		return 0
	}
	v := int(g.data[g.pos]) % n
	g.pos++
	return v
}

func (g *programGen) line(format string, args ...any) {
	fmt.Fprintf(&g.b, format+"\n", args...)
}

func (g *programGen) program() string {
	g.line("local t = {x = 1, y = 'two', [1] = 10, [2] = 20}")
	g.line("local fs = {}")
	g.locals = []string{"a", "b", "c"}
	g.line("local a, b, c = %s, %s, %s", g.number(), g.number(), g.number())
	n := 4 + g.pick(12)
	for i := 0; i < n; i++ {
		g.statement()
	}
	g.line("print(type(a), type(b), type(c))")
	return g.b.String()
}

var fuzzNumbers = []string{
	"0", "1", "-1", "2", "3", "7", "10", "0.1", "0.2", "0.5", "1.5", "-2.5", "1e15", "1e16", "1e-5",
	"2^53", "2^63", "1/3", "100", "255", "1e300", "(1/0)", "(-1/0)", "3.14159265358979",
	"123456789012345", "0x10", "0xff",
}

var fuzzStrings = []string{
	`"10"`, `"0x10"`, `" 5 "`, `"1e2"`, `"010"`, `"abc"`, `""`, `"3.5"`, `"-7"`, `"a b c"`, `"x\ny"`,
	`"%d"`, `"1e"`, `"inf"`, `"nan"`, `"5."`, `".5"`,
}

func (g *programGen) number() string { return fuzzNumbers[g.pick(len(fuzzNumbers))] }

func (g *programGen) local() string { return g.locals[g.pick(len(g.locals))] }

// value is an expression, mostly numbers, sometimes strings.
func (g *programGen) value(depth int) string {
	if depth > 2 {
		return g.number()
	}
	switch g.pick(12) {
	case 0, 1, 2:
		return g.number()
	case 3:
		return fuzzStrings[g.pick(len(fuzzStrings))]
	case 4, 5:
		return g.local()
	case 6:
		op := []string{"+", "-", "*", "/", "%", "^"}[g.pick(6)]
		if op == "^" {
			// exponents whose power Go's math.Pow rounds as glibc's pow does
			// (once, correctly): others may differ in the last digit
			return "(" + g.value(depth+1) + " ^ " + []string{"0", "1", "2", "0.5", "-1", "(-1)"}[g.pick(6)] + ")"
		}
		return "(" + g.value(depth+1) + " " + op + " " + g.value(depth+1) + ")"
	case 7:
		return "-" + g.value(depth+1)
	case 8:
		return "t.x"
	case 9:
		return "#" + fuzzStrings[g.pick(len(fuzzStrings))]
	case 10:
		return "tonumber(" + fuzzStrings[g.pick(len(fuzzStrings))] + ")"
	}
	return "math.floor(" + g.value(depth+1) + ")"
}

// protected wraps code in a pcall whose results are printed.
func (g *programGen) protected(code string) {
	g.line("print(pcall(function() %s end))", code)
}

func (g *programGen) statement() {
	switch g.pick(11) {
	case 0: // arithmetic, printed
		g.protected("return " + g.value(0) + ", " + g.value(0))
	case 1: // multiple assignment among locals and fields
		l1, l2, l3 := g.local(), g.local(), g.local()
		switch g.pick(4) {
		case 0:
			g.line("%s, %s = %s, %s", l1, l2, l2, l1)
		case 1:
			g.line("%s, %s, %s = %s, %s, %s", l1, l2, l3, l3, l1, l2)
		case 2:
			g.line("t.x, %s = %s, %s", l1, l1, g.number())
		default:
			g.line("%s, %s = %s + 1, %s", l1, l2, l1, l1)
		}
		g.line("print(%s, %s, %s, t.x)", l1, l2, l3)
	case 2: // closures made in a loop
		k := g.pick(4) + 1
		g.line("fs = {}")
		g.line("for i = 1, %d do local v = i * %s; fs[i] = function() v = v + 1; return i, v end end", k, g.number())
		g.line("for i = 1, %d do print(fs[i]()) end", k)
	case 3: // nested pcall, errors of every kind, and a closure updated after
		g.line("do local n = 0; local function inc() n = n + 1 end")
		g.line("print(pcall(function() inc(); %s end))", g.nestedError(g.pick(3)))
		g.line("inc(); print(n) end")
	case 4: // string.format
		g.formatStatement()
	case 5: // a generic for whose body starts with a jump
		g.line("do local s = 0; for _, v in ipairs({1, 2, %s}) do if false then local x = 1 end s = s + v end print(s) end", g.number())
	case 6: // a new local
		name := fmt.Sprintf("l%d", len(g.locals))
		g.line("local %s = %s", name, g.number())
		g.locals = append(g.locals, name)
	case 7: // string functions with numbers and numeric strings
		s := fuzzStrings[g.pick(len(fuzzStrings))]
		switch g.pick(5) {
		case 0:
			g.protected(fmt.Sprintf("return string.rep(%s, %d)", s, g.pick(4)))
		case 1:
			g.protected(fmt.Sprintf("return string.sub(%s, %d, %d)", s, g.pick(7)-3, g.pick(7)-3))
		case 2:
			g.protected(fmt.Sprintf("return (%s):gsub(%q, %q)", s, []string{"%d", "%a+", ".", "", "(%w)(%w)", "[^%s]"}[g.pick(6)], []string{"<%0>", "%1", "x", "%%"}[g.pick(4)]))
		case 3:
			g.protected(fmt.Sprintf("return tostring(%s), tonumber(%s, %d)", g.value(0), s, []int{10, 16, 2, 36}[g.pick(4)]))
		default:
			g.protected(fmt.Sprintf("return %s .. %s, %s < %s", g.value(1), g.value(1), g.number(), g.number()))
		}
	case 8: // a numeric for with a float step
		g.line("for x = %s, %s, %s do io.write(x, ' ') end print()", []string{"0", "0.1", "1", "-1"}[g.pick(4)], []string{"0.5", "1", "2", "-2"}[g.pick(4)], []string{"0.1", "0.25", "0.5", "-0.5", "1"}[g.pick(5)])
	case 9: // comparisons and logic
		g.protected(fmt.Sprintf("return %s == %s, %s and %s or %s, not %s", g.value(1), g.value(1), g.value(1), g.value(1), g.value(1), g.value(1)))
	default: // an error raised with a level, caught
		g.protected(fmt.Sprintf("local function f() error(%s, %d) end f()", g.errorValue(), g.pick(3)))
	}
}

func (g *programGen) errorValue() string {
	return []string{`"msg"`, "42", "nil", "{}", "t.nofield", `"a" .. 1.5`, "true"}[g.pick(7)]
}

// nestedError is code that raises an error, maybe inside more pcalls.
func (g *programGen) nestedError(depth int) string {
	if depth == 0 {
		switch g.pick(5) {
		case 0:
			return fmt.Sprintf("error(%s)", g.errorValue())
		case 1:
			return "local x = nil; return x.y"
		case 2:
			return "return undefinedfn()"
		case 3:
			return "return 1 + {}"
		}
		return "return " + g.value(0)
	}
	return fmt.Sprintf("local ok, e = pcall(function() %s end); error(tostring(ok) .. ':' .. type(e), 0)", g.nestedError(depth-1))
}

func (g *programGen) formatStatement() {
	flags := []string{"", "-", "+", " ", "#", "0", "-0"}[g.pick(7)]
	width := []string{"", "1", "5", "12"}[g.pick(4)]
	prec := []string{"", ".0", ".1", ".3", ".14"}[g.pick(5)]
	conv := []string{"d", "i", "x", "X", "o", "u", "c", "e", "E", "f", "g", "G", "s", "q"}[g.pick(14)]
	var arg string
	switch conv {
	case "s", "q":
		arg = []string{fuzzStrings[g.pick(len(fuzzStrings))], g.number()}[g.pick(2)]
		if conv == "q" {
			flags, width, prec = "", "", ""
		}
	case "c":
		arg = []string{"65", "97", "48", "0"}[g.pick(4)]
		prec = ""
	case "e", "E", "f", "g", "G":
		arg = g.number()
	default:
		// an integer conversion of a number out of C's range is undefined
		arg = []string{"0", "1", "-1", "7", "255", "-255", "3.7", "-3.7", "1e15", "123456789012345", `"42"`}[g.pick(11)]
	}
	g.protected(fmt.Sprintf("return string.format(%q, %s)", "[%"+flags+width+prec+conv+"]", arg))
}
