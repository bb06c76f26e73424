#!/usr/bin/env python3
"""The audit service's OpenAPI document is valid OpenAPI 3 and lists exactly the routes the
service installs: its /v1/ routes and the /health and /metrics every Annals process serves.

Usage: openapi_test.py SOURCE_DIR [DOCUMENT]  (DOCUMENT defaults to services/audit/openapi.yaml)
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from openapi_check import Check, served_routes  # noqa: E402

root = sys.argv[1]
check = Check(sys.argv[2] if len(sys.argv) > 2 else f"{root}/services/audit/openapi.yaml")
# A parameter without `in`.
spec = check.validated({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {
    "parameters": [{"name": "p"}], "responses": {"200": {"description": "ok"}}}}}})


def table_routes(path):
    """(get, path) of every entry of the route table in `path` (services/audit/routes.h: each
    entry {pattern, endpoint, handler}, every route a GET)."""
    source = open(path, encoding="utf-8").read()
    pattern = r'\{\s*(?:R"\((.*?)\)"|"([^"]+)")\s*,\s*"\w+"\s*,'
    return {("get", (raw or plain).replace("([^/]+)", "{id}").replace("\\.", "."))
            for raw, plain in re.findall(pattern, source)}


# The API's routes are the route table's; audit_service.cpp installs the web page ("/" and
# "/ui/...") and the two routes that are not a reader's question (whoami, access-log) itself,
# and no other /v1/ route of its own.
routes = {r for r in table_routes(f"{root}/services/audit/routes.cpp") if r[1].startswith("/v1/")}
own = {r for r in served_routes(f"{root}/services/audit/audit_service.cpp") if r[1].startswith("/v1/")}
identity_routes = {("get", "/v1/whoami"), ("get", "/v1/access-log")}
if own != identity_routes:
    check.fail(f"audit_service.cpp installs /v1/ routes outside the route table: {sorted(own)}")
routes |= own
routes.discard(("get", "/v1/districts/{id}/schools"))  # the roster: an alias of /state
shared = served_routes(f"{root}/services/http/server.cpp")  # /health, /metrics
if not routes or not shared:
    check.fail("found no routes in the sources: has the way routes are installed changed?")
routes |= shared
check.documents_exactly(spec, routes)
check.passed(spec, f"{len(routes)} routes, all documented")
