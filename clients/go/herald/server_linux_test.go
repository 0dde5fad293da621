//go:build linux

package herald_test

import (
	"os/exec"
	"syscall"
)

// dieWithTests makes the Herald child get SIGTERM if the test binary dies
// without stopping it (a panic, a timeout), so that no node is left running.
func dieWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
