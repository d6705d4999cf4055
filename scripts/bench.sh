#!/usr/bin/env bash
# Measures auditgate on this machine with stores it generates itself, and
# prints the figures with the machine's core count. Nothing here passes or
# fails on a number; it reports.
#
#   scripts/bench.sh            # 1,000,000 entries (about 500 MB of store)
#   N=200000 scripts/bench.sh   # a smaller run
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-30}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/auditgate
go build -o "$bin" .

if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq time >/dev/null 2>&1 || true
fi
# timed LABEL CMD...: prints wall seconds and peak memory of CMD.
timed() {
  local label=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$label %e s wall, peak RSS %M KB, %P CPU" "$@" 2>&1 >/dev/null | tail -n 1
  else
    local start end
    start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
    awk -v l="$label" -v ns=$((end - start)) 'BEGIN { printf "%s %.2f s wall\n", l, ns / 1e9 }'
  fi
}

# Requests for record --batch: 16 trails in 4 namespaces, entries of about
# 450 bytes once stored with their chain hashes.
awk -v n="$N" 'BEGIN {
  split("ALLOW BLOCK ERROR OVERRIDE", v, " "); split("DEBUG INFO WARN ERROR CRITICAL", s, " ");
  for (i = 0; i < n; i++) {
    t = i % 16;
    printf "{\"trail\":\"tenant%d:actiongate@user:%d\",\"verdict\":\"%s\",\"severity\":\"%s\",\"reason\":\"rule %d matched\",\"detail\":{\"request_id\":\"req-%08d\",\"calls\":%d}}\n", t % 4, t, v[(i % 4) + 1], s[(i % 5) + 1], i % 97, i, i % 50
  }
}' >"$work/requests.jsonl"
printf 'defaults:\n  integrity: chain\n' >"$work/chain.yaml"
store=$work/store.jsonl
ag=("$bin" --config "$work/chain.yaml" --store "$store")

echo "auditgate benchmark: $N entries, $(nproc) cores, $(go version | cut -d' ' -f3)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
start=$(date +%s%N)
"${ag[@]}" record --batch --input "$work/requests.jsonl" >/dev/null
end=$(date +%s%N)
awk -v n="$N" -v ns=$((end - start)) -v b="$(stat -c %s "$store")" 'BEGIN {
  printf "record --batch (chain): %.2f s, %.0f entries/s, %.0f bytes/entry\n", ns / 1e9, n / (ns / 1e9), b / n }'

timed "verify:" "${ag[@]}" verify
timed "query (one trail, one verdict, a time window):" "${ag[@]}" query \
  --trail tenant1:actiongate@user:5 --verdict block --since 2026-01-01 --until 2100-01-01
timed "query --count (every entry parsed):" "${ag[@]}" query --count
timed "export jsonl:" "${ag[@]}" export
timed "export csv:" "${ag[@]}" export --format csv

# Checkpoints: the whole tree built from no tree files, then 1,000 entries
# later the checkpoint that extends the first, a proof of one entry, and
# verify against both checkpoints.
"$bin" keygen "$work/bench" >/dev/null
rm -f "$store.tree" "$store.tree-heads"
timed "checkpoint (whole tree built):" "${ag[@]}" checkpoint --key "$work/bench.key" \
  --out "$work/cp1.txt"
head -n 1000 "$work/requests.jsonl" | "${ag[@]}" record --batch >/dev/null
timed "checkpoint --since, 1,000 entries later:" "${ag[@]}" checkpoint \
  --key "$work/bench.key" --since "$work/cp1.txt" --out "$work/cp2.txt"
entry="tenant1:actiongate@user:5#$((N / 32))"
timed "prove (one entry; the store is scanned for it):" "${ag[@]}" prove "$entry" \
  --checkpoint "$work/cp2.txt"
"${ag[@]}" prove "$entry" --checkpoint "$work/cp2.txt" >"$work/proof.json"
timed "verify --checkpoint (two checkpoints):" "${ag[@]}" verify \
  --checkpoint "$work/cp1.txt" --checkpoint "$work/cp2.txt" --key "$work/bench.pub"

# median MS...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# latency CMD...: the median wall time of RUNS runs, in milliseconds.
latency() {
  local runs=() start end
  for _ in $(seq "$RUNS"); do
    start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
    runs+=("$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e6 }')")
  done
  median "${runs[@]}"
}
big=$(latency "${ag[@]}" record --trail tenant1:actiongate@user:5 --verdict allow)
empty_store=$work/empty.jsonl
small=$(latency "$bin" --config "$work/chain.yaml" --store "$empty_store" record \
  --trail tenant1:actiongate@user:5 --verdict allow)
version=$(latency "$bin" version)
echo "record latency, median of $RUNS (fsync included): ${big} ms on the $N-entry store," \
  "${small} ms on a new store; auditgate version: ${version} ms"
proof=$(latency "$bin" verify-proof "$work/proof.json" --key "$work/bench.pub")
echo "verify-proof (offline, one entry of $N), median of $RUNS: ${proof} ms"
