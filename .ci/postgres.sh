# Sourced by .ci/run: a throwaway PostgreSQL server for the store's tests.
#
# postgres_start makes a cluster in a temporary folder (Debian's postgresql package is
# installed first if initdb is missing), owned and run by a non-root user when CI runs as
# root, listening on a free port of 127.0.0.1 only, with trust authentication; it exports
# RANDOM_INSPECTION_TEST_PG_URL and RANDOM_INSPECTION_REQUIRE_PG=1 (a test that cannot reach
# the server then fails instead of being skipped). postgres_stop stops it and removes the
# folder; .ci/run calls it from an EXIT trap, so it runs on failure too.

PG_OWNER=ristore  # the user that runs the server when CI runs as root
PG_DIR=""
PG_BIN=""

postgres_binaries() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
        echo "postgres: initdb not found; installing Debian's postgresql package" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            postgresql >/dev/null
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$found"
}

as_owner() {  # run a command as the server's owner, from a folder it can enter
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u "$PG_OWNER" -- "$@")
    else
        (cd / && "$@")
    fi
}

postgres_start() {
    local user port
    PG_BIN=$(postgres_binaries)
    if [ "$(id -u)" = 0 ]; then
        id -u "$PG_OWNER" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OWNER"
        user=$PG_OWNER
    else
        user=$(id -un)
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ri-postgres.XXXXXX")
    chmod 755 "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_OWNER:" "$PG_DIR"
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$user" --auth=trust --encoding=UTF8 \
        --no-locale >"$PG_DIR/initdb.log"
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $PG_DIR" start >/dev/null ||
        { cat "$PG_DIR/server.log" >&2; return 1; }
    export RANDOM_INSPECTION_TEST_PG_URL="postgresql+psycopg://$user@127.0.0.1:$port/postgres"
    export RANDOM_INSPECTION_REQUIRE_PG=1
    echo "postgres: $("$PG_BIN/postgres" --version) at $RANDOM_INSPECTION_TEST_PG_URL"
}

postgres_stop() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null ||
                echo "postgres: the server in $PG_DIR did not stop" >&2
        fi
        rm -rf "$PG_DIR"
    fi
}
