"""How long the first figure of a notebook waits (#33): a real tslab kernel runs the cells a notebook
opens with (import ktg, initBackend), then draws three figures in a row; nbclient's timing gives
each cell's wall time. The static renderer's page starts with plotly.js's cartesian bundle (the
default) or the full bundle (KTG_PLOTLY_BUNDLE=full), measured side by side and alternated, so both
see the same machine. Prints one row per run and the median first-figure extra time per bundle
(first figure minus the mean of the later ones; the goal is <= 2 s).

Usage (after `npm run build` and `npm run setup:system`):
  JUPYTER_PATH=.jupyter-runtime /usr/bin/python3 bench/first_figure.py [repeats, default 3]
"""
import datetime
import os
import statistics
import sys

import nbformat
from nbclient import NotebookClient

IMPORT = """import * as ktg from '../dist';
const backend = await ktg.initBackend();"""

FIGURE = """ktg.viz.showPlot({{
  data: [{{ type: 'scatter', mode: 'lines', x: [1, 2, 3, 4], y: [{k}, 3, 2, 4] }}, {{ type: 'bar', x: [1, 2, 3, 4], y: [2, 1, 2, {k}] }}],
  layout: {{ title: 'figure {k}', height: 300 }},
}});"""


def seconds(cell):
    t = cell.metadata["execution"]
    # from the kernel going busy to it going idle (tslab answers execute_request before the cell ends)
    start = datetime.datetime.fromisoformat(t["iopub.status.busy"].replace("Z", "+00:00"))
    end = datetime.datetime.fromisoformat(t["iopub.status.idle"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run(bundle):
    cells = [nbformat.v4.new_code_cell(IMPORT)] + [nbformat.v4.new_code_cell(FIGURE.format(k=k)) for k in range(3)]
    nb = nbformat.v4.new_notebook(cells=cells)
    os.environ["KTG_PLOTLY_BUNDLE"] = bundle
    NotebookClient(nb, timeout=300, startup_timeout=120, kernel_name="tslab", record_timing=True,
                   resources={"metadata": {"path": "notebooks"}}).execute()
    for cell in cells[1:]:
        if not any("image/png" in str(o.get("data", {}).get("text/html", "")) for o in cell.outputs):
            raise SystemExit(f"{bundle}: a figure cell has no static picture: {cell.outputs}")
    return [seconds(c) for c in cells]


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    extra = {"full": [], "cartesian": []}
    print("bundle      import s  figure 1 s  figure 2 s  figure 3 s  first extra s")
    for _ in range(repeats):
        for bundle in ("full", "cartesian"):
            imp, f1, f2, f3 = run(bundle)
            later = (f2 + f3) / 2
            extra[bundle].append(f1 - later)
            print(f"{bundle:<10} {imp:>8.2f} {f1:>11.2f} {f2:>11.2f} {f3:>11.2f} {f1 - later:>14.2f}", flush=True)
    for bundle, values in extra.items():
        print(f"median first-figure extra time, {bundle} bundle: {statistics.median(values):.2f} s (goal <= 2 s)")


if __name__ == "__main__":
    main()
