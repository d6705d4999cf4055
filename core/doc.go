// Package core holds auditgate's data model and rules, with no I/O of its
// own: the value types (Trail, Verdict, Severity, Policy, Entry, Decision),
// the canonical JSON text and entry hash that must agree byte for byte with
// the Python implementation of the format, policy resolution, the recording
// engine and the verifier.
//
// Storage reaches the engine through the Store interface; files, locks and
// durability belong to package store, which also has an in-memory store for
// tests and embedding.
//
// A Go program records through an Engine, which is safe for concurrent use:
// Engine.Record stores one decision, and Engine.Guard records one and then
// runs an action only if the policy and the verdict allow it. Listeners
// receive every decision without being able to slow or break recording.
package core
