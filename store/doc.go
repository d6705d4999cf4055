// Package store keeps auditgate entries on disk and reads logs back.
//
// File is the JSON-lines store the engine appends to; ReadLog reads a log in
// any of the forms auditgate accepts (JSON lines, a JSON array of entries, a
// single entry object) for verifying, hashing and exporting.
package store
