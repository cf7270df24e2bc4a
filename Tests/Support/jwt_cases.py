#!/usr/bin/env python3
"""Admin tokens made and read by PyJWT, an independent JWT implementation, to cross-check
Switchboard's (jwt-kit) verifier and issuer.

usage: jwt_cases.py make SECRET OTHER_SECRET NOW   prints a JSON list of {"name", "token", "expect"}
       jwt_cases.py read SECRET TOKEN              verifies TOKEN (HS256 only, exp and sub required)
                                                   and prints its claims as JSON
"""
import base64
import hashlib
import hmac
import json
import sys

import jwt


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header, claims, secret):
    """A token with any header, HMAC-SHA256-signed with the secret: what a confused
    verifier (one that trusts the header's alg) would accept."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def tampered(token, claims):
    """The token with its payload swapped for `claims`, keeping the old signature."""
    header, _, signature = token.split(".")
    return header + "." + b64(json.dumps(claims).encode()) + "." + signature


def make(secret, other, now):
    admin = {"sub": "alice@example.com", "role": "admin", "iat": now, "exp": now + 3600}
    company = {"sub": "bob@acme.example", "role": "company", "companyId": "65a1f0c2e4b0a1a2b3c4d5e1", "iat": now, "exp": now + 3600}

    def hs256(claims, key=secret, headers=None):
        return jwt.encode(claims, key, algorithm="HS256", headers=headers)

    cases = [
        ("admin", hs256(admin), "admin"),
        ("company", hs256(company), "company"),
        ("kid header is ignored", hs256(admin, headers={"kid": "someone-else"}), "admin"),
        ("expired an hour ago", hs256({**admin, "exp": now - 3600}), "expired"),
        ("expired 30 s ago (inside the leeway)", hs256({**admin, "exp": now - 30}), "admin"),
        ("expired 90 s ago (past the leeway)", hs256({**admin, "exp": now - 90}), "expired"),
        ("not before an hour from now", hs256({**admin, "nbf": now + 3600}), "notYetValid"),
        ("not before 30 s from now (inside the leeway)", hs256({**admin, "nbf": now + 30}), "admin"),
        ("issued in the future", hs256({**admin, "iat": now + 3600}), "notYetValid"),
        ("signed with another secret", hs256(admin, key=other), "badSignature"),
        ("alg none", jwt.encode(admin, None, algorithm="none"), "wrongAlgorithm"),
        ("alg RS256 header, HMAC signature", forged({"alg": "RS256", "typ": "JWT"}, admin, secret), "wrongAlgorithm"),
        ("alg HS512", jwt.encode(admin, secret, algorithm="HS512"), "wrongAlgorithm"),
        ("no sub", hs256({k: v for k, v in admin.items() if k != "sub"}), "malformed"),
        ("no exp", hs256({k: v for k, v in admin.items() if k != "exp"}), "malformed"),
        ("empty sub", hs256({**admin, "sub": ""}), "malformed"),
        ("unknown role", hs256({**admin, "role": "superuser"}), "malformed"),
        ("company role without companyId", hs256({k: v for k, v in company.items() if k != "companyId"}), "malformed"),
        ("company role with a bad companyId", hs256({**company, "companyId": "../../etc"}), "malformed"),
        ("payload changed after signing", tampered(hs256(company), {**company, "role": "admin"}), "badSignature"),
        ("not a JWT", "not-a-token", "malformed"),
    ]
    return [{"name": name, "token": token, "expect": expect} for name, token, expect in cases]


def main():
    if sys.argv[1] == "make":
        print(json.dumps(make(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    elif sys.argv[1] == "read":
        claims = jwt.decode(sys.argv[3], sys.argv[2], algorithms=["HS256"], options={"require": ["exp", "sub"]})
        # Which times are whole seconds, as JSON integers (many JWT libraries want them so).
        whole = {name: isinstance(claims.get(name), int) for name in ("exp", "iat", "nbf") if name in claims}
        print(json.dumps({"claims": claims, "header": jwt.get_unverified_header(sys.argv[3]), "wholeSeconds": whole}))


if __name__ == "__main__":
    main()
