#!/usr/bin/env python3
"""Random webhook requests signed by Twilio's official Python helper library.

Switchboard's signature cross-check runs this with the test venv's Python and checks
that every signature printed here validates in Switchboard, and that a flipped byte
does not. Output: one JSON document, {"cases": [{token, url, params, signature}]}, where
params is a list of [name, value] pairs (repeated names allowed, order as sent).

usage: twilio_signature_cases.py COUNT SEED [ALGORITHM]

ALGORITHM is HMAC_SHA1 (the default: an auth token's) or HMAC_SHA256 (a SharedKey's);
with HMAC_SHA256 the key is a SharedKey-like secret, not a 32-digit token.
"""
import json
import random
import sys
from urllib.parse import urlparse, quote

from twilio.request_validator import RequestValidator, add_port, remove_port


class MultiDict(dict):
    """The shape Flask gives: one key per name, getall() for every value."""

    def __init__(self, pairs):
        super().__init__()
        for name, value in pairs:
            self.setdefault(name, []).append(value)

    def getall(self, name):
        return self[name]


ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" +-_.~!*'()\";:@&=$,/?#[]%<>\\^`{|}")
    + ["é", "e\u0301", "ñ", "ü", "日本", "😀", "\u00a0", "Ω", "ß", "\u200b", "\uffff"]
)
NAMES = ["To", "From", "CallSid", "callSid", "CALLSID", "Body", "Digits", "AccountSid",
         "MediaUrl0", "Reason", "ReasonConferenceEnded", "Ünïcode", "Empty", "a", "A", "_"]


def text(rng, low=0, high=12):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


def url(rng):
    scheme = rng.choice(["https", "https", "http"])
    host = rng.choice(["example.com", "calls.example.org", "abc123.lambda-url.us-east-1.on.aws", "127.0.0.1"])
    port = rng.choice(["", "", ":443", ":80", ":8443", ":3000"])
    path = "/" + "/".join(quote(text(rng, 1, 6), safe="") for _ in range(rng.randint(0, 3)))
    if rng.random() < 0.2:
        path += "/España"
    query = ""
    if rng.random() < 0.6:
        pairs = []
        for _ in range(rng.randint(1, 4)):
            value = text(rng, 0, 6)
            pairs.append(rng.choice(NAMES) + "=" + rng.choice([quote(value, safe=""), value.replace(" ", "+").replace("&", "").replace("#", "")]))
        query = "?" + "&".join(pairs)
    return scheme + "://" + host + port + path + query


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    algorithm = sys.argv[3] if len(sys.argv) > 3 else "HMAC_SHA1"
    rng = random.Random(seed)
    cases = []
    while len(cases) < count:
        if algorithm == "HMAC_SHA1":
            token = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        else:
            token = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(43))
        validator = RequestValidator(token)
        request_url = url(rng)
        pairs = []
        for _ in range(rng.randint(0, 8)):
            name = rng.choice(NAMES + [text(rng, 1, 5)])
            value = rng.choice(["", text(rng)])
            pairs.append((name, value))
            if rng.random() < 0.25:
                pairs.append((name, rng.choice([value, text(rng)])))  # repeated name
        params = MultiDict(pairs)
        parsed = urlparse(request_url)
        signed_url = rng.choice([request_url, add_port(parsed), remove_port(parsed)])
        signature = validator.compute_signature(signed_url, params, algorithm)
        if not validator.validate(request_url, params, signature, algorithm):
            continue  # only what Twilio's own library accepts
        cases.append({"token": token, "url": request_url, "params": pairs, "signature": signature,
                      "signedUrl": signed_url})
    json.dump({"cases": cases}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
