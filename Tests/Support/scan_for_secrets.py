#!/usr/bin/env python3
"""Fails when any secret from the example companies appears in the given output files.

usage: scan_for_secrets.py COMPANIES_JSON FILE...
"""
import json
import sys


def main():
    companies = json.load(open(sys.argv[1]))
    secrets = {}
    for company in companies:
        config = company.get("twilioConfig", {})
        for field in ("authToken", "apiSecret"):
            if config.get(field):
                secrets[config[field]] = f"{company.get('companyName', '?')}'s {field}"

    found = False
    for path in sys.argv[2:]:
        data = open(path, "rb").read()
        for secret, owner in secrets.items():
            if secret.encode() in data:
                print(f"secret scan: {owner} appears in {path}", file=sys.stderr)
                found = True
        print(f"secret scan: {len(secrets)} demo secrets, {len(data)} bytes of {path}: "
              + ("FOUND" if found else "none found"))
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
