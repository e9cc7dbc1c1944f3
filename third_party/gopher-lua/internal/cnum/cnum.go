// Package cnum converts numbers to and from text as Lua 5.1 does with C's
// library (glibc's Strtod and printf): tostring, print, concatenation and
// io.write write "%.14g" (LUA_NUMBER_FMT), string.format follows printf, and
// tonumber, arithmetic on strings and the lexer read what Strtod reads.
package cnum

import (
	"math"
	"strconv"
	"strings"
)

// Number formats f as Lua 5.1's tostring does ("%.14g"): 0.3, 1e+15,
// inf, -inf, nan and -nan (the sign of a NaN is kept, as glibc prints it).
func Number(f float64) string {
	if f == math.Trunc(f) && f > -1e14 && f < 1e14 && (f != 0 || !math.Signbit(f)) {
		return strconv.FormatInt(int64(f), 10) // the common case, made fast
	}
	return FormatFloat(f, 'g', Flags{Prec: 14})
}

// Flags are the flags, width and precision of a printf conversion.
type Flags struct {
	Minus, Plus, Space, Sharp, Zero bool
	Width                           int
	Prec                            int // -1: none given
}

// FormatFloat formats f as printf's %e, %E, %f, %F, %g or %G does, with
// the flags' precision (-1: the default, 6), sign and '#', but not their
// width (see Pad).
func FormatFloat(f float64, verb byte, fl Flags) string {
	prec := fl.Prec
	if prec < 0 {
		prec = 6
	}
	upper := verb == 'E' || verb == 'F' || verb == 'G'
	var body string
	switch {
	case math.IsNaN(f):
		body = "nan"
	case math.IsInf(f, 0):
		body = "inf"
	default:
		a := math.Abs(f)
		switch verb {
		case 'f', 'F':
			body = strconv.FormatFloat(a, 'f', prec, 64)
			if fl.Sharp && prec == 0 {
				body += "."
			}
		case 'e', 'E':
			body = formatExp(a, prec, fl.Sharp)
		case 'g', 'G':
			body = formatG(a, prec, fl.Sharp)
		}
	}
	if upper {
		body = strings.ToUpper(body)
	}
	return Sign(math.Signbit(f), fl) + body
}

// formatExp is printf's %.{prec}e of a >= 0: an exponent of two digits at
// least, and a point kept with '#'.
func formatExp(a float64, prec int, sharp bool) string {
	s := strconv.FormatFloat(a, 'e', prec, 64)
	if sharp && prec == 0 {
		i := strings.IndexByte(s, 'e')
		s = s[:i] + "." + s[i:]
	}
	return s
}

// formatG is printf's %.{prec}g of a >= 0.
func formatG(a float64, prec int, sharp bool) string {
	if prec == 0 {
		prec = 1
	}
	e := strconv.FormatFloat(a, 'e', prec-1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	var s string
	if exp < -4 || exp >= prec {
		s = e
		if sharp && prec == 1 {
			i := strings.IndexByte(s, 'e')
			s = s[:i] + "." + s[i:]
		}
	} else {
		s = strconv.FormatFloat(a, 'f', prec-1-exp, 64)
		if sharp && !strings.Contains(s, ".") {
			s += "."
		}
	}
	if sharp {
		return s
	}
	// Without '#', trailing zeros of the fraction go, and a point left alone.
	mant, exppart := s, ""
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		mant, exppart = s[:i], s[i:]
	}
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(mant, "0")
		mant = strings.TrimSuffix(mant, ".")
	}
	return mant + exppart
}

// Sign is the sign printf writes before a number.
func Sign(negative bool, fl Flags) string {
	switch {
	case negative:
		return "-"
	case fl.Plus:
		return "+"
	case fl.Space:
		return " "
	}
	return ""
}

// Pad pads s to the flags' width: on the right with '-', with zeros after
// the sign (and "0x") when zeros is set, else with spaces on the left.
func Pad(s string, fl Flags, zeros bool) string {
	n := fl.Width - len(s)
	if n <= 0 {
		return s
	}
	switch {
	case fl.Minus:
		return s + strings.Repeat(" ", n)
	case zeros:
		i := 0
		if i < len(s) && (s[i] == '-' || s[i] == '+' || s[i] == ' ') {
			i++
		}
		if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
			i += 2
		}
		return s[:i] + strings.Repeat("0", n) + s[i:]
	}
	return strings.Repeat(" ", n) + s
}

// IsSpace reports whether c is a space to C's isspace (the C locale).
func IsSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func IsAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Str2Number converts s to a number as Lua 5.1's lua_tonumber does
// (luaO_str2d): what glibc's Strtod reads (spaces, a sign, decimal or
// hexadecimal digits, an exponent, inf, infinity, nan), then nothing but
// spaces. s ends at its first NUL, as a C string does.
func Str2Number(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	v, n := Strtod(s)
	if n == 0 {
		return 0, false
	}
	// luaO_str2d then tries strtoul(s, 16) when Strtod stopped at an 'x';
	// glibc's Strtod reads hexadecimal numbers itself, so that can only
	// read the same "0" again and stop at the same 'x'.
	for n < len(s) && IsSpace(s[n]) {
		n++
	}
	return v, n == len(s)
}

// Strtod reads a number at the start of s as glibc's Strtod does, and
// returns it with the number of bytes read (0: none).
func Strtod(s string) (float64, int) {
	i := 0
	for i < len(s) && IsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	signed := func(v float64) float64 {
		if neg {
			return -v
		}
		return v
	}
	rest := s[i:]
	switch {
	case hasPrefixFold(rest, "inf"):
		n := 3
		if hasPrefixFold(rest, "infinity") {
			n = 8
		}
		return signed(math.Inf(1)), i + n
	case hasPrefixFold(rest, "nan"):
		n := 3
		if n < len(rest) && rest[n] == '(' {
			j := n + 1
			for j < len(rest) && (IsAlnum(rest[j]) || rest[j] == '_') {
				j++
			}
			if j < len(rest) && rest[j] == ')' {
				n = j + 1
			}
		}
		return signed(math.NaN()), i + n
	case len(rest) > 1 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'):
		j, digits := 2, 0
		for j < len(rest) && isHex(rest[j]) {
			j, digits = j+1, digits+1
		}
		if j < len(rest) && rest[j] == '.' {
			j++
			for j < len(rest) && isHex(rest[j]) {
				j, digits = j+1, digits+1
			}
		}
		if digits == 0 {
			return signed(0), i + 1 // the "0" before the 'x'
		}
		mantissa := rest[:j]
		exponent := "p0"
		if k := exponentEnd(rest, j, 'p', 'P'); k > j {
			exponent, j = rest[j:k], k
		}
		return signed(parseFloatRange(mantissa + exponent)), i + j
	}
	j, digits := 0, 0
	for j < len(rest) && isDigit(rest[j]) {
		j, digits = j+1, digits+1
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		for j < len(rest) && isDigit(rest[j]) {
			j, digits = j+1, digits+1
		}
	}
	if digits == 0 {
		return 0, 0
	}
	j = exponentEnd(rest, j, 'e', 'E')
	return signed(parseFloatRange(rest[:j])), i + j
}

// exponentEnd returns where an exponent (e or p, a sign, digits) starting
// at s[i] ends, or i when there is none.
func exponentEnd(s string, i int, lower, upper byte) int {
	if i >= len(s) || s[i] != lower && s[i] != upper {
		return i
	}
	k := i + 1
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	if k >= len(s) || !isDigit(s[k]) {
		return i
	}
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	return k
}

// parseFloatRange parses what Strtod accepted: out of range, it is an
// infinity or zero, as Strtod returns.
func parseFloatRange(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64) // on ErrRange, v is ±Inf or 0
	return v
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// FormatInt formats v as printf's %d does with the flags (precision:
// the least number of digits), width included.
func FormatInt(v int64, fl Flags) string {
	mag := uint64(v)
	if v < 0 {
		mag = -mag
	}
	s := Sign(v < 0, fl) + digitsC(strconv.FormatUint(mag, 10), fl.Prec)
	return Pad(s, fl, fl.Zero && !fl.Minus && fl.Prec < 0)
}

// FormatUint formats v as printf's %o, %u, %x or %X does with the flags,
// width included.
func FormatUint(v uint64, verb byte, fl Flags) string {
	var digits, prefix string
	switch verb {
	case 'o':
		digits = digitsC(strconv.FormatUint(v, 8), fl.Prec)
		if fl.Sharp && !strings.HasPrefix(digits, "0") {
			digits = "0" + digits
		}
	case 'x', 'X':
		digits = digitsC(strconv.FormatUint(v, 16), fl.Prec)
		if fl.Sharp && v != 0 {
			prefix = "0x"
		}
		if verb == 'X' {
			digits, prefix = strings.ToUpper(digits), strings.ToUpper(prefix)
		}
	default:
		digits = digitsC(strconv.FormatUint(v, 10), fl.Prec)
	}
	return Pad(prefix+digits, fl, fl.Zero && !fl.Minus && fl.Prec < 0)
}

// digitsC applies an integer conversion's precision to its digits: zeros
// in front up to prec digits; no digits for a zero with precision 0.
func digitsC(digits string, prec int) string {
	switch {
	case prec < 0:
		return digits
	case prec == 0 && digits == "0":
		return ""
	case len(digits) < prec:
		return strings.Repeat("0", prec-len(digits)) + digits
	}
	return digits
}
