from __future__ import annotations

from pathlib import Path

import pytest

from airdrops.collectors.warehouse import WarehouseURL, WarehouseURLError


def test_duckdb_absolute_and_relative_paths() -> None:
    assert WarehouseURL.parse("duckdb:///var/lib/a.duckdb").path == Path("/var/lib/a.duckdb")
    assert WarehouseURL.parse("duckdb:///./a.duckdb").path == Path("a.duckdb")
    assert WarehouseURL.parse("duckdb://a.duckdb").path == Path("a.duckdb")
    assert WarehouseURL.parse("duckdb:///:memory:").path is None


def test_postgres_url_is_kept_and_redacted() -> None:
    url = WarehouseURL.parse("postgresql://etl:s3cret@db.internal:5432/airdrops?sslmode=require")
    assert url.dialect == "postgres"
    assert url.url.endswith("sslmode=require")
    assert "s3cret" not in url.redacted and "s3cret" not in str(url)
    assert WarehouseURL.parse("postgres://db/airdrops").dialect == "postgres"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://etl@db/airdrops?password=s3cret&sslmode=require",
        "postgresql://etl@db/airdrops?sslmode=verify-full&sslpassword=s3cret",
        "postgresql://etl:s3cret@db/airdrops?PASSWORD=s3cret&sslmode=require",
    ],
)
def test_a_password_in_the_query_is_masked_too(url: str) -> None:
    redacted = WarehouseURL.parse(url).redacted
    assert "s3cret" not in redacted and "***" in redacted
    assert "sslmode=" in redacted  # what is not secret stays readable


def test_a_url_without_secrets_is_shown_as_given() -> None:
    for url in ("duckdb:///var/lib/a.duckdb", "postgresql://etl@db:5432/airdrops?sslmode=require"):
        assert WarehouseURL.parse(url).redacted == url


def test_default_is_env_then_duckdb_file_in_cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    assert WarehouseURL.parse(None).path == tmp_path / "airdrops.duckdb"
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://u@h/d")
    assert WarehouseURL.parse(None).dialect == "postgres"


@pytest.mark.parametrize("bad", ["mysql://h/d", "sqlite:///x.db", "/tmp/x.duckdb"])
def test_unsupported_urls_say_what_works(bad: str) -> None:
    with pytest.raises(WarehouseURLError, match="postgresql://"):
        WarehouseURL.parse(bad)


@pytest.mark.parametrize("url", ["postgresql://u:pa#ss@db/airdrops", "postgresql://u:p?a/s@s@db:5432/airdrops"])
def test_a_password_with_url_characters_is_masked_and_scrubbed(url: str) -> None:
    parsed = WarehouseURL.parse(url)
    password = url.split("://u:", 1)[1].rsplit("@", 1)[0]
    assert password not in parsed.redacted and parsed.redacted.endswith("/airdrops")
    assert parsed.scrub(f'libpq: bad token "{password}"') == 'libpq: bad token "***"'


@pytest.mark.parametrize(
    ("message", "retry"),
    [
        ('connection to server at "db", port 5432 failed: Connection refused', True),
        ("FATAL:  sorry, too many clients already", True),
        ('FATAL:  too many connections for role "etl"', True),
        ("FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute", True),
        ("FATAL:  the database system is not accepting connections", True),
        ('FATAL:  password authentication failed for user "etl"', False),
        ('FATAL:  database "nope" does not exist', False),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.9"', False),
    ],
)
def test_what_is_retried_at_connect(message: str, retry: bool) -> None:
    import psycopg

    from airdrops.collectors.warehouse.connect import is_unavailable

    assert is_unavailable(psycopg.OperationalError(message)) is retry
