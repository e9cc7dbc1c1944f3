package slurm

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// The watchdog is a process that cleans up after expool when expool cannot:
// when it is killed with SIGKILL, say. The launcher starts it (with its
// Watchdog command) before its first srun, in a process group of its own,
// its stdin a pipe from expool. When that pipe ends without expool saying
// goodbye, expool is gone: the watchdog cancels every job and step of the
// run that squeue shows. Each srun got SIGTERM from the kernel already
// (Pdeathsig) and ended its job; the watchdog gets the rest (jobs waiting
// for resources, an srun that was killed with its shepherd).

const watchdogBye = "bye\n"

// watchdogWait bounds how long the watchdog tries.
const watchdogWait = 60 * time.Second

// startWatchdog starts l.Watchdog, once, if set; a watchdog that cannot start
// is not fatal (Pdeathsig still holds).
func (l *Launcher) startWatchdog() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.Watchdog) == 0 || l.watchdog != nil {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command(l.Watchdog[0], append(l.Watchdog[1:], l.run)...)
	cmd.Stdin = r
	// Its own group: a signal to expool's group (Ctrl-C) must not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return
	}
	l.watchdog, l.dogPipe = cmd, w
}

// stopWatchdog says goodbye to the watchdog and reaps it.
func (l *Launcher) stopWatchdog() {
	l.mu.Lock()
	dog, pipe := l.watchdog, l.dogPipe
	l.watchdog = nil
	l.mu.Unlock()
	if dog == nil {
		return
	}
	io.WriteString(pipe, watchdogBye)
	pipe.Close()
	dog.Wait()
}

// Watchdog is the watchdog process's work: it reads r, its stdin, until it
// ends; unless expool said goodbye first, it then cancels every job and step
// of the run whose id is run. The command given as Launcher.Watchdog must
// run it. It fails only if Slurm's commands are missing.
func Watchdog(run string, r io.Reader) error {
	l, err := New()
	if err != nil {
		return err
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err == nil && line == watchdogBye {
		return nil
	}
	sweep(l.cancel, "expool-"+run+"-", l.allocation, time.Now().Add(watchdogWait))
	return nil
}
