"""Grafana dashboards for airdrop bots, built with grafana-foundation-sdk.

`build.build(root)` writes `root/dashboards/<uid>.json`; the generated JSON is committed and a test fails
when it drifts from this package. PromQL lives in `queries`, shared variables, links and
annotations in `common`, panel defaults in `panels`, one module per dashboard. Importing the
package imports nothing else (the `airdrops` command registers `cli` without building anything).

    >>> from airdrops.dashboards.build import DASHBOARDS
    >>> [make().uid for make in DASHBOARDS]
    ['airdrops-overview', 'airdrops-scheduler', 'airdrops-risk', 'airdrops-capital']
"""
