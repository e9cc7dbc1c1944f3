package records

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ShellQuote's output, given to bash, gives back the arguments byte for byte.
func TestShellQuoteRoundTrip(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	args := []string{"plain", "a b", "it's", `back\slash`, "tab\there", "new\nline", "", "$HOME", "*", "é", "\x01\x7f", "'\\'"}
	quoted := ShellQuote(args)
	if strings.ContainsAny(quoted, "\t\n") {
		t.Fatalf("%q is not on one line of one column", quoted)
	}
	out, err := exec.Command(bash, "-c", `printf '%s\0' `+quoted).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(args, "|") {
		t.Errorf("bash read %q back as %q", quoted, got)
	}
}

func TestReadDone(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tsv")
	os.WriteFile(good, []byte(JobLogHeader+"\n"+
		"a\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\t1024\ttrue\n"+
		"b\t-\t1\t1.000\t0.100\t1\t0\tfailed\t0\t0\t0\t-\tfalse\n"+
		"m\t-\t1\t1.000\t0.100\t-\t15\trequeued\t0\t0\t0\t2048\tgrow\n"+
		"m\t-\t2\t1.000\t0.100\t-\t15\tmemory\t0\t0\t0\t4096\tgrow\n"+
		"tab\\tname\t-\t2\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\t-\t\n"), 0o666)
	done, err := ReadDone(good)
	if err != nil || !done["a"] || done["b"] || done["m"] || !done["tab\tname"] || len(done) != 2 {
		t.Errorf("ReadDone: %v, %v", done, err)
	}
	// A job log written before peakmem_kib was added, and appended to since.
	old := filepath.Join(dir, "old.tsv")
	os.WriteFile(old, []byte(oldJobLogHeader+"\n"+
		"a\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\ttrue\n"+
		"b\t-\t1\t1.000\t0.100\t1\t0\tfailed\t0\t0\t0\tfalse\n"+
		"c\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\t512\ttrue\n"), 0o666)
	done, err = ReadDone(old)
	if err != nil || !done["a"] || done["b"] || !done["c"] || len(done) != 2 {
		t.Errorf("ReadDone of an old job log: %v, %v", done, err)
	}
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("a\t-\tone\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\ttrue\n"), 0o666)
	if _, err := ReadDone(bad); err == nil || !strings.Contains(err.Error(), "bad.tsv:1: attempt \"one\" is not a number") {
		t.Errorf("a bad attempt: %v", err)
	}
	binary := filepath.Join(dir, "binary")
	os.WriteFile(binary, bytes.Repeat([]byte{0, 1, 2}, 100), 0o666)
	if _, err := ReadDone(binary); err == nil || !strings.Contains(err.Error(), "binary:1: expected 13") {
		t.Errorf("a file that is no job log: %v", err)
	}
}
