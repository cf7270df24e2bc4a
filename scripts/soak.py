#!/usr/bin/env python3
"""`make soak`: mixed traffic through `switchboard serve` for SOAK_SECONDS (default 600)
while Redis is restarted and MongoDB frozen at random, then a report.

Traffic, from several threads at once: signed calls and messages for every company's
stable numbers (checked against what each company answers when all is well), config
reads, config writes moving +15550100002 between Acme and Birch, and health checks.
Faults: redis-server killed and started again (the cache is only a cache); the MongoDB
wire-protocol test server frozen with SIGSTOP for a few seconds, or killed and started
again — it keeps its data only in memory, so the soak reads what it archived before
killing it and seeds the companies again when it is back, as a real MongoDB would still
have them.

Reported: requests served, answers by kind, wrong-tenant answers (must be 0), messages
neither archived nor logged whole for re-import (must be 0), and each warm function
process's RSS over time (must stay flat).

usage: soak.py <bin folder> [seconds]
"""
import base64
import collections
import json
import os
import pathlib
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from twilio.request_validator import RequestValidator

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.argv[1]).resolve()
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("SOAK_SECONDS", "600"))
PUBLIC = "https://soak.switchboard.example"
ADMIN_SECRET = "switchboard-soak-admin-secret-0123456789abcdef"
PYTHON = sys.executable
COMPANIES = json.loads((ROOT / "Examples/companies.json").read_text())
MOVING = "+15550100002"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"soak: nothing listens on {port}")


class Redis:
    def __init__(self):
        self.port = free_port()
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self):
        self.process.kill()
        self.process.wait()


def request(method, url, body=None, headers=None, timeout=20):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)
    except Exception as error:  # a refused or reset connection, a timeout
        return 0, type(error).__name__, {}


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="switchboard-soak-"))
    redis = Redis()
    mongo_port = free_port()

    def start_mongo():
        process = subprocess.Popen([PYTHON, str(ROOT / "Tests/Support/mongo_wire_server.py"), str(mongo_port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(mongo_port)
        return process

    mongo = start_mongo()
    twilio_port = free_port()
    twilio = subprocess.Popen([PYTHON, str(ROOT / "Tests/Support/twilio_standin.py"), str(twilio_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(twilio_port)
    for company in COMPANIES:
        config = company["twilioConfig"]
        request("POST", f"http://127.0.0.1:{twilio_port}/__standin/accounts",
                json.dumps({"sid": config["accountSid"], "token": config["authToken"]}), {"Content-Type": "application/json"})
    environment = {
        "PATH": "/usr/bin:/bin", "HOME": str(work),
        "SWITCHBOARD_STORE": f"mongodb://127.0.0.1:{mongo_port}/switchboard?serverSelectionTimeoutMS=1000",
        "SWITCHBOARD_DATA_KEY": base64.b64encode(os.urandom(32)).decode(), "SWITCHBOARD_ADMIN_SECRET": ADMIN_SECRET,
        "SWITCHBOARD_PUBLIC_URL": PUBLIC, "REDIS_URL": f"redis://127.0.0.1:{redis.port}",
        "TWILIO_API_BASE": f"http://127.0.0.1:{twilio_port}", "SWITCHBOARD_AGENT_STREAM_URL": "wss://agent.example.com/stream",
        "LOG_LEVEL": "warning",
    }
    subprocess.run([str(BIN / "switchboard"), "seed", str(ROOT / "Examples/companies.json")], env=environment, check=True,
                   capture_output=True)
    token = subprocess.run([str(BIN / "switchboard"), "token", "--role", "admin", "--subject", "soak@switchboard", "--ttl", "2h"],
                           env=environment, check=True, capture_output=True, text=True).stdout.strip()
    port = free_port()
    serve_log = open(work / "serve.log", "w")
    serve = subprocess.Popen([str(BIN / "switchboard"), "serve", "--port", str(port), "--processes", "2"], env=environment,
                             stdout=subprocess.DEVNULL, stderr=serve_log)
    wait_for_port(port)
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": "Bearer " + token}

    # The calls and messages: every company's stable numbers, signed by its own account.
    webhooks = []
    for company in COMPANIES:
        config = company["twilioConfig"]
        numbers = [n["phoneNumber"] for n in config.get("phoneNumbers", []) if n.get("status", "active") == "active"]
        numbers += [config["phoneNumber"]] if config.get("phoneNumber") else []
        for number in numbers:
            if number.replace("-", "") == MOVING:
                continue
            for kind in ["voice", "sms"]:
                params = {"AccountSid": config["accountSid"], "From": "+15557654321", "To": number, "Body": "soak"}
                params["CallSid" if kind == "voice" else "MessageSid"] = ("CA" if kind == "voice" else "SM") + "0" * 32
                webhooks.append((company["companyName"], kind, number, params, config["authToken"]))

    counts = collections.Counter()
    wrong = []
    lock = threading.Lock()
    stop = threading.Event()
    sent = {}  # the MessageSid of each message answered by its company → when
    restart_windows = []  # (from, to): MongoDB being read, killed and started again

    def post_webhook(item, sid_index):
        name, kind, number, params, auth_token = item
        params = dict(params)
        if kind == "sms":
            params["MessageSid"] = "SM%032x" % sid_index
        url = f"{PUBLIC}/api/twilio/{kind}"
        signature = RequestValidator(auth_token).compute_signature(url, params)
        body = urllib.parse.urlencode(params)
        return request("POST", f"{base}/api/twilio/{kind}", body,
                       {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})

    # What each company answers when all is well.
    reference = {}
    for index, item in enumerate(webhooks):
        status, body, _ = post_webhook(item, index)
        if status != 200:
            raise SystemExit(f"soak: {item[1]} for {item[0]} answered {status} before any fault: {body[:200]}")
        reference[(item[1], item[2])] = body
        if item[1] == "sms":
            sent["SM%032x" % index] = time.time()
    unavailable = re.compile(r"try again later|cannot take your call right now", re.I)

    def webhook_traffic(seed):
        rng = random.Random(seed)
        index = (seed + 1) * 10_000_000
        while not stop.is_set():
            item = rng.choice(webhooks)
            index += 1
            status, body, _ = post_webhook(item, index)
            with lock:
                if status == 200 and body == reference[(item[1], item[2])]:
                    counts[f"{item[1]}: answered by its company"] += 1
                    if item[1] == "sms":
                        sent["SM%032x" % index] = time.time()
                elif status == 200 and unavailable.search(body):
                    counts[f"{item[1]}: try again later"] += 1
                elif status == 200 and item[1] == "sms" and body in ("", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"):
                    counts[f"{item[1]}: empty <Response/> instead of its company's answer"] += 1
                elif status == 200:
                    wrong.append((item[0], item[1], item[2], body[:160]))
                else:
                    counts[f"{item[1]}: HTTP {status}"] += 1

    def config_traffic():
        acme, birch = "65a1f0c2e4b0a1a2b3c4d5e1", "65a1f0c2e4b0a1a2b3c4d5e2"
        events = {name: json.loads((ROOT / f"Examples/events/{name}.json").read_text())
                  for name in ["config-patch-acme-release-number", "config-put-birch-claim-number"]}
        # The demo releases Acme's number with a PATCH of its numbers alone; the soak PUTs
        # Acme's whole settings with those numbers.
        acme_release = json.loads(json.dumps(next(c["twilioConfig"] for c in COMPANIES if c["_id"] == acme)))
        acme_release["phoneNumbers"] = json.loads(events["config-patch-acme-release-number"]["body"])["phoneNumbers"]
        birch_claim = json.loads(events["config-put-birch-claim-number"]["body"])
        acme_claim = json.loads(json.dumps(acme_release))
        acme_claim["phoneNumbers"].append({"phoneNumber": MOVING, "friendlyName": "After hours", "status": "active", "isPrimary": False})
        birch_release = json.loads(json.dumps(birch_claim))
        birch_release["phoneNumbers"] = [n for n in birch_release["phoneNumbers"] if "010-0002" not in n["phoneNumber"]]
        # PUT replaces the settings: carry each company's other settings, so its calls and
        # messages are answered as before while its numbers move.
        for company_id, bodies in ((acme, (acme_release, acme_claim)), (birch, (birch_claim, birch_release))):
            stored = next(c["twilioConfig"] for c in COMPANIES if c["_id"] == company_id)
            for body in bodies:
                for field in ("smsMode", "smsAutoReply", "smsForwardNumber", "forwardNumber", "whisperMessage", "voicemailGreeting"):
                    if field in stored:
                        body[field] = stored[field]
        steps = [(acme, acme_release), (birch, birch_claim), (birch, birch_release), (acme, acme_claim)]
        step = 0
        while not stop.is_set():
            company, body = steps[step % 4]
            status, text, _ = request("PUT", f"{base}/api/companies/{company}/twilio/config?verify=false", json.dumps(body),
                                      {**auth, "Content-Type": "application/json"})
            with lock:
                counts[f"config write: HTTP {status}"] += 1
            # 409: the other company holds the number (after MongoDB came back re-seeded);
            # the next step releases it.
            if status in (200, 409):
                step += 1
            status, _, _ = request("GET", f"{base}/api/companies/{company}/twilio/config", headers=auth)
            with lock:
                counts[f"config read: HTTP {status}"] += 1
            time.sleep(0.05)

    def health_traffic():
        while not stop.is_set():
            status, _, _ = request("GET", f"{base}/api/admin/notifications/dependency-health", headers=auth, timeout=30)
            with lock:
                counts[f"health: HTTP {status}"] += 1
            time.sleep(1)

    faults = collections.Counter()
    mongo_state = {"process": mongo}
    archived_before_restarts = set()

    def archived_sids():
        import pymongo
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{mongo_port}", directConnection=True, serverSelectionTimeoutMS=3000)
        try:
            return {d.get("sid") for d in client["switchboard"]["callArchive"].find({"kind": "message"}, {"sid": 1})}
        except Exception:
            return set()

    def chaos():
        rng = random.Random(7)
        while not stop.wait(rng.uniform(10, 30)):
            if rng.random() < 0.5:
                redis.kill()
                stop.wait(rng.uniform(1, 5))
                redis.start()
                faults["redis restarted"] += 1
            elif rng.random() < 0.5:
                mongo_state["process"].send_signal(signal.SIGSTOP)
                stop.wait(rng.uniform(2, 8))
                mongo_state["process"].send_signal(signal.SIGCONT)
                faults["mongodb frozen and thawed"] += 1
            else:
                # The test server keeps its data in memory: what it archived is read before
                # it stops, and the companies are seeded again when it is back, as a real
                # MongoDB would still have them.
                window_start = time.time()
                archived_before_restarts.update(archived_sids())
                mongo_state["process"].kill()
                mongo_state["process"].wait()
                stop.wait(rng.uniform(1, 4))
                mongo_state["process"] = start_mongo()
                subprocess.run([str(BIN / "switchboard"), "seed", str(ROOT / "Examples/companies.json")], env=environment,
                               capture_output=True)
                restart_windows.append((window_start - 1, time.time() + 1))
                faults["mongodb restarted (and re-seeded)"] += 1

    rss = collections.defaultdict(list)

    def sample_rss():
        while not stop.wait(10):
            for child in children(serve.pid):
                try:
                    name = pathlib.Path(f"/proc/{child}/comm").read_text().strip()
                    kb = int(re.search(r"VmRSS:\s+(\d+)", pathlib.Path(f"/proc/{child}/status").read_text()).group(1))
                    rss[f"{name} {child}"].append(kb)
                except (OSError, AttributeError):
                    pass

    threads = [threading.Thread(target=webhook_traffic, args=(seed,)) for seed in range(4)]
    threads += [threading.Thread(target=config_traffic), threading.Thread(target=health_traffic),
                threading.Thread(target=chaos), threading.Thread(target=sample_rss)]
    started = time.time()
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=10)
    serve_log.close()

    # Messages answered by their company: archived, or logged whole for `archive import`.
    archived = archived_sids() | archived_before_restarts
    log = (work / "serve.log").read_text(errors="replace")
    logged = set()
    for line in log.splitlines():
        if "archive.write_failed" in line:
            logged.update(re.findall(r'SM[0-9a-f]{32}', line))
    for process in (mongo_state["process"], twilio):
        process.kill()
    redis.kill()

    served = sum(counts.values())
    print(f"soak: {elapsed:.0f} s, {served} requests ({served / elapsed:.0f}/s)")
    for kind, count in sorted(counts.items()):
        print(f"  {kind}: {count}")
    for kind, count in sorted(faults.items()):
        print(f"  fault — {kind}: {count}")
    print(f"  wrong-tenant answers: {len(wrong)}")
    for item in wrong[:5]:
        print(f"    {item}")
    # A message archived while the test server was being read and restarted went down with
    # its memory: counted apart, not as lost.
    during_restart = {sid for sid, at in sent.items() if any(start <= at <= end for start, end in restart_windows)}
    answered = set(sent)
    lost = answered - archived - logged - during_restart
    print(f"  messages answered: {len(answered)}; archived: {len(answered & archived)}; "
          f"not archived but logged whole for `archive import`: {len((answered - archived) & logged)}; "
          f"answered while the test server restarted: {len(during_restart - archived - logged)}; lost: {len(lost)}")
    for name, samples in sorted(rss.items()):
        if samples:
            print(f"  RSS {name}: first {samples[0] / 1024:.1f} MB, last {samples[-1] / 1024:.1f} MB, max {max(samples) / 1024:.1f} MB "
                  f"({len(samples)} samples)")
    return 1 if wrong or lost else 0


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = pathlib.Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


if __name__ == "__main__":
    sys.exit(main())
