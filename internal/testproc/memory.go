package testproc

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"expool/internal/memtouch"
)

// What testproc does with memory and CPUs: it allocates with mmap, and on
// Linux has the kernel touch every page (MAP_POPULATE), so that the memory
// is resident at once and no Go code writes it (under the race detector,
// writes would cost shadow memory too).

// allocate maps and touches mib MiB, held until the process ends.
func allocate(mib int) error {
	if mib <= 0 {
		return nil
	}
	if err := memtouch.Populate(mib << 20); err != nil {
		return fmt.Errorf("allocating %d MiB: %w", mib, err)
	}
	return nil
}

// grow parses -grow STEP:EVERY:MAX and grows; with a log, it notes each
// step's time and resident memory there, and the time SIGTERM comes (then
// ends by it, unless term is false).
func grow(spec, log string, term bool) error {
	parts := strings.Split(spec, ":")
	if len(parts) != 3 {
		return fmt.Errorf("-grow %q: want STEP:EVERY:MAX", spec)
	}
	step, err1 := strconv.Atoi(parts[0])
	every, err2 := strconv.ParseFloat(parts[1], 64)
	most, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || step <= 0 || most < step {
		return fmt.Errorf("-grow %q: want STEP:EVERY:MAX, MiB and seconds", spec)
	}
	var f *os.File
	if log != "" {
		var err error
		if f, err = os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666); err != nil {
			return err
		}
		if term {
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, syscall.SIGTERM)
			go func() {
				<-sigs
				fmt.Fprintf(f, "TERM %d\n", time.Now().UnixNano())
				signal.Reset(syscall.SIGTERM)
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
			}()
		}
	}
	tick := time.NewTicker(time.Duration(every * float64(time.Second)))
	defer tick.Stop()
	for grown := 0; grown+step <= most; grown += step {
		<-tick.C
		if err := allocate(step); err != nil {
			return err
		}
		if f != nil {
			fmt.Fprintf(f, "%d %d\n", time.Now().UnixNano(), memtouch.ResidentKiB())
		}
	}
	return nil
}

// allowedCPUs is the Cpus_allowed_list of /proc/self/status.
func allowedCPUs() (string, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("/proc/self/status has no Cpus_allowed_list")
}
