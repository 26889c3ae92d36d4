"""Mitogen's linear strategy when the `mitogen` package is installed, Ansible's own otherwise.

Mitogen keeps one Python interpreter per host for the whole run, so a module call no longer starts
Python and compiles Ansible's module code on the host again (about 0.2 s each, most of a run that
changes nothing). The play itself is unchanged: same tasks, same order, same results. Without
`mitogen` (or with `ANSIBLE_STRATEGY=linear`) Ansible runs as it always does, only slower.
"""

from __future__ import annotations

from ansible.plugins.strategy.linear import StrategyModule as _Linear
from ansible.utils.display import Display

DOCUMENTATION = """
name: mitogen_linear
short_description: Mitogen's linear strategy, or Ansible's linear one when mitogen is missing
description:
  - Runs ansible_mitogen's linear strategy from the installed mitogen package.
  - Falls back to ansible.builtin.linear with a warning when mitogen cannot be imported.
"""

try:
    from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule as _Mitogen
except ImportError as missing:
    Display().warning(
        f"mitogen is not installed ({missing}): running with Ansible's linear strategy, "
        "which is correct but about twice as slow. `pip install -c constraints.txt '.[provision]'` installs it."
    )
    _Mitogen = None


StrategyModule = _Mitogen or _Linear
