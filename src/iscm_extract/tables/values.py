"""Table values as plain JSON data, the same for every reader of the tables (diff.py compares them
across runs, review.py puts them in its page): a numpy array or tuple becomes a list, a date its
ISO text, a null of any kind (None, NaN, pd.NA, NaT) None:

    json_value(np.array(["iscm-a", "iscm-b"]))  ->  ["iscm-a", "iscm-b"]
    json_value(date(2023, 5, 4))                ->  "2023-05-04"
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def json_value(value: Any) -> Any:
    """A table value comparable across runs and printable as JSON."""
    if hasattr(value, "tolist"):  # numpy arrays and scalars: Python lists and numbers
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value
