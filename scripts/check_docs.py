#!/usr/bin/env python3
"""Runs the shell commands of README.md and docs/*.md, as a newcomer would type them.

Every fenced block whose info string is `sh` is run; a block marked `sh no-check` is not
(it needs an AWS account, a real MongoDB or Twilio), and neither is a `text` block
(synopses, output). The pages run in the order a reader follows them: the README, then
the pages its "Read more" lists, in that order, then any other page. Each page's blocks
run in order in one bash, `set -euo pipefail`, from the repository's root, with:
  - none of Switchboard's settings from the caller's environment (each page sets its own,
    or reads the README's `.switchboard/try.env`, as a second terminal would),
  - PREFIX and PATH pointing at a scratch folder, so `make install` installs there,
  - the scratch files the pages use (.switchboard/try*) removed before the first page and
    after the last.
What a page starts in the background keeps running until every page is done, as it would
for a reader who goes on to the next page: the README's `serve` answers on port 3000
across all of them, so a page that broke it (another data key on its store, a port taken
twice) fails the check. At the end the README's `serve` must still answer the README's
call, and each page's output must show what the page says it shows (EXPECTED below).
A failing command fails the check, naming the file and the block's line.

    scripts/check_docs.py [FILE ...]        (make test runs it on every page)
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLEARED = re.compile(r"^(SWITCHBOARD_|TWILIO_|REDIS_URL$|MONGODB_URI$|LOG_LEVEL$|AWS_)")

# What a page's output must contain once its blocks have run: what the page tells the
# reader they will see.
EXPECTED = {
    "README.md": ["<Dial"],
    "docs/health.md": ["DOWN: 4", "DOWN: 0", "Dune Bakery [65a1f0c2e4b0a1a2b3c4d5e4]: HEALTHY"],
}

# After every page: the README's `serve`, still running on the README's store and keys,
# answers the README's signed call and its admin token.
README_STILL_ANSWERS = """
. .switchboard/try.env
switchboard sign --company 65a1f0c2e4b0a1a2b3c4d5e3 --event Examples/events/voice-forward.json \\
  --curl http://127.0.0.1:3000 | sh
TOKEN=$(switchboard token --role admin --subject check-docs@example.com --ttl 5m)
curl --fail-with-body -sS -o /dev/null -H "Authorization: Bearer $TOKEN" \\
  http://127.0.0.1:3000/api/companies/65a1f0c2e4b0a1a2b3c4d5e3/twilio/config
"""


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


def reader_order():
    """README.md, the pages its "Read more" links to in that order, then the rest."""
    readme = ROOT / "README.md"
    linked = re.findall(r"^- \[docs/([^\]]+\.md)\]", readme.read_text(), re.MULTILINE)
    pages = [readme] + [ROOT / "docs" / name for name in linked]
    return pages + [page for page in sorted((ROOT / "docs").glob("*.md")) if page not in pages]


def remove_scratch_files():
    for stale in (ROOT / ".switchboard").glob("try*"):
        if stale.is_file():
            stale.unlink()


def run_script(script, scratch, started):
    """Runs one script in a fresh bash; its background jobs' pids are added to `started`.

    Output goes to a file, not a pipe, so a job left running does not hold the run open."""
    environment = {key: value for key, value in os.environ.items() if not CLEARED.match(key)}
    environment.update(PREFIX=str(scratch), PATH=f"{scratch}/bin:{os.environ['PATH']}", MAKEFLAGS="")
    jobs = scratch / "jobs"
    keep = f"trap 'code=$?; jobs -p >> {jobs}; exit $code' EXIT\n"
    with tempfile.TemporaryFile(mode="w+") as output:
        result = subprocess.run(["bash", "-c", "set -euo pipefail\n" + keep + script], cwd=ROOT, env=environment,
                                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, text=True, timeout=1200)
        output.seek(0)
        text = output.read()
    if jobs.exists():
        started.extend(int(pid) for pid in jobs.read_text().split())
        jobs.unlink()
    return result.returncode, text


def run(path, scratch, started):
    parts = script_for(path)
    if not parts:
        return True, 0
    name = str(path.relative_to(ROOT))
    code, text = run_script("\n".join(parts), scratch, started)
    if code != 0:
        shown = [line for line in text.splitlines() if line.startswith("== ")]
        where = shown[-1][3:] if shown else name
        print(f"check-docs: {where}: a command failed (exit {code})", file=sys.stderr)
        print("--- its output, last lines:\n" + "\n".join(text.splitlines()[-30:]), file=sys.stderr)
        return False, len(parts)
    missing = [wanted for wanted in EXPECTED.get(name, []) if wanted not in text]
    if missing:
        print(f"check-docs: {name}: its output does not show {missing!r}, as the page says it does", file=sys.stderr)
        print("--- its output, last lines:\n" + "\n".join(text.splitlines()[-30:]), file=sys.stderr)
        return False, len(parts)
    return True, len(parts)


def stop(started):
    """Stops what the pages left running: SIGTERM, then SIGKILL after 5 s."""
    for pid in started:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    for pid in started:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main():
    pages = [pathlib.Path(page).resolve() for page in sys.argv[1:]] or reader_order()
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="switchboard-docs-"))
    started = []
    remove_scratch_files()
    try:
        ran, ok = 0, True
        for page in pages:
            passed, count = run(page, scratch, started)
            ran += count
            ok = ok and passed
            if not passed:
                break
        if ok and ROOT / "README.md" in pages and len(pages) > 1:
            code, text = run_script(README_STILL_ANSWERS, scratch, started)
            if code != 0 or "<Dial" not in text:
                print("check-docs: after every page, the README's serve no longer answers the README's call:", file=sys.stderr)
                print("\n".join(text.splitlines()[-20:]), file=sys.stderr)
                ok = False
        if ok:
            print(f"check-docs: {ran} shell blocks in {len(pages)} pages ran as written, in the order a reader follows them")
        return 0 if ok else 1
    finally:
        stop(started)
        shutil.rmtree(scratch, ignore_errors=True)
        remove_scratch_files()


if __name__ == "__main__":
    sys.exit(main())
