"""Schemathesis hooks for `npm run test:fuzz`.

The OpenAPI document states every rule a single value must follow, and a test
(src/common/swagger/strict-document.spec.ts) keeps it exactly in step with the
validators. A few rules relate several values, or depend on data the server
holds, and JSON Schema (OpenAPI 3.0) cannot state them; each is written in the
parameter's description. Generated requests that break one of them are skipped
here, so that "schema-valid but rejected" means a real disagreement. The
examples and coverage phases do not apply filters, so `filter_failure` drops
an ST202 (schema-valid request rejected) whose request breaks one of them,
and nothing else:

- `every` and `agg` go together, and `every` is at most 3650000d;
- a read names a `version` or a `tag`, not both;
- a range's end is after its start (`from`/`to`, `createdFrom`/`createdTo`);
- a dataset's `fields` have distinct names;
- `attributes` keys follow their pattern (OpenAPI 3.0 has no `propertyNames`);
- no JSON body holds a `__proto__` key, at any depth (bulk items are free-form
  in the document, each validated on its own);
- `cursor` values are opaque tokens only the server issues;
- a records upload's points carry the dataset's own fields, which a static
  document cannot know: only points made of a `timestamp` are generated.

Two more rules depend on the dataset a request reaches, so no generated
request is skipped for them, but a "schema-valid request rejected" that breaks
one is not counted (see failure_rule_broken): a CSV or NDJSON upload's text
holds the dataset's own fields (its schema can only say "a string"), and a
read's or a chart's `fields` names fields of the dataset.

Operations that consume what another made (restore a trashed dataset, revoke a
grant, remove a tag) get, beside generated ids, those of something made for the
case through the API (FUZZ_API_URL, as the admin): random ids alone only ever
reach their 404, and a fixture made once is spent by the first case.
"""
import json
import os
import re
import urllib.request
import uuid
from datetime import datetime

import schemathesis

DURATION = re.compile(r"^([1-9][0-9]{0,8})(ms|s|m|h|d|w)$")
UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
MAX_EVERY_MS = 3_650_000 * 86_400_000
EPOCH_MS = re.compile(r"^(?:0|[1-9][0-9]{0,13}|-[1-9][0-9]{0,12})$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$")
MAP_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
RANGES = (("from", "to", True), ("createdFrom", "createdTo", False))


def instant(text):
    """Epoch milliseconds of a range bound, or None when it is not one."""
    if not isinstance(text, str):
        return None
    if EPOCH_MS.match(text):
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T", 1))
    except ValueError:
        return None
    return None if moment.tzinfo is None else int(moment.timestamp() * 1000)


def query_rule_broken(query):
    """The unstated rule a query breaks, or None."""
    if not query:
        return None
    if "cursor" in query:
        return "cursor is not one the server issued"
    if ("every" in query) != ("agg" in query):
        return "every and agg go together"
    if "version" in query and "tag" in query:
        return "version and tag do not go together"
    every = DURATION.match(str(query.get("every", "")))
    if every and int(every.group(1)) * UNIT_MS[every.group(2)] > MAX_EVERY_MS:
        return "every is beyond 3650000d"
    for start_name, end_name, strict in RANGES:
        start, end = instant(query.get(start_name)), instant(query.get(end_name))
        if start is not None and end is not None and (end <= start if strict else end < start):
            return f"{end_name} is not after {start_name}"
    return None


def is_timestamp_only_point(point):
    if not isinstance(point, dict) or set(point) - {"timestamp"}:
        return False
    value = point.get("timestamp")
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        # Epoch milliseconds, which the document states (an integer within the years 0000-9999).
        return True
    if isinstance(value, float):
        return value.is_integer()
    return not isinstance(value, str) or TIMESTAMP.match(value) is not None or not re.match(r"^\d{4}-", value)


def holds_proto_key(value):
    if isinstance(value, dict):
        return "__proto__" in value or any(holds_proto_key(item) for item in value.values())
    return isinstance(value, list) and any(holds_proto_key(item) for item in value)


def body_rule_broken(path, body):
    """The unstated rule a body breaks, or None."""
    if holds_proto_key(body):
        return "no __proto__ key anywhere in a JSON body"
    if path.endswith("/records") and isinstance(body, list):
        return None if all(is_timestamp_only_point(point) for point in body) else "points carry fields of their dataset"
    if isinstance(body, dict):
        fields = body.get("fields")
        if isinstance(fields, list):
            names = [field.get("name") for field in fields if isinstance(field, dict)]
            if len(names) != len(set(map(str, names))):
                return "fields have distinct names"
        attributes = body.get("attributes")
        if isinstance(attributes, dict) and not all(MAP_KEY.match(key) and key not in ("constructor", "prototype") for key in attributes):
            return "attributes keys follow their pattern"
    return None


def failure_rule_broken(case):
    """The unstated rule a rejected request breaks, or None: those of the filters, and those of the data it reaches."""
    path = case.operation.path
    reason = query_rule_broken(case.query) or body_rule_broken(path, case.body)
    if reason is not None:
        return reason
    if path.endswith("/records") and isinstance(case.body, (str, bytes)):
        return "CSV and NDJSON points carry fields of their dataset"
    if path.endswith(("/records", "/chart.svg")) and case.query and "fields" in case.query:
        return "fields names fields of the dataset"
    return None


@schemathesis.hook
def filter_query(ctx, query):
    return query_rule_broken(query) is None


@schemathesis.hook
def filter_body(ctx, body):
    return body_rule_broken(ctx.operation.path if ctx.operation else "", body) is None


# Each dropped failure is written here (the working directory is the report's), for run-fuzz.ts to count by reason.
DROPPED_LOG = "dropped-failures.ndjson"


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if failure.code != "ST202":
        return True
    reason = failure_rule_broken(case)
    if reason is None:
        return True
    with open(DROPPED_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps({"operation": f"{case.method} {case.operation.path}", "reason": reason}) + "\n")
    return False


API_URL = os.environ.get("FUZZ_API_URL")
ADMIN_TOKEN = os.environ.get("FUZZ_ADMIN_TOKEN")


def call(method, path, body=None):
    """The service's answer to one request as the bootstrap admin (a dict, or None for no body)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **({"Content-Type": "application/json"} if data else {})}
    with urllib.request.urlopen(urllib.request.Request(API_URL + path, data=data, method=method, headers=headers)) as response:
        text = response.read()
    return json.loads(text) if text else None


def fresh_dataset(name):
    return call("POST", "/datasets", {"name": f"{name} {uuid.uuid4().hex[:12]}", "fields": [{"name": "kw", "type": "number"}]})


def fresh_tag():
    dataset = fresh_dataset("fuzz untag")
    call("POST", f"/datasets/{dataset['id']}/records", [{"timestamp": "2026-11-27T00:00:00Z", "kw": 1}])
    version = call("POST", f"/datasets/{dataset['id']}/versions")
    call("PUT", f"/datasets/{dataset['id']}/tags/fuzz", {"version": version["version"]})
    return {"id": dataset["id"], "name": "fuzz"}


def fresh_grant():
    dataset = fresh_dataset("fuzz revoke")
    user = call("POST", "/users", {"email": f"grantee-{uuid.uuid4().hex[:12]}@example.com", "name": "Fuzz grantee"})
    call("PUT", f"/datasets/{dataset['id']}/access/{user['id']}", {"level": "read"})
    return {"id": dataset["id"], "userId": user["id"]}


def fresh_version():
    dataset = fresh_dataset("fuzz version")
    call("POST", f"/datasets/{dataset['id']}/records", [{"timestamp": "2026-11-27T00:00:00Z", "kw": 1}])
    return {"id": dataset["id"], "version": str(call("POST", f"/datasets/{dataset['id']}/versions")["version"])}


def fresh_trashed():
    dataset = fresh_dataset("fuzz restore")
    call("DELETE", f"/datasets/{dataset['id']}")
    return {"id": dataset["id"]}


FRESH = {
    ("DELETE", "/datasets/{id}/tags/{name}"): fresh_tag,
    ("POST", "/datasets/{id}/restore"): fresh_trashed,
    ("DELETE", "/datasets/{id}/access/{userId}"): fresh_grant,
    ("DELETE", "/datasets/{id}/versions/{version}"): fresh_version,
}
# Enough for each to be served a few times; more would only slow the run down.
FRESH_PER_OPERATION = 5
made = {}
VALID_PATH_PARAMETER = {
    "id": re.compile(r"^(?:[0-9a-fA-F]{24}|[1-9][0-9]{0,14})$"),
    "userId": re.compile(r"^[0-9a-fA-F]{24}$"),
    "name": re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"),
    "version": re.compile(r"^(?:[1-9][0-9]{0,8}|1000000000)$"),
}


@schemathesis.hook
def map_path_parameters(ctx, parameters):
    """Every other one of the first cases of a consuming operation gets the ids of something made just now for it."""
    make = FRESH.get((ctx.operation.method.upper(), ctx.operation.path)) if ctx.operation and API_URL else None
    if make is None or not isinstance(parameters, dict):
        return parameters
    # A case meant to be refused (negative mode) holds an invalid id: it must stay refused.
    if not all(isinstance(value, str) and VALID_PATH_PARAMETER[name].match(value) for name, value in parameters.items()):
        return parameters
    key = (ctx.operation.method.upper(), ctx.operation.path)
    made[key] = made.get(key, 0) + 1
    if made[key] % 2 == 0 or made[key] > 2 * FRESH_PER_OPERATION:
        return parameters
    try:
        return {**parameters, **make()}
    except OSError as error:
        # The fuzzer may have revoked the token or deleted a user on the way: fall back to generated ids.
        print(f"hooks.py: could not make data for {ctx.operation.method.upper()} {ctx.operation.path}: {error}")
        return parameters
