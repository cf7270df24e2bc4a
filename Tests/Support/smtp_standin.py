#!/usr/bin/env python3
"""A real SMTP server on loopback for Switchboard's e-mail tests: aiosmtpd, with STARTTLS
and a login, keeping every message it accepts exactly as it arrived.

usage: smtp_standin.py PORT OUT_FOLDER CERT KEY [--no-starttls] [--user NAME --password WORD]

Each accepted message is written to OUT_FOLDER as N.json: {"mail_from", "rcpt_tos",
"data" (the DATA bytes, latin-1), "tls" (whether STARTTLS was in force), "login"}.
Prints "listening PORT" once it accepts connections.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Keeper:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("latin-1"),
            "tls": session.ssl is not None,
            "login": session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data,
        }
        path = os.path.join(self.folder, f"{self.count}.json")
        with open(path + ".tmp", "w") as out:
            json.dump(record, out)
        os.replace(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("folder")
    parser.add_argument("cert")
    parser.add_argument("key")
    parser.add_argument("--no-starttls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    options = parser.parse_args()
    os.makedirs(options.folder, exist_ok=True)

    context = None
    if not options.no_starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(options.cert, options.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and options.user is not None:
            if auth_data.login.decode() == options.user and auth_data.password.decode() == options.password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    controller = Controller(
        Keeper(options.folder),
        hostname="127.0.0.1",
        port=options.port,
        tls_context=context,
        require_starttls=context is not None,
        authenticator=authenticate if options.user else None,
        auth_required=options.user is not None,
        auth_require_tls=context is not None,
        server_hostname="localhost",
    )
    controller.start()
    print(f"listening {options.port}", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
