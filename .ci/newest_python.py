#!/usr/bin/env python3
"""Print the newest CPython on this machine that is newer than the one running this
script (pyenv's versions, then python3.N on PATH), or nothing when there is none.

CI runs the default interpreter fully and the newest one's compiled suite too.
"""

import glob
import os
import shutil
import subprocess
import sys

PROBE = "import sys; print(sys.implementation.name, *sys.version_info[:3])"


def candidates() -> list[str]:
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python3")))
    found += [path for minor in range(11, 40) if (path := shutil.which(f"python3.{minor}"))]
    return found


def main() -> None:
    best: tuple[tuple[int, ...], str] = (tuple(sys.version_info[:2]), "")
    for path in candidates():
        try:
            out = subprocess.run(
                [path, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
            ).stdout.split()
        except (OSError, subprocess.SubprocessError):  # e.g. a pyenv shim of no version
            continue
        if len(out) == 4 and out[0] == "cpython":
            version = (int(out[1]), int(out[2]))
            if version > best[0][:2]:
                best = (version, path)
    print(best[1])


if __name__ == "__main__":
    main()
