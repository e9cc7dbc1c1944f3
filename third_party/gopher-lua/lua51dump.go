package lua

// string.dump's binary chunks: gopher-lua's compiled functions, written so
// that load and loadstring make them functions again, as Lua 5.1's
// string.dump and binary chunks do. The header is Lua 5.1's "\27Lua",
// version 0x51, with a format byte of its own ('g'): a chunk of Lua 5.1's
// own bytecode is refused, as Lua 5.1 refuses another format.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
)

const (
	dumpSignature = "\x1bLua"
	dumpVersion   = 0x51
	dumpFormat    = 'g'
)

var errBadChunk = errors.New("bad header in precompiled chunk")

// dumpFunction writes fn as a binary chunk.
func dumpFunction(proto *FunctionProto) []byte {
	var b bytes.Buffer
	b.WriteString(dumpSignature)
	b.WriteByte(dumpVersion)
	b.WriteByte(dumpFormat)
	dumpProto(&b, proto)
	return b.Bytes()
}

func dumpProto(b *bytes.Buffer, p *FunctionProto) {
	putInt := func(n int) {
		var tmp [binary.MaxVarintLen64]byte
		b.Write(tmp[:binary.PutVarint(tmp[:], int64(n))])
	}
	putString := func(s string) {
		putInt(len(s))
		b.WriteString(s)
	}
	putString(p.SourceName)
	putString(p.shortSrc)
	putInt(p.LineDefined)
	putInt(p.LastLineDefined)
	b.WriteByte(p.NumUpvalues)
	b.WriteByte(p.NumParameters)
	b.WriteByte(p.IsVarArg)
	b.WriteByte(p.NumUsedRegisters)
	putInt(len(p.Code))
	for _, inst := range p.Code {
		binary.Write(b, binary.LittleEndian, inst)
	}
	putInt(len(p.Constants))
	for _, c := range p.Constants {
		switch v := c.(type) {
		case LNumber:
			b.WriteByte('n')
			binary.Write(b, binary.LittleEndian, math.Float64bits(float64(v)))
		case LString:
			b.WriteByte('s')
			putString(string(v))
		case LBool:
			if v {
				b.WriteByte('t')
			} else {
				b.WriteByte('f')
			}
		default:
			b.WriteByte('0')
		}
	}
	putInt(len(p.stringConstants))
	for _, s := range p.stringConstants {
		putString(s)
	}
	putInt(len(p.FunctionPrototypes))
	for _, child := range p.FunctionPrototypes {
		dumpProto(b, child)
	}
	putInt(len(p.DbgSourcePositions))
	for _, line := range p.DbgSourcePositions {
		putInt(line)
	}
	putInt(len(p.DbgLocals))
	for _, local := range p.DbgLocals {
		putString(local.Name)
		putInt(local.StartPc)
		putInt(local.EndPc)
	}
	putInt(len(p.DbgCalls))
	for _, call := range p.DbgCalls {
		putString(call.Name)
		putInt(call.Pc)
	}
	putInt(len(p.DbgUpvalues))
	for _, name := range p.DbgUpvalues {
		putString(name)
	}
}

// undumpFunction reads a binary chunk dumpFunction wrote.
func undumpFunction(chunk []byte) (proto *FunctionProto, err error) {
	if len(chunk) < 6 || string(chunk[:4]) != dumpSignature || chunk[4] != dumpVersion || chunk[5] != dumpFormat {
		return nil, errBadChunk
	}
	defer func() {
		if recover() != nil {
			proto, err = nil, errors.New("bad binary format (truncated chunk)")
		}
	}()
	r := bytes.NewReader(chunk[6:])
	return undumpProto(r), nil
}

func undumpProto(r *bytes.Reader) *FunctionProto {
	getInt := func() int {
		n, err := binary.ReadVarint(r)
		if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			panic(errBadChunk)
		}
		return int(n)
	}
	getCount := func() int {
		n := getInt()
		if n < 0 || n > r.Len() {
			panic(errBadChunk)
		}
		return n
	}
	getString := func() string {
		b := make([]byte, getCount())
		if _, err := r.Read(b); err != nil && len(b) > 0 {
			panic(errBadChunk)
		}
		return string(b)
	}
	getByte := func() byte {
		c, err := r.ReadByte()
		if err != nil {
			panic(errBadChunk)
		}
		return c
	}
	p := &FunctionProto{}
	p.SourceName = getString()
	p.shortSrc = getString()
	p.LineDefined = getInt()
	p.LastLineDefined = getInt()
	p.NumUpvalues = getByte()
	p.NumParameters = getByte()
	p.IsVarArg = getByte()
	p.NumUsedRegisters = getByte()
	p.Code = make([]uint32, getCount())
	for i := range p.Code {
		if err := binary.Read(r, binary.LittleEndian, &p.Code[i]); err != nil {
			panic(errBadChunk)
		}
	}
	p.Constants = make([]LValue, getCount())
	for i := range p.Constants {
		switch getByte() {
		case 'n':
			var bits uint64
			if err := binary.Read(r, binary.LittleEndian, &bits); err != nil {
				panic(errBadChunk)
			}
			p.Constants[i] = LNumber(math.Float64frombits(bits))
		case 's':
			p.Constants[i] = LString(getString())
		case 't':
			p.Constants[i] = LTrue
		case 'f':
			p.Constants[i] = LFalse
		default:
			p.Constants[i] = LNil
		}
	}
	p.stringConstants = make([]string, getCount())
	for i := range p.stringConstants {
		p.stringConstants[i] = getString()
	}
	p.FunctionPrototypes = make([]*FunctionProto, getCount())
	for i := range p.FunctionPrototypes {
		p.FunctionPrototypes[i] = undumpProto(r)
	}
	p.DbgSourcePositions = make([]int, getCount())
	for i := range p.DbgSourcePositions {
		p.DbgSourcePositions[i] = getInt()
	}
	p.DbgLocals = make([]*DbgLocalInfo, getCount())
	for i := range p.DbgLocals {
		p.DbgLocals[i] = &DbgLocalInfo{Name: getString(), StartPc: getInt(), EndPc: getInt()}
	}
	p.DbgCalls = make([]DbgCall, getCount())
	for i := range p.DbgCalls {
		p.DbgCalls[i] = DbgCall{Name: getString(), Pc: getInt()}
	}
	p.DbgUpvalues = make([]string, getCount())
	for i := range p.DbgUpvalues {
		p.DbgUpvalues[i] = getString()
	}
	if len(p.DbgSourcePositions) != len(p.Code) {
		panic(errBadChunk)
	}
	return p
}
