#!/usr/bin/env bash
# The Python venv the Flask-Session tests drive the real framework with: .build/flask-venv with
# Flask-Session 0.8, redis-py and msgspec (no system-wide pip installs). Needs python3-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/flask-venv
if ! "$venv/bin/python" -c 'import flask_session, msgspec, redis' 2>/dev/null; then
    rm -rf "$venv"
    # Debian's python3 (python3-venv is for it) unless PYTHON names another.
    python=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'flask-session==0.8.*' redis msgspec
fi
"$venv/bin/python" -c 'import flask_session; assert flask_session.__version__.startswith("0.8"), flask_session.__version__'
