#!/usr/bin/env bash
# Runs uv wherever `make install` put it: PATH, ~/.local/bin (pip --user), or `python3 -m uv`.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then
    exec uv "$@"
fi
for candidate in "${HOME:-/root}/.local/bin/uv" /usr/local/bin/uv; do
    if [[ -x "$candidate" ]]; then
        exec "$candidate" "$@"
    fi
done
if python3 -m uv --version >/dev/null 2>&1; then
    exec python3 -m uv "$@"
fi
echo "error: uv not found: run 'make install'" >&2
exit 127
