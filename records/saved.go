package records

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// savedOutputs is the directory FILE.out beside a job log FILE: what an
// attempt captured (PIPE) is saved there, in a file of its own, named after
// the byte offset of the attempt's line in the job log and the job's name
// ("1234-sweep-7"). The file holds a header line, tab-separated:
//
//	expool-output  name  attempt  start  stdout-bytes  stderr-bytes
//
// (name escaped and start written as in the job log; "-" for a stream that
// was not captured), then stdout's bytes, then stderr's.
//
// A file is written before the attempt's line, to a temporary name, and
// renamed once whole: a crash (even SIGKILL) leaves either no file, or a
// whole file without its line, which the next OpenJobLog removes; --resume
// takes a file only if its header names the job, the attempt and the start
// of the "done" line at its offset.
type savedOutputs struct {
	dir   string
	made  bool             // dir exists
	files map[int64]string // offset → file name, once listed
}

const savedMagic = "expool-output"

// savedHeader is what a saved output says of its attempt.
type savedHeader struct {
	name    string
	attempt int
	start   string
}

// save writes the captured output of the attempt whose line is to go at
// offset in the job log; a nil stream was not captured.
func (s *savedOutputs) save(offset int64, h savedHeader, stdout, stderr []byte) error {
	if !s.made {
		if err := os.MkdirAll(s.dir, 0o777); err != nil {
			return err
		}
		s.made = true
	}
	f, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return err
	}
	header := fmt.Sprintf("%s\t%s\t%d\t%s\t%s\t%s\n", savedMagic, escape(h.name), h.attempt, h.start, length(stdout), length(stderr))
	_, err = f.WriteString(header)
	for _, b := range [][]byte{stdout, stderr} {
		if err == nil {
			_, err = f.Write(b)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(s.dir, strconv.FormatInt(offset, 10)+"-"+fileName(h.name)))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func length(b []byte) string {
	if b == nil {
		return "-"
	}
	return strconv.Itoa(len(b))
}

// fileName is a job's name as a part of a file name: what is not a letter, a
// digit, '.', '_', '+' or '-' becomes '_', and it is cut to 64 bytes.
func fileName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 64)])
}

// list reads the directory: the saved outputs by offset, and the others
// (temporary files a crash left, or files not of expool's naming).
func (s *savedOutputs) list() (byOffset map[int64]string, others []string, err error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	s.made = true
	byOffset = map[int64]string{}
	for _, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "-")
		off, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil || off < 0 || !e.Type().IsRegular() {
			others = append(others, e.Name())
			continue
		}
		byOffset[off] = e.Name()
	}
	return byOffset, others, nil
}

// removeFrom removes the saved outputs at or past offset size, which have no
// line in the job log, and the temporary files left by a crash.
func (s *savedOutputs) removeFrom(size int64) error {
	byOffset, others, err := s.list()
	if err != nil {
		return err
	}
	for off, name := range byOffset {
		if off >= size {
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil {
				return err
			}
		}
	}
	for _, name := range others {
		if strings.HasPrefix(name, ".tmp-") {
			os.Remove(filepath.Join(s.dir, name))
		}
	}
	return nil
}

// errNotSaved: no saved output matches the line.
var errNotSaved = errors.New("no saved output")

// load reads the output saved for the line at offset, which must be the
// attempt h; a nil stream was not captured.
func (s *savedOutputs) load(offset int64, h savedHeader) (stdout, stderr []byte, err error) {
	if s.files == nil {
		if s.files, _, err = s.list(); err != nil {
			return nil, nil, err
		}
		if s.files == nil {
			s.files = map[int64]string{}
		}
	}
	name, ok := s.files[offset]
	if !ok {
		return nil, nil, errNotSaved
	}
	path := filepath.Join(s.dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	line, body, _ := bytes.Cut(data, []byte("\n"))
	f := strings.Split(string(line), "\t")
	if len(f) != 6 || f[0] != savedMagic {
		return nil, nil, fmt.Errorf("%s: not a saved output", path)
	}
	if unescape(f[1]) != h.name || f[2] != strconv.Itoa(h.attempt) || f[3] != h.start {
		return nil, nil, fmt.Errorf("%s is the output of another attempt (%s, attempt %s, start %s)", path, f[1], f[2], f[3])
	}
	var streams [2][]byte
	for i, n := range f[4:] {
		if n == "-" {
			continue
		}
		size, err := strconv.Atoi(n)
		if err != nil || size < 0 || size > len(body) {
			return nil, nil, fmt.Errorf("%s: cut short, or not a saved output", path)
		}
		streams[i], body = append([]byte{}, body[:size]...), body[size:]
	}
	if len(body) != 0 {
		return nil, nil, fmt.Errorf("%s: %d bytes too many", path, len(body))
	}
	return streams[0], streams[1], nil
}
