#!/usr/bin/env python3
"""Makes N companies for the tests and benchmarks that need many: a companies file for
`switchboard seed`, and the same accounts and numbers at the Twilio stand-in.

usage: many_companies.py N OUT.json [--standin URL] [--public-url URL] [--seed S]

Each company has its own Twilio account (a random Account SID and auth token) and one to
three active numbers (+1 555 3xx xxxx, unique), every number's webhooks pointing at
PUBLIC_URL's /api/twilio/voice and /api/twilio/sms and its calls' status callback at
/api/twilio/voice/status with the company's id (at the stand-in too), so a sweep
finds every company HEALTHY unless a test breaks one. Ids are ObjectId-shaped and sort in
the order the companies are made.
"""
import argparse
import json
import random
import urllib.request


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--standin")
    parser.add_argument("--public-url", default="https://calls.example.com")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    voice, sms = args.public_url + "/api/twilio/voice", args.public_url + "/api/twilio/sms"
    companies, accounts, numbers = [], [], []
    serial = 0
    for index in range(args.count):
        sid = "AC" + "%032x" % rng.getrandbits(128)
        token = "%032x" % rng.getrandbits(128)
        owned = []
        for _ in range(rng.randint(1, 3)):
            owned.append("+1555%07d" % (3000000 + serial))
            serial += 1
        company_id = "6%07x" % index + "0" * 16
        companies.append({
            "_id": company_id,
            "companyName": f"Company {index:05d}",
            "twilioConfig": {
                "accountSid": sid, "authToken": token,
                "phoneNumbers": [{"phoneNumber": n, "status": "active", "isPrimary": i == 0} for i, n in enumerate(owned)],
                "callRoutingMode": "voicemail",
            },
        })
        accounts.append({"sid": sid, "token": token})
        numbers += [{"account": sid, "phone_number": n, "voice_url": voice, "sms_url": sms,
                     "status_callback": f"{voice}/status?companyId={company_id}"} for n in owned]
    with open(args.out, "w") as out:
        json.dump(companies, out)
    if args.standin:
        for start in range(0, len(accounts), 5000):
            post(args.standin + "/__standin/accounts", accounts[start:start + 5000])
        for start in range(0, len(numbers), 5000):
            post(args.standin + "/__standin/numbers", numbers[start:start + 5000])
    print(json.dumps({"companies": len(companies), "numbers": len(numbers)}))


if __name__ == "__main__":
    main()
