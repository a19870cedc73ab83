#!/usr/bin/env bash
# Runs once, when the postgres:15 container initialises an empty data volume
# (mounted into /docker-entrypoint-initdb.d by docker-compose.yml).
# Same layout as infra/postgres/pg.sh provision: one login role and one schema per service in the
# database $POSTGRES_DB; nobody but the owning role can use a schema; public is closed.
# Passwords come from the container environment (the operator's .env, see docker-compose.yml):
#   QUARTIER_DB_PASSWORD_REGISTRY, _PLANNING, _INVITATIONS, _REPORTING, _GATEWAY
# Changing a password later: ALTER ROLE ... PASSWORD ... by hand (this script does not run again).
set -euo pipefail

db=${POSTGRES_DB:?}
for svc in registry planning invitations reporting gateway; do
    var="QUARTIER_DB_PASSWORD_${svc^^}"
    pw=${!var:-}
    if [[ ${#pw} -lt 16 ]]; then
        echo "10-quartier.sh: $var must be set to a password of at least 16 characters" >&2
        exit 1
    fi
    # psql variables quote the values (:'pw' literal, :"role" identifier).
    psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname "$db" \
        -v db="$db" -v svc="$svc" -v role="quartier_$svc" -v pw="$pw" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS PASSWORD :'pw';
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS extensions;
REVOKE ALL ON SCHEMA extensions FROM PUBLIC;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA extensions;
CREATE SCHEMA IF NOT EXISTS :"svc" AUTHORIZATION :"role";
ALTER SCHEMA :"svc" OWNER TO :"role";
GRANT USAGE ON SCHEMA extensions TO :"role";
ALTER ROLE :"role" IN DATABASE :"db" SET search_path = :"svc", extensions;
SQL
done
echo "10-quartier.sh: roles and schemas for database $db created"
