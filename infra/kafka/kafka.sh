#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker + controller in one JVM) from Maven Central jars.
#   kafka.sh fetch    download the classpath into var/kafka/libs (only if missing or pom.xml changed)
#   kafka.sh start    format storage once, start the broker, wait until it accepts connections
#   kafka.sh stop     SIGTERM, SIGKILL after 30 s
#   kafka.sh status   exit 0 if running and accepting connections, 3 otherwise
# State: var/kafka/{libs,data,cluster.id,server.properties}, var/run/kafka.pid, var/log/kafka/.
set -euo pipefail
# shellcheck source=../bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bin/common.sh"
load_local_env

HERE="$QUARTIER_ROOT/infra/kafka"
KAFKA_DIR="$VAR_DIR/kafka"
LIBS="$KAFKA_DIR/libs"
DATA="$KAFKA_DIR/data"
PROPS="$KAFKA_DIR/server.properties"
CLUSTER_ID_FILE="$KAFKA_DIR/cluster.id"
PID_FILE="$RUN_DIR/kafka.pid"
KLOG_DIR="$LOG_DIR/kafka"
OUT="$KLOG_DIR/kafka.out"
BROKER_HOST=${QUARTIER_KAFKA_BOOTSTRAP%:*}
BROKER_PORT=${QUARTIER_KAFKA_BOOTSTRAP##*:}
CONTROLLER_PORT=${QUARTIER_KAFKA_CONTROLLER_PORT:?}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
JAVA=${JAVA:-$(if [[ -n "${JAVA_HOME:-}" ]]; then echo "$JAVA_HOME/bin/java"; else echo java; fi)}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}
MAIN_CLASS=kafka.Kafka

pom_hash() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

libs_ok() { [[ -f "$LIBS/.complete" && "$(<"$LIBS/.complete")" == "$(pom_hash)" ]]; }

cmd_fetch() {
    if libs_ok; then
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn (Maven) not found: run 'make install' or apt-get install maven"
    log "kafka: fetching jars from Maven Central into $LIBS"
    local tmp="$KAFKA_DIR/libs.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    mkdir -p "$KLOG_DIR"
    if ! mvn -B -q -f "$HERE/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KLOG_DIR/fetch.log" 2>&1 </dev/null; then
        tail -n 40 "$KLOG_DIR/fetch.log" >&2
        die "kafka: Maven could not fetch the jars (full output: $KLOG_DIR/fetch.log)"
    fi
    rm -rf "$HERE/target"
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "kafka: Maven did not deliver kafka_2.13 into $tmp"
    pom_hash >"$tmp/.complete"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
}

render_properties() {
    sed -e "s|@REPO@|$QUARTIER_ROOT|g" \
        -e "s|@BROKER_PORT@|$BROKER_PORT|g" \
        -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
        "$HERE/server.properties" >"$PROPS.tmp"
    mv "$PROPS.tmp" "$PROPS"
}

ensure_cluster_id() {
    if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
        # 16 random bytes, url-safe base64 without padding, not starting with '-' (Kafka's Uuid format).
        local id
        while :; do
            id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
            [[ "$id" != -* ]] && break
        done
        printf '%s\n' "$id" >"$CLUSTER_ID_FILE"
    fi
    tr -d '[:space:]' <"$CLUSTER_ID_FILE"
}

tail_logs() {
    local f
    for f in "$OUT" "$KLOG_DIR/server.log"; do
        if [[ -s "$f" ]]; then
            log "----- last lines of $f -----"
            tail -n 40 "$f" >&2
        fi
    done
}

wait_ready() {
    local pid=$1 start=$SECONDS
    while ((SECONDS - start < START_TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "kafka: the JVM (pid $pid) died during start-up"
            rm -f "$PID_FILE"
            tail_logs
            return 1
        fi
        if tcp_open "$BROKER_HOST" "$BROKER_PORT"; then
            return 0
        fi
        sleep 0.25
    done
    log "kafka: not accepting connections on $BROKER_HOST:$BROKER_PORT after ${START_TIMEOUT}s (pid $pid still alive)"
    tail_logs
    return 1
}

cmd_start() {
    local pid
    mkdir -p "$KAFKA_DIR" "$RUN_DIR" "$KLOG_DIR"
    if pid=$(pid_alive "$PID_FILE" "$MAIN_CLASS"); then
        wait_ready "$pid"
        log "kafka: already running (pid $pid) on $BROKER_HOST:$BROKER_PORT"
        return 0
    fi
    rm -f "$PID_FILE"
    if tcp_open "$BROKER_HOST" "$BROKER_PORT" || tcp_open "$BROKER_HOST" "$CONTROLLER_PORT"; then
        die "kafka: port $BROKER_PORT or $CONTROLLER_PORT is already in use by a process not started by $0"
    fi
    command -v "$JAVA" >/dev/null 2>&1 || die "java not found: run 'make install' (needs Java >= 17)"
    cmd_fetch
    render_properties
    local cluster_id
    cluster_id=$(ensure_cluster_id)
    local -a jvm_common=(-Dlog4j2.configurationFile="$HERE/log4j2.yaml" -Dkafka.logs.dir="$KLOG_DIR"
        -Djava.awt.headless=true -cp "$LIBS/*")
    if [[ ! -f "$DATA/meta.properties" ]]; then
        log "kafka: formatting storage in $DATA (cluster id $cluster_id)"
        mkdir -p "$DATA"
        if ! "$JAVA" -Xmx256m "${jvm_common[@]}" kafka.tools.StorageTool format \
            -t "$cluster_id" -c "$PROPS" --standalone --ignore-formatted >>"$OUT" 2>&1 </dev/null; then
            tail_logs
            die "kafka: formatting the storage failed"
        fi
    fi
    log "kafka: starting broker on $BROKER_HOST:$BROKER_PORT (logs in ${KLOG_DIR#"$QUARTIER_ROOT"/})"
    printf '\n===== %s kafka.sh start =====\n' "$(date -Is)" >>"$OUT"
    # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of options
    (
        cd "$KAFKA_DIR"
        exec setsid "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
            -XX:+ExitOnOutOfMemoryError "${jvm_common[@]}" "$MAIN_CLASS" "$PROPS" \
            >>"$OUT" 2>&1 </dev/null
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    local t0=$SECONDS
    wait_ready "$pid" || exit 1
    log "kafka: ready after $((SECONDS - t0))s (pid $pid)"
}

cmd_stop() {
    local pid
    if ! pid=$(pid_alive "$PID_FILE" "$MAIN_CLASS"); then
        rm -f "$PID_FILE"
        log "kafka: not running"
        return 0
    fi
    log "kafka: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 30; then
        log "kafka: still alive after 30s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || die "kafka: pid $pid does not die"
    fi
    rm -f "$PID_FILE"
}

cmd_status() {
    local pid
    if pid=$(pid_alive "$PID_FILE" "$MAIN_CLASS"); then
        if tcp_open "$BROKER_HOST" "$BROKER_PORT"; then
            echo "kafka: running (pid $pid), accepting connections on $BROKER_HOST:$BROKER_PORT"
            return 0
        fi
        echo "kafka: running (pid $pid) but not (yet) accepting connections on $BROKER_HOST:$BROKER_PORT"
        return 3
    fi
    echo "kafka: not running"
    return 3
}

case "${1:-}" in
    fetch) mkdir -p "$KAFKA_DIR"; cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
