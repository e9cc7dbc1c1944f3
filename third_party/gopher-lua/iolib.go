package lua

// The io library, after Lua 5.1.5's liolib.c: its functions, results and
// messages, with C's stdio buffering made explicit (setvbuf's "no", "full"
// and "line"). A write never splits the data of one call across two
// write(2)s unless it is larger than the buffer, so that a line written in
// one call does not interleave with other processes writing to the same
// output. Standard output and error are unbuffered by default (a write per
// call); files are fully buffered. Every file still open is flushed by
// FlushAll, which a program calls before it exits.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/yuin/gopher-lua/internal/cnum"
)

var ioFuncs = map[string]LGFunction{
	"close":   ioClose,
	"flush":   ioFlush,
	"lines":   ioLines,
	"input":   ioInput,
	"output":  ioOutput,
	"open":    ioOpenFile,
	"popen":   ioPopen,
	"read":    ioRead,
	"type":    ioType,
	"tmpfile": ioTmpFile,
	"write":   ioWrite,
}

var fileMethods = map[string]LGFunction{
	"close":   fileClose,
	"flush":   fileFlush,
	"lines":   fileLines,
	"read":    fileRead,
	"seek":    fileSeek,
	"setvbuf": fileSetVBuf,
	"write":   fileWrite,
}

const lFileClass = "FILE*"

// bufferSize is C's BUFSIZ, Lua 5.1's LUAL_BUFFERSIZE.
const bufferSize = 8192

type bufMode int

const (
	bufNo bufMode = iota
	bufFull
	bufLine
)

// lFile is a Lua file: an open file, a pipe of io.popen, or a standard
// stream.
type lFile struct {
	name   string
	fp     *os.File // nil for a standard stream given as a reader or writer
	w      io.Writer
	r      io.Reader
	reader *bufio.Reader
	pp     *exec.Cmd
	std    bool // a standard stream: not closed by io.close
	closed bool
	err    error // the last error of a read or write, as C's ferror

	mode bufMode
	size int
	wbuf []byte
}

func (f *lFile) String() string {
	if f.closed {
		return "file (closed)"
	}
	return fmt.Sprintf("file (%p)", f)
}

// write writes data as one write(2) (see the package comment), or buffers
// it as the mode says.
func (f *lFile) write(data []byte) error {
	if f.w == nil {
		return syscall.EBADF
	}
	if f.reader != nil && f.reader.Buffered() > 0 && f.fp != nil {
		// switching from reading to writing: the position is the reader's
		f.fp.Seek(-int64(f.reader.Buffered()), io.SeekCurrent)
		f.reader.Reset(f.r)
	}
	switch f.mode {
	case bufNo:
		if err := f.flush(); err != nil {
			return err
		}
		return f.rawWrite(data)
	case bufLine:
		f.wbuf = append(f.wbuf, data...)
		if i := bytes.LastIndexByte(f.wbuf, '\n'); i >= 0 {
			line := f.wbuf[:i+1]
			f.wbuf = append([]byte(nil), f.wbuf[i+1:]...)
			if err := f.rawWrite(line); err != nil {
				return err
			}
		}
		if len(f.wbuf) >= f.size {
			return f.flush()
		}
		return nil
	}
	if len(f.wbuf)+len(data) > f.size {
		if err := f.flush(); err != nil {
			return err
		}
	}
	if len(data) >= f.size {
		return f.rawWrite(data)
	}
	f.wbuf = append(f.wbuf, data...)
	return nil
}

func (f *lFile) rawWrite(data []byte) error {
	for len(data) > 0 {
		n, err := f.w.Write(data)
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// flush writes what is buffered.
func (f *lFile) flush() error {
	if len(f.wbuf) == 0 {
		return nil
	}
	data := f.wbuf
	f.wbuf = nil
	return f.rawWrite(data)
}

// readerFor prepares reading: what is buffered for writing is written.
func (f *lFile) readerFor() (*bufio.Reader, error) {
	if err := f.flush(); err != nil {
		return nil, err
	}
	if f.r == nil {
		return nil, syscall.EBADF
	}
	if f.reader == nil {
		f.reader = bufio.NewReaderSize(f.r, bufferSize)
	}
	return f.reader, nil
}

// close flushes and closes the file; for a pipe, it waits for the command.
func (f *lFile) close() error {
	err := f.flush()
	f.closed = true
	switch {
	case f.pp != nil:
		if c, ok := f.w.(io.Closer); ok {
			c.Close()
		}
		if c, ok := f.r.(io.Closer); ok && f.fp == nil {
			c.Close()
		}
		if werr := f.pp.Wait(); err == nil {
			var exitErr *exec.ExitError
			if !errors.As(werr, &exitErr) {
				err = werr
			}
		}
	case f.fp != nil:
		if cerr := f.fp.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// ioState is the io library of a Lua state: its standard files, the
// default input and output, and every file open.
type ioState struct {
	stdin, stdout, stderr *LUserData
	input, output         *LUserData
	open                  map[*lFile]bool
}

func ioStateOf(L *LState) *ioState {
	if L.G.io == nil {
		L.G.io = &ioState{open: map[*lFile]bool{}}
	}
	return L.G.io
}

func OpenIo(L *LState) int {
	mod := L.RegisterModule(IoLibName, map[string]LGFunction{}).(*LTable)
	mt := L.NewTypeMetatable(lFileClass)
	mt.RawSetString("__index", mt)
	L.SetFuncs(mt, fileMethods)
	mt.RawSetString("__tostring", L.NewFunction(fileToString))
	mt.RawSetString("__gc", L.NewFunction(fileGC))
	st := ioStateOf(L)
	st.stdin = newLFile(L, &lFile{name: "stdin", fp: os.Stdin, r: os.Stdin, std: true})
	st.stdout = newLFile(L, &lFile{name: "stdout", fp: os.Stdout, w: os.Stdout, std: true})
	st.stderr = newLFile(L, &lFile{name: "stderr", fp: os.Stderr, w: os.Stderr, std: true})
	st.input, st.output = st.stdin, st.stdout
	L.SetFuncs(mod, ioFuncs)
	mod.RawSetString("stdin", st.stdin)
	mod.RawSetString("stdout", st.stdout)
	mod.RawSetString("stderr", st.stderr)
	L.Push(mod)
	return 1
}

// SetStdio makes the io library's standard streams read stdin and write
// stdout and stderr (a nil keeps the stream as it is); they are unbuffered
// until the script calls setvbuf.
func SetStdio(L *LState, stdin io.Reader, stdout, stderr io.Writer) {
	st := ioStateOf(L)
	if st.stdout == nil {
		return // the io library is not open
	}
	set := func(ud *LUserData, r io.Reader, w io.Writer) {
		f := ud.Value.(*lFile)
		f.flush()
		if r != nil {
			f.r, f.reader = r, nil
			f.fp, _ = r.(*os.File)
		}
		if w != nil {
			f.w = w
			f.fp, _ = w.(*os.File)
		}
	}
	set(st.stdin, stdin, nil)
	set(st.stdout, nil, stdout)
	set(st.stderr, nil, stderr)
}

// WriteStdout writes s to the io library's standard output, through its
// buffer: print writes there, so that its lines and io.write's keep their
// order whatever setvbuf was given.
func WriteStdout(L *LState, s string) error {
	st := ioStateOf(L)
	if st.stdout == nil {
		_, err := os.Stdout.WriteString(s)
		return err
	}
	return st.stdout.Value.(*lFile).write([]byte(s))
}

// FlushAll writes what the files of the io library hold in their buffers,
// standard output first, as C's exit does: a program calls it before it
// ends, however it ends.
func FlushAll(L *LState) {
	st := ioStateOf(L)
	for _, ud := range []*LUserData{st.stdout, st.stderr} {
		if ud != nil {
			ud.Value.(*lFile).flush()
		}
	}
	for f := range st.open {
		f.flush()
	}
}

func newLFile(L *LState, f *lFile) *LUserData {
	if f.size == 0 {
		f.size = bufferSize
	}
	if !f.std {
		f.mode = bufFull
		ioStateOf(L).open[f] = true
	}
	ud := L.NewUserData()
	ud.Value = f
	L.SetMetatable(ud, L.GetTypeMetatable(lFileClass))
	return ud
}

// toFile is liolib's tofile: the file at argument 1, open.
func toFile(L *LState) *lFile {
	f := checkLFile(L, 1)
	if f.closed {
		L.RaiseError("attempt to use a closed file")
	}
	return f
}

func checkLFile(L *LState, n int) *lFile {
	ud, ok := L.Get(n).(*LUserData)
	if ok {
		if f, ok := ud.Value.(*lFile); ok {
			return f
		}
	}
	L.ArgError(n, lFileClass+" expected, got "+L.argTypeName(n))
	return nil
}

// pushResult is liolib's pushresult: true, or nil, a message and errno.
func pushResult(L *LState, err error, filename string) int {
	if err == nil {
		L.Push(LTrue)
		return 1
	}
	msg := Strerror(err)
	if filename != "" {
		msg = filename + ": " + msg
	}
	L.Push(LNil)
	L.Push(LString(msg))
	L.Push(LNumber(errnoOf(err)))
	return 3
}

func errnoOf(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return 0
}

// openFile is fopen: the modes "r", "w", "a", each with "+", and "b" or
// other letters glibc ignores; another mode is EINVAL.
func openFile(name, mode string) (*os.File, bool, bool, error) {
	if mode == "" {
		return nil, false, false, syscall.EINVAL
	}
	var flag int
	readable, writable := false, false
	switch mode[0] {
	case 'r':
		flag, readable = os.O_RDONLY, true
	case 'w':
		flag, writable = os.O_WRONLY|os.O_CREATE|os.O_TRUNC, true
	case 'a':
		flag, writable = os.O_WRONLY|os.O_CREATE|os.O_APPEND, true
	default:
		return nil, false, false, syscall.EINVAL
	}
	for _, c := range mode[1:] {
		switch c {
		case '+':
			flag = flag&^(os.O_RDONLY|os.O_WRONLY) | os.O_RDWR
			readable, writable = true, true
		case 'x':
			flag |= os.O_EXCL
		}
	}
	fp, err := os.OpenFile(name, flag, 0o666)
	return fp, readable, writable, err
}

func ioOpenFile(L *LState) int {
	name := L.CheckString(1)
	mode := L.OptString(2, "r")
	fp, readable, writable, err := openFile(name, mode)
	if err != nil {
		return pushResult(L, err, name)
	}
	f := &lFile{name: name, fp: fp}
	if readable {
		f.r = fp
	}
	if writable {
		f.w = fp
	}
	L.Push(newLFile(L, f))
	return 1
}

func ioPopen(L *LState) int {
	prog := L.CheckString(1)
	mode := L.OptString(2, "r")
	cmd := exec.Command("/bin/sh", "-c", prog)
	cmd.Stderr = os.Stderr
	f := &lFile{name: prog, pp: cmd}
	var err error
	if strings.HasPrefix(mode, "w") {
		cmd.Stdout = os.Stdout
		f.w, err = cmd.StdinPipe()
	} else {
		cmd.Stdin = os.Stdin
		f.r, err = cmd.StdoutPipe()
	}
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		return pushResult(L, err, prog)
	}
	L.Push(newLFile(L, f))
	return 1
}

func ioTmpFile(L *LState) int {
	fp, err := os.CreateTemp("", "lua_")
	if err != nil {
		return pushResult(L, err, "")
	}
	os.Remove(fp.Name()) // as tmpfile: gone once closed
	L.Push(newLFile(L, &lFile{name: fp.Name(), fp: fp, r: fp, w: fp}))
	return 1
}

func ioType(L *LState) int {
	L.CheckAny(1)
	ud, ok := L.Get(1).(*LUserData)
	f, isFile := (*lFile)(nil), false
	if ok {
		f, isFile = ud.Value.(*lFile)
	}
	switch {
	case !isFile:
		L.Push(LNil)
	case f.closed:
		L.Push(LString("closed file"))
	default:
		L.Push(LString("file"))
	}
	return 1
}

// auxClose closes the file at argument 1: a standard file is not closed.
func auxClose(L *LState, f *lFile) int {
	if f.std {
		L.Push(LNil)
		L.Push(LString("cannot close standard file"))
		return 2
	}
	delete(ioStateOf(L).open, f)
	return pushResult(L, f.close(), "")
}

func ioClose(L *LState) int {
	if L.GetTop() == 0 {
		L.Push(ioStateOf(L).output)
	}
	return auxClose(L, toFile(L))
}

func fileClose(L *LState) int { return auxClose(L, toFile(L)) }

func fileToString(L *LState) int {
	L.Push(LString(checkLFile(L, 1).String()))
	return 1
}

func fileGC(L *LState) int {
	if f := checkLFile(L, 1); !f.closed && !f.std {
		f.close()
		delete(ioStateOf(L).open, f)
	}
	return 0
}

// ioFile is getiofile: the default input or output, open.
func ioFile(L *LState, output bool) *lFile {
	st := ioStateOf(L)
	ud, name := st.input, "input"
	if output {
		ud, name = st.output, "output"
	}
	f := ud.Value.(*lFile)
	if f.closed {
		L.RaiseError("standard %s file is closed", name)
	}
	return f
}

// ioInOut is g_iofile: io.input and io.output.
func ioInOut(L *LState, output bool, mode string) int {
	st := ioStateOf(L)
	if v := L.Get(1); v != LNil {
		var ud *LUserData
		if name, ok := v.(LString); ok {
			fp, readable, writable, err := openFile(string(name), mode)
			if err != nil {
				L.ArgError(1, string(name)+": "+Strerror(err))
			}
			f := &lFile{name: string(name), fp: fp}
			if readable {
				f.r = fp
			}
			if writable {
				f.w = fp
			}
			ud = newLFile(L, f)
		} else if n, ok := v.(LNumber); ok {
			name := n.String()
			fp, _, _, err := openFile(name, mode)
			if err != nil {
				L.ArgError(1, name+": "+Strerror(err))
			}
			ud = newLFile(L, &lFile{name: name, fp: fp, r: fp, w: fp})
		} else {
			toFile(L)
			ud = v.(*LUserData)
		}
		if output {
			st.output = ud
		} else {
			st.input = ud
		}
	}
	if output {
		L.Push(st.output)
	} else {
		L.Push(st.input)
	}
	return 1
}

func ioInput(L *LState) int  { return ioInOut(L, false, "r") }
func ioOutput(L *LState) int { return ioInOut(L, true, "w") }

func ioFlush(L *LState) int {
	return pushResult(L, ioFile(L, true).flush(), "")
}

func fileFlush(L *LState) int {
	return pushResult(L, toFile(L).flush(), "")
}

func fileSeek(L *LState) int {
	f := toFile(L)
	whence := []int{io.SeekStart, io.SeekCurrent, io.SeekEnd}[L.checkOption(2, []string{"set", "cur", "end"}, "cur")]
	offset := L.OptInt64(3, 0)
	if f.fp == nil {
		return pushResult(L, syscall.ESPIPE, "")
	}
	if err := f.flush(); err != nil {
		return pushResult(L, err, "")
	}
	if f.reader != nil {
		if whence == io.SeekCurrent {
			offset -= int64(f.reader.Buffered())
		}
		f.reader.Reset(f.r)
	}
	pos, err := f.fp.Seek(offset, whence)
	if err != nil {
		return pushResult(L, err, "")
	}
	L.Push(LNumber(pos))
	return 1
}

func fileSetVBuf(L *LState) int {
	f := toFile(L)
	mode := bufMode(L.checkOption(2, []string{"no", "full", "line"}, ""))
	size := L.OptInt(3, bufferSize)
	if err := f.flush(); err != nil {
		return pushResult(L, err, "")
	}
	f.mode = mode
	if size > 0 {
		f.size = size
	}
	L.Push(LTrue)
	return 1
}

// gWrite is g_write: the arguments, strings or numbers ("%.14g"), in one
// write; what precedes a bad argument is written before the error.
func gWrite(L *LState, f *lFile, arg int) int {
	var b []byte
	top := L.GetTop()
	for ; arg <= top; arg++ {
		switch v := L.Get(arg).(type) {
		case LNumber:
			b = append(b, v.String()...)
		case LString:
			b = append(b, v...)
		default:
			if len(b) > 0 {
				f.write(b)
			}
			L.TypeError(arg, LTString)
		}
	}
	return pushResult(L, f.write(b), "")
}

func ioWrite(L *LState) int   { return gWrite(L, ioFile(L, true), 1) }
func fileWrite(L *LState) int { return gWrite(L, toFile(L), 2) }

// gRead is g_read: each format ("*l", "*n", "*a", a count) read in turn;
// what failed is nil, and the rest is not read.
func gRead(L *LState, f *lFile, first int) int {
	reader, err := f.readerFor()
	if err != nil {
		return pushResult(L, err, "")
	}
	top := L.GetTop()
	if top < first { // no format: a line
		if line, ok := readLine(f, reader); ok {
			L.Push(LString(line))
		} else {
			L.Push(LNil)
		}
		return 1
	}
	n := 0
	for arg := first; arg <= top; arg++ {
		var v LValue = LNil
		ok := true
		if num, isNumber := L.Get(arg).(LNumber); isNumber {
			count := int64(num)
			if count == 0 {
				_, perr := reader.Peek(1)
				ok = perr == nil
				v = emptyLString
			} else {
				var s string
				s, ok = readChars(f, reader, count)
				v = LString(s)
			}
		} else {
			p, isString := L.Get(arg).(LString)
			if !isString || !strings.HasPrefix(string(p), "*") {
				L.ArgError(arg, "invalid option")
			}
			switch strings.TrimPrefix(string(p), "*")[:min(1, len(p)-1)] {
			case "n":
				var x float64
				x, ok = readNumber(f, reader)
				v = LNumber(x)
			case "l":
				var s string
				s, ok = readLine(f, reader)
				v = LString(s)
			case "a":
				s, _ := readChars(f, reader, -1)
				v = LString(s)
			default:
				L.ArgError(arg, "invalid format")
			}
		}
		n++
		if !ok {
			L.Push(LNil)
			break
		}
		L.Push(v)
	}
	if f.err != nil {
		err := f.err
		f.err = nil
		L.Pop(n)
		return pushResult(L, err, "")
	}
	return n
}

func readLine(f *lFile, r *bufio.Reader) (string, bool) {
	line, err := r.ReadString('\n')
	if err != nil && err != io.EOF {
		f.err = err
	}
	if line == "" {
		return "", false
	}
	return strings.TrimSuffix(line, "\n"), true
}

// readChars reads n bytes at most (-1: all); false when it read none.
func readChars(f *lFile, r *bufio.Reader, n int64) (string, bool) {
	var b []byte
	var err error
	if n < 0 {
		b, err = io.ReadAll(r)
	} else {
		b, err = io.ReadAll(io.LimitReader(r, n))
	}
	if err != nil {
		f.err = err
	}
	return string(b), len(b) > 0
}

// readNumber is fscanf's "%lf": spaces, then the longest text that can
// begin a number; what it read is gone even when it is not a number.
func readNumber(f *lFile, r *bufio.Reader) (float64, bool) {
	for {
		c, err := r.ReadByte()
		if err != nil {
			return 0, false
		}
		if !cnum.IsSpace(c) {
			r.UnreadByte()
			break
		}
	}
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			break
		}
		if !numberPrefix(append(b, c)) {
			r.UnreadByte()
			break
		}
		b = append(b, c)
	}
	v, ok := cnum.Str2Number(string(b))
	return v, ok && len(b) > 0
}

// numberPrefix reports whether s can begin a number for scanf: a sign,
// digits, a point, an exponent with its sign, hexadecimal digits after
// "0x", or a prefix of inf, infinity or nan.
func numberPrefix(s []byte) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := strings.ToLower(string(s[i:]))
	for _, word := range []string{"infinity", "nan"} {
		if strings.HasPrefix(word, rest) && rest != "" {
			return true
		}
	}
	hex := len(rest) >= 2 && rest[0] == '0' && rest[1] == 'x'
	if hex {
		rest = rest[2:]
	}
	seenPoint, seenExp, digits := false, false, hex
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case c >= '0' && c <= '9', hex && !seenExp && c >= 'a' && c <= 'f':
			digits = true
		case c == '.' && !seenPoint && !seenExp:
			seenPoint = true
		case (c == 'e' && !hex || c == 'p' && hex) && !seenExp && digits:
			seenExp = true
			if j+1 < len(rest) && (rest[j+1] == '+' || rest[j+1] == '-') {
				j++
			}
		default:
			return false
		}
	}
	return true
}

func ioRead(L *LState) int   { return gRead(L, ioFile(L, false), 1) }
func fileRead(L *LState) int { return gRead(L, toFile(L), 2) }

// linesIterator is io_readline: the lines of f; at the end, the file is
// closed when lines opened it.
func linesIterator(L *LState, ud *LUserData, toClose bool) *LFunction {
	return L.NewFunction(func(L *LState) int {
		f := ud.Value.(*lFile)
		if f.closed {
			L.RaiseError("file is already closed")
		}
		reader, err := f.readerFor()
		if err != nil {
			L.RaiseError("%s", Strerror(err))
		}
		line, ok := readLine(f, reader)
		if f.err != nil {
			err := f.err
			f.err = nil
			L.RaiseError("%s", Strerror(err))
		}
		if ok {
			L.Push(LString(line))
			return 1
		}
		if toClose {
			delete(ioStateOf(L).open, f)
			f.close()
		}
		return 0
	})
}

func ioLines(L *LState) int {
	if L.Get(1) == LNil {
		ioFile(L, false)
		L.Push(linesIterator(L, ioStateOf(L).input, false))
		return 1
	}
	name := L.CheckString(1)
	fp, _, _, err := openFile(name, "r")
	if err != nil {
		L.ArgError(1, name+": "+Strerror(err))
	}
	ud := newLFile(L, &lFile{name: name, fp: fp, r: fp})
	L.Push(linesIterator(L, ud, true))
	return 1
}

func fileLines(L *LState) int {
	toFile(L)
	L.Push(linesIterator(L, L.Get(1).(*LUserData), false))
	return 1
}
