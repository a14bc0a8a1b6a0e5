# Shared set-up for scripts/run and scripts/test. Source it; do not run it.
#
# Everything here is idempotent: a second call finds the virtualenv, the
# PostgreSQL role and the addons-path link already there and does nothing.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_NAME="hr_recruitment_cronofy"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
HRC_CACHE_DIR="${HRC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hr_recruitment_cronofy}"
HRC_DB_HOST="${HRC_DB_HOST:-localhost}"
HRC_DB_PORT="${HRC_DB_PORT:-5432}"
HRC_DB_USER="${HRC_DB_USER:-hr_recruitment_cronofy}"
HRC_DB_PASSWORD="${HRC_DB_PASSWORD:-hr_recruitment_cronofy}"
# Databases this harness creates carry this comment; it drops no other.
HRC_DB_MARKER="created by the hr_recruitment_cronofy harness"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

odoo_present() {
    [ -f "$ODOO_SRC/odoo-bin" ] && [ -d "$ODOO_SRC/addons/hr_recruitment" ]
}

# pip on these machines warns once per package about absent local indexes.
_quiet_pip() { grep -v "^WARNING: Location 'file://" || true; }

# ensure_venv [with-odoo]: prints the virtualenv's path. One virtualenv per
# set of requirements, cached outside the clone so CI's fresh clones reuse it.
ensure_venv() {
    local with_odoo="${1:-}" python="${PYTHON:-python3}" req_files key venv
    req_files=("$REPO_ROOT/requirements.txt" "$REPO_ROOT/requirements-test.txt")
    local odoo_reqs=""
    if [ -n "$with_odoo" ]; then
        odoo_reqs="$("$python" "$REPO_ROOT/scripts/odoo_requirements.py" "$ODOO_SRC/requirements.txt")"
    fi
    key="$( { "$python" --version; cat "${req_files[@]}"; echo "$odoo_reqs"; } | sha256sum | cut -c1-12)"
    venv="$HRC_CACHE_DIR/venv-$key"
    if [ ! -f "$venv/.complete" ]; then
        log "building virtualenv $venv (first run only)"
        rm -rf "$venv"
        mkdir -p "$HRC_CACHE_DIR"
        "$python" -m venv "$venv"
        "$venv/bin/pip" install -q --upgrade pip wheel setuptools packaging 2>&1 | _quiet_pip >&2
        local extra=()
        if [ -n "$odoo_reqs" ]; then
            printf '%s\n' "$odoo_reqs" > "$venv/odoo-requirements.txt"
            extra=(-r "$venv/odoo-requirements.txt")
        fi
        if ! "$venv/bin/pip" install -q -r "$REPO_ROOT/requirements-test.txt" "${extra[@]}" 2>&1 \
                | _quiet_pip >&2; then
            die "pip install failed for $venv"
        fi
        touch "$venv/.complete"
    fi
    printf '%s\n' "$venv"
}

ensure_postgres() {
    if ! pg_isready -q -h "$HRC_DB_HOST" -p "$HRC_DB_PORT"; then
        command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not running on $HRC_DB_HOST:$HRC_DB_PORT and pg_ctlcluster is missing (apt-get install postgresql)"
        local cluster
        cluster="$(pg_lsclusters --no-header | awk -v p="$HRC_DB_PORT" '$3 == p {print $1" "$2; exit}')"
        [ -n "$cluster" ] || die "no PostgreSQL cluster on port $HRC_DB_PORT (pg_lsclusters)"
        log "starting PostgreSQL cluster $cluster"
        # shellcheck disable=SC2086
        pg_ctlcluster $cluster start
        for _ in $(seq 1 30); do pg_isready -q -h "$HRC_DB_HOST" -p "$HRC_DB_PORT" && break; sleep 1; done
        pg_isready -q -h "$HRC_DB_HOST" -p "$HRC_DB_PORT" || die "PostgreSQL did not start"
    fi
    # The role Odoo connects as: may create databases, is not a superuser.
    if ! PGPASSWORD="$HRC_DB_PASSWORD" psql -h "$HRC_DB_HOST" -p "$HRC_DB_PORT" -U "$HRC_DB_USER" \
            -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        log "creating PostgreSQL role $HRC_DB_USER"
        su postgres -c "psql -p $HRC_DB_PORT -q -v ON_ERROR_STOP=1" <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$HRC_DB_USER') THEN
    CREATE ROLE "$HRC_DB_USER" LOGIN CREATEDB PASSWORD '$HRC_DB_PASSWORD';
  ELSE
    ALTER ROLE "$HRC_DB_USER" LOGIN CREATEDB PASSWORD '$HRC_DB_PASSWORD';
  END IF;
END \$\$;
SQL
    fi
}

psql_as_harness() {
    PGPASSWORD="$HRC_DB_PASSWORD" psql -h "$HRC_DB_HOST" -p "$HRC_DB_PORT" -U "$HRC_DB_USER" \
        -v ON_ERROR_STOP=1 -Atq "$@"
}

# drop_harness_db NAME: drops NAME only when this harness created it.
drop_harness_db() {
    local name="$1" comment
    comment="$(psql_as_harness -d postgres -c \
        "select shobj_description(oid, 'pg_database') from pg_database where datname = '$name'")"
    if [ -z "$(psql_as_harness -d postgres -c "select 1 from pg_database where datname = '$name'")" ]; then
        return 0
    fi
    [ "$comment" = "$HRC_DB_MARKER" ] \
        || die "database '$name' exists but was not created by this harness; refusing to drop it (choose another name with HRC_DB_NAME)"
    psql_as_harness -d postgres -c "drop database \"$name\" with (force)"
    # pytest-odoo's xdist clones, if any, follow the same rule.
}

# create_harness_db NAME: an empty database marked as ours; Odoo fills it.
create_harness_db() {
    local name="$1"
    drop_harness_db "$name"
    psql_as_harness -d postgres -c "create database \"$name\" encoding 'UTF8' template template0"
    psql_as_harness -d postgres -c "comment on database \"$name\" is '$HRC_DB_MARKER'"
}

# Odoo names a module after its folder, and a clone may live in a folder with
# another name: give Odoo an addons-path folder holding a correctly named link.
ensure_addons_link() {
    local dir
    dir="$HRC_CACHE_DIR/addons-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
    mkdir -p "$dir"
    ln -sfn "$REPO_ROOT" "$dir/$MODULE_NAME"
    printf '%s\n' "$dir"
}

# write_odoo_config FILE DBNAME HTTP_PORT: a config file for odoo-bin and pytest-odoo.
write_odoo_config() {
    local file="$1" db="$2" port="$3" addons_dir
    addons_dir="$(ensure_addons_link)"
    mkdir -p "$(dirname "$file")" "$HRC_CACHE_DIR/filestore"
    cat > "$file" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$addons_dir
data_dir = $HRC_CACHE_DIR/filestore
db_host = $HRC_DB_HOST
db_port = $HRC_DB_PORT
db_user = $HRC_DB_USER
db_password = $HRC_DB_PASSWORD
db_name = $db
dbfilter = ^$db\$
list_db = False
http_port = $port
http_interface = 127.0.0.1
gevent_port = $((port + 3))
without_demo = False
max_cron_threads = 1
CONF
}

# Chromium (browser tours) and PostgreSQL from Debian when missing and root.
ensure_system_packages() {
    local missing=()
    command -v chromium >/dev/null || command -v google-chrome >/dev/null || missing+=(chromium)
    command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing ${missing[*]} with apt-get"
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 \
            || die "apt-get install ${missing[*]} failed"
    else
        die "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]})"
    fi
}
