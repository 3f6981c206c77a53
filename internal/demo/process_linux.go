package demo

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes Linux kill the child when this process dies,
// so that a killed test or demo leaves no simulator or manager behind. The
// child gets its own process group, so that Ctrl-C in the terminal reaches
// only the parent, which then stops the children in order.
func setParentDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
}
