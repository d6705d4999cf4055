// Package format prints what auditgate produces: decisions, entries, verify
// reports and policies, as short text for people and as JSON for machines.
// It decides nothing; it only renders values from package core.
package format
