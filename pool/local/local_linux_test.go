package local_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"expool/internal/testproc"
	"expool/pool/local"
)

// Escapees are swept at most every 100 ms after their attempt ends: 2 s is
// the margin of a loaded machine.
const sweepMargin = 2 * time.Second

func TestSetsidEscapee(t *testing.T) {
	if local.Portable {
		t.Skip("the portable launcher does not follow escapees: that needs Linux's subreaper, /proc and pidfds")
	}
	p := newPool(t, 2)
	dir := t.TempDir()
	// leaver's grandchild leaves its process group (setsid) and outlives it.
	leaver := testproc.Job("leaver", "-pidfile", filepath.Join(dir, "leaver"), "-setsid-grandchild", "exit", "0")
	// keeper's grandchild does the same, but its parent exits at once, so
	// it is expool's child while keeper runs on.
	keeper := testproc.Job("keeper", "-pidfile", filepath.Join(dir, "keeper"), "-orphan", "sleep", "30")
	if err := p.Execute(keeper); err != nil {
		t.Fatal(err)
	}
	if err := testproc.WaitLines(filepath.Join(dir, "keeper"), 3, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// leaver ends while keeper runs on: the sweep at its end must tell the
	// two grandchildren apart.
	if err := p.ExecuteWait(context.Background(), leaver); err != nil {
		t.Fatal(err)
	}
	pids := pidsIn(t, filepath.Join(dir, "leaver"))
	if !testproc.Gone(pids[0], sweepMargin) {
		t.Errorf("the setsid grandchild %d of an ended job is still there: %v", pids[0], testproc.GroupMembers(pids[0]))
	}
	kpids := pidsIn(t, filepath.Join(dir, "keeper"))
	if !testproc.Exists(kpids[0]) {
		t.Errorf("the setsid grandchild %d of a running job was killed", kpids[0])
	}
	if err := p.Terminate(context.Background(), "pool:terminate()"); err != nil {
		t.Fatal(err)
	}
	if !testproc.Gone(kpids[0], sweepMargin) {
		t.Errorf("the setsid grandchild %d of a terminated job is still there", kpids[0])
	}
}

func pidsIn(t *testing.T, path string) []int {
	t.Helper()
	pids, _, err := testproc.ReadPids(path)
	if err != nil {
		t.Fatal(err)
	}
	return pids
}
