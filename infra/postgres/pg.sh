#!/usr/bin/env bash
# Project-local PostgreSQL cluster (Debian's postgresql package, no Docker).
#   pg.sh install            apt-get install postgresql if no initdb is found
#   pg.sh start              initdb once (var/pg/data), start on 127.0.0.1:$QUARTIER_DB_PORT
#   pg.sh stop | status
#   pg.sh psql [args]        admin psql (superuser postgres) via the unix socket in var/run/pg
#   pg.sh provision <db>     roles quartier_<svc>, database, one schema per service (idempotent)
#   pg.sh drop <db>          DROP DATABASE IF EXISTS ... WITH (FORCE)
# As root the server runs as the system user `postgres` (initdb refuses root); that user must be able
# to traverse every directory above the checkout. As an ordinary user it runs as that user.
set -euo pipefail
# shellcheck source=../bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../bin/common.sh"
load_local_env

PG_DIR="$VAR_DIR/pg"
DATA="$PG_DIR/data"
SOCK_DIR="$RUN_DIR/pg"
PG_LOG="$LOG_DIR/postgres.log"
PORT=${QUARTIER_DB_PORT:?}
SUPERUSER=postgres
SERVICES=(registry planning invitations reporting gateway)

if [[ $EUID -eq 0 ]]; then
    OS_USER=postgres
else
    OS_USER=$(id -un)
fi

find_bindir() {
    local want="" dir
    [[ -f "$DATA/PG_VERSION" ]] && want=$(<"$DATA/PG_VERSION")
    if [[ -n "$want" && -x "/usr/lib/postgresql/$want/bin/initdb" ]]; then
        echo "/usr/lib/postgresql/$want/bin"
        return 0
    fi
    [[ -n "$want" ]] && die "the cluster in $DATA is PostgreSQL $want, but /usr/lib/postgresql/$want/bin is missing"
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n "$dir" && -x "$dir/initdb" ]] || return 1
    echo "$dir"
}

bindir() { find_bindir || die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: run 'make install' (or '$0 install')"; }

as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u "$OS_USER" -- "$@"
    else
        "$@"
    fi
}

cmd_install() {
    if find_bindir >/dev/null; then
        return 0
    fi
    apt_install postgresql
}

# The postgres system user must be able to reach var/pg and var/run/pg inside the checkout.
check_traversable() {
    [[ $EUID -eq 0 ]] || return 0
    id "$OS_USER" >/dev/null 2>&1 || die "system user '$OS_USER' does not exist (it comes with Debian's postgresql package: run 'make install')"
    local d="" part
    local IFS=/
    for part in $VAR_DIR; do
        [[ -z "$part" ]] && continue
        d="$d/$part"
        if ! runuser -u "$OS_USER" -- test -x "$d" 2>/dev/null; then
            die "the PostgreSQL server runs as the system user '$OS_USER' (root may not run initdb), and that user cannot traverse $d (mode $(stat -c %A "$d"), owner $(stat -c %U "$d")).
  Either make the path traversable, e.g. 'chmod o+x $d' (only the x bit: no read access to the listing),
  or clone the repository somewhere the postgres user can reach (e.g. /srv or /tmp)."
        fi
    done
}

prepare_dirs() {
    mkdir -p "$PG_DIR" "$SOCK_DIR" "$LOG_DIR"
    check_traversable
    touch "$PG_LOG"
    if [[ $EUID -eq 0 ]]; then
        chown "$OS_USER:" "$PG_DIR" "$SOCK_DIR" "$PG_LOG"
        [[ -d "$DATA" ]] && chown "$OS_USER:" "$DATA"
    fi
    chmod 0700 "$PG_DIR" "$SOCK_DIR"
}

write_config() {
    # Rewritten on every start, so the files in the repository's scripts stay authoritative.
    as_pg tee "$DATA/pg_hba.conf" >/dev/null <<HBA
# Written by infra/postgres/pg.sh on every start; edits here are lost.
# TYPE  DATABASE  USER  ADDRESS       METHOD
# Unix socket in $SOCK_DIR (mode 0700: only the server's user and root get in).
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
HBA
    as_pg tee "$DATA/quartier.conf" >/dev/null <<CONF
# Written by infra/postgres/pg.sh on every start; edits here are lost.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK_DIR'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
CONF
    if ! grep -q "^include_if_exists = 'quartier.conf'" "$DATA/postgresql.conf"; then
        printf "\n# Quartier local settings (infra/postgres/pg.sh)\ninclude_if_exists = 'quartier.conf'\n" \
            | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
    fi
}

is_running() {
    [[ -f "$DATA/PG_VERSION" ]] || return 1
    as_pg "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

cmd_start() {
    local bin
    bin=$(bindir)
    prepare_dirs
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        log "postgres: initdb in ${DATA#"$QUARTIER_ROOT"/}"
        rm -rf "$DATA"
        as_pg mkdir -m 0700 "$DATA"
        # cd: runuser keeps root's working directory, which the postgres user may not be able to read.
        (cd / && as_pg "$bin/initdb" -D "$DATA" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/postgres-initdb.log" 2>&1) || {
            cat "$LOG_DIR/postgres-initdb.log" >&2
            die "postgres: initdb failed"
        }
    fi
    write_config
    if is_running; then
        log "postgres: already running on 127.0.0.1:$PORT"
        return 0
    fi
    if tcp_open 127.0.0.1 "$PORT"; then
        die "postgres: port $PORT is already in use by another process"
    fi
    log "postgres: starting on 127.0.0.1:$PORT (log: ${PG_LOG#"$QUARTIER_ROOT"/})"
    if ! (cd / && as_pg "$bin/pg_ctl" -D "$DATA" -l "$PG_LOG" -w -t 60 start >/dev/null); then
        tail -n 30 "$PG_LOG" >&2
        die "postgres: start failed"
    fi
}

cmd_stop() {
    if ! is_running; then
        log "postgres: not running"
        return 0
    fi
    log "postgres: stopping"
    (cd / && as_pg "$(bindir)/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null)
}

cmd_status() {
    if is_running; then
        echo "postgres: running on 127.0.0.1:$PORT (socket dir ${SOCK_DIR#"$QUARTIER_ROOT"/})"
        return 0
    fi
    echo "postgres: not running"
    return 3
}

admin_psql() {
    is_running || die "postgres is not running: run '$0 start' (or 'make infra-up')"
    PGAPPNAME=quartier-pg.sh "$(bindir)/psql" -X -q -h "$SOCK_DIR" -p "$PORT" -U "$SUPERUSER" "$@"
}

# Admin psql without NOTICEs such as "schema ... already exists, skipping".
quiet_psql() { PGOPTIONS="-c client_min_messages=warning" admin_psql "$@"; }

valid_dbname() {
    [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "invalid database name '$1' (allowed: [a-z_][a-z0-9_]*)"
    case "$1" in postgres | template0 | template1) die "refusing to touch the system database '$1'" ;; esac
}

random_password() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# var/secrets.env: one generated password per service role, created once (mode 600).
ensure_secrets() {
    mkdir -p "$VAR_DIR"
    (
        umask 077
        [[ -f "$SECRETS_ENV" ]] || printf '# Generated by infra/postgres/pg.sh; local passwords of the service roles. Never commit.\n' >"$SECRETS_ENV"
        local svc key
        for svc in "${SERVICES[@]}"; do
            key="QUARTIER_DB_PASSWORD_${svc^^}"
            grep -q "^$key=" "$SECRETS_ENV" || printf '%s=%s\n' "$key" "$(random_password)" >>"$SECRETS_ENV"
        done
    )
    chmod 600 "$SECRETS_ENV"
}

secret_for() {
    local key="QUARTIER_DB_PASSWORD_${1^^}" value
    value=$(sed -n "s/^$key=//p" "$SECRETS_ENV" | tail -n 1)
    [[ "$value" =~ ^[A-Za-z0-9_.-]{16,}$ ]] || die "$key in $SECRETS_ENV is missing or not [A-Za-z0-9_.-]{16,}"
    printf '%s' "$value"
}

cmd_provision() {
    local db=${1:-}
    [[ -n "$db" ]] || die "usage: $0 provision <dbname>"
    valid_dbname "$db"
    ensure_secrets
    local svc
    # Passwords go through stdin, never through the command line (visible in ps).
    {
        printf '\\set db %s\n' "$db"
        printf 'SELECT format(%s, :%s) WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :%s) \\gexec\n' \
            "'CREATE DATABASE %I'" "'db'" "'db'"
        for svc in "${SERVICES[@]}"; do
            printf '\\set role quartier_%s\n\\set pw %s\n' "$svc" "$(secret_for "$svc")"
            cat <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'pw';
SQL
        done
        printf 'REVOKE ALL ON DATABASE :"db" FROM PUBLIC;\n'
        for svc in "${SERVICES[@]}"; do
            printf '\\set role quartier_%s\nGRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";\n' "$svc"
        done
    } | quiet_psql -v ON_ERROR_STOP=1 -d postgres -f - || die "postgres: provisioning roles/database $db failed"

    {
        printf 'REVOKE ALL ON SCHEMA public FROM PUBLIC;\n'
        # Extensions (pg_trgm for the registry's duplicate detection) live in their own schema, owned
        # by the superuser: services may use their functions but create nothing there.
        printf 'CREATE SCHEMA IF NOT EXISTS extensions;\nREVOKE ALL ON SCHEMA extensions FROM PUBLIC;\n'
        printf 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA extensions;\n'
        for svc in "${SERVICES[@]}"; do
            printf '\\set svc %s\n\\set role quartier_%s\n' "$svc" "$svc"
            cat <<'SQL'
CREATE SCHEMA IF NOT EXISTS :"svc" AUTHORIZATION :"role";
ALTER SCHEMA :"svc" OWNER TO :"role";
GRANT USAGE ON SCHEMA extensions TO :"role";
ALTER ROLE :"role" IN DATABASE :"db" SET search_path = :"svc", extensions;
SQL
        done
    } | quiet_psql -v ON_ERROR_STOP=1 -v db="$db" -d "$db" -f - || die "postgres: provisioning schemas in $db failed"
    log "postgres: database $db provisioned (roles quartier_{$(IFS=,; echo "${SERVICES[*]}")})"
}

cmd_drop() {
    local db=${1:-}
    [[ -n "$db" ]] || die "usage: $0 drop <dbname>"
    valid_dbname "$db"
    # Variables are interpolated in scripts, not in -c commands: feed the statement through stdin.
    printf 'DROP DATABASE IF EXISTS :"db" WITH (FORCE);\n' \
        | quiet_psql -v ON_ERROR_STOP=1 -v db="$db" -d postgres -f - || die "postgres: dropping $db failed"
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    psql) shift; admin_psql "$@" ;;
    provision) shift; cmd_provision "$@" ;;
    drop) shift; cmd_drop "$@" ;;
    *) echo "usage: $0 install|start|stop|status|psql [args]|provision <db>|drop <db>" >&2; exit 2 ;;
esac
