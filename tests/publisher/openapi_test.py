#!/usr/bin/env python3
"""The publishing services' OpenAPI document is valid OpenAPI 3 (openapi-spec-validator,
which also resolves its $refs to the event schemas in schemas/), lists exactly the routes
the services install (services/publisher/publishing_service.cpp, and the /health and
/metrics of services/http/server.cpp), and refers to every event schema in schemas/.

Usage: openapi_test.py SOURCE_DIR [DOCUMENT]  (DOCUMENT defaults to services/publisher/openapi.yaml)
"""
import glob
import os
import re
import sys

root = sys.argv[1]
document = sys.argv[2] if len(sys.argv) > 2 else f"{root}/services/publisher/openapi.yaml"
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

# The validator must refuse a broken document (a $ref to no file), or its OK means nothing.
try:
    validate({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
              "components": {"schemas": {"E": {"$ref": "no-such-file.json"}}}},
             base_uri=f"file://{os.path.abspath(root)}/")
except Exception:  # noqa: BLE001 - any refusal will do
    pass
else:
    fail("openapi-spec-validator accepted a broken document")

try:
    spec, base_uri = read_from_filename(document)
    validate(spec, base_uri=base_uri)
except Exception as e:  # noqa: BLE001 - a validation error, or a $ref that does not resolve
    fail(f"not a valid OpenAPI document: {str(e).splitlines()[0][:2000]}")

routes = served_routes(f"{root}/services/publisher/publishing_service.cpp")
shared = served_routes(f"{root}/services/http/server.cpp")  # /health, /metrics
if not any(p.startswith("/v1/") for _, p in routes) or not shared:
    fail("found no routes in the sources: has the way routes are installed changed?")
routes |= shared
documented = {(m, p) for p, item in spec["paths"].items() for m in item if m in METHODS}
missing, stale = routes - documented, documented - routes
if missing or stale:
    fail(f"undocumented routes: {sorted(missing)}; documented but not served: {sorted(stale)}")

# Every event type and version the contract has, and nothing else, is a request body.
here = os.path.dirname(os.path.abspath(document))
referred = {os.path.normpath(os.path.join(here, s["$ref"]))
            for s in spec["components"]["schemas"]["Event"]["oneOf"]}
schemas = {os.path.normpath(p)
           for p in glob.glob(f"{os.path.abspath(root)}/schemas/*/v*.schema.json")}
if not schemas or referred != schemas:
    fail(f"Event does not refer to: {sorted(schemas - referred)}; refers to no schema: "
         f"{sorted(referred - schemas)}")
print(f"openapi: {document}: valid OpenAPI {spec['openapi']} "
      f"(openapi-spec-validator {version('openapi-spec-validator')}); "
      f"{len(routes)} routes, all documented; {len(schemas)} event schemas")
