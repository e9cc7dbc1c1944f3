//go:build unix

package local_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"expool/internal/testproc"
	"expool/pool"
	"expool/pool/local"
)

func TestMain(m *testing.M) { testproc.TestMain(m) }

// newPool is a pool of a loop on a local launcher, both closed after t.
func newPool(t *testing.T, workers int) *pool.Pool {
	return testproc.Pool(t, testproc.Loop(t), pool.Config{Name: "test", Workers: workers, KillGrace: time.Second, PipeLimit: pool.DefaultPipeLimit})
}

// sleeper starts testproc sleeping in a process group of its own, as a job's.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "sleep", "30")
	cmd.Env = os.Environ()
	for k, v := range testproc.ChildEnviron() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// The watchdog kills the groups it was told of and not told the end of, once
// its stdin ends without a goodbye; after a goodbye it kills nothing.
func TestWatchdog(t *testing.T) {
	ended, running := sleeper(t), sleeper(t)
	tell := fmt.Sprintf("+%d\n+%d\n-%d\n", ended.Process.Pid, running.Process.Pid, ended.Process.Pid)
	local.Watchdog(os.Getpid(), strings.NewReader(tell+"bye\n"))
	if !testproc.Live(running.Process.Pid) {
		t.Fatal("the watchdog killed a group after expool said goodbye")
	}
	local.Watchdog(os.Getpid(), strings.NewReader(tell))
	err := running.Wait()
	if ws, ok := running.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the group of a job that had not ended: %v, want killed by SIGKILL", err)
	}
	if !testproc.Live(ended.Process.Pid) {
		t.Error("the watchdog killed the group of a job that had ended")
	}
}
