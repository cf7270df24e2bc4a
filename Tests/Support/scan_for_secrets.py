#!/usr/bin/env python3
"""Fails when any secret from the example companies appears in the given output files.

usage: scan_for_secrets.py COMPANIES_JSON [--secret NAME=VALUE]... FILE...

--secret adds a value the run must never print (the tests' admin secret, say).
"""
import json
import sys


def main():
    companies = json.load(open(sys.argv[1]))
    secrets = {}
    arguments = sys.argv[2:]
    files = []
    while arguments:
        argument = arguments.pop(0)
        if argument == "--secret":
            name, _, value = arguments.pop(0).partition("=")
            secrets[value] = name
        else:
            files.append(argument)
    for company in companies:
        config = company.get("twilioConfig", {})
        for field in ("authToken", "apiSecret"):
            if config.get(field):
                secrets[config[field]] = f"{company.get('companyName', '?')}'s {field}"
        for field in ("webhookSharedKey", "webhookSharedKeyPrevious"):
            if (config.get(field) or {}).get("secret"):
                secrets[config[field]["secret"]] = f"{company.get('companyName', '?')}'s {field} secret"

    found = False
    for path in files:
        data = open(path, "rb").read()
        here = False
        for secret, owner in secrets.items():
            if secret.encode() in data:
                print(f"secret scan: {owner} appears in {path}", file=sys.stderr)
                here = True
        print(f"secret scan: {len(secrets)} demo secrets, {len(data)} bytes of {path}: "
              + ("FOUND" if here else "none found"))
        found = found or here
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
