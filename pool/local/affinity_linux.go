//go:build !expool_portable

package local

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// CPU affinity: a pool that pins its jobs (ExecPool{affinity=N}) hands each
// running job a group of N CPUs of its own, out of those expool itself may
// use (its sched_getaffinity mask). The groups are made from the CPU
// topology in /sys/devices/system/cpu, so that a job shares as little as it
// can with the others: whole cores first, hyperthread siblings together,
// then cores of one package (socket). A job's process is pinned when it is
// forked: the thread that forks it pins itself to the group, forks (the
// child inherits the mask, and its own children after it), and restores its
// mask.

// sysCPUDir is where the kernel describes the CPUs; tests change it.
var sysCPUDir = "/sys/devices/system/cpu"

// CPUGroups returns the groups of n CPUs, best first, that expool may pin
// jobs to; an error says how many CPUs it may use when n is more.
func (l *Launcher) CPUGroups(n int) ([][]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	var allowed []int
	for c := 0; c < len(set)*64; c++ {
		if set.IsSet(c) {
			allowed = append(allowed, c)
		}
	}
	return cpuGroups(sysCPUDir, allowed, n)
}

// core is one physical core: the logical CPUs (hyperthreads) that share it,
// among those allowed.
type core struct {
	pkg  int
	cpus []int
}

// cpuGroups makes groups of n CPUs out of allowed, by the topology under dir:
//
//   - when n is at least the threads of a core, the cores of each package, in
//     order, their siblings together, are cut into groups of n, and what is
//     left over in the packages is cut into groups across them;
//   - when n is smaller, each core is cut into groups of n, and the groups
//     are ordered so that the first of every core comes before the second of
//     any: while there are fewer jobs than cores, each has a core of its own.
//
// A CPU whose topology is missing is a core of its own in package 0.
func cpuGroups(dir string, allowed []int, n int) ([][]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("needs at least 1 CPU per job")
	}
	if n > len(allowed) {
		return nil, fmt.Errorf("expool may use %d CPUs (%s): fewer than %d per job", len(allowed), cpuRanges(allowed), n)
	}
	cores := topology(dir, allowed)
	widest := 0
	for _, c := range cores {
		widest = max(widest, len(c.cpus))
	}
	var groups [][]int
	var left []int
	if n < widest {
		for k := 0; k*n < widest; k++ {
			for _, c := range cores {
				switch {
				case (k+1)*n <= len(c.cpus):
					groups = append(groups, c.cpus[k*n:(k+1)*n:(k+1)*n])
				case k*n < len(c.cpus):
					left = append(left, c.cpus[k*n:]...)
				}
			}
		}
	} else {
		for i := 0; i < len(cores); {
			var all []int
			j := i
			for ; j < len(cores) && cores[j].pkg == cores[i].pkg; j++ {
				all = append(all, cores[j].cpus...)
			}
			for ; len(all) >= n; all = all[n:] {
				groups = append(groups, all[:n:n])
			}
			left = append(left, all...)
			i = j
		}
	}
	for ; len(left) >= n; left = left[n:] {
		groups = append(groups, left[:n:n])
	}
	return groups, nil
}

// topology reads the package and core of each allowed CPU, and returns the
// cores, ordered by package, then by their first CPU.
func topology(dir string, allowed []int) []core {
	type key struct{ pkg, core int }
	index := map[key]int{}
	var cores []core
	for _, cpu := range allowed {
		top := filepath.Join(dir, "cpu"+strconv.Itoa(cpu), "topology")
		pkg, err1 := readInt(filepath.Join(top, "physical_package_id"))
		id, err2 := readInt(filepath.Join(top, "core_id"))
		if err1 != nil || err2 != nil || pkg < 0 {
			pkg, id = 0, -1-cpu // unknown: a core of its own
		}
		k := key{pkg, id}
		i, ok := index[k]
		if !ok {
			i = len(cores)
			index[k] = i
			cores = append(cores, core{pkg: pkg})
		}
		cores[i].cpus = append(cores[i].cpus, cpu)
	}
	for _, c := range cores {
		slices.Sort(c.cpus)
	}
	slices.SortStableFunc(cores, func(a, b core) int {
		if a.pkg != b.pkg {
			return a.pkg - b.pkg
		}
		return a.cpus[0] - b.cpus[0]
	})
	return cores
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// cpuRanges writes CPUs as the kernel lists them: "0-3,8".
func cpuRanges(cpus []int) string {
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(cpus[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", cpus[i], cpus[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// cpuSet is cpus as sched_setaffinity takes them; nil for none (not
// pinned). The spawner pins a job's process before it execs its program.
func cpuSet(cpus []int) *unix.CPUSet {
	if len(cpus) == 0 {
		return nil
	}
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return &set
}
