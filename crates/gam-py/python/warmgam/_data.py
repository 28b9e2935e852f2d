"""Input-kind dispatch (data of any supported kind → a ``_warmgam.Frame``
holding only the columns a model reads) and output frames of the caller's
kind. Libraries are imported only when the data is already one of theirs."""

from __future__ import annotations

import functools
import importlib.util
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import _warmgam
from .errors import DataError


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    # pandas.NA, numpy.nan of other float types, NaT
    try:
        return bool(v != v)
    except (TypeError, ValueError):
        return False


def _unsupported(name: str, what: str) -> DataError:
    return DataError(
        f"column '{name}': its type {what} cannot be a model variable: "
        "convert it to numbers (e.g. days since a date) or to text"
    )


def _from_objects(name: str, values: Sequence[Any]) -> tuple[str, Any]:
    """A column of Python objects: logical, numeric or text by its values."""
    present = [v for v in values if not _is_missing(v)]
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return "logical", [None if _is_missing(v) else bool(v) for v in values]
    if all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in present):
        return "numeric", np.array([np.nan if _is_missing(v) else float(v) for v in values], dtype=np.float64)
    return "text", [None if _is_missing(v) else str(v) for v in values]


def _pandas_values(s: Any) -> Any:
    """A Series' values: its numpy array, or its pandas ExtensionArray."""
    return s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array


def _from_pandas_values(name: str, values: Any) -> tuple[str, Any]:
    """A pandas column from its values: a numpy array or a pandas
    ExtensionArray (Categorical, string, masked nullable, Arrow-backed)."""
    dtype = values.dtype
    if isinstance(values, np.ndarray):
        # Without pandas' type predicates: with cold caches they cost as much as a small fit.
        if dtype.kind in "iuf":
            return "numeric", np.ascontiguousarray(values, dtype=np.float64)
        if dtype.kind == "b":
            return "logical", values.tolist()
        if dtype.kind == "O":
            return _from_objects(name, values.tolist())
        raise _unsupported(name, str(dtype))
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.asarray(values.codes, dtype=np.int64)
        levels = [str(c) for c in dtype.categories]
        return "factor", (codes, levels, bool(dtype.ordered))
    if isinstance(dtype, pd.StringDtype):
        # Each value a str or a missing marker (NaN or pd.NA): the engine reads the list as it is.
        return "strings", values.tolist()
    if pd.api.types.is_bool_dtype(dtype):
        return "logical", [None if _is_missing(v) else bool(v) for v in values.tolist()]
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "numeric", values.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_string_dtype(dtype) or dtype == object:
        return _from_objects(name, values.tolist())
    raise _unsupported(name, str(dtype))


def _from_array(name: str, values: Any) -> tuple[str, Any]:
    if _module(values) == "pandas":
        return _from_pandas_values(name, _pandas_values(values))
    arr = values if isinstance(values, np.ndarray) else np.asarray(values)
    if arr.ndim != 1:
        raise DataError(f"column '{name}': has {arr.ndim} dimensions; a column is one-dimensional")
    kind = arr.dtype.kind
    if kind in "iuf":
        return "numeric", np.ascontiguousarray(arr, dtype=np.float64)
    if kind == "b":
        return "logical", [bool(v) for v in arr]
    if kind in "US":
        return "text", [str(v) for v in arr]
    if kind == "O":
        return _from_objects(name, arr.tolist())
    raise _unsupported(name, str(arr.dtype))


@functools.cache
def _pyarrow_available() -> bool:
    # Cached: a failed import is not remembered by Python and costs ~50 µs
    # (more after a gc) on every call.
    return importlib.util.find_spec("pyarrow") is not None


# pandas' masked (numpy-backed, with a NA mask) extension dtypes.
_MASKED_DTYPES = frozenset(
    {"Float32Dtype", "Float64Dtype", "Int8Dtype", "Int16Dtype", "Int32Dtype", "Int64Dtype",
     "UInt8Dtype", "UInt16Dtype", "UInt32Dtype", "UInt64Dtype", "BooleanDtype"}
)


def _pandas_position(labels: Any, name: str) -> int:
    """The position of the column ``name`` among a DataFrame's ``labels``: the
    label itself, or the one label whose text is ``name`` (a frame made from an
    array has integer labels)."""
    try:
        at = labels.get_loc(name)
    except Exception:  # KeyError, or a label type the index cannot look up
        at = None
    if at is None:
        matches = [i for i, label in enumerate(labels) if str(label) == name]
        if not matches:
            _warmgam.require_columns([name], [str(label) for label in labels])
        at = matches[0] if len(matches) == 1 else matches
    if isinstance(at, (int, np.integer)):
        return int(at)
    count = sum(1 for label in labels if str(label) == name)
    raise DataError(f"column '{name}' appears {count} times in the DataFrame: give each column its own name")


def _pandas_needs_arrow(dtype: Any) -> bool:
    """Whether a pandas column of ``dtype`` is read through the Arrow export of
    the frame (when pyarrow is installed) rather than column by column. Column
    by column: numpy numbers and booleans, pandas' masked nullable types
    (``Float64``, ``Int64``, ``boolean``), Categoricals and strings (``str``);
    the Arrow export of a whole frame costs ~0.5 ms, more than a small fit."""
    if isinstance(dtype, np.dtype):
        return dtype.kind not in "iufb"
    import pandas as pd

    if isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype)):
        return False
    return not (isinstance(dtype, pd.api.extensions.ExtensionDtype) and type(dtype).__name__ in _MASKED_DTYPES)


def _from_pandas(data: Any, columns: list[str], factors: list[str], ordered: list[str]) -> _warmgam.Frame:
    """The ``columns`` of a pandas DataFrame, each read from its values
    (``DataFrame._get_column_array``, pandas' own accessor, costs a quarter of
    ``data[c]`` with cold caches; the public path when a pandas lacks it)."""
    labels = data.columns
    at = [_pandas_position(labels, c) for c in columns]
    get_array = getattr(data, "_get_column_array", None)
    values = [get_array(i) if get_array is not None else _pandas_values(data[labels[i]]) for i in at]
    if _pyarrow_available() and any(_pandas_needs_arrow(v.dtype) for v in values):
        sub = data[[labels[i] for i in at]]
        if hasattr(sub, "__arrow_c_stream__"):
            # Named: pandas exports a non-default index as a column too.
            return _warmgam.frame_from_arrow(sub, columns, factors, ordered)
    cols = [(c, *_from_pandas_values(c, v)) for c, v in zip(columns, values, strict=True)]
    return _warmgam.frame_from_columns(cols, factors, ordered)


def to_frame(
    data: Any, columns: Sequence[str], factors: Sequence[str] = (), ordered: Sequence[str] = ()
) -> _warmgam.Frame:
    """The ``columns`` of ``data`` as a frame the engine owns; no other column is read."""
    columns = list(dict.fromkeys(columns))
    factors, ordered = list(factors), list(ordered)
    if data is None:
        raise DataError("no data: pass data= (a DataFrame, a pyarrow or polars table, or a dict of arrays)")
    if isinstance(data, np.ndarray) and data.dtype.names is not None:
        data = {n: data[n] for n in data.dtype.names}
    if isinstance(data, Mapping):
        _warmgam.require_columns(columns, [str(k) for k in data.keys()])
        cols = [(c, *_from_array(c, data[c])) for c in columns]
        return _warmgam.frame_from_columns(cols, factors, ordered)
    mod = _module(data)
    if mod == "pandas" and hasattr(data, "columns"):
        return _from_pandas(data, columns, factors, ordered)
    if mod == "polars":
        if hasattr(data, "collect_schema") and hasattr(data, "collect") and not hasattr(data, "to_arrow"):
            _warmgam.require_columns(columns, list(data.collect_schema().names()))
            data = data.select(columns).collect()
        else:
            _warmgam.require_columns(columns, list(data.columns))
            data = data.select(columns)
        import polars as pl

        # A polars Categorical exports its levels in order of first appearance
        # (its Arrow dictionary), which depends on the row order; polars itself
        # orders them as text, as the gam command sorts a text column. (An Enum
        # keeps its declared order: an ordered factor.)
        categorical = [c for c, t in data.schema.items() if isinstance(t, pl.Categorical)]
        if categorical:
            data = data.with_columns(pl.col(categorical).cast(pl.String))
        return _warmgam.frame_from_arrow(data, None, factors, ordered)
    if mod == "pyarrow" and hasattr(data, "select") and hasattr(data, "schema"):
        _warmgam.require_columns(columns, list(data.schema.names))
        return _warmgam.frame_from_arrow(data.select(columns), None, factors, ordered)
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return _warmgam.frame_from_arrow(data, columns, factors, ordered)
    if isinstance(data, np.ndarray):
        raise DataError("name the columns: pass a dict of arrays or a DataFrame, not a bare array")
    raise DataError(
        f"cannot read data of type {type(data).__name__}: pass a pandas or polars DataFrame, "
        "a pyarrow table, an object with __arrow_c_stream__, or a dict of arrays"
    )


def output(like: Any, cols: dict[str, np.ndarray]) -> Any:
    """``cols`` as a frame of the same kind as ``like`` (a dict of arrays for dicts and numpy)."""
    mod = _module(like)
    if mod == "pandas" and hasattr(like, "index"):
        import pandas as pd

        return pd.DataFrame(cols, index=like.index)
    if mod == "polars":
        import polars as pl

        return pl.DataFrame(cols)
    if mod == "pyarrow" or (hasattr(like, "__arrow_c_stream__") and _pyarrow_available()):
        import pyarrow as pa

        return pa.table(cols)
    return cols
