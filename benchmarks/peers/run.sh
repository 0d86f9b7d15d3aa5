#!/usr/bin/env bash
# Side by side on this machine: the same burn-down (N no-op jobs, time from the first submit to
# the N-th outcome, exactly N done) on SPC, Celery and Sidekiq, each on Redis from Debian's
# packages. Installs what it needs (as root, through apt), runs everything on loopback, and
# stops what it started.
#
# Usage: benchmarks/peers/run.sh [N]   (default 100000)
set -euo pipefail
N="${1:-100000}"
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
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK="$(mktemp -d)"
PIDS=()
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
SPC="$("$ROOT/bin/spc" bench --jobs "$N" --skip transport,latency,scale,jmh | sed -n 's/^SUMMARY jobs_per_s=\([0-9.]*\).*/\1/p')"

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
done
sleep 4
SIDEKIQ="$(ruby "$HERE/sidekiq_noop.rb" "$N" | sed -n 's/.*jobs_per_s=\([0-9]*\).*/\1/p')"

printf '\n%-28s %12s %10s\n' "scheduler" "jobs/s" "SPC is"
printf '%-28s %12.0f %10s\n' "SPC (2 agents)" "$SPC" "1.0x"
printf '%-28s %12.0f %9.1fx\n' "Celery (prefork x $CORES)" "$CELERY" "$(echo "$SPC / $CELERY" | bc -l)"
printf '%-28s %12.0f %9.1fx\n' "Sidekiq ($CORES x 10 threads)" "$SIDEKIQ" "$(echo "$SPC / $SIDEKIQ" | bc -l)"
