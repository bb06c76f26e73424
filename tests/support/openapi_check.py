"""What the OpenAPI tests share (tests/audit/openapi_test.py, tests/publisher/openapi_test.py):
validating a document with openapi-spec-validator (installed by deploy/local/install-deps),
finding the routes a C++ source installs, and comparing the two."""
import re
import sys

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class Check:
    def __init__(self, document):
        self.document = document

    def fail(self, message):
        print(message)
        print(f"openapi: {self.document}: FAILED")
        sys.exit(1)

    def validated(self, broken, base_uri=""):
        """The document, validated; `broken` is a document the validator must refuse (else its
        OK means nothing)."""
        try:
            from importlib.metadata import version
            from openapi_spec_validator import validate
            from openapi_spec_validator.readers import read_from_filename
        except ImportError as e:
            self.fail(f"the OpenAPI validator is missing ({e}): run deploy/local/install-deps")
        self.validator = f"openapi-spec-validator {version('openapi-spec-validator')}"
        try:
            validate(broken, base_uri=base_uri)
        except Exception:  # noqa: BLE001 - any refusal will do
            pass
        else:
            self.fail("openapi-spec-validator accepted a broken document")
        try:
            spec, uri = read_from_filename(self.document)
            validate(spec, base_uri=uri)
        except Exception as e:  # noqa: BLE001 - a validation error, or a $ref that does not resolve
            self.fail(f"not a valid OpenAPI document: {str(e).splitlines()[0][:2000]}")
        return spec

    def documents_exactly(self, spec, routes):
        """Every served (method, path) is documented and nothing else is."""
        documented = {(m, p) for p, item in spec["paths"].items() for m in item if m in METHODS}
        missing, stale = routes - documented, documented - routes
        if missing or stale:
            self.fail(f"undocumented routes: {sorted(missing)}; documented but not served: {sorted(stale)}")

    def passed(self, spec, what):
        print(f"openapi: {self.document}: valid OpenAPI {spec['openapi']} ({self.validator}); {what}")


def served_routes(path):
    """(method, path) of every route a C++ source installs with httplib, e.g. server.Get(...)."""
    source = open(path, encoding="utf-8").read()
    pattern = r'\b\w+\.(Get|Post|Put|Delete|Patch|Options)\(\s*(?:R"\((.*?)\)"|"([^"]+)")'
    return {(method.lower(), (raw or plain).replace("([^/]+)", "{id}").replace("\\.", "."))
            for method, raw, plain in re.findall(pattern, source)}
