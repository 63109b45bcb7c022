#!/usr/bin/env bash
# Stop the processes scripts/airflow_up.sh started: exactly the PIDs in $AIRFLOW_HOME/pids/ (and the
# children in their own process groups, e.g. running tasks), nothing found by name.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AIRFLOW_HOME="${AIRFLOW_HOME:-$REPO/.airflow}"
PIDS="$AIRFLOW_HOME/pids"
shopt -s nullglob
files=("$PIDS"/*.pid)
if (( ${#files[@]} == 0 )); then
  echo "No Airflow processes recorded in $PIDS."
  exit 0
fi

# Each process was started with setsid, so its pid is also its process-group id.
for f in "${files[@]}"; do
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    echo "stopping $(basename "$f" .pid) (pid $pid)"
  fi
done
for _ in $(seq 1 30); do
  running=0
  for f in "${files[@]}"; do kill -0 "$(cat "$f")" 2>/dev/null && running=1; done
  (( running )) || break
  sleep 1
done
for f in "${files[@]}"; do
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    echo "$(basename "$f" .pid) (pid $pid) ignored SIGTERM for 30 s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$f"
done
echo "Airflow stopped."
