"""`mscsim evidence meta` stays light: the heavy libraries it does not need are never imported.

(Timing belongs in benchmarks; what is tested is the cause: with them, the command took ~1 s of
CPU before doing any work, without them ~0.4 s.)
"""

from __future__ import annotations

import subprocess
import sys


def test_evidence_meta_imports_neither_sympy_nor_scipy_stats(tmp_path):
    data = tmp_path / "six.csv"
    data.write_text(
        "study,events_treat,n_treat,events_ctrl,n_ctrl\n"
        "A,1,20,4,20\nB,2,30,5,30\nC,0,15,2,15\nD,3,40,6,40\nE,4,50,7,50\nF,1,25,3,25\n"
    )
    code = (
        "import sys\nfrom mscsim.cli import main\n"
        f"rc = main(['evidence', 'meta', '--data', {str(data)!r}, '--json'])\n"
        "heavy = [m for m in ('sympy', 'scipy.stats', 'scipy.optimize', 'numba', 'jax', "
        "'matplotlib', 'pyarrow') if m in sys.modules]\n"
        "assert rc == 0 and not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
