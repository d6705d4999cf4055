//go:build unix

package cmd

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// guardSignals are the signals guard catches while it guards a command.
var guardSignals = []os.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM}

// forwardSignal reports whether guard passes s on to the command. SIGTERM
// always goes on. SIGHUP, SIGINT and SIGQUIT go on unless guard's process
// group is the foreground of its terminal: a terminal sends those (its keys'
// signals, and the hangup when it closes) to the whole foreground group,
// the command included, and a second copy would reach the command twice.
func forwardSignal(s os.Signal) bool {
	if s == unix.SIGTERM {
		return true
	}
	return !inForeground()
}

// inForeground reports whether this process's group is the foreground
// process group of its controlling terminal.
func inForeground() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil { // no controlling terminal
		return false
	}
	defer tty.Close()
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

// exitStatus returns a finished command's status as a shell gives it,
// 128+N for a command killed by signal N, and that signal's name.
func exitStatus(ps *os.ProcessState) (int, string) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return 128 + int(ws.Signal()), unix.SignalName(ws.Signal())
	}
	return ps.ExitCode(), ""
}

func signalNumber(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return int(n)
	}
	return 0
}

func signalName(s os.Signal) string {
	if n, ok := s.(syscall.Signal); ok {
		if name := unix.SignalName(n); name != "" {
			return name
		}
	}
	return s.String()
}
