"""Parquet files of a release: zstd, page index, content-defined chunking, and the
``datasets`` features in the Arrow schema so ClassLabel and lists survive."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..article import STANCES
from .schema import COLUMNS, FEATURES

ARROW_SCHEMA = FEATURES.arrow_schema
_STANCE_INDEX = {s: i for i, s in enumerate(STANCES)}


def to_release_table(part: pa.Table) -> pa.Table:
    """Working rows (stance as text, time as ISO text) → the published Arrow table."""
    published = [
        datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) if v else None
        for v in part.column("published").to_pylist()
    ]
    stance = [_STANCE_INDEX[s] for s in part.column("stance").to_pylist()]
    arrays = []
    for name in COLUMNS:
        field = ARROW_SCHEMA.field(name)
        if name == "published":
            arrays.append(pa.array(published, type=field.type))
        elif name == "stance":
            arrays.append(pa.array(stance, type=field.type))
        else:
            arrays.append(part.column(name).cast(field.type))
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(
        table,
        tmp,
        compression="zstd",
        write_page_index=True,
        use_content_defined_chunking=True,
        row_group_size=10_000,
        write_statistics=True,
    )
    tmp.replace(path)
