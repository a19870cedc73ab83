#!/usr/bin/env bash
# Start/stop the Quartier services locally (after `make infra-up`).
#   services.sh start  [svc...]   start in dependency order (gateway last), wait for GET /ready == 200
#   services.sh stop   [svc...]   SIGTERM to the process group, SIGKILL after 20 s
#   services.sh status [svc...]   exit 0 only if all given services run and are ready
# Each service: env = infra/local.env + var/secrets.env + QUARTIER_DB_USER/QUARTIER_DB_PASSWORD/
# QUARTIER_HTTP_PORT/QUARTIER_SERVICE_NAME (gateway also: upstream URLs, demo accounts on); pid in var/run/<svc>.pid, log in var/log/<svc>.log.
set -euo pipefail
# shellcheck source=./common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
load_local_env

ALL_SERVICES=(registry planning invitations reporting gateway)
READY_TIMEOUT=${QUARTIER_READY_TIMEOUT:-90}
STOP_TIMEOUT=20
UV="$QUARTIER_ROOT/infra/bin/uv.sh"

port_of() {
    local var="QUARTIER_${1^^}_PORT"
    [[ -n "${!var:-}" ]] || die "$var is not set in $LOCAL_ENV"
    printf '%s' "${!var}"
}

# Selected services in canonical order (start order); unknown names are an error.
select_services() {
    local svc arg known
    for arg in "$@"; do
        known=0
        for svc in "${ALL_SERVICES[@]}"; do [[ "$arg" == "$svc" ]] && known=1; done
        ((known)) || die "unknown service '$arg' (known: ${ALL_SERVICES[*]})"
    done
    for svc in "${ALL_SERVICES[@]}"; do
        if (($# == 0)); then
            echo "$svc"
            continue
        fi
        for arg in "$@"; do [[ "$arg" == "$svc" ]] && echo "$svc" && break; done
    done
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The key that signs the answer links of invitation mails: generated once into var/secrets.env (mode 600).
ensure_answer_link_secret() {
    grep -q '^QUARTIER_ANSWER_LINK_SECRET=' "$SECRETS_ENV" ||
        printf 'QUARTIER_ANSWER_LINK_SECRET=%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$SECRETS_ENV"
    chmod 600 "$SECRETS_ENV"
}

log_file() { echo "$LOG_DIR/$1.log"; }

fail_with_log() {
    local svc=$1 msg=$2
    log "$svc: $msg"
    log "----- last 40 lines of ${LOG_DIR#"$QUARTIER_ROOT"/}/$svc.log -----"
    tail -n 40 "$(log_file "$svc")" >&2 || true
    exit 1
}

wait_ready() {
    local svc=$1 pid=$2 port=$3 start=$SECONDS code
    while ((SECONDS - start < READY_TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$(pid_file "$svc")"
            fail_with_log "$svc" "process $pid exited before it became ready"
        fi
        code=$(http_status 127.0.0.1 "$port" /ready)
        [[ "$code" == 200 ]] && return 0
        sleep 0.3
    done
    fail_with_log "$svc" "GET http://127.0.0.1:$port/ready did not answer 200 within ${READY_TIMEOUT}s (last: ${code:-no answer}); process $pid left running"
}

start_one() {
    local svc=$1 port pid pw_var logf
    port=$(port_of "$svc")
    if pid=$(pid_alive "$(pid_file "$svc")" "quartier_$svc"); then
        wait_ready "$svc" "$pid" "$port"
        log "$svc: already running (pid $pid) on 127.0.0.1:$port"
        return 0
    fi
    rm -f "$(pid_file "$svc")"
    if tcp_open 127.0.0.1 "$port"; then
        die "$svc: port $port is already in use by a process this script did not start"
    fi
    pw_var="QUARTIER_DB_PASSWORD_${svc^^}"
    logf=$(log_file "$svc")
    printf '\n===== %s services.sh start %s =====\n' "$(date -Is)" "$svc" >>"$logf"
    (
        # Sourced without export: the service receives only its own password, as QUARTIER_DB_PASSWORD.
        # shellcheck source=/dev/null
        . "$SECRETS_ENV"
        [[ -n "${!pw_var:-}" ]] || die "$pw_var missing in $SECRETS_ENV: run 'infra/postgres/pg.sh provision $QUARTIER_DB_NAME'"
        export QUARTIER_ROOT QUARTIER_SERVICE_NAME="$svc" QUARTIER_HTTP_PORT="$port" \
            QUARTIER_DB_USER="quartier_$svc" QUARTIER_DB_PASSWORD="${!pw_var}"
        # Local demo: fictitious people, bodies and offers (registry) and demo accounts (gateway).
        export QUARTIER_DEMO_DATA="${QUARTIER_DEMO_DATA:-true}"
        if [[ "$svc" == invitations ]]; then
            # Mails go to the local sink (infra/smtp), answer links point to the gateway and are signed with
            # the generated key of var/secrets.env.
            export QUARTIER_SMTP_HOST="${QUARTIER_SMTP_HOST:-127.0.0.1}" \
                QUARTIER_SMTP_PORT="${QUARTIER_SMTP_PORT:-8025}" \
                QUARTIER_PUBLIC_BASE_URL="${QUARTIER_PUBLIC_BASE_URL:-http://127.0.0.1:$QUARTIER_GATEWAY_PORT}" \
                QUARTIER_ANSWER_LINK_SECRET="${QUARTIER_ANSWER_LINK_SECRET:-}"
        fi
        if [[ "$svc" == gateway ]]; then
            # Local demo: the gateway talks to the local services and creates the fictitious demo
            # accounts of services/gateway/demo-accounts.yaml (the logins `make up` prints).
            export QUARTIER_REGISTRY_URL="${QUARTIER_REGISTRY_URL:-http://127.0.0.1:$QUARTIER_REGISTRY_PORT}" \
                QUARTIER_REPORTING_URL="${QUARTIER_REPORTING_URL:-http://127.0.0.1:$QUARTIER_REPORTING_PORT}" \
                QUARTIER_PLANNING_URL="${QUARTIER_PLANNING_URL:-http://127.0.0.1:$QUARTIER_PLANNING_PORT}" \
                QUARTIER_INVITATIONS_URL="${QUARTIER_INVITATIONS_URL:-http://127.0.0.1:$QUARTIER_INVITATIONS_PORT}" \
                QUARTIER_DEMO_ACCOUNTS="${QUARTIER_DEMO_ACCOUNTS:-true}"
            # The operations page (/betrieb) reads lag, backlog and charts from the local Prometheus.
            export QUARTIER_PROMETHEUS_URL="${QUARTIER_PROMETHEUS_URL:-http://127.0.0.1:${QUARTIER_PROMETHEUS_PORT:-9190}}"
        fi
        cd "$QUARTIER_ROOT"
        # setsid: own session and process group, so stop can signal uv and python together.
        exec setsid nohup "$UV" run --frozen --no-sync python -m "quartier_$svc" >>"$logf" 2>&1 </dev/null
    ) &
    pid=$!
    echo "$pid" >"$(pid_file "$svc")"
    log "$svc: starting (pid $pid) on 127.0.0.1:$port"
    local t0=$SECONDS
    wait_ready "$svc" "$pid" "$port"
    log "$svc: ready after $((SECONDS - t0))s"
}

stop_one() {
    local svc=$1 file pid
    file=$(pid_file "$svc")
    if [[ ! -s "$file" ]]; then
        log "$svc: not running"
        return 0
    fi
    pid=$(<"$file")
    # The pid is the leader of the service's process group (setsid): signal the whole group.
    if ! pid_alive "$file" "quartier_$svc" >/dev/null && ! kill -0 -- "-$pid" 2>/dev/null; then
        rm -f "$file"
        log "$svc: not running (stale pid file removed)"
        return 0
    fi
    log "$svc: stopping (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    if ! wait_gone "-$pid" "$STOP_TIMEOUT"; then
        log "$svc: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait_gone "-$pid" 5 || die "$svc: process group $pid does not die"
    fi
    rm -f "$file"
}

status_one() {
    local svc=$1 port pid code
    port=$(port_of "$svc")
    if pid=$(pid_alive "$(pid_file "$svc")" "quartier_$svc"); then
        code=$(http_status 127.0.0.1 "$port" /ready)
        printf '%-12s running (pid %s) http://127.0.0.1:%s  /ready: %s\n' "$svc" "$pid" "$port" "${code:-no answer}"
        [[ "$code" == 200 ]]
    else
        printf '%-12s not running\n' "$svc"
        return 3
    fi
}

action=${1:-}
shift || true
mapfile -t selected < <(select_services "$@")
((${#selected[@]})) || exit 2
mkdir -p "$RUN_DIR" "$LOG_DIR"

case "$action" in
    start)
        [[ -f "$SECRETS_ENV" ]] || die "$SECRETS_ENV missing: run 'make infra-up' first"
        ensure_answer_link_secret
        for svc in "${selected[@]}"; do start_one "$svc"; done
        ;;
    stop)
        for ((i = ${#selected[@]} - 1; i >= 0; i--)); do stop_one "${selected[i]}"; done
        ;;
    status)
        rc=0
        for svc in "${selected[@]}"; do status_one "$svc" || rc=3; done
        exit "$rc"
        ;;
    *)
        echo "usage: $0 start|stop|status [${ALL_SERVICES[*]}]" >&2
        exit 2
        ;;
esac
