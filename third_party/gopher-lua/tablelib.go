package lua

// The table library, a port of Lua 5.1.5's ltablib.c: its sort (the same
// comparisons in the same order, so equal elements end where Lua 5.1 puts
// them), its raw accesses and its messages.

import "strings"

func OpenTable(L *LState) int {
	tabmod := L.RegisterModule(TabLibName, tableFuncs)
	L.Push(tabmod)
	return 1
}

var tableFuncs = map[string]LGFunction{
	"concat":   tableConcat,
	"foreach":  tableForeach,
	"foreachi": tableForeachi,
	"getn":     tableGetN,
	"insert":   tableInsert,
	"maxn":     tableMaxN,
	"remove":   tableRemove,
	"setn":     tableSetN,
	"sort":     tableSort,
}

func tableForeachi(L *LState) int {
	tb := L.CheckTable(1)
	n := tb.Len()
	fn := L.CheckFunction(2)
	for i := 1; i <= n; i++ {
		L.Push(fn)
		L.Push(LNumber(i))
		L.Push(tb.RawGetInt(i))
		L.Call(2, 1)
		if L.Get(-1) != LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

func tableForeach(L *LState) int {
	tb := L.CheckTable(1)
	fn := L.CheckFunction(2)
	for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
		L.Push(fn)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if L.Get(-1) != LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

func tableMaxN(L *LState) int {
	tb := L.CheckTable(1)
	max := LNumber(0)
	for k, _ := tb.Next(LNil); k != LNil; k, _ = tb.Next(k) {
		if n, ok := k.(LNumber); ok && n > max {
			max = n
		}
	}
	L.Push(max)
	return 1
}

func tableGetN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).Len()))
	return 1
}

func tableSetN(L *LState) int {
	L.CheckTable(1)
	L.RaiseError("'setn' is obsolete")
	return 0
}

func tableInsert(L *LState) int {
	tb := L.CheckTable(1)
	e := tb.Len() + 1 // the first empty element
	var pos int
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		pos = L.CheckInt(2)
		if pos > e {
			e = pos // "grow" the array
		}
		for i := e; i > pos; i-- {
			tb.RawSetInt(i, tb.RawGetInt(i-1))
		}
	default:
		L.RaiseError("wrong number of arguments to 'insert'")
	}
	tb.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

func tableRemove(L *LState) int {
	tb := L.CheckTable(1)
	e := tb.Len()
	pos := L.OptInt(2, e)
	if !(1 <= pos && pos <= e) {
		return 0 // nothing to remove
	}
	L.Push(tb.RawGetInt(pos))
	for ; pos < e; pos++ {
		tb.RawSetInt(pos, tb.RawGetInt(pos+1))
	}
	tb.RawSetInt(e, LNil)
	return 1
}

func tableConcat(L *LState) int {
	sep := L.OptString(2, "")
	tb := L.CheckTable(1)
	i := L.OptInt(3, 1)
	last := tb.Len()
	if L.Get(4) != LNil {
		last = L.CheckInt(4)
	}
	var b strings.Builder
	add := func(i int) {
		v := tb.RawGetInt(i)
		if !LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", v.Type().String(), i)
		}
		b.WriteString(LVAsString(v))
		if b.Len() > maxStringSize {
			L.RaiseError("not enough memory")
		}
	}
	for ; i < last; i++ {
		add(i)
		b.WriteString(sep)
	}
	if i == last { // the last value, if the interval was not empty
		add(i)
	}
	L.Push(LString(b.String()))
	return 1
}

// tableSort is Lua 5.1's sort: its quicksort, with its comparisons.
func tableSort(L *LState) int {
	tb := L.CheckTable(1)
	n := tb.Len()
	var fn *LFunction
	if L.Get(2) != LNil {
		fn = L.CheckFunction(2)
	}
	s := sorter{L: L, tb: tb, fn: fn}
	s.auxsort(1, n)
	return 0
}

type sorter struct {
	L  *LState
	tb *LTable
	fn *LFunction
}

func (s *sorter) get(i int) LValue    { return s.tb.RawGetInt(i) }
func (s *sorter) set(i int, v LValue) { s.tb.RawSetInt(i, v) }

// less is sort_comp: the script's function, or <.
func (s *sorter) less(a, b LValue) bool {
	if s.fn != nil {
		s.L.Push(s.fn)
		s.L.Push(a)
		s.L.Push(b)
		s.L.Call(2, 1)
		return LVAsBool(s.L.reg.Pop())
	}
	return lessThan(s.L, a, b)
}

func (s *sorter) auxsort(l, u int) {
	for l < u {
		// sort a[l], a[(l+u)/2] and a[u]
		al, au := s.get(l), s.get(u)
		if s.less(au, al) {
			s.set(l, au)
			s.set(u, al)
		}
		if u-l == 1 {
			break // only 2 elements
		}
		i := (l + u) / 2
		ai, al := s.get(i), s.get(l)
		if s.less(ai, al) {
			s.set(i, al)
			s.set(l, ai)
		} else {
			au := s.get(u)
			if s.less(au, ai) {
				s.set(i, au)
				s.set(u, ai)
			}
		}
		if u-l == 2 {
			break // only 3 elements
		}
		p := s.get(i) // the pivot
		s.set(i, s.get(u-1))
		s.set(u-1, p)
		// a[l] <= P == a[u-1] <= a[u], only need to sort from l+1 to u-2
		i, j := l, u-1
		for { // invariant: a[l..i] <= P <= a[j..u]
			for i++; s.less(s.get(i), p); i++ {
				if i > u {
					s.L.RaiseError("invalid order function for sorting")
				}
			}
			for j--; s.less(p, s.get(j)); j-- {
				if j < l {
					s.L.RaiseError("invalid order function for sorting")
				}
			}
			if j < i {
				break
			}
			ai, aj := s.get(i), s.get(j)
			s.set(i, aj)
			s.set(j, ai)
		}
		pivot, ai := s.get(u-1), s.get(i)
		s.set(u-1, ai)
		s.set(i, pivot)
		// a[l..i-1] <= a[i] == P <= a[i+1..u]; the smaller half is sorted
		// by a recursive call, the larger one by the loop
		if i-l < u-i {
			j = l
			i = i - 1
			l = i + 2
		} else {
			j = i + 1
			i = u
			u = j - 2
		}
		s.auxsort(j, i)
	}
}
