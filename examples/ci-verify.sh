#!/bin/sh
# ci-verify.sh: a CI step that fails the build when an audit log has been
# tampered with.
#
#   ci-verify.sh [LOG ...]
#
# With no LOG it verifies the configured store (--config, ./auditgate.yaml,
# AUDITGATE_STORE, else ./audit.jsonl). Each LOG may be a store, a JSON-lines
# export or a JSON array export.
#
# 'auditgate verify' checks every hash, every chain link and every sequence
# number, names each problem with its line, and exits 0 (valid), 1 (an
# integrity problem: edited, deleted, reordered or replayed entries, stripped
# hashes, malformed or partial lines) or 2 (a log could not be read). This
# script keeps those statuses, so the build fails on either, and says which
# in a line a CI log viewer shows as an error annotation.
#
# When VERIFY_REPORT names a file, the JSON report is written there too, for
# the build to keep as an artifact.
#
# Deleting the newest entries of a trail cannot be seen from inside the log;
# keep a signed checkpoint outside it to catch that.
#
# Exit status: 0 when every log is valid, 1 on any integrity problem, 2 when a
# log could not be read or the report could not be written.

set -u

if [ -n "${VERIFY_REPORT:-}" ]; then
	if ! true >"$VERIFY_REPORT"; then
		echo "::error::cannot write the report to $VERIFY_REPORT"
		exit 2
	fi
	auditgate verify -o json "$@" >"$VERIFY_REPORT"
	status=$?
	if [ "$status" -gt 1 ]; then
		echo "::error::auditgate verify could not read the log (exit status $status)"
		exit 2
	fi
fi

auditgate verify "$@"
status=$?
case $status in
0)
	echo "audit log verified: no integrity problem"
	;;
1)
	echo "::error::audit log integrity check FAILED: the log was altered; see the problems above"
	;;
*)
	echo "::error::auditgate verify could not read the log (exit status $status)"
	status=2
	;;
esac
exit "$status"
