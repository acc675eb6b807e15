#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (internet available).
# It needs only the OS archive and PyPI: Ubuntu 22.04 (Python 3.10), Ubuntu 24.04 (3.12) or
# Debian 12 (3.11.2); requirements.lock pins a version of every package for each of them.
set -euo pipefail
cd "$(dirname "$0")"
umask 022  # the environment must be readable by the kernel's unprivileged user
export DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
apt-get update -qq
# bubblewrap for the sandbox, util-linux for prlimit/setpriv, the OS's own Python with venv.
apt-get install -y -qq --no-install-recommends bubblewrap util-linux ca-certificates python3 python3-venv >/dev/null
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "setup.sh: this image's Python is $(python3 -V 2>&1); choose Ubuntu 22.04 or 24.04 as the base image" >&2
    exit 1
fi
python3 -m venv /autograder/venv
venv=/autograder/venv/bin/python
"$venv" -m pip install --quiet -c requirements.lock pip
"$venv" -m pip install --quiet -r grading-requirements.txt -c requirements.lock
"$venv" -m pip check
"$venv" -m autograder.gradescope.lock check requirements.lock  # nothing unpinned: every image grades alike
"$venv" -m ipykernel install --sys-prefix --name python3 >/dev/null
# The datasets ship in this zip (none when the notebook makes its own data); verify them now
# (offline) so a bad upload fails here, not per student.
for dataset in @DATASETS@; do
    "$venv" -m autograder fetch-data --offline --dataset "$dataset"
done
bash lockdown.sh
