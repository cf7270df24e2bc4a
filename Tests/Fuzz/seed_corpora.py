"""Writes the seed corpora under Tests/Fuzz/corpus/<target>/ from Switchboard's own
examples and real outputs: the example events, their envelopes, bodies and URLs, phone
spellings, ConfigPut bodies, admin tokens (PyJWT, signed with the fuzz secret), Redis
values written by a real Voice against a real redis-server, Extended JSON documents, and
tokens sealed by `switchboard seed` under the fuzz data key.

usage: seed_corpora.py <bin folder>   (run from the package root; needs redis-server)
"""
import base64
import hashlib
import json
import os
import pathlib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import jwt

ROOT = pathlib.Path.cwd()
CORPUS = ROOT / "Tests/Fuzz/corpus"
BIN = pathlib.Path(sys.argv[1])
FUZZ_DATA_KEY = base64.b64encode(b"switchboard-fuzz-data-key-32-byt").decode()
FUZZ_ADMIN_SECRET = "switchboard-fuzz-admin-secret-0123456789abcdef"
FUZZ_NOW = 1_800_000_000


def put(target, content):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else content.encode()
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


events = [json.loads(p.read_text()) for p in sorted((ROOT / "Examples/events").glob("*.json"))]
for index, event in enumerate(events):
    put("event", json.dumps(event))
    put("envelope", json.dumps({"id": f"e{index}", "deadlineMs": 4102444800000, "event": event}))
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    headers = event.get("headers", {})
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        put("form", raw)
    put("signed-url", b"\n".join([headers.get("host", "").encode(), event.get("rawPath", "").encode(),
                                  event.get("rawQueryString", "").encode(), raw]))
    if event.get("requestContext", {}).get("http", {}).get("method") == "PUT":
        put("config-put", raw)
    if event.get("requestContext", {}).get("http", {}).get("method") == "POST" and event.get("rawPath", "").startswith("/api/companies/"):
        put("outbound-request", raw)
    if event.get("rawPath", "").endswith(("/calls", "/messages")) and event.get("rawQueryString"):
        put("archive-query", event["rawQueryString"])

for spelling in ["+15551234567", "+1-555-123-4567", "+1 (555) 123-4567", "+1.555.123.4567", "001 555 123 4567",
                 "+44 20 7946 0958", "5551234567", "+0123456789", "+1234567890123456", " +15550100001 ", "+١٥٥٥"]:
    put("phone", spelling)

for body in [{"callRoutingMode": "forward", "forwardNumber": "+1 (555) 010-0009"},
             {"phoneNumbers": [{"phoneNumber": "+15550100001", "isPrimary": True}, {"phoneNumber": "+15550100003", "status": "inactive"}]},
             {"authToken": "••••8bc2", "accountSid": "AC" + "2" * 32},
             {"authToken": "00112233445566778899aabbccddeeff", "apiKey": "SK" + "3" * 32, "apiSecret": "s3cr3t"},
             {"smsMode": "forward", "smsForwardNumber": "+15550100009", "whisperMessage": "Call from Acme"},
             {"companyId": "65a1f0c2e4b0a1a2b3c4d5e2"}, [], "x", {"recordingEnabled": "yes"}]:
    put("config-put", json.dumps(body))

# ?scope=all query strings, with cursors the API gives out and ones it does not.
for status, severity, company in [("*", 2, "65a1f0c2e4b0a1a2b3c4d5e1"), ("DOWN", 2, "65a1f0c2e4b0a1a2b3c4d5e2"), ("DEGRADED", 1, "acme-dental")]:
    cursor = base64.urlsafe_b64encode(f"h1:{status}:{severity}:{company}".encode()).decode().rstrip("=")
    filter_ = "" if status == "*" else f"&status={status}"
    put("health-query", f"scope=all&limit=50{filter_}&after={cursor}")
for query in ["scope=all", "scope=all&limit=200&status=down", "scope=all&limit=0", "scope=all&after=aDE6KjozOng", "status=DEGRADED&limit=1"]:
    put("health-query", query)

for body in [{"to": "+15557654321", "body": "é😀" * 100, "mediaUrls": ["https://cdn.example.com/a.jpg"] * 11},
             {"to": "+1 (555) 765-4321", "connect": "say", "message": "Your table is ready"},
             {"to": "+15557654321", "connect": "ai-agent", "from": "+15557654321"},
             {"to": "+15557654321", "body": "", "mediaUrls": ["http://x", 3]}, {"to": None, "connect": "conference"}]:
    put("outbound-request", json.dumps(body, ensure_ascii=False))
cursor = base64.urlsafe_b64encode(b"v1:2026-12-06T21:09:06.123Z CA" + b"0" * 32).rstrip(b"=").decode()
for query in [f"limit=3&before={cursor}", "status=no-answer", "limit=201", "before=djE6eA", "status=NO%20ANSWER&limit=1", "sort=at"]:
    put("archive-query", query)

for claims in [{"sub": "ops@platform", "role": "admin"},
               {"sub": "owner@acme", "role": "company", "companyId": "65a1f0c2e4b0a1a2b3c4d5e1"},
               {"sub": "x", "role": "admin", "nbf": FUZZ_NOW + 30}]:
    claims = {**claims, "exp": FUZZ_NOW + 3600, "iat": FUZZ_NOW}
    put("jwt", "Bearer " + jwt.encode(claims, FUZZ_ADMIN_SECRET, algorithm="HS256"))
put("jwt", "Bearer " + jwt.encode({"sub": "a", "role": "admin", "exp": FUZZ_NOW + 60}, "wrong-secret-wrong-secret-wrong-secret", algorithm="HS256"))
put("jwt", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIiwicm9sZSI6ImFkbWluIn0.")
put("jwt", "Basic dXNlcjpwYXNz")

with tempfile.TemporaryDirectory() as folder:
    store = os.path.join(folder, "fuzz.sqlite")
    environment = {"PATH": "/usr/bin:/bin", "SWITCHBOARD_STORE": "sqlite:" + store, "SWITCHBOARD_DATA_KEY": FUZZ_DATA_KEY}
    subprocess.run([str(BIN / "switchboard"), "seed", "Examples/companies.json"], env=environment, check=True, capture_output=True)
    for document, in sqlite3.connect(store).execute("SELECT document FROM companies ORDER BY id"):
        company = json.loads(document)
        put("sealed", company["twilioConfig"]["authToken"])
        mongo = dict(company)
        mongo["_id"] = {"$oid": company.pop("_id", None) or company.get("id", "65a1f0c2e4b0a1a2b3c4d5e1")}
        mongo.setdefault("twilioConfig", {})["lastUpdated"] = {"$date": "2026-01-01T00:00:00Z"}
        put("extended-json", json.dumps(mongo))
    put("sealed", "sealed:v1:")
    put("sealed", "plain-token")

    # Redis values as a real Voice writes them.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        environment["REDIS_URL"] = f"redis://127.0.0.1:{port}"
        for name in ["voice-ai-agent", "voice-forward", "voice-unknown-number"]:
            event = (ROOT / f"Examples/events/{name}.json").read_bytes()
            subprocess.run([str(BIN / "Voice")], input=event, env=environment, capture_output=True)
        keys = subprocess.run(["redis-cli", "-p", str(port), "--raw", "KEYS", "switchboard:v1:*"], capture_output=True, text=True).stdout.split()
        for key in keys:
            value = subprocess.run(["redis-cli", "-p", str(port), "--raw", "GET", key], capture_output=True).stdout.rstrip(b"\n")
            put("redis-value", value)
    finally:
        redis.kill()
    put("redis-value", "Lc0ffee")
print("seed corpora written under", CORPUS)
