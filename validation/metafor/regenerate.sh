#!/usr/bin/env bash
# Regenerate bcg_reference.csv from metafor itself: runs R's metafor on dat.bcg (bcg.R ->
# metafor_bcg.csv), then mscsim on the same data (compare.py -> bcg_reference.csv).
# Installs nothing. Needs R >= 4.1 with metafor (Debian: apt-get install r-base-core
# r-cran-metafor) and mscsim importable by `python` (e.g. the project's .venv activated).
# Run from anywhere: validation/metafor/regenerate.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v Rscript >/dev/null || { echo "Rscript not found: install R (r-base-core)" >&2; exit 2; }
Rscript -e 'if (!requireNamespace("metafor", quietly = TRUE)) quit(status = 3)' \
    || { echo "R package metafor not found: install r-cran-metafor" >&2; exit 2; }
Rscript "$here/bcg.R" "$here/metafor_bcg.csv"
python "$here/compare.py" "$here/metafor_bcg.csv"
