"""Executes one notebook through the Jupyter protocol with nbclient and writes the executed copy.

usage: execute.py IN.ipynb OUT.ipynb TIMEOUT_SECONDS
Exit status 0 when every cell ran, 1 when a cell failed or the kernel died (the executed copy
is still written, with the error output in place), 2 for a usage or setup problem.
"""
import copy
import sys

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
except ImportError as e:
    print("notebooks: /usr/bin/python3 cannot import nbclient (%s); run .ci/run, or: "
          "apt-get install -y python3-nbclient python3-ipykernel" % e, file=sys.stderr)
    sys.exit(2)

# tslab sometimes loses the race between binding its sockets and answering the first request
# (zeromq EBUSY) on a busy machine, and then never answers; a fresh kernel does.
KERNEL_STARTS = 3


def executed_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]


def run(source_nb, timeout):
    """Returns (status, executed notebook, message)."""
    for attempt in range(1, KERNEL_STARTS + 1):
        nb = copy.deepcopy(source_nb)
        client = NotebookClient(nb, kernel_name="tslab", timeout=timeout, startup_timeout=45,
                                allow_errors=False, record_timing=True)
        try:
            client.execute()
            return 0, nb, ""
        except (CellExecutionError, CellTimeoutError) as e:
            lines = [str(e).strip()]
            # tslab reports type errors on stderr, not in the error message: show the failed cell's.
            ran = executed_cells(nb)
            for out in ran[-1].outputs if ran else []:
                if out.output_type == "stream" and out.name == "stderr":
                    lines.append(out.text.strip())
            return 1, nb, "\n".join(lines)
        except Exception as e:  # the kernel died or never answered
            message = "%s: %s" % (type(e).__name__, e)
            if executed_cells(nb) or attempt == KERNEL_STARTS:
                return 1, nb, message
            print("kernel start %d failed (%s); starting a fresh kernel" % (attempt, message), file=sys.stderr)
    raise AssertionError("unreachable")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, target, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
    status, nb, message = run(nbformat.read(source, as_version=4), timeout)
    nbformat.write(nb, target)
    if message:
        print(message, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
