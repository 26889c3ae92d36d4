"""The PostgreSQL role: server up with scram-sha-256, the warehouse migrated, the ETL writer and the
read-only reporting user working over TCP with their passwords, everyone else refused."""

import json
import shlex
from pathlib import Path

import pytest

DB = "airdrops"
ETL = ("airdrops_collector", "etl-Test-pw-1")  # molecule.yml host_vars
READER = ("airdrops_grafana", "reader-Test-pw-2")
# Every version shipped for PostgreSQL (its own folder and the shared one), read from the repository.
_SHIPPED = Path(__file__).resolve().parents[5] / "collectors/airdrops/collectors/warehouse/migrations"
MIGRATIONS = sorted({int(f.name[:4]) for d in ("postgres", "common") for f in (_SHIPPED / d).glob("[0-9]*_*.sql")})

# What the server says about itself, in one round trip (each host.run costs seconds).
CATALOG = """
SELECT json_build_object(
  'settings', (SELECT json_object_agg(name, current_setting(name)) FROM pg_settings
               WHERE name IN ('password_encryption', 'log_min_duration_statement', 'port', 'listen_addresses',
                              'ssl', 'ssl_cert_file', 'ssl_key_file', 'ssl_min_protocol_version')),
  'hba', (SELECT json_agg(json_build_object('type', type, 'database', database, 'users', user_name,
                                            'address', address, 'netmask', netmask, 'method', auth_method,
                                            'error', error) ORDER BY line_number) FROM pg_hba_file_rules),
  'roles', (SELECT json_agg(json_build_object('name', r.rolname, 'login', r.rolcanlogin, 'limit', r.rolconnlimit,
                                              'super', r.rolsuper, 'password', left(r.rolpassword, 14),
                                              'member_of', (SELECT json_agg(g.rolname) FROM pg_auth_members m
                                                            JOIN pg_roles g ON g.oid = m.roleid
                                                            WHERE m.member = r.oid)) ORDER BY r.rolname)
            FROM pg_authid r WHERE r.rolname LIKE 'airdrops%'),
  'migrations', (SELECT json_agg(version ORDER BY version) FROM schema_migrations),
  'datacl', (SELECT datacl::text[] FROM pg_database WHERE datname = current_database())
)
"""


def psql(host, sql, user=None, password=None, db=DB, address="127.0.0.1", sslmode="prefer", rootcert=""):
    """Run SQL: as postgres over the socket (peer), or as `user` over TCP with a password."""
    if user is None:
        return host.run(f"runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d {db} -c {shlex.quote(sql)}")
    dsn = f"host={address} dbname={db} user={user} sslmode={sslmode}" + (f" sslrootcert={rootcert}" if rootcert else "")
    return host.run(
        f"PGPASSWORD={shlex.quote(password)} PGCONNECT_TIMEOUT=5"
        f" psql -X -q -A -t -v ON_ERROR_STOP=1 {shlex.quote(dsn)} -c {shlex.quote(sql)}"
    )


@pytest.fixture(scope="module")
def own_address(host):
    return host.run("ip -4 -o addr show scope global").stdout.split()[3].split("/")[0]


@pytest.fixture(scope="module")
def catalog(host):
    result = psql(host, CATALOG)
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_service_active_and_enabled(host):
    assert host.service("postgresql@15-main").is_running
    assert host.service("postgresql").is_enabled


@pytest.mark.parametrize(
    "setting,value",
    [
        ("password_encryption", "scram-sha-256"),
        ("log_min_duration_statement", "500ms"),  # from postgresql_settings
        ("port", "5432"),
    ],
)
def test_settings(catalog, setting, value):
    assert catalog["settings"][setting] == value


def test_listens_on_the_configured_addresses_only(host, catalog):
    out = host.run("ip -4 -o addr show scope global; echo ---; ss -Hltn 'sport = :5432'").stdout
    addresses, listening = out.split("---")
    own = addresses.split()[3].split("/")[0]
    assert catalog["settings"]["listen_addresses"] == f"127.0.0.1, {own}"
    assert {line.split()[3] for line in listening.strip().splitlines()} == {"127.0.0.1:5432", f"{own}:5432"}


def test_data_directory_private(host):
    assert host.run("stat -c '%U %G %a' /var/lib/postgresql/15/main").stdout.split() == ["postgres", "postgres", "700"]


def test_hba_rules(catalog, own_address):
    rules = catalog["hba"]
    local = {"type": "local", "address": None, "netmask": None, "method": "peer", "error": None}
    # The superuser over the socket, and the exporter's login to the postgres database only (the
    # module writes the narrower line first).
    assert sorted(rules[:2], key=lambda r: r["users"]) == [
        {**local, "database": ["all"], "users": ["postgres"]},
        {**local, "database": ["postgres"], "users": ["postgres_exporter"]},
    ]
    clients = {(r["address"], r["netmask"]) for r in rules[2:]}
    assert clients == {
        ("127.0.0.1", "255.255.255.255"),
        ("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("192.0.2.10", "255.255.255.255"),
        ("198.51.100.0", "255.255.255.0"),
        (own_address, "255.255.255.255"),
    }
    for rule in rules[2:]:  # only the warehouse, only the two users, only scram; TLS required off loopback
        loopback = rule["address"] in ("127.0.0.1", "::1")
        assert (rule["type"], rule["database"], rule["method"], rule["error"]) == (
            "host" if loopback else "hostssl",
            [DB],
            "scram-sha-256",
            None,
        )
        assert rule["users"] in ([ETL[0]], [READER[0]])
    assert len(rules) == 2 + 2 * len(clients)


def test_roles(catalog):
    roles = {r["name"]: r for r in catalog["roles"]}
    assert set(roles) == {"airdrops_etl", "airdrops_reader", ETL[0], READER[0]}
    assert not any(r["super"] for r in roles.values())
    for group in ("airdrops_etl", "airdrops_reader"):
        assert (roles[group]["login"], roles[group]["password"]) == (False, None)
    for user, group, limit in ((ETL[0], "airdrops_etl", 10), (READER[0], "airdrops_reader", 30)):
        assert roles[user]["login"]
        assert roles[user]["member_of"] == [group]
        assert roles[user]["limit"] == limit
        assert roles[user]["password"] == "SCRAM-SHA-256$"  # stored as a SCRAM verifier, never md5


def test_public_cannot_connect(catalog):
    acl = catalog["datacl"]
    assert not any(entry.startswith("=") for entry in acl), acl  # "=Tc/postgres" would be PUBLIC
    assert f"{ETL[0]}=Tc/postgres" in acl
    assert f"{READER[0]}=c/postgres" in acl


def test_schema_migrations_all_applied(catalog):
    assert catalog["migrations"] == MIGRATIONS


def test_etl_writes(host):
    # An ETL bookkeeping row, and a temporary staging table as `airdrops etl run` makes them.
    result = psql(
        host,
        "INSERT INTO etl_runs (run_id, stream, started_at, status)"
        " VALUES ('molecule-verify', 'verify', now(), 'succeeded')"
        " ON CONFLICT (run_id) DO UPDATE SET finished_at = now() RETURNING run_id;"
        " CREATE TEMPORARY TABLE _stage (x int); SELECT 'staged'",
        *ETL,
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.split() == ["molecule-verify", "staged"]


def test_reader_reads_views(host):
    result = psql(host, "SELECT count(*) >= 0 FROM claim_success_rate", *READER)
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "t"


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO etl_runs (run_id, stream, started_at, status) VALUES ('r', 's', now(), 'running')",
        "SELECT count(*) FROM claims",  # tables are the writer's: the reader sees the views only
        "CREATE TABLE reader_table (x int)",
    ],
)
def test_reader_cannot_write_or_read_tables(host, sql):
    result = psql(host, sql, *READER)
    assert result.rc != 0
    assert "permission denied" in result.stderr


@pytest.mark.parametrize("user", [ETL[0], READER[0]])
def test_wrong_password_rejected(host, user):
    result = psql(host, "SELECT 1", user, "not-the-password")
    assert result.rc != 0
    assert f'password authentication failed for user "{user}"' in result.stderr


@pytest.mark.parametrize("user,db", [(ETL[0], "postgres"), ("postgres", DB)])
def test_no_hba_line_for_anything_else(host, user, db):
    result = psql(host, "SELECT 1", user, ETL[1], db=db)
    assert result.rc != 0
    assert "no pg_hba.conf entry" in result.stderr


def test_tls_with_the_generated_certificate(host, catalog):
    settings = catalog["settings"]
    assert (settings["ssl"], settings["ssl_cert_file"], settings["ssl_key_file"]) == (
        "on",
        "/etc/postgresql/tls/server.crt",
        "/etc/postgresql/tls/server.key",
    )
    assert settings["ssl_min_protocol_version"] == "TLSv1.2"
    # The key never world-readable: root's, readable by the server's group only.
    assert host.run("stat -c '%U %G %a' /etc/postgresql/tls/server.key").stdout.split() == ["root", "postgres", "640"]


def test_other_hosts_need_tls(host, own_address):
    plain = psql(host, "SELECT 1", *ETL, address=own_address, sslmode="disable")
    assert plain.rc != 0
    assert "no encryption" in plain.stderr
    # verify-full: the certificate names the address the client dialled and chains to the trusted file.
    ssl = psql(
        host,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        *ETL,
        address=own_address,
        sslmode="verify-full",
        rootcert="/etc/postgresql/tls/server.crt",
    )
    assert (ssl.rc, ssl.stdout.strip()) == (0, "t"), ssl.stderr
    # A server the client's CA did not sign is refused (Debian's snakeoil certificate as the CA).
    untrusted = psql(
        host,
        "SELECT 1",
        *ETL,
        address=own_address,
        sslmode="verify-full",
        rootcert="/etc/ssl/certs/ssl-cert-snakeoil.pem",
    )
    assert untrusted.rc != 0
    assert "certificate verify failed" in untrusted.stderr


# The exporter on the network (molecule.yml): TLS with its generated certificate, basic auth.
EXPORTER = """
import base64, json, ssl, subprocess, urllib.error, urllib.request
ctx = ssl.create_default_context(cafile="/etc/postgres_exporter/tls/postgres_exporter.crt")
def get(auth):
    request = urllib.request.Request("https://127.0.0.1:9187/metrics")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        return urllib.request.urlopen(request, context=ctx, timeout=10).read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code
show = subprocess.run(["systemctl", "show", "-p", "ActiveState,User,ProtectSystem,NoNewPrivileges",
                       "prometheus-postgres-exporter"], capture_output=True, text=True).stdout
print(json.dumps(dict(page=get("prometheus:scrape-Test-pw-3"), anonymous=get(""), wrong=get("prometheus:wrong"),
                      props=dict(line.split("=", 1) for line in show.splitlines() if "=" in line))))
"""


@pytest.fixture(scope="module")
def exporter(host):
    return json.loads(host.check_output("python3 -c %s", EXPORTER))


def test_exporter_serves_the_server_to_the_scraper_only(exporter):
    assert exporter["anonymous"] == 401 and exporter["wrong"] == 401
    page = exporter["page"]
    assert "\npg_up 1\n" in page, "the exporter's login could not connect"
    assert 'pg_database_size_bytes{datname="airdrops"' in page
    assert "pg_settings_max_connections" in page


def test_exporter_runs_hardened_as_its_own_user(exporter):
    assert exporter["props"] == {
        "ActiveState": "active",
        "User": "postgres_exporter",
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
    }


def test_exporter_login_is_a_pg_monitor_member_and_nothing_more(host):
    sql = (
        "SELECT r.rolsuper, r.rolcanlogin, r.rolpassword IS NULL,"
        " (SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        "  WHERE m.member = r.oid)"
        " FROM pg_authid r WHERE r.rolname = 'postgres_exporter'"
    )
    result = psql(host, sql, db="postgres")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "f|t|t|pg_monitor"


def test_backup_timer_is_scheduled(host):
    timer = host.run("systemctl is-enabled airdrops-pg-backup.timer; systemctl is-active airdrops-pg-backup.timer")
    assert timer.stdout.split() == ["enabled", "active"]


BACKUPS = "/var/backups/airdrops-postgresql"
METRICS = "/var/lib/prometheus/node-exporter/airdrops_warehouse_backup.prom"


def _dumps(host):
    return sorted(host.run(f"ls -1 {BACKUPS}").stdout.split())


# Last in the file: it drops the warehouse (and restores it).
def test_backup_then_restore_after_the_warehouse_is_destroyed_brings_every_row_back(host):
    fill = (
        "INSERT INTO etl_runs (run_id, stream, started_at, status)"
        " SELECT 'backup-proof-' || i, 'verify', now(), 'succeeded' FROM generate_series(1, 500) i"
        " ON CONFLICT (run_id) DO NOTHING"
    )
    assert psql(host, fill).rc == 0
    before = psql(host, "SELECT count(*), md5(string_agg(run_id, ',' ORDER BY run_id)) FROM etl_runs").stdout
    first = _dumps(host)
    assert len(first) == 1, first  # the converge's first backup
    for _ in range(2):  # names have one-second resolution
        host.run("sleep 1")
        run = host.run("systemctl start airdrops-pg-backup.service")
        assert run.rc == 0, run.stderr
    dumps = _dumps(host)
    assert len(dumps) == 2 and first[0] not in dumps, dumps  # postgresql_backup_keep: 2
    metrics = host.file(METRICS).content_string
    assert 'warehouse_backup_last_run_success{database="airdrops"} 1' in metrics
    stamp = float(metrics.split('warehouse_backup_last_success_timestamp_seconds{database="airdrops"} ')[1].split()[0])
    assert abs(stamp - float(host.run("date +%s").stdout)) < 300

    assert host.run("runuser -u postgres -- dropdb --force airdrops").rc == 0
    assert psql(host, "SELECT 1").rc != 0, "the warehouse is still there"
    restore = host.run("airdrops-pg-restore")
    assert restore.rc == 0, restore.stderr
    assert f"restored airdrops from {BACKUPS}/{dumps[-1]}" in restore.stdout
    assert psql(host, "SELECT count(*), md5(string_agg(run_id, ',' ORDER BY run_id)) FROM etl_runs").stdout == before
    # The grants came back with the database: the reader reads the views, the writer writes.
    assert psql(host, "SELECT count(*) >= 0 FROM claim_success_rate", *READER).stdout.strip() == "t"
    assert (
        psql(
            host,
            "INSERT INTO etl_runs (run_id, stream, started_at, status) VALUES "
            "('after-restore', 'verify', now(), 'running')",
            *ETL,
        ).rc
        == 0
    )
