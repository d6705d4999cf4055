// Package completions holds auditgate's shell completion scripts, generated
// from the command definitions by "go generate ./completions". A test in
// package cmd fails when they are stale.
package completions

//go:generate go run ./gen
