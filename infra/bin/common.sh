# shellcheck shell=bash
# Shared helpers for the local infrastructure scripts (sourced, not executed).
# shellcheck disable=SC2034 # variables are used by the scripts that source this file
# Everything that runs lives under $QUARTIER_ROOT/var (ignored by git).

QUARTIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
VAR_DIR="$QUARTIER_ROOT/var"
RUN_DIR="$VAR_DIR/run"
LOG_DIR="$VAR_DIR/log"
LOCAL_ENV="$QUARTIER_ROOT/infra/local.env"
SECRETS_ENV="$VAR_DIR/secrets.env"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Export every KEY=VALUE of infra/local.env into the environment.
load_local_env() {
    [[ -f "$LOCAL_ENV" ]] || die "$LOCAL_ENV is missing"
    set -a
    # shellcheck source=/dev/null
    . "$LOCAL_ENV"
    set +a
}

# Run a command as root: directly, via sudo, or fail with a hint.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "root rights needed for: $* (run it as root or install sudo)"
    fi
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: please install $* yourself"
    if [[ $APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
        APT_UPDATED=1
    fi
    log "apt-get install -y $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null
}

# pid_alive PIDFILE -> prints the pid and returns 0 if the process in PIDFILE is alive.
# Optional second argument: a string that must occur in the process command line (guards
# against pid reuse after a reboot or a crash).
pid_alive() {
    local file=$1 pattern=${2:-} pid
    [[ -s "$file" ]] || return 1
    pid=$(<"$file")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -n "$pattern" ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern" || return 1
    fi
    printf '%s\n' "$pid"
}

# tcp_open HOST PORT -> 0 if something accepts connections there.
tcp_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# http_status HOST PORT PATH -> prints the HTTP status code (or nothing), no curl needed.
http_status() {
    local host=$1 port=$2 path=$3 line=""
    {
        exec 3<>"/dev/tcp/$host/$port" || return 0
        printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$path" "$host" "$port" >&3
        IFS= read -r -t 5 line <&3 || true
        # Drain the rest so the server does not see a connection reset.
        while IFS= read -r -t 5 _ <&3; do :; done
        exec 3<&-
    } 2>/dev/null
    [[ "$line" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
    return 0
}

# wait_gone PID SECONDS -> 0 once the process (group if PID is negative) is gone.
wait_gone() {
    local target=$1 seconds=$2 i
    for ((i = 0; i < seconds * 5; i++)); do
        kill -0 -- "$target" 2>/dev/null || return 0
        sleep 0.2
    done
    return 1
}
