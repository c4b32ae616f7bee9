#!/usr/bin/env bash
# Makes sure Postgres and Redis answer at DATABASE_URL and REDIS_URL: starts locally installed
# servers, and on Debian/Ubuntu as root installs them first. Says exactly what to do when it can't.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

say() { echo "services: $*"; }

# postgres://user[:pass]@host[:port]/db -> fields
pg_rest="${DATABASE_URL#*://}"
pg_auth="${pg_rest%%@*}"; [ "$pg_auth" = "$pg_rest" ] && pg_auth="postgres"
pg_user="${pg_auth%%:*}"
pg_hostport="${pg_rest#*@}"; pg_hostport="${pg_hostport%%/*}"
pg_host="${pg_hostport%%:*}"; pg_port="${pg_hostport##*:}"; [ "$pg_port" = "$pg_hostport" ] && pg_port=5432
pg_db="${pg_rest##*/}"; pg_db="${pg_db%%\?*}"
redis_hostport="${REDIS_URL#*://}"; redis_hostport="${redis_hostport##*@}"; redis_hostport="${redis_hostport%%/*}"
redis_host="${redis_hostport%%:*}"; redis_port="${redis_hostport##*:}"; [ "$redis_port" = "$redis_hostport" ] && redis_port=6379

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
is_local() { [ "$1" = "127.0.0.1" ] || [ "$1" = "localhost" ] || [ "$1" = "::1" ]; }
can_install() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }

postgres_up() {
  if command -v psql >/dev/null; then
    psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1
  else
    tcp_open "$pg_host" "$pg_port"
  fi
}
redis_up() {
  if command -v redis-cli >/dev/null; then
    [ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" = "PONG" ]
  else
    tcp_open "$redis_host" "$redis_port"
  fi
}
wait_for() { for _ in $(seq 1 60); do "$1" && return 0; sleep 0.5; done; return 1; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

as_postgres() { if command -v runuser >/dev/null; then runuser -u postgres -- "$@"; else su postgres -c "$*"; fi; }

start_postgres() {
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if can_install; then say "installing postgresql"; apt_install postgresql; else return 1; fi
  fi
  local version; version="$(ls /etc/postgresql | sort -V | tail -n1)"
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null ||
    service postgresql start >/dev/null 2>&1 || true
  wait_for pg_accepting || return 1
  # A fresh cluster: let the role in over TCP without a password and create the database.
  if ! postgres_up; then
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if [ -w "$hba" ] && ! grep -q 'durable-workflow' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust # durable-workflow tests\nhost all all ::1/128 trust # durable-workflow tests' "$hba"
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
    fi
    as_postgres psql -Atqc "select 1 from pg_database where datname = '$pg_db'" | grep -q 1 ||
      as_postgres createdb "$pg_db" || true
  fi
}
pg_accepting() { if command -v pg_isready >/dev/null; then pg_isready -q -h "$pg_host" -p "$pg_port"; else tcp_open "$pg_host" "$pg_port"; fi; }

start_redis() {
  if ! command -v redis-server >/dev/null; then
    if can_install; then say "installing redis-server"; apt_install redis-server; else return 1; fi
  fi
  say "starting redis-server on port $redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
    --dir /tmp --logfile /tmp/redis-"$redis_port".log >/dev/null
}

missing=()
if postgres_up; then
  say "PostgreSQL answers at $pg_host:$pg_port"
elif is_local "$pg_host" && [ "$pg_port" = 5432 ] && start_postgres && wait_for postgres_up; then
  say "PostgreSQL started"
else
  missing+=("PostgreSQL at $DATABASE_URL")
fi
if redis_up; then
  say "Redis answers at $redis_host:$redis_port"
elif is_local "$redis_host" && start_redis && wait_for redis_up; then
  say "Redis started"
else
  missing+=("Redis at $REDIS_URL")
fi

if [ ${#missing[@]} -gt 0 ]; then
  {
    echo "services: cannot reach ${missing[*]}."
    echo "  Do one of these, then run the command again:"
    echo "  - install and start them: sudo apt-get install postgresql redis-server (or your system's packages);"
    echo "  - with Docker: docker compose up -d   (uses this repository's docker-compose.yml);"
    echo "  - point DATABASE_URL (postgres://user@host:port/db) and REDIS_URL (redis://host:port) at servers you have."
  } >&2
  exit 1
fi
