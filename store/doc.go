// Package store keeps auditgate entries and reads logs back.
//
// File is the JSON-lines store the engine appends to; Memory holds the same
// lines in memory, for tests and embedding. ReadLog reads a log in any of
// the forms auditgate accepts (JSON lines, a JSON array of entries, a
// single entry object) for verifying, hashing and exporting, and Verify
// checks one.
package store
