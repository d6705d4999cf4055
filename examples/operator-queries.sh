#!/bin/sh
# operator-queries.sh: the questions an operator asks of an audit trail,
# asked of a store this script generates.
#
#   operator-queries.sh [DIR]
#
# It records a small day of gate decisions into DIR/audit.jsonl (DIR defaults
# to a new temporary directory, removed at the end), then prints each query
# before its answer. Run it with auditgate on $PATH; read it for the flags.
#
# Exit status: 0 when every query ran, else the status of the first that
# failed.

set -eu

if [ "$#" -gt 0 ]; then
	dir=$1
	mkdir -p "$dir"
else
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
fi
cd "$dir"

# Settings for this demonstration only: its own store, money trails
# chained, and who writes the entries.
export AUDITGATE_STORE="$dir/audit.jsonl"
export AUDITGATE_RECORDED_BY=operator-demo
cat >auditgate.yaml <<'EOF'
trails:
  - match: "billing:*"
    integrity: chain
EOF

# quote prints one argument as a shell would need it typed.
quote() {
	case $1 in
	'' | *[!A-Za-z0-9_./:@,=+-]*)
		printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
		;;
	*) printf '%s' "$1" ;;
	esac
}

# ask prints a query, then runs it.
ask() {
	printf '\n$'
	for arg in "$@"; do
		printf ' '
		quote "$arg"
	done
	printf '\n'
	"$@"
}

# The gates' decisions: a budget gate on refunds and payouts, a rate limiter,
# a PII rule gate and a human override.
rec() { auditgate record "$@"; }
rec -t billing:refund@user:42 --verdict allow --gate-type budgetgate -d amount:=12.5
rec -t billing:refund@user:42 --verdict block --severity warn --gate-type budgetgate \
	--reason "over budget: daily refund limit 100 EUR" -d amount:=129.5 -d currency=EUR
rec -t billing:payout@user:7 --verdict block --severity error --gate-type budgetgate \
	--reason "over budget: payout cap" -d amount:=1000 -d currency=EUR
rec -t api:ratelimit@global --verdict allow --gate-type actiongate -d calls_in_window:=3
rec -t api:ratelimit@global --verdict block --severity warn --gate-type actiongate \
	--reason "rate limit: 12 calls in 60s" -d calls_in_window:=12 -d window_s:=60
rec -t api:ratelimit@global --verdict error --severity error --gate-type actiongate \
	--reason "limiter backend unreachable" -d calls_in_window:=0
rec -t chat:pii@user:42 --verdict block --severity warn --gate-type rulegate \
	--reason "PII: card number in reply" -d rule=no_pii -d 'match:={"kind":"card","len":16}'
rec -t billing:refund@user:42 --verdict override --severity warn --gate-type human \
	--reason "approved by carol after review" -d approver=carol -d amount:=129.5

# What did the budget gates block today?
ask auditgate query --trail 'billing:*' --verdict block --since 24h -o table

# Which rate-limit decisions saw more than 5 calls in the window, warn or worse?
ask auditgate query --where 'detail.calls_in_window>5' --severity warn -o csv

# How many blocks and errors in all?
ask auditgate query --verdict block,error --count

# Everything that happened to user 42, across gates, as a wide table.
ask auditgate query --principal user:42 --wide -o table

# Why was anything overridden? (the reason, in any letter case)
ask auditgate query --reason APPROVED -o table

# Detail fields, nested too: which PII matches were card numbers?
ask auditgate query --where detail.match.kind=card -o jsonl

# The last two decisions.
ask auditgate query --tail 2 -o table

# Watch for the next chat override as it is recorded. -f prints what is
# there, then each new match, until interrupted; --limit 1 ends the watch at
# the first match, whether the watch starts before the entry is recorded or
# after it.
printf '\n$ %s &\n' "auditgate query -f --trail 'chat:*' --verdict override --limit 1 -o table"
auditgate query -f --trail 'chat:*' --verdict override --limit 1 -o table &
watcher=$!
rec -t chat:pii@user:42 --verdict override --gate-type human --reason "false positive" \
	-d approver=dave
wait "$watcher"

# Hand the billing trails to an auditor: a JSON array that verifies alone,
# and the same as CSV.
ask auditgate export --trail 'billing:*' --format json --out billing.json
ask auditgate verify billing.json
ask auditgate export --trail 'billing:*' --format csv --out billing.csv
ask head -n 2 billing.csv

# A filtered export that leaves out part of a trail says so.
ask auditgate export --verdict override --format jsonl --out overrides.jsonl
