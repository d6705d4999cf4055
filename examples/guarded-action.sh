#!/bin/sh
# guarded-action.sh: run a command only once the gate decision that allows it
# is durably recorded in the audit trail.
#
#   guarded-action.sh TRAIL REASON COMMAND [ARG ...]
#
#   guarded-action.sh billing:refund@user:42 "refund approved by budgetgate" \
#       ./issue-refund --order 1234 --amount 129.50
#
# The gate has already said yes; this script records that ALLOW decision and
# then runs COMMAND. The whole pattern is one line,
#
#   auditgate record --trail "$trail" --verdict allow --reason "$reason" && "$@"
#
# and the rest of this file is about doing it carefully:
#
# - 'auditgate record' exits 0 only when the entry is on disk (written and
#   fsynced), or when the trail's policy is fail_open and says the action may
#   go ahead unaudited (it then says so on stderr). Any other status means
#   "do not run": 1 (not recorded, hard + fail_closed), 2 (bad input, such as
#   a malformed trail; nothing recorded) or 3 (dropped under soft +
#   fail_closed: the caller decides, and this script decides not to run).
# - Every expansion is quoted and COMMAND is run as "$@", so arguments with
#   spaces, quotes or globs reach it exactly as given; it is never passed
#   through a shell again.
# - COMMAND replaces this script (exec), so its exit status, signals and
#   stdin are the caller's to see, as if it had been run directly.
#
# The store, policy and recorded_by come from auditgate's usual settings
# (--config, ./auditgate.yaml, AUDITGATE_STORE, AUDITGATE_RECORDED_BY, ...).
#
# Exit status: COMMAND's own when it ran; 125 when it did not run because
# the decision was not recorded (auditgate's message and status are on
# stderr); 2 for a usage error of this script.

set -u

if [ "$#" -lt 3 ]; then
	echo "usage: $0 TRAIL REASON COMMAND [ARG ...]" >&2
	exit 2
fi
trail=$1
reason=$2
shift 2

# The command line goes into the entry's detail, so the trail says what ran.
auditgate record --trail "$trail" --verdict allow --reason "$reason" \
	-d "command=$*" -d "host=$(uname -n)"
status=$?
if [ "$status" -ne 0 ]; then
	echo "guarded-action: not running $1: its audit entry was not recorded" \
		"(auditgate record exit status $status)" >&2
	exit 125
fi

exec "$@"
