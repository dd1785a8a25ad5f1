#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the register's tests: `start DIR` makes one in DIR (initdb,
# then pg_ctl on a Unix socket in DIR, no TCP), creates the database pepforms_test and prints its
# URL; `stop DIR` stops it and removes DIR. Run as root (CI), the server runs as the `postgres`
# user; run as yourself, it runs as you.
#
#   dir=$(mktemp -d)
#   export PEPFORMS_TEST_POSTGRES=$(bash .ci/postgres.sh start "$dir")
#   python -m pytest tests/test_register.py -q
#   bash .ci/postgres.sh stop "$dir"
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(cd "$2" && pwd)

initdb_path=$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null \
  | sort -V | tail -n 1 || true)
if [ -z "$initdb_path" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)." >&2
  exit 1
fi
bin=$(dirname "$(readlink -f "$initdb_path")")

as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$action" in
  start)
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_server "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # A throwaway cluster: durability is not needed, speed is.
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_server "$bin/createdb" -h "$dir" -U postgres pepforms_test
    echo "postgresql://postgres@/pepforms_test?host=$dir"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
