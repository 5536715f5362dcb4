"""Schemathesis hooks for `npm run test:fuzz`.

The OpenAPI document states every rule a single value must follow, and a test
(src/common/swagger/strict-document.spec.ts) keeps it exactly in step with the
validators. A few rules relate several values, or depend on data the server
holds, and JSON Schema (OpenAPI 3.0) cannot state them; each is written in the
parameter's description. Generated requests that break one of them are skipped
here, so that "schema-valid but rejected" means a real disagreement:

- `every` and `agg` go together, and `every` is at most 3650000d;
- a range's end is after its start (`from`/`to`, `createdFrom`/`createdTo`);
- a dataset's `fields` have distinct names;
- `attributes` keys follow their pattern (OpenAPI 3.0 has no `propertyNames`);
- `cursor` values are opaque tokens only the server issues;
- a records upload's points carry the dataset's own fields, which a static
  document cannot know: only points made of a `timestamp` are generated.
"""
import re
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


@schemathesis.hook
def map_query(ctx, query):
    if query and "cursor" in query:
        query = {key: value for key, value in query.items() if key != "cursor"}
    return query


@schemathesis.hook
def filter_query(ctx, query):
    if not query:
        return True
    if ("every" in query) != ("agg" in query):
        return False
    every = DURATION.match(str(query.get("every", "")))
    if every and int(every.group(1)) * UNIT_MS[every.group(2)] > MAX_EVERY_MS:
        return False
    for start_name, end_name, strict in RANGES:
        start, end = instant(query.get(start_name)), instant(query.get(end_name))
        if start is not None and end is not None and (end <= start if strict else end < start):
            return False
    return True


def is_timestamp_only_point(point):
    if not isinstance(point, dict) or set(point) - {"timestamp"}:
        return False
    value = point.get("timestamp")
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, (int, float)):
        # Epoch milliseconds are taken too (not stated by the document): skip them, negative or not.
        return False
    return not isinstance(value, str) or TIMESTAMP.match(value) is not None or not re.match(r"^\d{4}-", value)


@schemathesis.hook
def filter_body(ctx, body):
    path = ctx.operation.path if ctx.operation else ""
    if path.endswith("/records") and isinstance(body, list):
        return all(is_timestamp_only_point(point) for point in body)
    if isinstance(body, dict):
        fields = body.get("fields")
        if isinstance(fields, list):
            names = [field.get("name") for field in fields if isinstance(field, dict)]
            if len(names) != len(set(map(str, names))):
                return False
        attributes = body.get("attributes")
        if isinstance(attributes, dict) and not all(MAP_KEY.match(key) and key not in ("constructor", "prototype") for key in attributes):
            return False
    return True
