#!/usr/bin/env bash
# Set up everything on a fresh machine: bubblewrap, the virtual environment .venv, the pinned
# packages, the Jupyter kernel and the verified MNIST and Fashion-MNIST data. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

# The grader's sandbox (bubblewrap) and prlimit/setpriv (util-linux) come from Debian.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
    else
        echo "warning: bubblewrap is missing; install it (Debian/Ubuntu: apt-get install bubblewrap) to grade safely" >&2
    fi
fi

# Fashion-MNIST (the take-home) comes from Debian's dataset-fashion-mnist package; fetch-data
# below converts its IDX files into a verified data/fashion_mnist.npz.
if ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null \
                || echo "warning: could not install dataset-fashion-mnist with apt-get" >&2
        fi
    else
        echo "warning: dataset-fashion-mnist is missing; install it (Debian/Ubuntu: apt-get install dataset-fashion-mnist)" \
             "or put a verified fashion_mnist.npz in data/ for the Fashion-MNIST assignment" >&2
    fi
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock

# otter assign and the graders execute notebooks: register this environment's kernel.
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mnist-nn)" >/dev/null

.venv/bin/python -m autograder fetch-data
