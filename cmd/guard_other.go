//go:build !unix

package cmd

import "os"

// guardSignals are the signals guard catches while it guards a command.
var guardSignals = []os.Signal{os.Interrupt}

// TODO: signals are not passed on to the command outside Unix, because no
// release targets another system yet; an interrupt reaches the console's
// processes, the command included, without guard's help.
func forwardSignal(os.Signal) bool { return false }

// exitStatus returns a finished command's exit status.
func exitStatus(ps *os.ProcessState) (int, string) { return ps.ExitCode(), "" }

func signalNumber(os.Signal) int { return 2 }

func signalName(s os.Signal) string { return s.String() }
