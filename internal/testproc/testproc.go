// Package testproc is the child process that expool's tests run as jobs: it
// sleeps, ignores SIGTERM, forks grandchildren, prints bytes, closes its
// stdout and exits as told, so that no test depends on a shell's timing.
// What tests watch it with (pid files, lines in a file, what is left of a
// job's process groups) and run it with (TestMain, Job, Loop) is in
// watch.go.
//
//	testproc [flags] action [args]
//
// Flags (before the action):
//
//	-pidfile FILE   append "PID PGID" to FILE once set up (grandchildren too)
//	-ppidfile FILE  write the parent's pid to FILE (expool's, for signalling it)
//	-ignore-term    ignore SIGTERM; children inherit that
//	-trap-term FILE on SIGTERM, append "TERM" to FILE and exit 3
//	-termfile FILE  when SIGTERM comes, append a line to FILE, then die of it
//	                (set up before -ppidfile and -pidfile are written)
//	-grandchild     start a grandchild (testproc -pidfile FILE sleep 1000) first
//	-setsid-grandchild  the same, but the grandchild leaves the group (setsid)
//	-orphan         start a child that starts a setsid grandchild and exits,
//	                so that the grandchild is orphaned while this one runs on
//	-alloc MIB      allocate and touch MIB MiB of memory first, and hold it;
//	                every process it starts does the same
//	-grow STEP:EVERY:MAX  before the action, grow by STEP MiB every EVERY
//	                seconds (the kernel may take longer), up to MAX MiB
//	-growlog FILE   append "UNIXNANO RSS_KIB" to FILE after each step of -grow,
//	                and "TERM UNIXNANO" when SIGTERM comes (which still ends it)
//	-chain N        start a child that runs the same with -chain N-1 (a chain
//	                of N descendants), and wait for it after the action
//
// Actions:
//
//	sleep SECONDS       sleep, then exit 0
//	exit N              exit with status N
//	echo WORDS...       print the words on stdout
//	echoerr WORDS...    print the words on stderr
//	lines STREAM N GAP TEXT  write N lines "TEXT k" to stdout or stderr (STREAM),
//	                    one write each, GAP seconds apart
//	print N [SECONDS]   write N bytes ("x", newline every 64) to stdout, then sleep
//	printerr N          the same on stderr
//	binary N            write N times the bytes 0..255 to stdout
//	flood               write to stdout without pause until killed
//	close-stdout SECONDS  close stdout, then sleep
//	env NAME            print the value of an environment variable
//	cpus [SECONDS]      print "PID CPUS EXPOOL_CPUS": the CPUs it may run on
//	                    (Cpus_allowed_list of /proc/self/status), and the
//	                    variable; then sleep
//	pwd                 print the working directory
//	alloc MIB           touch MIB mebibytes of memory, then exit 0 (a known
//	                    peak for the tests of maxrss)
//	waitfile FILE N     wait, at most 30s, until FILE has N lines
//	append FILE TEXT [SECONDS]  append a line to FILE, then sleep
//	reap CMD ARGS...    run CMD as a child subreaper: reap every descendant
//	                    orphaned meanwhile, return CMD's exit status once all
//	                    of them have ended (at most 30s after CMD), so that
//	                    a test that kills expool leaves no zombie to init
//	kill SIG PIDFILE [FILE N]  wait for PIDFILE (and for FILE to have N lines),
//	                    then send SIG (INT, TERM, HUP, QUIT, KILL) to the pid in it
//	kill2 SIG GAP PIDFILE [FILE N]  the same twice, GAP seconds apart
package testproc

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Main runs testproc with os.Args and exits.
func Main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("testproc", flag.ContinueOnError)
	pidfile := fs.String("pidfile", "", "")
	ppidfile := fs.String("ppidfile", "", "")
	ignoreTerm := fs.Bool("ignore-term", false, "")
	trapTerm := fs.String("trap-term", "", "")
	termfile := fs.String("termfile", "", "")
	grandchild := fs.Bool("grandchild", false, "")
	setsidGrandchild := fs.Bool("setsid-grandchild", false, "")
	orphan := fs.Bool("orphan", false, "")
	alloc := fs.Int("alloc", 0, "")
	growSpec := fs.String("grow", "", "")
	growlog := fs.String("growlog", "", "")
	chain := fs.Int("chain", 0, "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	args = fs.Args()
	// What the processes it starts inherit: the flags that allocate.
	var inherit []string
	if *alloc > 0 {
		inherit = append(inherit, "-alloc", strconv.Itoa(*alloc))
	}
	if *growSpec != "" {
		inherit = append(inherit, "-grow", *growSpec)
	}
	if err := allocate(*alloc); err != nil {
		return fail(err)
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "testproc: no action")
		return 2
	}
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	if *trapTerm != "" {
		trap(*trapTerm)
	}
	if *termfile != "" {
		noteTerm(*termfile)
	}
	if *ppidfile != "" {
		if err := writeFile(*ppidfile, strconv.Itoa(os.Getppid())+"\n"); err != nil {
			return fail(err)
		}
	}
	if *grandchild || *setsidGrandchild {
		if _, err := startDescendant(*pidfile, *setsidGrandchild, append(inherit, "sleep", "1000")); err != nil {
			return fail(err)
		}
	}
	if *orphan {
		orphaner := append(append([]string{"-pidfile", *pidfile}, inherit...), "-setsid-grandchild", "exit", "0")
		if err := exec.Command(os.Args[0], orphaner...).Run(); err != nil {
			return fail(fmt.Errorf("orphaning a grandchild: %w", err))
		}
	}
	var next *exec.Cmd
	if *chain > 0 {
		rest := append(inherit, "-chain", strconv.Itoa(*chain-1))
		if *ignoreTerm {
			rest = append(rest, "-ignore-term")
		}
		if *growlog != "" {
			rest = append(rest, "-growlog", *growlog)
		}
		var err error
		if next, err = startDescendant(*pidfile, false, append(rest, args...)); err != nil {
			return fail(err)
		}
	}
	if *pidfile != "" {
		if err := appendPid(*pidfile); err != nil {
			return fail(err)
		}
	}
	if *growSpec != "" {
		if err := grow(*growSpec, *growlog, !*ignoreTerm); err != nil {
			return fail(err)
		}
	}
	code := act(args[0], args[1:])
	if next != nil {
		next.Wait()
	}
	return code
}

func act(action string, args []string) int {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch action {
	case "sleep":
		time.Sleep(seconds(arg(0)))
	case "exit":
		n, _ := strconv.Atoi(arg(0))
		return n
	case "echo":
		fmt.Println(strings.Join(args, " "))
	case "echoerr":
		fmt.Fprintln(os.Stderr, strings.Join(args, " "))
	case "lines":
		w := os.Stdout
		if arg(0) == "stderr" {
			w = os.Stderr
		}
		n, _ := strconv.Atoi(arg(1))
		for k := 1; k <= n; k++ {
			if k > 1 {
				time.Sleep(seconds(arg(2)))
			}
			fmt.Fprintf(w, "%s %d\n", arg(3), k)
		}
	case "print", "printerr":
		n, _ := strconv.Atoi(arg(0))
		w := os.Stdout
		if action == "printerr" {
			w = os.Stderr
		}
		chunk := Printed(64 << 10)
		for n > 0 {
			k, err := w.Write(chunk[:min(n, len(chunk))])
			if err != nil {
				return 1
			}
			n -= k
		}
		time.Sleep(seconds(arg(1)))
	case "binary":
		n, _ := strconv.Atoi(arg(0))
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		os.Stdout.Write(bytes.Repeat(b, n))
	case "flood":
		b := Printed(64 << 10)
		for {
			if _, err := os.Stdout.Write(b); err != nil {
				return 1
			}
		}
	case "close-stdout":
		os.Stdout.Close()
		time.Sleep(seconds(arg(0)))
	case "env":
		fmt.Println(os.Getenv(arg(0)))
	case "cpus":
		cpus, err := allowedCPUs()
		if err != nil {
			return fail(err)
		}
		fmt.Printf("%d %s %s\n", os.Getpid(), cpus, os.Getenv("EXPOOL_CPUS"))
		time.Sleep(seconds(arg(0)))
	case "pwd":
		wd, _ := os.Getwd()
		fmt.Println(wd)
	case "alloc":
		n, _ := strconv.Atoi(arg(0))
		held = make([]byte, n<<20)
		for i := 0; i < len(held); i += 4096 {
			held[i] = 1
		}
	case "waitfile":
		n, _ := strconv.Atoi(arg(1))
		if err := WaitLines(arg(0), n, 30*time.Second); err != nil {
			return fail(err)
		}
	case "reap":
		return reap(args)
	case "append":
		f, err := os.OpenFile(arg(0), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(f, arg(1))
		f.Close()
		time.Sleep(seconds(arg(2)))
	case "kill":
		return sendSignals(arg(0), 1, 0, arg(1), arg(2), arg(3))
	case "kill2":
		return sendSignals(arg(0), 2, seconds(arg(1)), arg(2), arg(3), arg(4))
	default:
		fmt.Fprintf(os.Stderr, "testproc: unknown action %q\n", action)
		return 2
	}
	return 0
}

// held is what alloc touched, kept until exit.
var held []byte

// Printed is what the action print N writes: N bytes of "x", a newline
// every 64.
func Printed(n int) []byte {
	b := bytes.Repeat([]byte("x"), n)
	for i := 63; i < n; i += 64 {
		b[i] = '\n'
	}
	return b
}

func seconds(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Second))
}

// noteTerm appends a line to path when SIGTERM comes, then dies of it.
func noteTerm(path string) {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	go func() {
		<-terms
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666); err == nil {
			fmt.Fprintln(f, "SIGTERM")
			f.Close()
		}
		signal.Reset(syscall.SIGTERM)
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
}

// startDescendant starts testproc with args (and -pidfile), in a session of
// its own if setsid, its output ours, and waits for its line in pidfile, so
// that the file is complete when ours lands.
func startDescendant(pidfile string, setsid bool, args []string) (*exec.Cmd, error) {
	if pidfile != "" {
		args = append([]string{"-pidfile", pidfile}, args...)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if pidfile == "" {
		return cmd, nil
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(pidfile)
		if bytes.Contains(b, []byte(strconv.Itoa(cmd.Process.Pid)+" ")) {
			return cmd, nil
		}
	}
	return nil, fmt.Errorf("descendant %d did not write %s", cmd.Process.Pid, pidfile)
}

func appendPid(path string) error {
	pgid, err := syscall.Getpgid(0)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%d %d\n", os.Getpid(), pgid)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeFile writes the file whole, so a reader polling for it never sees it half written.
func writeFile(path, text string) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(text), 0o666); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var signals = map[string]syscall.Signal{
	"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP,
	"QUIT": syscall.SIGQUIT, "KILL": syscall.SIGKILL,
}

func sendSignals(name string, times int, gap time.Duration, pidfile, waitfile, lines string) int {
	sig, ok := signals[name]
	if !ok {
		return fail(fmt.Errorf("unknown signal %q", name))
	}
	if err := WaitLines(pidfile, 1, 30*time.Second); err != nil {
		return fail(err)
	}
	if waitfile != "" {
		n, _ := strconv.Atoi(lines)
		if err := WaitLines(waitfile, n, 30*time.Second); err != nil {
			return fail(err)
		}
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return fail(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pidfile, err))
	}
	for i := 0; i < times; i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		if err := syscall.Kill(pid, sig); err != nil {
			return fail(err)
		}
	}
	return 0
}

// trap appends "TERM" to path and exits 3 on SIGTERM.
func trap(path string) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	go func() {
		<-c
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err == nil {
			fmt.Fprintln(f, "TERM")
			f.Close()
		}
		os.Exit(3)
	}()
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "testproc:", err)
	return 1
}
