#!/usr/bin/env bash
# Start a local Airflow for operators: api-server (127.0.0.1 only), scheduler, dag-processor and
# triggerer as separate processes, PIDs in $AIRFLOW_HOME/pids/. Stop them with scripts/airflow_down.sh.
#
# Not `airflow standalone`: it starts log servers bound to every interface. Here the scheduler and
# triggerer run with --skip-serve-logs (the api-server reads task logs from the shared local folder)
# and the dag-processor serves no logs at all.
#
# Environment (the Makefile's AIRFLOW_ENV sets the first ones):
#   AIRFLOW_HOME                  default ./.airflow
#   AIRFLOW__CORE__DAGS_FOLDER    default ./dags
#   AIRFLOW__DATABASE__SQL_ALCHEMY_CONN   default SQLite in $AIRFLOW_HOME
#   AIRFLOW_PORT                  default 8080 (always bound to 127.0.0.1)
#   AIRFLOW_USERS                 simple auth manager users, default admin:admin (user:role,...)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AIRFLOW_BIN="${AIRFLOW_BIN:-$REPO/.venv/bin/airflow}"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$REPO/.airflow}"
PORT="${AIRFLOW_PORT:-8080}"
HOST=127.0.0.1
URL="http://$HOST:$PORT"
PIDS="$AIRFLOW_HOME/pids"
LOGS="$AIRFLOW_HOME/logs"
mkdir -p "$PIDS" "$LOGS"

export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$REPO/dags}"
export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="$URL/execution/"
export AIRFLOW__API__BASE_URL="$URL"
export AIRFLOW__API__HOST="$HOST"
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW_USERS:-admin:admin}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
export GX_ANALYTICS_ENABLED="${GX_ANALYTICS_ENABLED:-false}"

# Every component must share the JWT secret (the scheduler signs task tokens the api-server checks);
# generated once per install, readable by this user only, never committed (.airflow/ is local).
SECRETS="$AIRFLOW_HOME/secrets.env"
if [[ ! -s "$SECRETS" ]]; then
  umask 077
  {
    echo "AIRFLOW__API_AUTH__JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "AIRFLOW__API__SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  } > "$SECRETS"
  umask 022
fi
set -a; source "$SECRETS"; set +a

alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
for f in "$PIDS"/*.pid; do
  if [[ -e "$f" ]] && alive "$f"; then
    echo "Airflow already runs from $AIRFLOW_HOME (pid $(cat "$f") in $f); run 'make airflow-stop' first." >&2
    exit 1
  fi
  rm -f "$f"
done

if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  echo "Port $PORT on $HOST is already in use; set AIRFLOW_PORT=<free port>." >&2
  exit 1
fi

"$AIRFLOW_BIN" db migrate > "$LOGS/db-migrate.log" 2>&1 || { tail -20 "$LOGS/db-migrate.log"; exit 1; }

start() {  # name, then the airflow arguments; setsid so that stopping one never signals this shell
  local name="$1"; shift
  setsid nohup "$AIRFLOW_BIN" "$@" > "$LOGS/$name.out" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}
start api-server api-server --host "$HOST" --port "$PORT" --workers 1
start scheduler scheduler --skip-serve-logs
start dag-processor dag-processor
start triggerer triggerer --skip-serve-logs

echo -n "Waiting for the api-server on $URL "
for _ in $(seq 1 180); do
  if "$REPO/.venv/bin/python" - "$URL" <<'PY' 2>/dev/null
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1] + "/api/v2/monitor/health", timeout=2).status == 200 else 1)
PY
  then ready=1; break; fi
  for f in "$PIDS"/*.pid; do
    alive "$f" || { echo; echo "$(basename "$f" .pid) exited; its log:" >&2; tail -30 "$LOGS/$(basename "$f" .pid).out" >&2; "$REPO/scripts/airflow_down.sh"; exit 1; }
  done
  echo -n "."; sleep 1
done
echo
if [[ -z "${ready:-}" ]]; then
  echo "The api-server did not answer within 3 minutes; logs in $LOGS/*.out" >&2
  "$REPO/scripts/airflow_down.sh"; exit 1
fi

PASSWORDS="$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
cat <<TXT

Airflow is up: $URL   (DAG: $URL/dags/conflict_events_nightly)
Log in with the simple auth manager: users come from AIRFLOW_USERS (now "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"),
their generated passwords are in $PASSWORDS:
$(cat "$PASSWORDS" 2>/dev/null || echo "  (not written yet: look again in a few seconds)")

Processes (pids in $PIDS, logs in $LOGS/*.out):
$(for f in "$PIDS"/*.pid; do echo "  $(basename "$f" .pid): $(cat "$f")"; done)
The DAG may take up to a minute to appear while the dag-processor parses it. New DAGs start paused:
unpausing conflict_events_nightly schedules the latest complete day at once (its inbox must exist).
Manual run: DAG page → Trigger → fill in the Params (input, out, batch, start/end, geocoder, reprocess,
dry_run). Stop everything: make airflow-stop
TXT
