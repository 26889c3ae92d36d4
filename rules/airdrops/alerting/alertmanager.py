"""The Alertmanager configuration: routing by severity, grouping, inhibition, receivers.

Generated, so the committed `rules/alertmanager/alertmanager.yml` (webhook only) and the one
Ansible renders on a host (with email, Slack or Telegram) come from the same code. Secrets are
never written here: email and Slack read theirs from files (`*_file`); Telegram's token
(Alertmanager 0.25 has no `bot_token_file`) is passed in by the caller and only ever lands in
the rendered file on the host.

Routing:
- `Watchdog` (always firing) -> `watchdog`, repeated every minute: a dead man's switch for an
  external heartbeat; its silence means the alerting pipeline is broken.
- `severity="critical"` -> `critical` (webhook + every configured channel), repeated hourly.
- `severity="warning"` -> `warning` (webhook + Slack when configured), repeated every 4 h.
- anything else (`info`, no severity) -> `default` (webhook), repeated daily.
Grouped by alert name and bot. Inhibition: a critical alert silences the warning and info
alerts of the same name and bot; `AirdropsBotDown` silences that bot's other alerts; a filesystem
almost full silences the filling-up warning of that filesystem (one page, not a page and a ticket).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airdrops.rules.stack_alerts import FILESYSTEM_FILLING_ALERT, FILESYSTEM_FULL_ALERT, FILESYSTEM_LABELS
from airdrops.rules.yamlfile import dump

BOT_DOWN_ALERT = "AirdropsBotDown"
WATCHDOG_ALERT = "Watchdog"


@dataclass(frozen=True)
class Channels:
    """Where notifications go. Only the webhook is required; the rest switch on when set."""

    #: The test channel: every alert is posted here (JSON, Alertmanager's webhook format).
    webhook_url: str = "http://127.0.0.1:5001/alerts"
    #: Dead man's switch target; defaults to the webhook.
    watchdog_url: str | None = None
    email_to: str | None = None
    email_from: str | None = None
    email_smarthost: str | None = None
    email_username: str | None = None
    email_password_file: str | None = None
    slack_api_url_file: str | None = None
    slack_channel: str | None = None
    telegram_chat_id: int | None = None
    #: Secret: pass it at render time on the host, never commit it.
    telegram_bot_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Timing:
    group_by: tuple[str, ...] = ("alertname", "bot_id")
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "24h"
    warning_repeat_interval: str = "4h"
    critical_repeat_interval: str = "1h"
    resolve_timeout: str = "5m"


def _webhook(url: str) -> dict[str, Any]:
    return {"url": url, "send_resolved": True}


def receivers(ch: Channels) -> list[dict[str, Any]]:
    critical: dict[str, Any] = {"name": "critical", "webhook_configs": [_webhook(ch.webhook_url)]}
    warning: dict[str, Any] = {"name": "warning", "webhook_configs": [_webhook(ch.webhook_url)]}
    if ch.email_to:
        missing = [k for k in ("email_from", "email_smarthost") if not getattr(ch, k)]
        if missing:
            raise ValueError(f"email_to is set but {', '.join(missing)} is not")
        email: dict[str, Any] = {
            "to": ch.email_to,
            "from": ch.email_from,
            "smarthost": ch.email_smarthost,
            "send_resolved": True,
        }
        if ch.email_username:
            if not ch.email_password_file:
                raise ValueError("email_username is set but email_password_file is not")
            email |= {"auth_username": ch.email_username, "auth_password_file": ch.email_password_file}
        critical["email_configs"] = [email]
    if ch.slack_api_url_file:
        slack = {
            "api_url_file": ch.slack_api_url_file,
            "channel": ch.slack_channel or "#alerts",
            "send_resolved": True,
            "title": '{{ template "slack.default.title" . }}',
        }
        critical["slack_configs"] = [slack]
        warning["slack_configs"] = [slack]
    if ch.telegram_chat_id is not None:
        if not ch.telegram_bot_token:
            raise ValueError("telegram_chat_id is set but the Telegram bot token is not")
        critical["telegram_configs"] = [
            {"bot_token": ch.telegram_bot_token, "chat_id": ch.telegram_chat_id, "send_resolved": True}
        ]
    return [
        {"name": "default", "webhook_configs": [_webhook(ch.webhook_url)]},
        {"name": "watchdog", "webhook_configs": [_webhook(ch.watchdog_url or ch.webhook_url)]},
        critical,
        warning,
    ]


def config(channels: Channels | None = None, timing: Timing | None = None) -> dict[str, Any]:
    """The whole Alertmanager configuration as a dict."""
    ch, t = channels or Channels(), timing or Timing()
    return {
        "global": {"resolve_timeout": t.resolve_timeout},
        "route": {
            "receiver": "default",
            "group_by": list(t.group_by),
            "group_wait": t.group_wait,
            "group_interval": t.group_interval,
            "repeat_interval": t.repeat_interval,
            "routes": [
                {
                    "matchers": [f'alertname="{WATCHDOG_ALERT}"'],
                    "receiver": "watchdog",
                    "group_wait": "0s",
                    "group_interval": "1m",
                    "repeat_interval": "1m",
                },
                {
                    "matchers": ['severity="critical"'],
                    "receiver": "critical",
                    "repeat_interval": t.critical_repeat_interval,
                },
                {
                    "matchers": ['severity="warning"'],
                    "receiver": "warning",
                    "repeat_interval": t.warning_repeat_interval,
                },
            ],
        },
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity=~"warning|info"'],
                "equal": ["alertname", "bot_id"],
            },
            {
                "source_matchers": [f'alertname="{BOT_DOWN_ALERT}"'],
                "target_matchers": [f'alertname!~"{BOT_DOWN_ALERT}|{WATCHDOG_ALERT}"'],
                "equal": ["bot_id"],
            },
            {
                "source_matchers": [f'alertname="{FILESYSTEM_FULL_ALERT}"'],
                "target_matchers": [f'alertname="{FILESYSTEM_FILLING_ALERT}"'],
                "equal": list(FILESYSTEM_LABELS),
            },
        ],
        "receivers": receivers(ch),
    }


def render(channels: Channels | None = None, timing: Timing | None = None) -> str:
    header = "Generated by `airdrops alerting build` from rules/airdrops/alerting/alertmanager.py; do not edit by hand."
    return dump(config(channels, timing), header)
