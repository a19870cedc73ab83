#!/usr/bin/env bash
# Prometheus and Alertmanager for the local platform (Debian's packages prometheus and
# prometheus-alertmanager), started by `make up` and stopped by `make down`. All state lives in var/.
#   prometheus.sh config   write var/prometheus/prometheus.yml (the local ports of infra/local.env)
#   prometheus.sh start    write the config, start both (if not running), wait until both are ready
#   prometheus.sh stop     SIGTERM, SIGKILL after 20 s
#   prometheus.sh status   exit 0 only if both run and are ready
# Ports: QUARTIER_PROMETHEUS_PORT (9190) and QUARTIER_ALERTMANAGER_PORT (9193) of infra/local.env, off the
# packages' defaults 9090/9093 because Debian starts its own system-wide instances there where systemd runs.
# Data: var/prometheus/data (15 days) and var/alertmanager. Logs: var/log/{prometheus,alertmanager}.log.
set -euo pipefail
# shellcheck source=../bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bin/common.sh"
load_local_env

PROM_PORT=${QUARTIER_PROMETHEUS_PORT:-9190}
AM_PORT=${QUARTIER_ALERTMANAGER_PORT:-9193}
PROM_DIR="$VAR_DIR/prometheus"
AM_DIR="$VAR_DIR/alertmanager"
CONFIG="$PROM_DIR/prometheus.yml"
RULES_DIR="$QUARTIER_ROOT/infra/prometheus/rules"
AM_CONFIG="$QUARTIER_ROOT/infra/prometheus/alertmanager.yml"
PROMETHEUS_BIN=${PROMETHEUS_BIN:-/usr/bin/prometheus}
ALERTMANAGER_BIN=${ALERTMANAGER_BIN:-/usr/bin/prometheus-alertmanager}
READY_TIMEOUT=60

write_config() {
    mkdir -p "$PROM_DIR"
    {
        echo "# Written by infra/prometheus/prometheus.sh from infra/local.env; do not edit (see prometheus.yml)."
        echo "global:"
        echo "  scrape_interval: 10s"
        echo "  evaluation_interval: 10s"
        echo "rule_files:"
        echo "  - $RULES_DIR/*.yml"
        echo "alerting:"
        echo "  alertmanagers:"
        echo "    - static_configs:"
        echo "        - targets: [\"127.0.0.1:$AM_PORT\"]"
        echo "scrape_configs:"
        echo "  - job_name: prometheus"
        echo "    static_configs:"
        echo "      - targets: [\"127.0.0.1:$PROM_PORT\"]"
        local svc var
        for svc in registry planning invitations reporting gateway; do
            var="QUARTIER_${svc^^}_PORT"
            echo "  - job_name: $svc"
            echo "    static_configs:"
            echo "      - targets: [\"127.0.0.1:${!var}\"]"
        done
    } >"$CONFIG.tmp"
    mv "$CONFIG.tmp" "$CONFIG"
}

wait_ready() {
    local name=$1 pid=$2 port=$3 start=$SECONDS
    while ((SECONDS - start < READY_TIMEOUT)); do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG_DIR/$name.log" >&2; die "$name exited (log: var/log/$name.log)"; }
        [[ "$(http_status 127.0.0.1 "$port" /-/ready)" == 200 ]] && return 0
        sleep 0.3
    done
    die "$name not ready on 127.0.0.1:$port within ${READY_TIMEOUT}s (log: var/log/$name.log)"
}

start_one() {
    local name=$1 port=$2 pid
    shift 2
    if pid=$(pid_alive "$RUN_DIR/$name.pid" "$name"); then
        wait_ready "$name" "$pid" "$port"
        log "$name: already running (pid $pid) on http://127.0.0.1:$port"
        return 0
    fi
    tcp_open 127.0.0.1 "$port" && die "$name: port $port is already in use by a process this script did not start"
    printf '\n===== %s prometheus.sh start %s =====\n' "$(date -Is)" "$name" >>"$LOG_DIR/$name.log"
    setsid nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$RUN_DIR/$name.pid"
    wait_ready "$name" "$pid" "$port"
    log "$name: ready on http://127.0.0.1:$port"
}

stop_one() {
    local name=$1 pid
    if ! pid=$(pid_alive "$RUN_DIR/$name.pid" "$name"); then
        rm -f "$RUN_DIR/$name.pid"
        log "$name: not running"
        return 0
    fi
    log "$name: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 20 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
    rm -f "$RUN_DIR/$name.pid"
}

status_one() {
    local name=$1 port=$2 pid
    if pid=$(pid_alive "$RUN_DIR/$name.pid" "$name"); then
        printf '%-12s running (pid %s) http://127.0.0.1:%s  ready: %s\n' "$name" "$pid" "$port" \
            "$(http_status 127.0.0.1 "$port" /-/ready)"
        [[ "$(http_status 127.0.0.1 "$port" /-/ready)" == 200 ]]
    else
        printf '%-12s not running\n' "$name"
        return 3
    fi
}

mkdir -p "$RUN_DIR" "$LOG_DIR"
case "${1:-}" in
    config)
        write_config
        echo "$CONFIG"
        ;;
    start)
        [[ -x "$PROMETHEUS_BIN" ]] || die "$PROMETHEUS_BIN missing: run 'make install' (Debian package prometheus)"
        [[ -x "$ALERTMANAGER_BIN" ]] || die "$ALERTMANAGER_BIN missing: run 'make install' (prometheus-alertmanager)"
        write_config
        mkdir -p "$PROM_DIR/data" "$AM_DIR"
        start_one alertmanager "$AM_PORT" "$ALERTMANAGER_BIN" \
            --config.file="$AM_CONFIG" --storage.path="$AM_DIR" \
            --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address=
        start_one prometheus "$PROM_PORT" "$PROMETHEUS_BIN" \
            --config.file="$CONFIG" --storage.tsdb.path="$PROM_DIR/data" --storage.tsdb.retention.time=15d \
            --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle
        ;;
    stop)
        stop_one prometheus
        stop_one alertmanager
        ;;
    status)
        rc=0
        status_one prometheus "$PROM_PORT" || rc=3
        status_one alertmanager "$AM_PORT" || rc=3
        exit "$rc"
        ;;
    *)
        echo "usage: $0 config|start|stop|status" >&2
        exit 2
        ;;
esac
