#!/usr/bin/env python3
"""Transforms template.yaml with aws-sam-translator, offline, and checks what it makes.

Prints one line per check and exits non-zero when one fails.
usage: validate_template.py template.yaml
"""
import json
import os
import re
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

FUNCTIONS = {
    "VoiceFunction": ("Voice", "POST", "/api/twilio/voice"),
    "SmsFunction": ("SMS", "POST", "/api/twilio/sms"),
    "ConfigGetFunction": ("ConfigGet", "GET", "/api/companies/{companyId}/twilio/config"),
    "ConfigPutFunction": ("ConfigPut", "PUT", "/api/companies/{companyId}/twilio/config"),
    "HealthFunction": ("Health", "GET", "/api/admin/notifications/dependency-health"),
    "OutboundFunction": ("Outbound", "POST", "/api/companies/{companyId}/messages"),
}


class NoPolicies:
    """The translator asks for AWS managed policies; offline, there are none to give."""

    def load(self):
        return {}


def main():
    template = yaml_parse(open(sys.argv[1]).read())
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    for name, resource in template["Resources"].items():
        uri = resource.get("Properties", {}).get("CodeUri")
        if uri:
            check(uri == f"dist/{FUNCTIONS[name][0]}.zip", f"{name} CodeUri points at make package's zip ({uri})")
            resource["Properties"]["CodeUri"] = f"s3://switchboard-artifacts/{FUNCTIONS[name][0]}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator wants one; nothing is called
    output = transform(template, {"AWS::Region": "us-east-1"}, NoPolicies())
    resources = output["Resources"]

    for logical, (handler, method, path) in FUNCTIONS.items():
        function = resources.get(logical, {})
        props = function.get("Properties", {})
        check(function.get("Type") == "AWS::Lambda::Function", f"{logical} is a Lambda function")
        check(props.get("Runtime") == "provided.al2023", f"{logical} runs on provided.al2023")
        check(props.get("Handler") == handler, f"{logical} Handler names {handler}")
        env = props.get("Environment", {}).get("Variables", {})
        if logical == "HealthFunction":
            budget = int(env.get("SWITCHBOARD_SWEEP_BUDGET_MS", "50000")) / 1000
            check(budget + 5 <= props.get("Timeout", 0) < 60,
                  f"{logical} has time for the platform check (5 s) and a pass ({budget:.0f} s), and ends within the minute")
        else:
            check(props.get("Timeout", 0) < 15, f"{logical} times out before Twilio's 15 s")
        env = props.get("Environment", {}).get("Variables", {})
        check(env.get("SWITCHBOARD_SECRET_ID") == {"Ref": "SecretName"}, f"{logical} names its secret in SWITCHBOARD_SECRET_ID")
        check("resolve:secretsmanager" not in json.dumps(env) and "resolve:ssm" not in json.dumps(env),
              f"{logical} resolves no secret into its environment")
        secret_names = {"SWITCHBOARD_DATA_KEY", "SWITCHBOARD_DATA_KEY_PREVIOUS", "SWITCHBOARD_ADMIN_SECRET",
                        "SWITCHBOARD_ADMIN_SECRET_PREVIOUS", "SWITCHBOARD_STORE", "TWILIO_AUTH_TOKEN",
                        "SWITCHBOARD_SMTP_PASSWORD"}
        secret_looking = [name for name, value in env.items()
                          if name in secret_names or (isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9+/=_-]{24,}", value))]
        check(not secret_looking, f"{logical} holds no secret, and nothing secret-looking, in its environment {secret_looking}")
        role = resources.get(props.get("Role", {}).get("Fn::GetAtt", [""])[0], {})
        managed = role.get("Properties", {}).get("ManagedPolicyArns", [])
        check({"Ref": "SecretReadPolicy"} in managed, f"{logical}'s role may read the secret")
        routes = [r for r in resources.values() if r.get("Type") == "AWS::ApiGatewayV2::Api"]
        body = routes[0]["Properties"].get("Body", {}) if routes else {}
        operation = body.get("paths", {}).get(path, {}).get(method.lower(), {})
        integration = operation.get("x-amazon-apigateway-integration", {})
        check(integration.get("payloadFormatVersion") == "2.0", f"{method} {path} → {handler} with payload format 2.0")

    policy = resources.get("SecretReadPolicy", {}).get("Properties", {}).get("PolicyDocument", {})
    statements = policy.get("Statement", [])
    get_secret = [st for st in statements if isinstance(st, dict) and st.get("Action") == "secretsmanager:GetSecretValue"]
    check(len(get_secret) == 1 and "secret:${SecretName}-??????" in json.dumps(get_secret[0].get("Resource")),
          "the functions may GetSecretValue on that one secret only")
    check(all(isinstance(st, dict) and not str(st.get("Action", "")).endswith("*") for st in statements if isinstance(st, dict)),
          "no wildcard actions in the secret policy")
    check("kms:Decrypt" in json.dumps(statements) and "HasSecretKmsKey" in json.dumps(statements),
          "kms:Decrypt on the customer key only when a parameter names one")

    routes = [r for r in resources.values() if r.get("Type") == "AWS::ApiGatewayV2::Api"]
    paths = routes[0]["Properties"].get("Body", {}).get("paths", {}) if routes else {}
    for route, function in (("/api/twilio/voice/status", "VoiceFunction"), ("/api/twilio/sms/status", "SmsFunction")):
        status = paths.get(route, {}).get("post", {}).get("x-amazon-apigateway-integration", {})
        check(function in str(status.get("uri", "")), f"POST {route} is {function}'s status callback route")
    company_health = paths.get("/api/companies/{companyId}/health", {}).get("get", {}).get("x-amazon-apigateway-integration", {})
    check("HealthFunction" in str(company_health.get("uri", "")), "GET /api/companies/{companyId}/health is Health's second route")
    for route in ("/api/companies/{companyId}/calls", "/api/companies/{companyId}/messages"):
        archive = paths.get(route, {}).get("get", {}).get("x-amazon-apigateway-integration", {})
        check("ConfigGetFunction" in str(archive.get("uri", "")), f"GET {route} is ConfigGet's (the archive)")
    calls = paths.get("/api/companies/{companyId}/calls", {}).get("post", {}).get("x-amazon-apigateway-integration", {})
    check("OutboundFunction" in str(calls.get("uri", "")), "POST /api/companies/{companyId}/calls is Outbound's")
    out_env = resources.get("OutboundFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    check(out_env.get("SWITCHBOARD_VOICE_URL") == {"Fn::GetAtt": ["VoiceFunctionUrl", "FunctionUrl"]}
          and out_env.get("SWITCHBOARD_SMS_URL") == {"Fn::GetAtt": ["SmsFunctionUrl", "FunctionUrl"]},
          "Outbound knows where Twilio's status callbacks go")
    listing = paths.get("/api/companies", {}).get("get", {}).get("x-amazon-apigateway-integration", {})
    check("ConfigGetFunction" in str(listing.get("uri", "")), "GET /api/companies is ConfigGet's second route")
    put_env = resources.get("ConfigPutFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    check(put_env.get("SWITCHBOARD_VOICE_URL") == {"Fn::GetAtt": ["VoiceFunctionUrl", "FunctionUrl"]}
          and put_env.get("SWITCHBOARD_SMS_URL") == {"Fn::GetAtt": ["SmsFunctionUrl", "FunctionUrl"]},
          "ConfigPut knows the Function URLs it points numbers at")
    check("${PublicUrl}/api/twilio/voice" in json.dumps(put_env.get("SWITCHBOARD_VOICE_FALLBACK_URL"))
          and "${PublicUrl}/api/twilio/sms" in json.dumps(put_env.get("SWITCHBOARD_SMS_FALLBACK_URL")),
          "ConfigPut points numbers' fallback URLs at the public URL's routes when there is one")

    schedules = [r for r in resources.values() if r.get("Type") == "AWS::Events::Rule"]
    check(any(r["Properties"].get("ScheduleExpression") == "rate(1 minute)"
              and "HealthFunction" in str(r["Properties"].get("Targets")) for r in schedules),
          "Health runs every minute on an EventBridge schedule")
    health = resources.get("HealthFunction", {}).get("Properties", {})
    budget = int(health.get("Environment", {}).get("Variables", {}).get("SWITCHBOARD_SWEEP_BUDGET_MS", "0"))
    check(0 < budget <= 50000 and budget / 1000 < health.get("Timeout", 0) < 60,
          "a scheduled pass is bounded to 50 s and Health's timeout ends it before the next minute's run")
    alarms = {n: r["Properties"] for n, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"}
    rise = [a for a in alarms.values() if "DIFF(down)" in json.dumps(a.get("Metrics", []))]
    check(len(rise) == 1 and "CompaniesDown" in json.dumps(rise[0]["Metrics"]) and rise[0].get("ComparisonOperator") == "GreaterThanThreshold",
          "an alarm fires when more companies are DOWN than at the last sweep")
    check(any(a.get("MetricName") == "OldestCheckAgeSeconds" and a.get("Threshold") == {"Ref": "SweepStaleAfterSeconds"} for a in alarms.values()),
          "an alarm fires when the oldest company check is older than twice a round")
    for dependency in ("twilio", "directory"):
        check(any(a.get("Namespace") == "Switchboard" and a.get("MetricName") == "Status"
                  and a.get("Dimensions") == [{"Name": "Dependency", "Value": dependency}]
                  and a.get("EvaluationPeriods") == 2 and a.get("Threshold") == 2 for a in alarms.values()),
              f"an alarm fires when {dependency} is DOWN for two periods in a row")

    api = resources.get("SwitchboardApi", {}).get("Properties", {})
    cors = json.dumps(api.get("CorsConfiguration", api.get("Body", {}).get("x-amazon-apigateway-cors", {})))
    check("AdminOrigin" in cors and "HasAdminOrigin" in cors and '"*"' not in cors,
          "CORS allows the admin page's origin (AdminOrigin) only, and no wildcard")

    for logical in ("VoiceFunction", "SmsFunction"):
        url = resources.get(logical + "Url", {})
        check(url.get("Type") == "AWS::Lambda::Url" and url["Properties"].get("AuthType") == "NONE",
              f"{logical} has a public Function URL for Twilio")
        check(logical + "UrlPublicPermissions" in resources, f"{logical} URL may be invoked publicly")
    check(not any(r.get("Type") == "AWS::Lambda::Url" for n, r in resources.items() if n.startswith(("Config", "Health", "Outbound"))),
          "admin, health and outbound functions have no public Function URL")
    outputs = output.get("Outputs", {})
    check(outputs.get("VoiceWebhookUrl", {}).get("Value") == {"Fn::GetAtt": ["VoiceFunctionUrl", "FunctionUrl"]},
          "outputs give the Voice URL to paste into Twilio")
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
