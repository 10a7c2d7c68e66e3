"""Real processes released at the same instant (the concurrency tests).

Each process runs a Python snippet that sets itself up, prints ``ready`` and waits for
``go`` on stdin; once every one is ready they are all released together, so their
writes really overlap.  Each prints its result as JSON on its last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_together(code: str, args: dict[str, list[str]], timeout: float,
                 drop_env: tuple[str, ...] = ()) -> dict[str, object]:
    """Run *code* once per name in *args* (with those arguments), release them together,
    and return each one's JSON result by name; a process left running is killed."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for name in drop_env:
        env.pop(name, None)
    procs = {me: subprocess.Popen([sys.executable, "-c", code, *argv], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env)
             for me, argv in args.items()}
    try:
        for me, p in procs.items():
            line = p.stdout.readline()
            assert line.strip() == "ready", f"{me}: {line!r} {p.stderr.read()}"
        for p in procs.values():  # all are waiting on stdin: release them together
            p.stdin.write("go\n")
            p.stdin.flush()
        results = {}
        for me, p in procs.items():
            out, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, f"{me} failed:\n{err}"
            results[me] = json.loads(out.strip().splitlines()[-1])
        return results
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
