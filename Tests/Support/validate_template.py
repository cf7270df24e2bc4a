#!/usr/bin/env python3
"""Transforms template.yaml with aws-sam-translator, offline, and checks what it makes.

Prints one line per check and exits non-zero when one fails.
usage: validate_template.py template.yaml
"""
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

FUNCTIONS = {
    "VoiceFunction": ("Voice", "POST", "/api/twilio/voice"),
    "SmsFunction": ("SMS", "POST", "/api/twilio/sms"),
    "ConfigGetFunction": ("ConfigGet", "GET", "/api/companies/{companyId}/twilio/config"),
    "ConfigPutFunction": ("ConfigPut", "PUT", "/api/companies/{companyId}/twilio/config"),
    "HealthFunction": ("Health", "GET", "/api/admin/notifications/dependency-health"),
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
        check(props.get("Timeout", 0) < 15, f"{logical} times out before Twilio's 15 s")
        env = props.get("Environment", {}).get("Variables", {})
        check("SWITCHBOARD_DATA_KEY" in env and "resolve:secretsmanager" in str(env["SWITCHBOARD_DATA_KEY"]),
              f"{logical} reads SWITCHBOARD_DATA_KEY from Secrets Manager")
        routes = [r for r in resources.values() if r.get("Type") == "AWS::ApiGatewayV2::Api"]
        body = routes[0]["Properties"].get("Body", {}) if routes else {}
        operation = body.get("paths", {}).get(path, {}).get(method.lower(), {})
        integration = operation.get("x-amazon-apigateway-integration", {})
        check(integration.get("payloadFormatVersion") == "2.0", f"{method} {path} → {handler} with payload format 2.0")

    routes = [r for r in resources.values() if r.get("Type") == "AWS::ApiGatewayV2::Api"]
    paths = routes[0]["Properties"].get("Body", {}).get("paths", {}) if routes else {}
    listing = paths.get("/api/companies", {}).get("get", {}).get("x-amazon-apigateway-integration", {})
    check("ConfigGetFunction" in str(listing.get("uri", "")), "GET /api/companies is ConfigGet's second route")
    put_env = resources.get("ConfigPutFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    check(put_env.get("SWITCHBOARD_VOICE_URL") == {"Fn::GetAtt": ["VoiceFunctionUrl", "FunctionUrl"]}
          and put_env.get("SWITCHBOARD_SMS_URL") == {"Fn::GetAtt": ["SmsFunctionUrl", "FunctionUrl"]},
          "ConfigPut knows the Function URLs it points numbers at")

    schedules = [r for r in resources.values() if r.get("Type") == "AWS::Events::Rule"]
    check(any(r["Properties"].get("ScheduleExpression") == "rate(5 minutes)"
              and "HealthFunction" in str(r["Properties"].get("Targets")) for r in schedules),
          "Health runs every 5 minutes on an EventBridge schedule")
    alarms = {n: r["Properties"] for n, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"}
    for dependency in ("twilio", "directory"):
        check(any(a.get("Namespace") == "Switchboard" and a.get("MetricName") == "Status"
                  and a.get("Dimensions") == [{"Name": "Dependency", "Value": dependency}]
                  and a.get("EvaluationPeriods") == 2 and a.get("Threshold") == 2 for a in alarms.values()),
              f"an alarm fires when {dependency} is DOWN for two periods in a row")

    for logical in ("VoiceFunction", "SmsFunction"):
        url = resources.get(logical + "Url", {})
        check(url.get("Type") == "AWS::Lambda::Url" and url["Properties"].get("AuthType") == "NONE",
              f"{logical} has a public Function URL for Twilio")
        check(logical + "UrlPublicPermissions" in resources, f"{logical} URL may be invoked publicly")
    check(not any(r.get("Type") == "AWS::Lambda::Url" for n, r in resources.items() if n.startswith(("Config", "Health"))),
          "admin and health functions have no public Function URL")
    outputs = output.get("Outputs", {})
    check(outputs.get("VoiceWebhookUrl", {}).get("Value") == {"Fn::GetAtt": ["VoiceFunctionUrl", "FunctionUrl"]},
          "outputs give the Voice URL to paste into Twilio")
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
