#!/usr/bin/env python3
"""Checks that `make install` installs everything `switchboard` needs, from any folder.

Installs into a scratch PREFIX (`make install PREFIX=…`), then, from `/` — no checkout
anywhere near, with a scratch store and keys — seeds the example companies and:
  - `switchboard invoke Voice` answers an example call,
  - `switchboard serve` serves the admin page at /admin/ and answers a signed call,
  - `switchboard emulate --function Voice` runs the installed bootstrap and answers an
    invocation through the emulated Lambda Runtime API.
A failure names what was missing. make test runs it after the docs' check.

    scripts/check_install.py
"""
import base64
import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLEARED = re.compile(r"^(SWITCHBOARD_|TWILIO_|REDIS_URL$|MONGODB_URI$|LOG_LEVEL$|AWS_)")


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Straight to 127.0.0.1, whatever proxy the environment names.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url, data=None, timeout=10):
    """(status, body) of a GET, or a POST of `data`."""
    try:
        with OPENER.open(urllib.request.Request(url, data=data), timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(url, process, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failure(f"{what} exited ({process.returncode}) before it answered")
        try:
            return fetch(url, timeout=2)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise Failure(f"{what} did not answer {url} within 30 s")


def main():
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="switchboard-install-"))
    prefix, logs = scratch / "prefix", scratch / "logs"
    logs.mkdir()
    environment = {name: value for name, value in os.environ.items() if not CLEARED.match(name)}
    environment.update(
        MAKEFLAGS="",
        SWITCHBOARD_STORE=f"sqlite:{scratch}/store.sqlite",
        SWITCHBOARD_DATA_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        SWITCHBOARD_ADMIN_SECRET=secrets.token_urlsafe(48),
    )
    switchboard = str(prefix / "bin" / "switchboard")
    started = []

    def command(*arguments, check=True):
        result = subprocess.run([switchboard, *arguments], cwd="/", env=environment, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise Failure(f"`switchboard {' '.join(arguments)}` from / exited {result.returncode}: {result.stderr.strip()[-400:]}")
        return result.stdout

    def background(name, *arguments):
        log = open(logs / f"{name}.log", "w")
        process = subprocess.Popen([switchboard, *arguments], cwd="/", env=environment, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    try:
        install = subprocess.run(["make", "--no-print-directory", "install", f"PREFIX={prefix}"], cwd=ROOT, env=environment,
                                 capture_output=True, text=True, timeout=3600)
        if install.returncode != 0:
            raise Failure(f"make install exited {install.returncode}:\n{(install.stdout + install.stderr)[-2000:]}")
        installed = sorted(path.name for path in (prefix / "lib" / "switchboard").iterdir())
        for needed in ["switchboard", "bootstrap", "Voice", "SMS", "ConfigGet", "ConfigPut", "Health", "Outbound", "Admin"]:
            if needed not in installed:
                raise Failure(f"make install left out {needed} (it installed {', '.join(installed)})")

        command("seed", str(ROOT / "Examples/companies.json"))
        answer = command("invoke", "Voice", "--event", str(ROOT / "Examples/events/voice-forward.json"))
        if "<Dial" not in answer:
            raise Failure(f"`switchboard invoke Voice` from / did not answer the call with a <Dial>:\n{answer[-600:]}")

        port = free_port()
        serve = background("serve", "serve", "--port", str(port))
        status, page = wait_for(f"http://127.0.0.1:{port}/admin/", serve, "switchboard serve")
        if status != 200 or "<script" not in page:
            raise Failure(f"`switchboard serve` from / answered /admin/ with {status}: {page[:300]}")
        status, _ = fetch(f"http://127.0.0.1:{port}/admin/app.js")
        if status != 200:
            raise Failure(f"`switchboard serve` from / answered /admin/app.js with {status}")
        curl = command("sign", "--company", "65a1f0c2e4b0a1a2b3c4d5e3", "--event", str(ROOT / "Examples/events/voice-forward.json"),
                       "--curl", f"http://127.0.0.1:{port}")
        call = subprocess.run(["sh"], input=curl, cwd="/", capture_output=True, text=True, timeout=30)
        if "<Dial" not in call.stdout:
            raise Failure(f"`switchboard serve` from / did not answer a signed call with a <Dial>:\n{(call.stdout + call.stderr)[-600:]}")

        port = free_port()
        emulate = background("emulate", "emulate", "--function", "Voice", "--port", str(port))
        invocations = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
        event = (ROOT / "Examples/events/voice-ai-agent.json").read_bytes()
        deadline, status, body = time.monotonic() + 30, None, ""
        while time.monotonic() < deadline:
            if emulate.poll() is not None:
                raise Failure(f"`switchboard emulate` from / exited ({emulate.returncode}): {(logs / 'emulate.log').read_text()[-600:]}")
            try:
                status, body = fetch(invocations, data=event)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        if status != 200 or json.loads(body or "{}").get("statusCode") != 200 or "<Stream" not in body:
            raise Failure(f"`switchboard emulate --function Voice` from / answered {status}: {body[:600]}")
        print(f"check-install: make install PREFIX=… installed {', '.join(installed)}; from /, invoke, serve (admin page and a call) and emulate answered")
        return 0
    except Failure as failure:
        print(f"check-install: {failure}", file=sys.stderr)
        for log in sorted(logs.glob("*.log")):
            print(f"--- {log.name}, last lines:\n" + "\n".join(log.read_text().splitlines()[-15:]), file=sys.stderr)
        return 1
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
