#!/usr/bin/env bash
# Side by side on this machine: the same burn-down (N no-op jobs, time from the first submit to
# the N-th outcome) on SPC, Celery and Sidekiq (each on Redis from Debian's packages), and the
# Java schedulers: JobRunr (in memory and on PostgreSQL) and db-scheduler (on PostgreSQL), each
# with a tenth of M jobs to warm up first (dev.spc.bench.peers.JavaPeers). Installs what it needs
# (as root, through apt), runs everything on loopback, and stops what it started. Ends with one
# table of ratios and a SUMMARY line: peers_ratio_min is SPC over the fastest peer.
#
# Usage: benchmarks/peers/run.sh [N [M]]   (defaults 100000 and 20000: the Java peers run at
# hundreds to a few thousand jobs/s, so M is smaller to keep the run in minutes)
set -euo pipefail
N="${1:-100000}"
M="${2:-20000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT=6390
export PEER_REDIS="redis://127.0.0.1:$PORT/0"
CORES="$(nproc)"
PY=/usr/bin/python3   # Debian's python, where python3-celery lives

need=()
command -v redis-server >/dev/null || need+=(redis-server)
"$PY" -c 'import celery, redis' 2>/dev/null || need+=(python3-celery python3-redis)
command -v sidekiq >/dev/null || need+=(ruby-sidekiq)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK="$(mktemp -d)"
PIDS=()
SIDEKIQ_PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
  --logfile "$WORK/redis.log" &
PIDS+=($!)
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done
reset() { redis-cli -p "$PORT" flushall >/dev/null; }

echo "SPC: $N no-op jobs, 2 agents (bin/spc bench)..." >&2
SPC="$("$ROOT/bin/spc" bench --jobs "$N" --skip transport,latency,durable,scale,timers,jmh | sed -n 's/^SUMMARY jobs_per_s=\([0-9.]*\).*/\1/p')"

echo "Celery $("$PY" -c 'import celery; print(celery.__version__)'): $N no-op tasks, prefork x $CORES..." >&2
reset
(cd "$HERE" && exec "$PY" -m celery -A celery_noop worker --loglevel=WARNING --concurrency="$CORES" \
  --pool=prefork -O fair --without-gossip --without-mingle --without-heartbeat) >"$WORK/celery.log" 2>&1 &
PIDS+=($!)
sleep 4
CELERY="$(cd "$HERE" && "$PY" celery_noop.py "$N" | sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p')"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

echo "Sidekiq $(ruby -e 'require "sidekiq"; print Sidekiq::VERSION'): $N no-op jobs, $CORES processes x 10 threads..." >&2
reset
for i in $(seq "$CORES"); do
  sidekiq -r "$HERE/sidekiq_noop.rb" -c 10 -q default >"$WORK/sidekiq-$i.log" 2>&1 &
  PIDS+=($!)
  SIDEKIQ_PIDS+=($!)
done
sleep 4
SIDEKIQ="$(ruby "$HERE/sidekiq_noop.rb" "$N" | sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p')"
kill "${SIDEKIQ_PIDS[@]}" 2>/dev/null || true
wait "${SIDEKIQ_PIDS[@]}" 2>/dev/null || true

# The Java peers, on the JDK and the class path bin/spc built (benchmarks/target).
JAVA="$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)"
JAVA="${JAVA:-java}"
java_peer() {
  echo "$1: $M no-op jobs..." >&2
  "$JAVA" -cp "$ROOT/benchmarks/target/spc-benchmarks.jar:$ROOT/benchmarks/target/lib/*" \
    dev.spc.bench.peers.JavaPeers "$1" "$M" 2>"$WORK/$1.log" | sed -n 's/^jobs_per_s=\([0-9]*\).*/\1/p'
}
JOBRUNR_VERSION="$(ls "$ROOT/benchmarks/target/lib" | sed -n 's/^jobrunr-\(.*\)\.jar$/\1/p')"
DBS_VERSION="$(ls "$ROOT/benchmarks/target/lib" | sed -n 's/^db-scheduler-\(.*\)\.jar$/\1/p')"
JOBRUNR_MEM="$(java_peer jobrunr-memory)"
JOBRUNR_PG="$(java_peer jobrunr-postgres)"
DBSCHED="$(java_peer db-scheduler)"

row() { printf '%-40s %12.0f %9.1fx\n' "$1" "$2" "$(echo "$SPC / $2" | bc -l)"; }
printf '\n%-40s %12s %10s\n' "scheduler" "jobs/s" "SPC is"
printf '%-40s %12.0f %10s\n' "SPC (2 agents, in memory)" "$SPC" "1.0x"
row "Celery (prefork x $CORES)" "$CELERY"
row "Sidekiq ($CORES x 10 threads)" "$SIDEKIQ"
row "JobRunr $JOBRUNR_VERSION (in memory)" "$JOBRUNR_MEM"
row "JobRunr $JOBRUNR_VERSION (PostgreSQL)" "$JOBRUNR_PG"
row "db-scheduler $DBS_VERSION (PostgreSQL)" "$DBSCHED"
FASTEST="$(printf '%s\n' "$CELERY" "$SIDEKIQ" "$JOBRUNR_MEM" "$JOBRUNR_PG" "$DBSCHED" | sort -g | tail -1)"
printf 'SUMMARY spc_jobs_per_s=%.0f peers_ratio_min=%.1f celery_ratio=%.1f sidekiq_ratio=%.1f java_peers_ratio=%.1f\n' \
  "$SPC" "$(echo "$SPC / $FASTEST" | bc -l)" "$(echo "$SPC / $CELERY" | bc -l)" \
  "$(echo "$SPC / $SIDEKIQ" | bc -l)" \
  "$(echo "$SPC / $(printf '%s\n' "$JOBRUNR_MEM" "$JOBRUNR_PG" "$DBSCHED" | sort -g | tail -1)" | bc -l)"
