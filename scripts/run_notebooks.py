"""Executes notebooks headless with nbclient and writes them with their outputs: back in place, or
with `--out DIR` to DIR/<name>.ipynb (the committed notebooks stay as they are; the kernel still runs
in notebooks/, so `../dist` and the data cache resolve the same).

tslab reports a failing cell to nbconvert without its error text; this runner prints the failing
cell's source, its stderr stream and the error fields so that CI logs show what went wrong. The
kernel process's own stdout/stderr (shutdown messages, wasm thread chatter) go to a log file that is
shown, trimmed, only when the notebook fails, so passing notebooks leave a quiet log.
tslab sometimes loses its start-up race (its zeromq socket answers kernel_info while still binding:
"Socket is blocked by a bind or unbind operation", then nbclient's "Kernel didn't respond"); a kernel
that never ran a cell is started again, up to START_ATTEMPTS times, and each retry is printed.
Each executed notebook gets a banner cell at its top (after its title cell) saying how its
committed outputs were made: preset (KTG_PRESET), backend (from ktg's "[ktg] tensor backend" line),
wall time, date and core count; re-executing replaces it.
Usage: run_notebooks.py <timeout-seconds-per-cell> [--out DIR] <notebook>...
"""
import datetime
import os
import re
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def describe_failure(nb):
    executed = [c for c in nb.cells if c.get("cell_type") == "code" and c.get("execution_count")]
    last_run = max(executed, key=lambda c: c.execution_count) if executed else None
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        if not errors and cell is not last_run:
            continue
        print("---- failing cell ----", file=sys.stderr)
        print(cell.source, file=sys.stderr)
        for o in outputs:
            if o.get("output_type") == "stream":
                print(f"[{o.get('name')}] {o.get('text')}", file=sys.stderr)
        for e in errors:
            print(f"{e.get('ename')}: {e.get('evalue')}", file=sys.stderr)
            print("\n".join(e.get("traceback", [])), file=sys.stderr)
        return


BANNER = "ktg-run"


def reported_backend(nb):
    """the backend ktg printed when the notebook initialised it and its details, e.g. ("native", "oneDNN 2.6.3 …")"""
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            m = o.get("output_type") == "stream" and re.search(r"\[ktg\] tensor backend: ([^\n;]+)", o.get("text", ""))
            if m:
                name, _, detail = m.group(1).partition(" (")
                return name, detail.rstrip(")")
    return "not reported", ""


def set_run_banner(nb, preset, seconds, status="ok", when=None, cores=None):
    """puts (or replaces) the banner cell that says how the outputs below were made"""
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("ktg") != BANNER]
    backend, detail = reported_backend(nb)
    when = when or datetime.date.today().isoformat()
    cores = cores or os.cpu_count()
    minutes = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
    verdict = "" if status == "ok" else f" — **the run failed** ({status})"
    text = (f"> **Outputs below:** preset `{preset}`, backend `{backend}`{f' ({detail})' if detail else ''}, "
            f"wall time {minutes} for the whole notebook, executed {when} on {cores} CPU cores by `npm run notebooks`{verdict}.")
    banner = nbformat.v4.new_markdown_cell(text, metadata={"ktg": BANNER})
    at = 1 if nb.cells and nb.cells[0].get("cell_type") == "markdown" else 0
    nb.cells.insert(at, banner)


def kernel_log_tail(log, limit=4000):
    """the end of the kernel's own output, with minified one-line sources cut short"""
    log.flush()
    log.seek(0)
    lines = [line if len(line) <= 300 else line[:300] + " …[line cut]" for line in log.read().decode("utf8", "replace").splitlines()]
    return "\n".join(lines)[-limit:]


START_ATTEMPTS = 3


def without_outputs(nb):
    """the notebook with the outputs it was committed with removed, so that a failed run shows only what ran"""
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def never_started(nb):
    """true when the kernel died or hung before running any cell (a start-up failure, safe to retry)"""
    return not any(c.get("execution_count") for c in nb.cells if c.get("cell_type") == "code")


def execute(path, timeout):
    """runs one notebook; returns (nb, status, kernel-log file) with start-up failures retried"""
    for attempt in range(1, START_ATTEMPTS + 1):
        nb = without_outputs(nbformat.read(path, as_version=4))
        client = NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name="tslab",
                                resources={"metadata": {"path": "notebooks"}})
        log = tempfile.TemporaryFile()
        try:
            client.execute(stdout=log, stderr=log)
            return nb, "ok", log
        except CellExecutionError:
            return nb, "FAILED", log
        except Exception as err:  # kernel died, timeout, ...
            status = f"FAILED ({type(err).__name__}: {err})"
            if attempt < START_ATTEMPTS and never_started(nb):
                print(f"[notebooks] {path}: the kernel did not start ({type(err).__name__}: {err}); "
                      f"starting it again (attempt {attempt + 1} of {START_ATTEMPTS})", file=sys.stderr, flush=True)
                log.close()
                continue
            return nb, status, log


def main():
    timeout = int(sys.argv[1])
    args = sys.argv[2:]
    out_dir = None
    if args[:1] == ["--out"]:
        out_dir, args = args[1], args[2:]
        os.makedirs(out_dir, exist_ok=True)
    failed = []
    for path in args:
        start = time.time()
        nb, status, log = execute(path, timeout)
        if status != "ok":
            failed.append(path)
            describe_failure(nb)
            print(f"---- kernel output (end) ----\n{kernel_log_tail(log)}", file=sys.stderr)
        log.close()
        seconds = time.time() - start
        set_run_banner(nb, os.environ.get("KTG_PRESET", "ci"), seconds, status)
        target = os.path.join(out_dir, os.path.basename(path)) if out_dir else path
        nbformat.write(nb, target)
        print(f"[notebooks] {path}: {status} in {seconds:.0f} s (outputs in {target})", flush=True)
    if failed:
        print(f"[notebooks] {len(failed)} failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
