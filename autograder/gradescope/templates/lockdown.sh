#!/usr/bin/env bash
# Hidden tests, configuration and grader code become root-only. The dataset stays readable (it is
# public, and the student's notebook loads it through the sandbox's read-only mount); the sandbox
# gets its own copies of the public tests and the data helper.
set -euo pipefail
cd "$(dirname "$0")"
chown -R root:root .
chmod -R go-rwx .
chmod 0711 .  # others may pass through to data/ only: everything else is go-rwx
chmod 0755 data
chmod 0644 data/*.npz
chmod 0755 run_autograder
