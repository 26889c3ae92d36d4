"""After the refused runs, Prometheus still runs the good configuration."""

import json


def test_service_still_active(host):
    assert host.service("prometheus").is_running


def test_broken_rule_file_not_installed(host):
    assert not host.file("/etc/prometheus/rules/broken-rules.yml").exists
    assert sorted(host.file("/etc/prometheus/rules").listdir()) == ["alerts.yml", "recording.yml"]


def test_broken_scrape_config_not_installed(host):
    assert "every-now-and-then" not in host.file("/etc/prometheus/prometheus.yml").content_string


def test_still_serving_rules_and_last_reload_ok(host):
    out = host.check_output(
        "python3 -c %s",
        "import urllib.request; print(urllib.request.urlopen("
        "'http://127.0.0.1:9090/api/v1/query?query=prometheus_config_last_reload_successful',"
        " timeout=10).read().decode())",
    )
    result = json.loads(out)["data"]["result"]
    assert [r["value"][1] for r in result] == ["1"]
    rules = json.loads(
        host.check_output(
            "python3 -c %s",
            "import urllib.request; print(urllib.request.urlopen("
            "'http://127.0.0.1:9090/api/v1/rules', timeout=10).read().decode())",
        )
    )["data"]["groups"]
    assert len(rules) > 0
