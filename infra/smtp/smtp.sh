#!/usr/bin/env bash
# Local SMTP sink (aiosmtpd) for `make up`: every mail the services send is stored as an .eml file in
# var/mail/ and goes nowhere else.
#   smtp.sh start    start on 127.0.0.1:$QUARTIER_SMTP_PORT (default 8025), pid in var/run/smtp.pid
#   smtp.sh stop     SIGTERM, SIGKILL after 10 s
#   smtp.sh status
set -euo pipefail
# shellcheck source=../bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bin/common.sh"
load_local_env

PORT=${QUARTIER_SMTP_PORT:-8025}
PID_FILE="$RUN_DIR/smtp.pid"
SINK_LOG="$LOG_DIR/smtp.log"
MAIL_DIR="$VAR_DIR/mail"
UV="$QUARTIER_ROOT/infra/bin/uv.sh"

cmd_start() {
    local pid
    mkdir -p "$RUN_DIR" "$LOG_DIR" "$MAIL_DIR"
    if pid=$(pid_alive "$PID_FILE" "infra/smtp/sink.py"); then
        log "smtp: already running (pid $pid) on 127.0.0.1:$PORT"
        return 0
    fi
    rm -f "$PID_FILE"
    tcp_open 127.0.0.1 "$PORT" && die "smtp: port $PORT is already in use by a process this script did not start"
    (
        cd "$QUARTIER_ROOT"
        exec setsid nohup "$UV" run --frozen --no-sync python infra/smtp/sink.py \
            --host 127.0.0.1 --port "$PORT" --dir "$MAIL_DIR" >>"$SINK_LOG" 2>&1 </dev/null
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    local start=$SECONDS
    until tcp_open 127.0.0.1 "$PORT"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$SINK_LOG" >&2; rm -f "$PID_FILE"; die "smtp: sink exited"; }
        ((SECONDS - start < 30)) || die "smtp: not listening on $PORT after 30 s"
        sleep 0.2
    done
    log "smtp: sink on 127.0.0.1:$PORT, mails in ${MAIL_DIR#"$QUARTIER_ROOT"/}/"
}

cmd_stop() {
    local pid
    [[ -s "$PID_FILE" ]] || { log "smtp: not running"; return 0; }
    pid=$(<"$PID_FILE")
    if kill -0 -- "-$pid" 2>/dev/null; then
        log "smtp: stopping (pid $pid)"
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
}

cmd_status() {
    local pid
    if pid=$(pid_alive "$PID_FILE" "infra/smtp/sink.py"); then
        printf '%-12s running (pid %s) smtp://127.0.0.1:%s  mails: var/mail/\n' smtp "$pid" "$PORT"
    else
        printf '%-12s not running\n' smtp
        return 3
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
