#!/usr/bin/env python3
"""The audit service's OpenAPI document is valid OpenAPI 3 (openapi-spec-validator, the
validator deploy/local/install-deps installs) and lists exactly the routes the service
installs: its /v1/ routes and the /health and /metrics every Annals process serves.

Usage: openapi_test.py SOURCE_DIR [DOCUMENT]  (DOCUMENT defaults to services/audit/openapi.yaml)
"""
import re
import sys

root = sys.argv[1]
document = sys.argv[2] if len(sys.argv) > 2 else f"{root}/services/audit/openapi.yaml"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def served_routes(path):
    """(method, path) of every route a C++ source installs with httplib, e.g. server.Get(...)."""
    source = open(path, encoding="utf-8").read()
    pattern = r'\b\w+\.(Get|Post|Put|Delete|Patch|Options)\(\s*(?:R"\((.*?)\)"|"([^"]+)")'
    return {(method.lower(), (raw or plain).replace("([^/]+)", "{id}").replace("\\.", "."))
            for method, raw, plain in re.findall(pattern, source)}


def fail(message):
    print(message)
    print(f"openapi: {document}: FAILED")
    sys.exit(1)


try:
    from importlib.metadata import version
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename
except ImportError as e:
    fail(f"the OpenAPI validator is missing ({e}): run deploy/local/install-deps")

# The validator must refuse a broken document (a parameter without `in`), or its OK means nothing.
try:
    validate({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {
        "parameters": [{"name": "p"}], "responses": {"200": {"description": "ok"}}}}}})
except Exception:  # noqa: BLE001 - any refusal will do
    pass
else:
    fail("openapi-spec-validator accepted a broken document")

try:
    spec, base_uri = read_from_filename(document)
    validate(spec, base_uri=base_uri)
except Exception as e:  # noqa: BLE001 - a validation error, or a $ref that does not resolve
    fail(f"not a valid OpenAPI document: {str(e).splitlines()[0][:2000]}")

routes = {(m, p) for m, p in served_routes(f"{root}/services/audit/audit_service.cpp")
          if p.startswith("/v1/")}  # the API; "/" and "/ui/..." are the web page
routes.discard(("get", "/v1/districts/{id}/schools"))  # the roster: an alias of /state
shared = served_routes(f"{root}/services/http/server.cpp")  # /health, /metrics
if not routes or not shared:
    fail("found no routes in the sources: has the way routes are installed changed?")
routes |= shared
documented = {(m, p) for p, item in spec["paths"].items() for m in item if m in METHODS}
missing, stale = routes - documented, documented - routes
if missing or stale:
    fail(f"undocumented routes: {sorted(missing)}; documented but not served: {sorted(stale)}")
print(f"openapi: {document}: valid OpenAPI {spec['openapi']} "
      f"(openapi-spec-validator {version('openapi-spec-validator')}); "
      f"{len(routes)} routes, all documented")
