"""Executes a run's analysis.ipynb headless, as CI does.

Usage: run_notebook.py RUN_FOLDER

Validates the notebook as written by `vroeg run` (nbformat 4), executes
every cell in a fresh kernel with the run folder as working directory, and
prints the stdout of each code cell, separated by lines of `----`. Exits
non-zero when a cell fails.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

run = Path(sys.argv[1])
nb = nbformat.read(run / "analysis.ipynb", as_version=4)
nbformat.validate(nb)
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(run)}}).execute()
for cell in nb.cells:
    if cell.cell_type == "code":
        print("".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream"), end="")
        kinds = sorted({k for o in cell.outputs for k in o.get("data", {})})
        print(f"---- {' '.join(kinds)}")
