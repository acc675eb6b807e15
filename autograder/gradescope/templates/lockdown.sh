#!/usr/bin/env bash
# Hidden tests, configuration and grader code become root-only. The datasets stay readable (they
# are public, and the student's notebook loads them through the sandbox's read-only mount); the
# sandbox gets its own copies of the public tests and the data helper.
set -euo pipefail
cd "$(dirname "$0")"
chown -R root:root .
chmod -R go-rwx .
chmod 0711 .  # others may pass through to data/ only: everything else is go-rwx
mkdir -p data
chmod 0755 data
find data -maxdepth 1 -name '*.npz' -exec chmod 0644 {} +  # none when the notebook makes its own data
chmod 0755 run_autograder
