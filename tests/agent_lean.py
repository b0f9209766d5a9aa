"""agent.lean: the instance agent maps no heavy library until a job needs one.

trainyard-agent must not be linked against libcurl, libarchive, expat or
Gloo (they come from trainyard-storage.so and trainyard-gloo.so, loaded on
first use: src/agent/agent_modules.h), and those modules must sit beside it
and carry them. Reads the dynamic sections with readelf.

  python3 tests/agent_lean.py build/trainyard-agent
"""

import os
import re
import subprocess
import sys

HEAVY = ("libcurl", "libarchive", "libexpat", "libgloo", "libsqlite3", "libgnutls")
MODULES = {"trainyard-storage.so": ("libcurl", "libarchive"), "trainyard-gloo.so": ("libgloo",)}


def needed(path):
    out = subprocess.run(["readelf", "-d", path], check=True, capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def main():
    agent = sys.argv[1]
    failures = []
    libs = needed(agent)
    heavy = [lib for lib in libs if lib.startswith(HEAVY)]
    if heavy:
        failures.append(f"{agent} is linked against {', '.join(heavy)}")
    for module, carried in MODULES.items():
        path = os.path.join(os.path.dirname(agent), module)
        if not os.path.exists(path):
            failures.append(f"{path} is missing")
            continue
        module_libs = needed(path)
        for lib in carried:
            if not any(m.startswith(lib) for m in module_libs):
                failures.append(f"{module} is not linked against {lib}: {module_libs}")
    print(f"{os.path.basename(agent)} needs {len(libs)} libraries: {', '.join(libs)}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
