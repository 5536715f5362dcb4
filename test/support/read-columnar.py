"""Reads a records export as Parquet and as an Arrow IPC stream with pyarrow and
compares every value with the NDJSON export of the same range.

    python read-columnar.py EXPORT.ndjson EXPORT.parquet EXPORT.arrows

Prints one JSON object: per file, the schema pyarrow sees (types, nullability,
field and schema metadata; for Parquet also the logical types, row groups and
key-value metadata keys), the row count, and the rows that differ from the
NDJSON export (their count and the first few).
"""

import datetime
import json
import sys

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MS = datetime.timedelta(milliseconds=1)


def decoded(metadata):
    return {k.decode(): v.decode() for k, v in (metadata or {}).items()}


def describe(table):
    return {
        "rows": table.num_rows,
        "fields": [
            {"name": f.name, "type": str(f.type), "nullable": f.nullable, "metadata": decoded(f.metadata)}
            for f in table.schema
        ],
        "metadata": decoded(table.schema.metadata),
    }


def python_columns(table):
    """Each column as Python values; timestamps as epoch milliseconds."""
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_timestamp(field.type):
            column = column.cast(pa.int64())
        columns.append(column.to_pylist())
    return columns


def ndjson_columns(ndjson_path, names):
    """The NDJSON export as columns named like the file's; timestamps as epoch milliseconds."""
    columns = {name: [] for name in names}
    with open(ndjson_path, encoding="utf-8") as lines:
        for line in lines:
            point = json.loads(line)
            point["timestamp"] = (datetime.datetime.fromisoformat(point["timestamp"]) - EPOCH) // MS
            for name, column in columns.items():
                column.append(point.get(name, "<missing>"))
    return columns


def compare(expected, table):
    """Rows that differ. Python's == takes True for 1, so the types are checked too (the schema is checked apart)."""
    differences = []
    for name, actual in zip(table.schema.names, python_columns(table)):
        wanted = expected[name]
        if len(wanted) != len(actual):
            differences.append({"column": name, "rows": {"ndjson": len(wanted), "file": len(actual)}})
        elif wanted != actual or any(isinstance(a, bool) != isinstance(b, bool) for a, b in zip(wanted, actual)):
            differences.extend(
                {"row": row, "column": name, "ndjson": a, "file": b}
                for row, (a, b) in enumerate(zip(wanted, actual))
                if a != b or isinstance(a, bool) != isinstance(b, bool)
            )
    return {"count": len(differences), "first": differences[:5]}


def main(ndjson_path, parquet_path, arrow_path):
    parquet = pq.ParquetFile(parquet_path)
    parquet_table = parquet.read()
    with open(arrow_path, "rb") as source:
        arrow_table = ipc.open_stream(source).read_all()
    physical = parquet.schema
    expected = ndjson_columns(ndjson_path, parquet_table.schema.names)
    result = {
        "pyarrow": pa.__version__,
        "parquet": {
            **describe(parquet_table),
            "logicalTypes": {physical.column(i).name: str(physical.column(i).logical_type) for i in range(len(physical))},
            "rowGroups": [parquet.metadata.row_group(i).num_rows for i in range(parquet.metadata.num_row_groups)],
            "keyValueKeys": sorted(decoded(parquet.metadata.metadata).keys()),
            "differences": compare(expected, parquet_table),
        },
        "arrow": {
            **describe(arrow_table),
            "batches": [batch.num_rows for batch in arrow_table.to_batches()],
            "differences": compare(expected, arrow_table),
        },
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:4])
