#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (internet available).
set -euo pipefail
cd "$(dirname "$0")"
umask 022  # the environment must be readable by the kernel's unprivileged user
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap for the sandbox, util-linux for prlimit/setpriv.
apt-get install -y -qq bubblewrap util-linux ca-certificates >/dev/null
# The pinned packages need Python >= 3.11: Ubuntu 24.04 has 3.12; on 22.04 (3.10) take 3.11 from deadsnakes.
python=""
for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"; break
    fi
done
if [ -z "$python" ]; then
    apt-get install -y -qq software-properties-common >/dev/null
    add-apt-repository -y ppa:deadsnakes/ppa >/dev/null
    apt-get update -qq
    apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    python=python3.11
fi
version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
apt-get install -y -qq "python${version}-venv" >/dev/null || true
"$python" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
/autograder/venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
# The dataset ships in this zip; verify it now (offline) so a bad upload fails here, not per student.
/autograder/venv/bin/python -m autograder fetch-data --offline --dataset @DATASET@
bash lockdown.sh
