#!/usr/bin/env python3
"""Runs the shell commands of README.md and docs/*.md, as a newcomer would type them.

Every fenced block whose info string is `sh` is run; a block marked `sh no-check` is not
(it needs an AWS account, a real MongoDB or Twilio), and neither is a `text` block
(synopses, output). Each file's blocks run in order in one bash, `set -euo pipefail`,
from the repository's root, with:
  - none of Switchboard's settings from the caller's environment (each page sets its own),
  - PREFIX and PATH pointing at a scratch folder, so `make install` installs there,
  - the scratch stores the pages use (.switchboard/try*.sqlite) removed first,
  - anything a block started in the background stopped when the file is done.
A failing command fails the check, naming the file and the block's line.

    scripts/check_docs.py [FILE ...]        (make test runs it on every page)
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLEARED = re.compile(r"^(SWITCHBOARD_|TWILIO_|REDIS_URL$|MONGODB_URI$|LOG_LEVEL$|AWS_)")


def blocks(path):
    """(line, info, text) of each fenced block in the file."""
    found, lines = [], path.read_text().splitlines()
    index = 0
    while index < len(lines):
        match = re.match(r"^(\s*)```(.*)$", lines[index])
        if match:
            indent, info, start, body = len(match.group(1)), match.group(2).strip(), index + 1, []
            index += 1
            while index < len(lines) and not re.match(r"^\s*```\s*$", lines[index]):
                body.append(lines[index][indent:])
                index += 1
            found.append((start, info, "\n".join(body)))
        index += 1
    return found


def script_for(path):
    parts = []
    for line, info, text in blocks(path):
        words = info.split()
        if not words or words[0] != "sh" or "no-check" in words:
            continue
        parts.append(f"echo '== {path.relative_to(ROOT)}:{line}' >&2\n{text}\n")
    return parts


def run(path, scratch):
    parts = script_for(path)
    if not parts:
        return True, 0
    for stale in (ROOT / ".switchboard").glob("try*.sqlite*"):
        stale.unlink()
    environment = {name: value for name, value in os.environ.items() if not CLEARED.match(name)}
    environment.update(PREFIX=str(scratch), PATH=f"{scratch}/bin:{os.environ['PATH']}", MAKEFLAGS="")
    stop = "trap 'code=$?; for job in $(jobs -p); do kill $job 2>/dev/null || true; done; wait 2>/dev/null; exit $code' EXIT\n"
    script = "set -euo pipefail\n" + stop + "\n".join(parts)
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        shown = [line for line in result.stderr.splitlines() if line.startswith("== ")]
        where = shown[-1][3:] if shown else str(path)
        print(f"check-docs: {where}: a command failed (exit {result.returncode})", file=sys.stderr)
        print("--- its output, last lines:\n" + "\n".join((result.stdout + result.stderr).splitlines()[-30:]), file=sys.stderr)
        return False, len(parts)
    return True, len(parts)


def main():
    pages = [pathlib.Path(page).resolve() for page in sys.argv[1:]] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="switchboard-docs-"))
    try:
        ran, ok = 0, True
        for page in pages:
            passed, count = run(page, scratch)
            ran += count
            ok = ok and passed
            if not passed:
                break
        if ok:
            print(f"check-docs: {ran} shell blocks in {len(pages)} pages ran as written")
        return 0 if ok else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for stale in (ROOT / ".switchboard").glob("try*.sqlite*"):
            stale.unlink()


if __name__ == "__main__":
    sys.exit(main())
