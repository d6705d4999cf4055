// Package core holds auditgate's data model and rules, with no I/O of its
// own: the value types (Trail, Verdict, Severity, Policy, Entry, Decision),
// the canonical JSON text and entry hash that must agree byte for byte with
// the Python implementation of the format, policy resolution, the recording
// engine and the verifier.
//
// Storage reaches the engine through the Store interface; files, locks and
// durability belong to package store.
package core
