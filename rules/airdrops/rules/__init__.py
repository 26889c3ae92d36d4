"""Prometheus recording and alerting rules for airdrops bots, generated from Python.

kubernetes-mixin's shape: `config` holds every selector, threshold, `for:` duration and SLO
objective; `recording` and `alerts` build the rule groups from it, one group per component;
`runbooks` adds each alert's `runbook_url`; `build` writes `rules/recording.yml` and
`rules/alerts.yml`, which are committed (Ansible ships them) and checked for drift by the tests.

    from airdrops.rules.build import build
    build(repo_root)                                   # what `airdrops rules build` runs
    build(repo_root, DEFAULT.with_overrides({"rpc_error_ratio": 0.1}))
"""
