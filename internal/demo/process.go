package demo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a child process whose output goes to a log file.
type Process struct {
	// Name names the process in errors and messages.
	Name string
	// LogPath is the file that receives the process's stdout and stderr.
	LogPath string

	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
	// copied, if not nil, is closed once the stdout copier has finished.
	copied chan struct{}
}

// startProcess starts cmd with its stdout and stderr appended to logPath.
// With firstLine set, it also returns the first line the process writes to
// stdout (which still goes to the log), waiting at most timeout for it.
func startProcess(name, logPath string, cmd *exec.Cmd, firstLine bool, timeout time.Duration) (*Process, string, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("open %s log: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, log: logFile, done: make(chan struct{})}
	cmd.Stderr = logFile
	setParentDeathSignal(cmd)

	var lines chan string
	var pipeReader, pipeWriter *os.File
	if firstLine {
		if pipeReader, pipeWriter, err = os.Pipe(); err != nil {
			_ = logFile.Close()
			return nil, "", fmt.Errorf("create %s stdout pipe: %w", name, err)
		}
		cmd.Stdout = pipeWriter
		lines = make(chan string, 1)
	} else {
		cmd.Stdout = logFile
	}

	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		if firstLine {
			_ = pipeReader.Close()
			_ = pipeWriter.Close()
		}
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	if firstLine {
		// The child holds its own copy of the write end.
		_ = pipeWriter.Close()
		p.copied = make(chan struct{})
		go func() {
			defer close(p.copied)
			teeFirstLine(pipeReader, logFile, lines)
		}()
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if !firstLine {
		return p, "", nil
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line, ok := <-lines:
		if !ok {
			_ = p.Stop(time.Second)
			return nil, "", fmt.Errorf("%s wrote no startup line (see %s)", name, logPath)
		}
		return p, line, nil
	case <-p.done:
		return nil, "", fmt.Errorf("%s exited before its startup line: %w (see %s)", name, p.exitErr(), logPath)
	case <-timer.C:
		_ = p.Stop(time.Second)
		return nil, "", fmt.Errorf("%s wrote no startup line within %s (see %s)", name, timeout, logPath)
	}
}

// teeFirstLine sends the first line of r to first (closing it if there is
// none) and copies everything, that line included, to w.
func teeFirstLine(r io.ReadCloser, w io.Writer, first chan<- string) {
	defer r.Close()
	br := bufio.NewReader(r)
	line, err := br.ReadString('\n')
	_, _ = io.WriteString(w, line)
	if err != nil {
		close(first)
		return
	}
	first <- line
	close(first)
	_, _ = io.Copy(w, br)
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// exitErr is the process's exit status once it has exited.
func (p *Process) exitErr() error {
	if p.err == nil {
		return errors.New("exit status 0")
	}
	return p.err
}

// Stop sends SIGTERM, waits up to grace for the process to exit, then kills
// it. It returns an error when the process had to be killed or exited with
// an error status of its own.
func (p *Process) Stop(grace time.Duration) error {
	defer p.closeLog()
	if p.Exited() {
		return p.unexpectedExit()
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.Name, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.unexpectedExit()
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %s of SIGTERM and was killed (see %s)", p.Name, grace, p.LogPath)
	}
}

// closeLog closes the log once the stdout copier, if any, has written the
// last lines (it ends when the process's stdout closes).
func (p *Process) closeLog() {
	if p.copied != nil {
		select {
		case <-p.copied:
		case <-time.After(2 * time.Second):
		}
	}
	_ = p.log.Close()
}

// unexpectedExit is an error when the exited process reported failure.
func (p *Process) unexpectedExit() error {
	var exit *exec.ExitError
	if errors.As(p.err, &exit) && exit.ExitCode() > 0 {
		return fmt.Errorf("%s exited: %w (see %s)", p.Name, p.err, p.LogPath)
	}
	return nil
}
