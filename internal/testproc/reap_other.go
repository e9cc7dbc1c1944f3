//go:build !linux

package testproc

import "errors"

// reap is the action reap, which needs Linux's PR_SET_CHILD_SUBREAPER.
func reap(args []string) int {
	return fail(errors.New("reap: a child subreaper needs Linux"))
}
