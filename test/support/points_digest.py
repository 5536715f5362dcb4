"""Recomputes a dataset version's digest from its NDJSON export, as docs/versions.md describes it.

An implementation independent of the service's (src/records/points-digest.ts), standard library only.
Usage: python3 points_digest.py '<fields as JSON: [{"name":..,"type":..}]>' < export.ndjson
"""
import hashlib
import json
import struct
import sys
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TYPES = {"number": 1, "string": 2, "boolean": 3}


def epoch_ms(text):
    return (datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH) // timedelta(milliseconds=1)


def value_bytes(value):
    if value is None:
        return b"\x00"
    if isinstance(value, bool):
        return b"\x04" if value else b"\x03"
    if isinstance(value, (int, float)):
        number = float(value)
        return b"\x01" + struct.pack(">d", 0.0 if number == 0 else number)
    text = value.encode("utf-8")
    return b"\x02" + struct.pack(">I", len(text)) + text


def main():
    fields = json.loads(sys.argv[1])
    digest = hashlib.sha256()
    digest.update(b"dsr-points/1\n" + struct.pack(">I", len(fields)))
    for field in fields:
        name = field["name"].encode("utf-8")
        digest.update(struct.pack(">I", len(name)) + name + bytes([TYPES[field["type"]]]))
    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        point = json.loads(line)
        digest.update(struct.pack(">q", epoch_ms(point["timestamp"])))
        for field in fields:
            digest.update(value_bytes(point.get(field["name"])))
        count += 1
    print(json.dumps({"digest": "sha256:" + digest.hexdigest(), "count": count}))


main()
