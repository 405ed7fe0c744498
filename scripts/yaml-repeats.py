"""Fail when a block of six or more YAML lines appears twice in the tracked files.

`duplicates` reads Python and shell only; this is the same rule for YAML (tasks, playbooks,
specs, scenarios). Lines are compared stripped, without blank lines, comments and `---`;
changelog fragments are prose and are left out.

Usage: python scripts/yaml-repeats.py [--lines N]
"""
import argparse
import collections
import subprocess
import sys


def blocks(path, size):
    with open(path, encoding="utf-8") as handle:
        lines = [(number, text.strip()) for number, text in enumerate(handle, 1)]
    lines = [(n, t) for n, t in lines if t and not t.startswith("#") and t != "---"]
    for start in range(len(lines) - size + 1):
        yield tuple(text for number, text in lines[start:start + size]), lines[start][0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=6)
    args = parser.parse_args()
    files = subprocess.run(["git", "ls-files", "*.yml", "*.yaml"], check=True, capture_output=True,
                           text=True).stdout.split()
    seen = collections.defaultdict(list)
    for path in files:
        if not path.startswith("changelogs/fragments/"):
            for block, line in blocks(path, args.lines):
                seen[block].append("%s:%d" % (path, line))
    repeats = {block: places for block, places in seen.items() if len(places) > 1}
    for block, places in sorted(repeats.items(), key=lambda item: item[1]):
        print("repeated block at %s: %s" % (", ".join(places), " / ".join(block)[:160]))
    print("%d repeated YAML blocks of %d lines" % (len(repeats), args.lines))
    return 1 if repeats else 0


if __name__ == "__main__":
    sys.exit(main())
