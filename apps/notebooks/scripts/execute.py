"""Executes one notebook through the Jupyter protocol with nbclient and writes the executed copy.

usage: execute.py IN.ipynb OUT.ipynb TIMEOUT_SECONDS
Exit status 0 when every cell ran, 1 when a cell failed (the executed copy is still written,
with the error output in place), 2 for a usage or setup problem.
"""
import sys

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
except ImportError as e:
    print("notebooks: /usr/bin/python3 cannot import nbclient (%s); run .ci/run, or: "
          "apt-get install -y python3-nbclient python3-ipykernel" % e, file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, target, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(nb, kernel_name="tslab", timeout=timeout, allow_errors=False,
                            record_timing=True)
    status = 0
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as e:
        # The message holds the failing cell's source and the error (a type error included).
        print(str(e).strip(), file=sys.stderr)
        # tslab reports type errors on stderr, not in the error message: show the failed cell's.
        ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
        for out in ran[-1].outputs if ran else []:
            if out.output_type == "stream" and out.name == "stderr":
                print(out.text.strip(), file=sys.stderr)
        status = 1
    except Exception as e:  # a kernel that dies or never starts fails this notebook, not the run
        print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        status = 1
    finally:
        nbformat.write(nb, target)
    return status


if __name__ == "__main__":
    sys.exit(main())
