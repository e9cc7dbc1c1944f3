//go:build !expool_portable

package local

import (
	"fmt"
	"strings"
	"testing"
)

func span(from, to int) []int {
	var cpus []int
	for c := from; c <= to; c++ {
		cpus = append(cpus, c)
	}
	return cpus
}

// CPU groups from fixture /sys trees (testdata/topology/*/cpuN/topology):
// "two" is this project's 2-CPU machine; "xeon" two packages of 4 cores of
// 2 threads, a core's siblings numbered 8 apart as on Intel servers;
// "laptop" one package of 4 cores whose siblings are numbered together; a
// missing tree, a machine that hides its topology.
func TestCPUGroups(t *testing.T) {
	for _, c := range []struct {
		tree    string
		allowed []int
		n       int
		want    string
	}{
		{"two", span(0, 1), 1, "[[0] [1]]"},
		{"two", span(0, 1), 2, "[[0 1]]"},
		{"two", span(0, 1), 3, "error: expool may use 2 CPUs (0-1): fewer than 3 per job"},
		// One thread per job: a core each, both packages, before siblings.
		{"xeon", span(0, 15), 1, "[[0] [1] [2] [3] [4] [5] [6] [7] [8] [9] [10] [11] [12] [13] [14] [15]]"},
		// A core per job, its siblings together.
		{"xeon", span(0, 15), 2, "[[0 8] [1 9] [2 10] [3 11] [4 12] [5 13] [6 14] [7 15]]"},
		// Whole cores of one package.
		{"xeon", span(0, 15), 4, "[[0 8 1 9] [2 10 3 11] [4 12 5 13] [6 14 7 15]]"},
		{"xeon", span(0, 15), 8, "[[0 8 1 9 2 10 3 11] [4 12 5 13 6 14 7 15]]"},
		// Across packages only when nothing else is left.
		{"xeon", span(0, 15), 3, "[[0 8 1] [9 2 10] [4 12 5] [13 6 14] [3 11 7]]"},
		{"xeon", span(0, 15), 16, "[[0 8 1 9 2 10 3 11 4 12 5 13 6 14 7 15]]"},
		// expool restricted to some CPUs (taskset, a cpuset): only those.
		{"xeon", []int{0, 1, 8}, 2, "[[0 8]]"},
		{"xeon", []int{0, 1, 8}, 1, "[[0] [1] [8]]"},
		{"xeon", []int{0, 1, 8}, 4, "error: expool may use 3 CPUs (0-1,8): fewer than 4 per job"},
		{"laptop", span(0, 7), 1, "[[0] [2] [4] [6] [1] [3] [5] [7]]"},
		{"laptop", span(0, 7), 2, "[[0 1] [2 3] [4 5] [6 7]]"},
		{"laptop", span(0, 7), 6, "[[0 1 2 3 4 5]]"},
		{"missing", span(0, 2), 2, "[[0 1]]"},
		{"missing", span(0, 2), 1, "[[0] [1] [2]]"},
	} {
		groups, err := cpuGroups("testdata/topology/"+c.tree, c.allowed, c.n)
		got := fmt.Sprint(groups)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != c.want {
			t.Errorf("%s, CPUs %s, %d per job: %s, want %s", c.tree, cpuRanges(c.allowed), c.n, got, c.want)
		}
		// Disjoint, and n each.
		seen := map[int]bool{}
		for _, g := range groups {
			if len(g) != c.n {
				t.Errorf("%s, %d per job: group %v", c.tree, c.n, g)
			}
			for _, cpu := range g {
				if seen[cpu] {
					t.Errorf("%s, %d per job: CPU %d in two groups", c.tree, c.n, cpu)
				}
				seen[cpu] = true
			}
		}
	}
}

// This machine's own topology gives groups too.
func TestCPUGroupsHere(t *testing.T) {
	l := New()
	defer l.Close()
	groups, err := l.CPUGroups(1)
	if err != nil || len(groups) == 0 {
		t.Fatalf("CPUGroups(1): %v, %v", groups, err)
	}
	_, err = l.CPUGroups(1 << 20)
	if err == nil || !strings.Contains(err.Error(), "expool may use") {
		t.Errorf("CPUGroups(1<<20): %v", err)
	}
}
