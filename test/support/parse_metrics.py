"""Reads a Prometheus text exposition on stdin and prints its samples as JSON.

The parser is the Prometheus project's own Python client (prometheus_client),
so the test reads /metrics the way a real scraper would: a malformed line fails.
"""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def finite_or_name(value):
    """NaN and the infinities are valid sample values (prom-client's event-loop gauges read NaN when no
    delay was recorded since the last scrape), but not JSON numbers: they travel as their names."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": finite_or_name(s.value)} for s in family.samples],
    })
json.dump(families, sys.stdout, allow_nan=False)
