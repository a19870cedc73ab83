#!/usr/bin/env bash
# `make install`: everything the local platform and the tests need. Quick (a few seconds) when all
# is present; installs system packages only when something is missing (Debian/apt, as root or sudo).
# `install.sh unit` (make unit): only what the pure tests need: uv, the Python packages, the gateway's
# npm assets (its pages link them); no database, broker, browser or JVM.
set -euo pipefail
# shellcheck source=./common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$QUARTIER_ROOT"

# --- uv -------------------------------------------------------------------------------------------
UV="$QUARTIER_ROOT/infra/bin/uv.sh"
if ! "$UV" --version >/dev/null 2>&1; then
    log "install: uv not found, installing it with pip"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        apt_install python3-pip
    fi
    python3 -m pip install -q --user uv 2>/dev/null \
        || python3 -m pip install -q --user --break-system-packages uv \
        || python3 -m pip install -q uv
    "$UV" --version >/dev/null 2>&1 || die "uv was installed but cannot be found (PATH=$PATH)"
fi
"$UV" sync --frozen --quiet

gateway_lock="services/gateway/package-lock.json"
install_gateway_assets() {
    [[ -f "$gateway_lock" ]] || return 0
    local marker="services/gateway/node_modules/.package-lock.json"
    if [[ ! -f "$marker" || "$gateway_lock" -nt "$marker" || services/gateway/package.json -nt "$marker" ]]; then
        log "install: npm ci in services/gateway"
        (cd services/gateway && npm ci --no-audit --no-fund --loglevel=error </dev/null)
        touch "$marker"
    fi
}

if [[ "${1:-}" == unit ]]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    install_gateway_assets
    exit 0
fi

# --- system packages -------------------------------------------------------------------------------
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]] || missing+=(prometheus)
[[ -x /usr/bin/prometheus-alertmanager && -x /usr/bin/amtool ]] || missing+=(prometheus-alertmanager)
java_major() {
    command -v java >/dev/null 2>&1 || { echo 0; return; }
    java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]) + 0; exit }'
}
(( $(java_major) >= 17 )) || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [[ -f "$gateway_lock" ]] && ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
    apt_install "${missing[@]}"
fi
if (( $(java_major) < 17 )); then
    die "java on PATH is older than 17 ($(java -version 2>&1 | head -n 1)); select Java 17 with update-alternatives or JAVA_HOME"
fi

# --- gateway assets ------------------------------------------------------------------------------
install_gateway_assets

# --- Kafka jars ------------------------------------------------------------------------------------
"$QUARTIER_ROOT/infra/kafka/kafka.sh" fetch
