#!/usr/bin/env python3
"""Checks openapi.yaml, and real responses against it, with independent OpenAPI tools.

usage: check_openapi.py SPEC                 validate the spec as OpenAPI 3.1 (openapi-spec-validator)
       check_openapi.py SPEC RESPONSES.jsonl check each response (openapi-core): one JSON object a line,
                                             {"method", "path", "query", "status", "headers", "body"}
Exit status 0 when everything conforms; otherwise each problem is printed.
"""
import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename


def check_spec(path):
    spec, _ = read_from_filename(path)
    validate(spec)
    return spec


def check_responses(spec_path, lines_path):
    from openapi_core import Config, OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    # RFC 9457 problem details are JSON under their own media type.
    # Audio is bytes, which a `format: binary` string schema describes: read as text here.
    config = Config(extra_media_type_deserializers={
        "application/problem+json": json.loads, "audio/mpeg": lambda data: data.decode("latin-1")})
    openapi = OpenAPI.from_file_path(spec_path, config=config)
    failures = 0
    count = 0
    for line in open(lines_path, encoding="utf-8"):
        if not line.strip():
            continue
        item = json.loads(line)
        count += 1
        headers = {k.lower(): v for k, v in item.get("headers", {}).items()}
        request = MockRequest("http://127.0.0.1:3000", item["method"].lower(), item["path"],
                              args=dict(p.split("=", 1) if "=" in p else (p, "") for p in item.get("query", "").split("&") if p))
        response = MockResponse(item.get("body", "").encode(), status_code=item["status"],
                                content_type=headers.get("content-type", ""), headers=headers)
        try:
            openapi.validate_response(request, response)
        except Exception as error:  # each way a response can fail to conform
            failures += 1
            detail = error
            while getattr(detail, "__cause__", None) is not None:
                detail = detail.__cause__
            print(f"{item['method']} {item['path']} -> {item['status']}: {type(error).__name__}: {error}: {detail}")
    print(f"openapi: {count} responses checked, {failures} do not conform")
    return failures == 0


def main():
    spec_path = sys.argv[1]
    try:
        check_spec(spec_path)
    except Exception as error:
        print(f"{spec_path} is not valid OpenAPI: {error}")
        sys.exit(1)
    if len(sys.argv) > 2:
        sys.exit(0 if check_responses(spec_path, sys.argv[2]) else 1)
    print(f"{spec_path}: valid OpenAPI")


if __name__ == "__main__":
    main()
