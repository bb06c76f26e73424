#!/usr/bin/env python3
"""The publishing services' OpenAPI document is valid OpenAPI 3 (the validator also resolves
its $refs to the event schemas in schemas/), lists exactly the routes the services install
(services/publisher/publishing_service.cpp, and the /health and /metrics of
services/http/server.cpp), and refers to every event schema in schemas/.

Usage: openapi_test.py SOURCE_DIR [DOCUMENT]  (DOCUMENT defaults to services/publisher/openapi.yaml)
"""
import glob
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from openapi_check import Check, served_routes  # noqa: E402

root = sys.argv[1]
document = sys.argv[2] if len(sys.argv) > 2 else f"{root}/services/publisher/openapi.yaml"
check = Check(document)
# A $ref to no file.
spec = check.validated({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                        "components": {"schemas": {"E": {"$ref": "no-such-file.json"}}}},
                       base_uri=f"file://{os.path.abspath(root)}/")
routes = served_routes(f"{root}/services/publisher/publishing_service.cpp")
shared = served_routes(f"{root}/services/http/server.cpp")  # /health, /metrics
if not any(p.startswith("/v1/") for _, p in routes) or not shared:
    check.fail("found no routes in the sources: has the way routes are installed changed?")
routes |= shared
check.documents_exactly(spec, routes)

# Every event type and version the contract has, and nothing else, is a request body.
here = os.path.dirname(os.path.abspath(document))
referred = {os.path.normpath(os.path.join(here, s["$ref"]))
            for s in spec["components"]["schemas"]["Event"]["oneOf"]}
schemas = {os.path.normpath(p)
           for p in glob.glob(f"{os.path.abspath(root)}/schemas/*/v*.schema.json")}
if not schemas or referred != schemas:
    check.fail(f"Event does not refer to: {sorted(schemas - referred)}; refers to no schema: "
               f"{sorted(referred - schemas)}")
check.passed(spec, f"{len(routes)} routes, all documented; {len(schemas)} event schemas")
