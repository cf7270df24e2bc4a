#!/usr/bin/env python3
"""A stand-in for the few endpoints of Twilio's REST API (2010-04-01) Switchboard calls,
for the tests: a real HTTP server on a socket, answering in Twilio's JSON shapes.

usage: twilio_standin.py PORT [--companies FILE]

With --companies (a file `switchboard seed` reads, e.g. Examples/companies.json), every
company's account, API key and numbers are known from the start: what `make demo` uses.

Twilio's side (HTTP Basic: an Account SID with its auth token, or an API key of that
account with its secret; anything else is 401 with error 20003):
  GET  /2010-04-01/Accounts/{AC}.json                       the account (status active/suspended/closed)
  GET  /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json  ?PhoneNumber= (partial, as Twilio) &PageSize=
  POST /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json   VoiceUrl, VoiceMethod, SmsUrl, SmsMethod, ...
  POST /2010-04-01/Accounts/{AC}/Messages.json              To, From (one of the account's numbers, or its
                                                            WhatsApp sender as whatsapp:+1…), MessagingServiceSid
                                                            (one of the account's services; From then optional),
                                                            Body, MediaUrl, ContentSid + ContentVariables (a JSON
                                                            object), StatusCallback. Refused as Twilio refuses:
                                                            21610 to a number that replied STOP to the account,
                                                            63016 free WhatsApp text outside the 24-hour window
                                                            (a number counts as inside once it is in "whatsapp_open")
  GET  https://messaging.twilio.com/v1/Services/{MG}        the account's messaging service (another account's: 404),
                                                            with us_app_to_person_registered
  POST /2010-04-01/Accounts/{AC}/Calls.json                 To, From (one of the account's numbers), Twiml or Url,
                                                            StatusCallback, StatusCallbackMethod, StatusCallbackEvent
  GET  /2010-04-01/Accounts/{AC}/Recordings/{RE}.mp3        the recording's audio: a real MP3 (MPEG-1 Layer III,
                                                            32 kHz mono, 32 kbit/s, silent) of its length
  DELETE /2010-04-01/Accounts/{AC}/Recordings/{RE}.json     204; the audio is gone (404, error 20404) from then on

Twilio's Webhooks configuration API (Public Beta; the shapes of twilio-python 9.13's
webhooks v1 models), authenticated with an API key of the account (or its SID and token),
JSON bodies, on this same server (TWILIO_WEBHOOKS_API_BASE points at it):
  POST   /v1/Webhooks/SharedKeys        {"friendlyName"} -> 201 {"id": "webhooks_sharedkey_…", "secret", …}
  GET    /v1/Webhooks/SharedKeys/{id}   (no secret)       DELETE -> 204, or 409 while a Setting uses it
  POST   /v1/Webhooks/Settings          {"friendlyName", "auth": {"source": "NONE"},
                                         "signature": {"type": "SHARED_KEY", "sharedKeyId", "algorithm"}}
  GET    /v1/Webhooks/Settings/{id}     DELETE -> 204, or 409 while a Rule uses it
  POST   /v1/Webhooks/Rules             {"friendlyName", "matchType": "PREFIX_MATCH", "prefix",
                                         "settings": [{"settingId", "percentage": 100}]} -> 202 {"operation", "rule"}
  GET    /v1/Webhooks/Rules/{id}        PATCH {"settings": […]} -> 202     DELETE -> 202 {"operation"}
A status callback (see /__standin/progress) whose URL a Rule of its account matches is
signed with that Rule's Setting's SharedKey and algorithm, with
X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=<algorithm>, as Twilio signs it.

The tests' side, under /__standin/ (no auth):
  POST /__standin/accounts  {"sid", "token", "status"?, "friendly_name"?, "keys"?: {"SK…": "secret"}}, or a list of them
  POST /__standin/numbers   {"account", "phone_number", "voice_url"?, "voice_method"?, "sms_url"?, ...} -> {"sid"},
                            or a list of them -> {"sids": [...]}
  POST /__standin/latency   {"ms": 120}: every request to Twilio's side waits this long first (a region's round trip)
  POST /__standin/faults    [{"match"?: "path substring", "status"?: 500, "code"?: 20500,
                              "retry_after"?: "1", "delay_ms"?: 0, "hang"?: false, "times"?: 1}]
                            each request takes the first fault it matches, until its times run out
  GET  /__standin/requests  every request so far: method, path, Basic user name (never the password)
  GET  /__standin/numbers   every number and its current settings
  GET  /__standin/messages  every message sent
  GET  /__standin/calls     every call placed (with its TwiML and status callback)
  POST /__standin/progress  {"sid": "CA…" or "SM…", "statuses": ["initiated", "ringing", "in-progress", "completed"],
                             "duration"?: 42, "error_code"?: "30003", "error_message"?: "…"}
                            posts the call's or message's status callbacks to its StatusCallback, one per status in
                            that order, as Twilio does: Twilio's parameters, signed with the account's auth token by
                            Twilio's own helper library (X-Twilio-Signature) -> {"answers": [HTTP status, ...]}
  GET  /__standin/webhooks  every SharedKey (with its secret), Setting and Rule, by account
  POST /__standin/recordings {"sid": "RE…", "account": "AC…", "seconds"?: 3}: a recording the account holds
  POST /__standin/services  {"sid": "MG…", "account": "AC…", "us_app_to_person_registered"?: false}: a messaging service
  POST /__standin/stopped   {"account": "AC…", "number": "+1…"}: the number replied STOP to the account (21610 from then)
  POST /__standin/whatsapp_open {"account": "AC…", "number": "+1…"}: the number wrote to the account on WhatsApp
  GET  /__standin/recordings every recording, with "deleted" once a DELETE removed it
  POST /__standin/reset     forget everything
"""
import base64
import errno
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"accounts": {}, "numbers": {}, "by_account": {}, "messages": [], "calls": [], "faults": [], "requests": [],
         "recordings": {}, "services": {}, "stopped": set(), "whatsapp_open": set(),
         "latency_ms": 0, "webhooks": {}}

ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})\.json$")
NUMBERS = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/IncomingPhoneNumbers\.json$")
NUMBER = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/IncomingPhoneNumbers/(PN[0-9a-fA-F]{32})\.json$")
RECORDING = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Recordings/(RE[0-9a-fA-F]{32})\.(mp3|json)$")
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages\.json$")
CALLS = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Calls\.json$")
SERVICE = re.compile(r"^/v1/Services/(MG[0-9a-fA-F]{32})$")
WEBHOOKS = re.compile(r"^/v1/Webhooks/(SharedKeys|Settings|Rules)(?:/([A-Za-z0-9_]+))?$")

NUMBER_FIELDS = {
    "VoiceUrl": "voice_url", "VoiceMethod": "voice_method", "SmsUrl": "sms_url", "SmsMethod": "sms_method",
    "VoiceFallbackUrl": "voice_fallback_url", "SmsFallbackUrl": "sms_fallback_url",
    "VoiceApplicationSid": "voice_application_sid", "SmsApplicationSid": "sms_application_sid",
    "TrunkSid": "trunk_sid", "FriendlyName": "friendly_name",
    "StatusCallback": "status_callback", "StatusCallbackMethod": "status_callback_method",
    "VoiceFallbackMethod": "voice_fallback_method", "SmsFallbackMethod": "sms_fallback_method",
}


def silent_mp3(seconds):
    """A real MP3 of `seconds` of silence: MPEG-1 Layer III frames, 32 kHz mono at 32 kbit/s
    (each 144 bytes, 1152 samples), every frame's side information zero."""
    frame = bytes([0xFF, 0xFB, 0x18, 0xC0]) + bytes(140)
    frames = max(1, round(seconds * 32000 / 1152))
    return frame * frames


def sid(prefix):
    return prefix + secrets.token_hex(16)


def twilio_error(status, code, message):
    return status, {"code": code, "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def number_resource(number):
    resource = {"sid": number["sid"], "account_sid": number["account"], "phone_number": number["phone_number"],
                "friendly_name": number.get("friendly_name") or number["phone_number"],
                "voice_url": number.get("voice_url"), "voice_method": number.get("voice_method", "POST"),
                "sms_url": number.get("sms_url"), "sms_method": number.get("sms_method", "POST"),
                "voice_application_sid": number.get("voice_application_sid"),
                "sms_application_sid": number.get("sms_application_sid"),
                "trunk_sid": number.get("trunk_sid"),
                "status_callback": number.get("status_callback"),
                "voice_fallback_url": number.get("voice_fallback_url"), "sms_fallback_url": number.get("sms_fallback_url"),
                "status_callback_method": number.get("status_callback_method", "POST"),
                "uri": f"/2010-04-01/Accounts/{number['account']}/IncomingPhoneNumbers/{number['sid']}.json"}
    return resource


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # -- plumbing ---------------------------------------------------------------------

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def basic_user(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None, None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except Exception:
            return None, None
        return user, password

    def authorized(self, account_sid):
        user, password = self.basic_user()
        account = STATE["accounts"].get(account_sid)
        if account is None or user is None:
            return False
        if user == account_sid and password == account["token"]:
            return True
        return account.get("keys", {}).get(user) == password and user.startswith("SK")

    def take_fault(self, path):
        with LOCK:
            for fault in STATE["faults"]:
                if fault.get("times", 1) > 0 and fault.get("match", "") in path:
                    fault["times"] = fault.get("times", 1) - 1
                    return dict(fault)
        return None

    # -- verbs ------------------------------------------------------------------------

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        body = self.body()
        if path.startswith("/__standin/"):
            return self.control(method, path, body)
        user, _ = self.basic_user()
        with LOCK:
            STATE["requests"].append({"method": method, "path": path, "query": parsed.query, "user": user})
        webhooks = WEBHOOKS.match(path)
        if webhooks:
            fault = self.take_fault(path)
            if fault and fault.get("status"):
                return self.answer(*twilio_error(fault["status"], fault.get("code", 20500), fault.get("message", "Injected")))
            return self.webhooks_api(method, webhooks.group(1), webhooks.group(2), body)
        service = SERVICE.match(path)
        if service and method == "GET":
            with LOCK:
                held = STATE["services"].get(service.group(1))
            if held is None or not self.authorized(held["account"]):
                user, _ = self.basic_user()
                if user is None or not any(self.authorized(a) for a in STATE["accounts"]):
                    return self.answer(*twilio_error(401, 20003, "Authenticate"))
                return self.answer(*twilio_error(404, 20404, f"The requested resource {path} was not found"))
            return self.answer(200, {"sid": held["sid"], "account_sid": held["account"],
                                     "friendly_name": held.get("friendly_name", "Test service"),
                                     "us_app_to_person_registered": held.get("us_app_to_person_registered", False),
                                     "use_inbound_webhook_on_number": True, "url": f"https://messaging.twilio.com{path}"})
        if STATE["latency_ms"]:
            time.sleep(STATE["latency_ms"] / 1000)
        fault = self.take_fault(path)
        if fault:
            if fault.get("hang"):
                time.sleep(fault.get("delay_ms", 30000) / 1000)
                return self.close_connection_now()
            if fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000)
            if fault.get("status"):
                status = fault["status"]
                code = fault.get("code", {401: 20003, 429: 20429}.get(status, 20500))
                headers = {"Retry-After": fault["retry_after"]} if "retry_after" in fault else {}
                status, payload = twilio_error(status, code, fault.get("message", f"Injected HTTP {status}"))
                return self.answer(status, payload, headers)
        form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True) if method == "POST" else {}
        for pattern, handler in ((ACCOUNT, self.account), (NUMBERS, self.numbers), (NUMBER, self.number),
                                 (MESSAGES, self.messages), (CALLS, self.calls), (RECORDING, self.recording)):
            match = pattern.match(path)
            if match:
                if not self.authorized(match.group(1)):
                    return self.answer(*twilio_error(401, 20003, "Authenticate"))
                return handler(method, match, query, form)
        return self.answer(*twilio_error(404, 20404, f"The requested resource {path} was not found"))

    def close_connection_now(self):
        self.close_connection = True

    # -- Twilio's resources -----------------------------------------------------------

    def account(self, method, match, query, form):
        if method != "GET":
            return self.answer(*twilio_error(405, 20004, "Method not allowed"))
        account = STATE["accounts"][match.group(1)]
        self.answer(200, {"sid": match.group(1), "friendly_name": account.get("friendly_name", "Test account"),
                          "status": account.get("status", "active"), "type": "Full",
                          "owner_account_sid": match.group(1), "date_created": "Mon, 01 Jan 2024 00:00:00 +0000",
                          "uri": f"/2010-04-01/Accounts/{match.group(1)}.json"})

    def numbers(self, method, match, query, form):
        if method != "GET":
            return self.answer(*twilio_error(405, 20004, "Method not allowed"))
        wanted = re.sub(r"[^0-9]", "", (query.get("PhoneNumber") or [""])[0])
        size = int((query.get("PageSize") or ["50"])[0])
        with LOCK:
            owned = (STATE["numbers"][sid] for sid in STATE["by_account"].get(match.group(1), []))
            found = [number_resource(n) for n in owned if wanted in re.sub(r"[^0-9]", "", n["phone_number"])]
        self.answer(200, {"incoming_phone_numbers": found[:size], "next_page_uri": None, "page": 0,
                          "page_size": size, "uri": self.path})

    def number(self, method, match, query, form):
        with LOCK:
            number = STATE["numbers"].get(match.group(2))
            if number is None or number["account"] != match.group(1):
                return self.answer(*twilio_error(404, 20404, "The requested resource was not found"))
            if method == "POST":
                for name, values in form.items():
                    if name in NUMBER_FIELDS:
                        number[NUMBER_FIELDS[name]] = values[0]
            resource = number_resource(number)
        self.answer(200, resource)

    def messages(self, method, match, query, form):
        if method != "POST":
            return self.answer(*twilio_error(405, 20004, "Method not allowed"))
        account = match.group(1)
        sender = (form.get("From") or [""])[0]
        service = (form.get("MessagingServiceSid") or [None])[0]
        to = (form.get("To") or [""])[0]
        whatsapp = to.startswith("whatsapp:")
        with LOCK:
            if service is not None:
                held = STATE["services"].get(service)
                if held is None or held["account"] != account:
                    return self.answer(*twilio_error(400, 21703, f"The Messaging Service Sid {service} is invalid."))
            bare = sender[len("whatsapp:"):] if sender.startswith("whatsapp:") else sender
            owned = any(STATE["numbers"][s]["phone_number"] == bare for s in STATE["by_account"].get(account, []))
            stopped = (account, to[len("whatsapp:"):] if whatsapp else to) in STATE["stopped"]
            window = (account, to[len("whatsapp:"):]) in STATE["whatsapp_open"]
            if service is not None and not sender:
                owned = True
                sender = next((STATE["numbers"][s]["phone_number"] for s in STATE["by_account"].get(account, [])), "")
        if not owned:
            return self.answer(*twilio_error(400, 21606, f"The From phone number {sender} is not a valid, SMS-capable inbound phone number or short code for your account."))
        if not (to[len("whatsapp:"):] if whatsapp else to).startswith("+") or whatsapp != sender.startswith("whatsapp:"):
            return self.answer(*twilio_error(400, 21211, "The 'To' number is not a valid phone number."))
        if stopped:
            return self.answer(*twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))
        content = (form.get("ContentSid") or [None])[0]
        if whatsapp and content is None and not window:
            return self.answer(*twilio_error(400, 63016, "Failed to send freeform message because you are outside the allowed window. Please use a Template."))
        variables = (form.get("ContentVariables") or [None])[0]
        if variables is not None:
            try:
                parsed = json.loads(variables)
                assert isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values())
            except Exception:
                return self.answer(*twilio_error(400, 21656, "The ContentVariables Parameter is invalid."))
        message = {"sid": sid("SM"), "account_sid": account, "from": sender, "to": to,
                   "body": (form.get("Body") or [""])[0], "media_urls": form.get("MediaUrl", []),
                   "messaging_service_sid": service, "content_sid": content, "content_variables": variables,
                   "status": "queued" if service is None else "accepted", "num_segments": "1",
                   "direction": "outbound-api",
                   "status_callback": (form.get("StatusCallback") or [None])[0]}
        with LOCK:
            STATE["messages"].append(message)
        self.answer(201, message)

    def recording(self, method, match, query, form):
        with LOCK:
            held = STATE["recordings"].get(match.group(2))
        if held is None or held["account"] != match.group(1) or held.get("deleted"):
            return self.answer(*twilio_error(404, 20404, f"The requested resource {self.path} was not found"))
        if method == "DELETE" and match.group(3) == "json":
            with LOCK:
                held["deleted"] = True
            return self.answer_empty(204)
        if method == "GET" and match.group(3) == "mp3":
            audio = silent_mp3(held.get("seconds", 3))
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(audio)))
            self.end_headers()
            self.wfile.write(audio)
            return None
        return self.answer(*twilio_error(405, 20004, "Method not allowed"))

    def calls(self, method, match, query, form):
        if method != "POST":
            return self.answer(*twilio_error(405, 20004, "Method not allowed"))
        sender = (form.get("From") or [""])[0]
        callee = (form.get("To") or [""])[0]
        with LOCK:
            owned = any(STATE["numbers"][sid]["phone_number"] == sender for sid in STATE["by_account"].get(match.group(1), []))
        if not owned:
            return self.answer(*twilio_error(400, 21210, f"The source phone number provided, {sender}, is not yet verified for your account."))
        if not callee.startswith("+"):
            return self.answer(*twilio_error(400, 21211, f"Invalid 'To' Phone Number: {callee}"))
        if not (form.get("Twiml") or form.get("Url")):
            return self.answer(*twilio_error(400, 21205, "Url parameter is required."))
        call = {"sid": sid("CA"), "account_sid": match.group(1), "from": sender, "to": callee, "status": "queued",
                "direction": "outbound-api", "api_version": "2010-04-01", "twiml": (form.get("Twiml") or [None])[0],
                "url": (form.get("Url") or [None])[0], "status_callback": (form.get("StatusCallback") or [None])[0],
                "status_callback_method": (form.get("StatusCallbackMethod") or ["POST"])[0],
                "status_callback_event": form.get("StatusCallbackEvent", []),
                "uri": f"/2010-04-01/Accounts/{match.group(1)}/Calls/{{sid}}.json"}
        call["uri"] = call["uri"].replace("{sid}", call["sid"])
        with LOCK:
            STATE["calls"].append(call)
        self.answer(201, {key: value for key, value in call.items() if key not in ("twiml", "status_callback_event")})

    # -- the Webhooks configuration API ---------------------------------------------

    def webhooks_account(self):
        """The account an API key (or SID and token) belongs to, or None."""
        user, password = self.basic_user()
        for sid, account in STATE["accounts"].items():
            if (user == sid and password == account["token"]) or (user and user.startswith("SK") and account.get("keys", {}).get(user) == password):
                return sid
        return None

    def webhooks_api(self, method, collection, identifier, body):
        account = self.webhooks_account()
        if account is None:
            return self.answer(*twilio_error(401, 20003, "Authenticate"))
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return self.answer(*twilio_error(400, 20001, "the body is not JSON"))
        with LOCK:
            store = STATE["webhooks"].setdefault(account, {"SharedKeys": {}, "Settings": {}, "Rules": {}})
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            resources = store[collection]
            if identifier is None:
                if method != "POST":
                    return self.answer(200, {collection[0].lower() + collection[1:]: [self.shown(collection, r) for r in resources.values()]})
                return self.webhooks_create(store, collection, payload, now)
            resource = resources.get(identifier)
            if resource is None:
                return self.answer(*twilio_error(404, 20404, f"{collection[:-1]} {identifier} was not found"))
            if method == "GET":
                return self.answer(200, self.shown(collection, resource))
            if method == "DELETE":
                in_use = (collection == "SharedKeys" and any(s["signature"].get("sharedKeyId") == identifier for s in store["Settings"].values())) \
                    or (collection == "Settings" and any(any(r["settingId"] == identifier for r in rule["settings"]) for rule in store["Rules"].values()))
                if in_use:
                    return self.answer(*twilio_error(409, 20409, f"{identifier} is in use"))
                del resources[identifier]
                if collection == "Rules":
                    return self.answer(202, {"operation": {"id": sid("OP"), "status": "COMPLETED", "resourceId": identifier}})
                return self.answer_empty(204)
            if method == "PATCH" and collection == "Rules":
                if "settings" in payload:
                    if not self.settings_exist(store, payload["settings"]):
                        return self.answer(*twilio_error(400, 20001, "settings name a Setting that does not exist"))
                    resource["settings"] = payload["settings"]
                resource["updatedAt"] = now
                return self.answer(202, {"operation": {"id": sid("OP"), "status": "COMPLETED", "resourceId": identifier}, "rule": resource})
            return self.answer(*twilio_error(405, 20004, "Method not allowed"))

    @staticmethod
    def settings_exist(store, settings):
        return isinstance(settings, list) and settings and all(isinstance(s, dict) and s.get("settingId") in store["Settings"] for s in settings)

    def webhooks_create(self, store, collection, payload, now):
        if collection == "SharedKeys":
            key = {"id": "webhooks_sharedkey_" + secrets.token_hex(13), "friendlyName": payload.get("friendlyName") or "",
                   "secret": secrets.token_urlsafe(32), "createdAt": now, "updatedAt": now}
            store["SharedKeys"][key["id"]] = key
            return self.answer(201, key)
        if collection == "Settings":
            signature = payload.get("signature") or {}
            if not isinstance(payload.get("auth"), dict):
                return self.answer(*twilio_error(400, 20001, "auth is required"))
            if signature.get("type") != "SHARED_KEY" or signature.get("sharedKeyId") not in store["SharedKeys"] \
                    or signature.get("algorithm") not in ("HMAC_SHA1", "HMAC_SHA256"):
                return self.answer(*twilio_error(400, 20001, "signature must name a SharedKey of the account and HMAC_SHA1 or HMAC_SHA256"))
            setting = {"id": "webhooks_setting_" + secrets.token_hex(13), "type": "CUSTOMER", "friendlyName": payload.get("friendlyName") or "",
                       "description": payload.get("description"), "auth": payload["auth"], "signature": signature,
                       "createdAt": now, "updatedAt": now}
            store["Settings"][setting["id"]] = setting
            return self.answer(201, setting)
        if payload.get("matchType") != "PREFIX_MATCH" or not str(payload.get("prefix") or "").startswith("http") \
                or not self.settings_exist(store, payload.get("settings")):
            return self.answer(*twilio_error(400, 20001, "a Rule needs matchType PREFIX_MATCH, an http(s) prefix and existing settings"))
        rule = {"id": "webhooks_rule_" + secrets.token_hex(13), "friendlyName": payload.get("friendlyName") or "", "matchType": "PREFIX_MATCH",
                "prefix": payload["prefix"], "settings": payload["settings"], "createdAt": now, "updatedAt": now}
        store["Rules"][rule["id"]] = rule
        return self.answer(202, {"operation": {"id": sid("OP"), "status": "COMPLETED", "resourceId": rule["id"]}, "rule": rule})

    @staticmethod
    def shown(collection, resource):
        return {k: v for k, v in resource.items() if k != "secret"} if collection == "SharedKeys" else resource

    def answer_empty(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- the tests' side --------------------------------------------------------------

    def control(self, method, path, body):
        payload = json.loads(body) if body else None
        with LOCK:
            if method == "POST" and path == "/__standin/accounts":
                for account in payload if isinstance(payload, list) else [payload]:
                    STATE["accounts"][account["sid"]] = account
                return self.answer(201, {"accounts": len(STATE["accounts"])})
            if method == "POST" and path == "/__standin/numbers":
                sids = []
                for entry in payload if isinstance(payload, list) else [payload]:
                    number = dict(entry)
                    number["sid"] = number.get("sid") or sid("PN")
                    previous = STATE["numbers"].get(number["sid"])
                    if previous is not None:
                        STATE["by_account"][previous["account"]].remove(number["sid"])
                    STATE["numbers"][number["sid"]] = number
                    STATE["by_account"].setdefault(number["account"], []).append(number["sid"])
                    sids.append(number["sid"])
                return self.answer(201, {"sids": sids} if isinstance(payload, list) else {"sid": sids[0]})
            if method == "POST" and path == "/__standin/latency":
                STATE["latency_ms"] = int(payload.get("ms", 0))
                return self.answer(200, {"latency_ms": STATE["latency_ms"]})
            if method == "POST" and path == "/__standin/faults":
                STATE["faults"].extend(payload)
                return self.answer(201, {"faults": len(STATE["faults"])})
            if method == "GET" and path == "/__standin/requests":
                return self.answer(200, STATE["requests"])
            if method == "GET" and path == "/__standin/numbers":
                return self.answer(200, [number_resource(n) for n in STATE["numbers"].values()])
            if method == "GET" and path == "/__standin/messages":
                return self.answer(200, STATE["messages"])
            if method == "GET" and path == "/__standin/calls":
                return self.answer(200, STATE["calls"])
            if method == "POST" and path == "/__standin/recordings":
                STATE["recordings"][payload["sid"]] = dict(payload)
                return self.answer(201, {"recordings": len(STATE["recordings"])})
            if method == "POST" and path == "/__standin/services":
                STATE["services"][payload["sid"]] = dict(payload)
                return self.answer(201, {"services": len(STATE["services"])})
            if method == "POST" and path == "/__standin/stopped":
                STATE["stopped"].add((payload["account"], payload["number"]))
                return self.answer(201, {})
            if method == "POST" and path == "/__standin/whatsapp_open":
                STATE["whatsapp_open"].add((payload["account"], payload["number"]))
                return self.answer(201, {})
            if method == "GET" and path == "/__standin/recordings":
                return self.answer(200, list(STATE["recordings"].values()))
            if method == "GET" and path == "/__standin/webhooks":
                return self.answer(200, STATE["webhooks"])
            if method == "POST" and path == "/__standin/reset":
                for key in ("accounts", "numbers", "by_account", "webhooks", "recordings", "services"):
                    STATE[key] = {}
                STATE["stopped"], STATE["whatsapp_open"] = set(), set()
                STATE["latency_ms"] = 0
                for key in ("messages", "calls", "faults", "requests"):
                    STATE[key] = []
                return self.answer(200, {})
        if method == "POST" and path == "/__standin/progress":
            return self.answer(200, {"answers": progress(payload)})
        self.answer(404, {"error": f"no control route {method} {path}"})


def signature(token, url, params, algorithm="HMAC_SHA1"):
    """X-Twilio-Signature as Twilio computes it, by Twilio's own helper library when it is
    installed (the tests' venv), else by the documented algorithm."""
    try:
        from twilio.request_validator import RequestValidator
        return RequestValidator(token).compute_signature(url, params, algorithm)
    except ImportError:
        import hashlib, hmac
        data = url + "".join(name + value for name, value in sorted(params.items()))
        digest = hashlib.sha256 if algorithm == "HMAC_SHA256" else hashlib.sha1
        return base64.b64encode(hmac.new(token.encode(), data.encode(), digest).digest()).decode()


def signing_key(account, url):
    """The SharedKey a Rule of `account` matching `url` signs with: (id, secret, algorithm)."""
    with LOCK:
        store = STATE["webhooks"].get(account)
        if not store:
            return None
        for rule in store["Rules"].values():
            if url.startswith(rule["prefix"]) and rule["settings"]:
                setting = store["Settings"].get(rule["settings"][0]["settingId"])
                key = setting and store["SharedKeys"].get(setting["signature"]["sharedKeyId"])
                if key:
                    return key["id"], key["secret"], setting["signature"]["algorithm"]
    return None


def progress(payload):
    """Posts a call's or message's status callbacks, in order, signed as Twilio signs them."""
    with LOCK:
        found = next((c for c in STATE["calls"] + STATE["messages"] if c["sid"] == payload["sid"]), None)
        account = STATE["accounts"].get(found["account_sid"]) if found else None
    if found is None or not found.get("status_callback"):
        return []
    is_call = found["sid"].startswith("CA")
    answers = []
    for sequence, status in enumerate(payload["statuses"]):
        params = {"AccountSid": found["account_sid"], "From": found["from"], "To": found["to"], "ApiVersion": "2010-04-01"}
        if is_call:
            params.update({"CallSid": found["sid"], "CallStatus": status, "Direction": "outbound-api", "SequenceNumber": str(sequence),
                           "CallbackSource": "call-progress-events", "Timestamp": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())})
            if status == "completed":
                params["CallDuration"] = str(payload.get("duration", 0))
        else:
            params.update({"MessageSid": found["sid"], "SmsSid": found["sid"], "MessageStatus": status, "SmsStatus": status})
            if payload.get("error_code") and status in ("failed", "undelivered"):
                params.update({"ErrorCode": str(payload["error_code"]), "ErrorMessage": payload.get("error_message", "")})
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1"}
        shared = signing_key(found["account_sid"], found["status_callback"])
        if shared:
            key_id, secret, algorithm = shared
            headers["X-Twilio-Signature"] = signature(secret, found["status_callback"], params, algorithm)
            headers["X-Twilio-Webhooks-Signature-Settings"] = f"key={key_id},algorithm={algorithm}"
        else:
            headers["X-Twilio-Signature"] = signature(account["token"], found["status_callback"], params)
        request = urllib.request.Request(found["status_callback"], data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answers.append(response.status)
        except urllib.error.HTTPError as error:
            answers.append(error.code)
        with LOCK:
            found["status"] = status
    return answers


def load_companies(path):
    """The accounts and numbers of a companies file, as Twilio would know them."""
    for company in json.load(open(path)):
        config = company.get("twilioConfig") or {}
        account, token = config.get("accountSid"), config.get("authToken")
        if not account or not token:
            continue
        keys = {config["apiKey"]: config["apiSecret"]} if config.get("apiKey") and config.get("apiSecret") else {}
        STATE["accounts"][account] = {"sid": account, "token": token, "status": "active", "keys": keys}
        numbers = [entry["phoneNumber"] for entry in config.get("phoneNumbers") or []]
        if config.get("phoneNumber"):
            numbers.append("+" + re.sub(r"[^0-9]", "", config["phoneNumber"]))
        for phone in numbers:
            number = {"sid": sid("PN"), "account": account, "phone_number": phone}
            STATE["numbers"][number["sid"]] = number
            STATE["by_account"].setdefault(account, []).append(number["sid"])


def main():
    usage = "usage: twilio_standin.py PORT [--companies FILE]"
    if len(sys.argv) not in (2, 4) or not sys.argv[1].isdigit() or (len(sys.argv) == 4 and sys.argv[2] != "--companies"):
        sys.exit(usage)
    port = int(sys.argv[1])
    if len(sys.argv) == 4:
        load_companies(sys.argv[3])
    # A sweep opens dozens of connections at once: a deeper listen queue than the
    # default five, so none waits out a dropped SYN.
    ThreadingHTTPServer.request_queue_size = 256
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            sys.exit(f"twilio stand-in: port {port} on 127.0.0.1 is already in use, perhaps by a stand-in "
                     f"started before (find it with `ss -ltnp 'sport = :{port}'`); stop it, or give another port")
        sys.exit(f"twilio stand-in: cannot listen on 127.0.0.1:{port}: {error.strerror}")
    server.daemon_threads = True
    print(f"listening {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
