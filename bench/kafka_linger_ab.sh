#!/usr/bin/env bash
# A/B of the broker's group.coordinator.append.linger.ms (Kafka 4.x default 5 ms) for the consumer phase.
# Starts a private single-node Kafka from the project's jars (var/kafka/libs) in a temporary directory on
# ports 29092/29093, once per linger value given, runs phase 3 of bench/backbone.py against it and stops
# it again. The shared broker on 19092 is not touched.
#   bash bench/kafka_linger_ab.sh            # linger 5 (default) and 0
#   bash bench/kafka_linger_ab.sh 0 5 20     # any values
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
LIBS="$ROOT/var/kafka/libs"
PORT=29092
CPORT=29093
[[ -d "$LIBS" ]] || { echo "no Kafka jars in $LIBS: run 'make install'" >&2; exit 1; }
values=("$@")
((${#values[@]})) || values=(5 0)

run_one() {
    local linger=$1 dir pid
    dir=$(mktemp -d /tmp/quartier-kafka-ab.XXXXXX)
    sed -e "s|@REPO@/var/kafka/data|$dir/data|" -e "s|@BROKER_PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CPORT|g" \
        "$ROOT/infra/kafka/server.properties" >"$dir/server.properties"
    printf 'group.coordinator.append.linger.ms=%s\n' "$linger" >>"$dir/server.properties"
    local -a jvm=(-Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.yaml" -Dkafka.logs.dir="$dir/logs"
        -Djava.awt.headless=true -cp "$LIBS/*")
    java -Xmx256m "${jvm[@]}" kafka.tools.StorageTool format -t "$(head -c 16 /dev/urandom | base64 | tr '+/' 'ab' | tr -d '=\n' | cut -c1-22)" \
        -c "$dir/server.properties" --standalone >"$dir/format.log" 2>&1
    setsid java -Xms512m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${jvm[@]}" kafka.Kafka "$dir/server.properties" \
        >"$dir/kafka.out" 2>&1 </dev/null &
    pid=$!
    # shellcheck disable=SC2064
    trap "kill -TERM $pid 2>/dev/null || true" EXIT
    for _ in $(seq 1 240); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        kill -0 "$pid" || { tail -n 30 "$dir/kafka.out" >&2; exit 1; }
        sleep 0.25
    done
    sleep 2
    grep -h "group.coordinator.append.linger.ms" "$dir"/logs/server.log "$dir/kafka.out" 2>/dev/null | head -n 1 || true
    echo "== group.coordinator.append.linger.ms=$linger (private broker pid $pid, $dir)"
    (cd "$ROOT" && uv run --frozen --no-sync python -m bench.backbone --bootstrap "127.0.0.1:$PORT" --no-write \
        --events 4000 --relay-batch-sizes 200 --consume-events 2000 --paced "" ) | sed -n '/\[3\/4\]/,/^cleanup/p'
    kill -TERM "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    trap - EXIT
    rm -rf "$dir"
}

for v in "${values[@]}"; do
    run_one "$v"
done
