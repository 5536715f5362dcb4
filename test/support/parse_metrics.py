"""Reads a Prometheus text exposition on stdin and prints its samples as JSON.

The parser is the Prometheus project's own Python client (prometheus_client),
so the test reads /metrics the way a real scraper would: a malformed line fails.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    })
json.dump(families, sys.stdout)
