"""Deploy a bad setting over a good, running deployment and record what happened.

One case: probe the live container (config checksums, unit main PIDs, API answers), run
the real playbook with the bad extra vars, probe again. The case passes when the play
failed, stopped at the expected step with a message naming the expected variables, every
API still answers, every watched file is unchanged and no unit was restarted (unless the
case allows it: a rollback restarts on the old files). The record is appended to a JSON
list that scripts/gen-fault-table.py turns into docs/faults.md.

Only loopback URLs are probed; the container is reached with `podman exec`.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ANSWERING = range(200, 400)


def podman(container: str, *argv: str) -> str:
    done = subprocess.run(["podman", "exec", container, *argv], capture_output=True, text=True, check=False)
    return done.stdout


def status_of(url: str, cafile: str | None = None) -> int:
    host = urllib.parse.urlsplit(url).hostname or ""
    # the IPv4 loopback network, or the IPv6 loopback (the mode_switch scenario serves there)
    if not (host.startswith("127.") or host == "::1"):
        raise SystemExit(f"refusing to probe {url}: loopback only")
    context = ssl.create_default_context(cafile=cafile) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=20, context=context) as answer:  # nosec B310 - loopback test URL
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def probe(container: str, files: list[str], units: list[str], urls: list[str], cafile: str | None = None) -> dict:
    sums = {}
    if files:
        for line in podman(container, "sha256sum", *files).splitlines():
            digest, _sep, path = line.partition("  ")
            sums[path] = digest
    pids = {unit: podman(container, "systemctl", "show", "-p", "MainPID", "--value", unit).strip() for unit in units}
    return {"files": {path: sums.get(path, "missing") for path in files}, "pids": pids,
            "answers": {url: status_of(url, cafile) for url in urls}}


TASK = re.compile(r"^TASK \[(?:[\w.]+ : )?(?P<name>.*?)\] \*+$")
FAILED = re.compile(r"^(?:fatal|failed): \[[^\]]+\].*?=> (?P<result>\{.*\})\s*$")


def failures(output: str) -> list[tuple[str, str]]:
    """Each failed task and its message, in order, from ansible-playbook's default output."""
    found = []
    task = ""
    for line in output.splitlines():
        match = TASK.match(line)
        if match:
            task = match.group("name")
            continue
        match = FAILED.match(line)
        if match:
            try:
                result = json.loads(match.group("result"))
                message = str(result.get("msg") or result.get("stderr") or "")
            except ValueError:
                message = match.group("result")
            found.append((task, " ".join(message.split())))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--case", required=True, help="short id of the case")
    parser.add_argument("--what", required=True, help="the fault, in words")
    parser.add_argument("--container", required=True)
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--playbook", required=True)
    parser.add_argument("--extra", default="{}", help="extra vars (JSON) that make the run bad")
    parser.add_argument("--expect", action="append", default=[], help="text the failure message must contain")
    parser.add_argument("--stage", default="", help="text the name of the failing task must contain")
    parser.add_argument("--file", action="append", default=[], help="file in the container that must not change")
    parser.add_argument("--unit", action="append", default=[], help="unit whose main PID must not change")
    parser.add_argument("--may-restart", action="append", default=[], help="unit a rollback may restart")
    parser.add_argument("--url", action="append", default=[], help="loopback URL that must answer 2xx/3xx")
    parser.add_argument("--cafile", help="CA certificate for https URLs (a self-signed test certificate)")
    parser.add_argument("--out", required=True, help="JSON list the record is appended to")
    args = parser.parse_args()

    before = probe(args.container, args.file, args.unit, args.url, args.cafile)
    started = time.monotonic()
    run = subprocess.run(
        ["ansible-playbook", "-i", args.inventory, args.playbook, "-e", args.extra],
        # one stream: errors go to stderr, and their order against the TASK lines matters
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, timeout=1800,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    seconds = round(time.monotonic() - started)
    after = probe(args.container, args.file, args.unit, args.url, args.cafile)
    # where it stopped first, and the message the operator reads last (after a rollback)
    failed = failures(run.stdout) or [("", "")]
    task, message = failed[0][0], failed[-1][1]

    restarted = sorted(unit for unit in args.unit if before["pids"][unit] != after["pids"][unit])
    checks = {
        "play failed": run.returncode != 0,
        "stopped at the expected step": args.stage.lower() in task.lower(),
        "message names the setting": all(text in message for text in args.expect),
        "APIs answered before": all(code in ANSWERING for code in before["answers"].values()),
        "APIs still answer": all(code in ANSWERING for code in after["answers"].values()),
        "config files unchanged": before["files"] == after["files"] and "missing" not in after["files"].values(),
        "nothing else restarted": set(restarted) <= set(args.may_restart),
    }
    record = {
        "scenario": args.scenario, "case": args.case, "what": args.what, "input": json.loads(args.extra),
        "stopped_at": task, "message": message[:600], "seconds": seconds,
        "answers_after": after["answers"], "restarted": restarted,
        "files_checked": len(args.file), "checks": checks, "passed": all(checks.values()),
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    records = json.loads(out.read_text()) if out.exists() else []
    records = [r for r in records if r.get("case") != args.case] + [record]
    out.write_text(json.dumps(records, indent=1) + "\n")

    print(json.dumps(record, indent=1))
    if not record["passed"]:
        print("FAILED checks: " + ", ".join(name for name, ok in checks.items() if not ok), file=sys.stderr)
        print(run.stdout[-6000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
