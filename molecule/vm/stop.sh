#!/usr/bin/env bash
# Stops the VM start.sh booted as NAME and removes its overlay disk (the base disk stays).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${AIRDROPS_VM_DIR:-$repo/.cache/vm}"
name="${1:?usage: stop.sh NAME}"
if [[ -f "$out/$name.pid" ]]; then
  pid="$(cat "$out/$name.pid")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
fi
rm -f "$out/$name.pid" "$out/$name.port" "$out/$name.qcow2"
