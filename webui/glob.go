package webui

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// glob is a pattern of a whole job name: * is any text, ? any one
// character, [abc], [a-z] and [!abc] (or [^abc]) a class, and \ quotes the
// character after it. Matching it reads a name once, but for the text a *
// takes back.
type glob []globItem

type globItem struct {
	kind   byte   // 'l' text, '?' a character, '*' any text, '[' a class
	text   string // of 'l'
	neg    bool   // of '[': the characters not in ranges
	ranges []rune // of '[': pairs, first and last
}

// isGlob reports whether name is a glob rather than a part of names.
func isGlob(name string) bool { return strings.ContainsAny(name, "*?[") }

func compileGlob(p string) (glob, error) {
	var g glob
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			g = append(g, globItem{kind: 'l', text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			flush()
			if len(g) == 0 || g[len(g)-1].kind != '*' {
				g = append(g, globItem{kind: '*'})
			}
		case '?':
			flush()
			g = append(g, globItem{kind: '?'})
		case '\\':
			if i+1 == len(p) {
				return nil, errors.New(`a \ at the end quotes nothing`)
			}
			i++
			text.WriteByte(p[i])
		case '[':
			flush()
			item := globItem{kind: '['}
			j := i + 1
			if j < len(p) && (p[j] == '!' || p[j] == '^') {
				item.neg = true
				j++
			}
			first := true
			for ; j < len(p) && (p[j] != ']' || first); first = false {
				lo, n := classChar(p[j:])
				j += n
				hi := lo
				if j+1 < len(p) && p[j] == '-' && p[j+1] != ']' {
					hi, n = classChar(p[j+1:])
					j += 1 + n
					if hi < lo {
						return nil, errors.New("a range of a class that runs backwards")
					}
				}
				item.ranges = append(item.ranges, lo, hi)
			}
			if j >= len(p) {
				return nil, errors.New("a [ without its ]")
			}
			g = append(g, item)
			i = j
		default:
			text.WriteByte(c)
		}
	}
	flush()
	return g, nil
}

// classChar reads a character of a class, \ quoting.
func classChar(s string) (rune, int) {
	if s[0] == '\\' && len(s) > 1 {
		r, n := utf8.DecodeRuneInString(s[1:])
		return r, n + 1
	}
	return utf8.DecodeRuneInString(s)
}

func (it *globItem) inClass(r rune) bool {
	for k := 0; k < len(it.ranges); k += 2 {
		if it.ranges[k] <= r && r <= it.ranges[k+1] {
			return !it.neg
		}
	}
	return it.neg
}

// match reports whether the whole of name matches: each * takes as little
// as it can, and more when what follows does not match (the last * only:
// that is enough for a glob).
func (g glob) match(name string) bool {
	t, i := 0, 0
	star, from := -1, 0
	for {
		if t < len(g) {
			it := &g[t]
			switch it.kind {
			case '*':
				star, from = t, i
				t++
				continue
			case 'l':
				if strings.HasPrefix(name[i:], it.text) {
					i += len(it.text)
					t++
					continue
				}
			case '?':
				if i < len(name) {
					_, n := utf8.DecodeRuneInString(name[i:])
					i += n
					t++
					continue
				}
			case '[':
				if i < len(name) {
					r, n := utf8.DecodeRuneInString(name[i:])
					if it.inClass(r) {
						i += n
						t++
						continue
					}
				}
			}
		} else if i == len(name) {
			return true
		}
		if star < 0 || from >= len(name) {
			return false
		}
		_, n := utf8.DecodeRuneInString(name[from:])
		from += n
		t, i = star+1, from
	}
}
