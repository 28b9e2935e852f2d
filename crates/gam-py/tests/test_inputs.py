"""Each input kind gives the same model: pandas (numpy- and Arrow-backed,
nullable, Categorical), polars, pyarrow, a bare Arrow C stream exporter and
dicts; predictions come back in the caller's kind."""

from __future__ import annotations

import numpy as np
import pytest

import warmgam as wg
from conftest import BENCH, MCYCLE, read_csv_dict

FORMULA = "accel ~ s(times, k = 20)"
CAKE = BENCH / "data" / "cake.csv"
CAKE_FORMULA = "angle ~ recipe + s(temp, k = 5) + s(replicate, bs = \"re\")"


@pytest.fixture(scope="module")
def reference():
    return wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=False)


def _same(m, ref):
    np.testing.assert_array_equal(m.coefficients, ref.coefficients)
    assert m.to_json() == ref.to_json()


def test_pandas_numpy_arrow_backed_and_nullable(reference):
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(MCYCLE)
    df["extra"] = [{"a": 1}] * len(df)  # never read
    _same(wg.gam(FORMULA, data=df, cache=False), reference)
    nullable = df.astype({"times": "Float64", "accel": "Float64"})
    _same(wg.gam(FORMULA, data=nullable, cache=False), reference)
    pytest.importorskip("pyarrow")
    arrow_backed = pd.read_csv(MCYCLE, dtype_backend="pyarrow", engine="pyarrow")
    _same(wg.gam(FORMULA, data=arrow_backed, cache=False), reference)
    p = reference.predict(df.iloc[10:20], se=True)
    assert isinstance(p, pd.DataFrame) and list(p.index) == list(range(10, 20))
    # An index of dates (exported with the columns over Arrow) is not read.
    dated = df.set_index(pd.date_range("2020-01-01", periods=len(df)))
    _same(wg.gam(FORMULA, data=dated, cache=False), reference)
    assert list(reference.predict(dated.iloc[:3]).index) == list(dated.index[:3])


def test_pandas_missing_values_of_every_spelling(reference):
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(MCYCLE).astype({"accel": "Float64"})
    df.loc[[2, 9], "accel"] = pd.NA
    m = wg.gam(FORMULA, data=df, cache=False)
    ref = wg.gam(FORMULA, data=df.dropna(), cache=False)
    assert (m.n_dropped, m.n) == (2, 131)
    np.testing.assert_array_equal(m.coefficients, ref.coefficients)


def test_pandas_without_pyarrow_reads_column_by_column(reference, monkeypatch):
    pd = pytest.importorskip("pandas")
    from warmgam import _data

    monkeypatch.setattr(_data, "_pyarrow_available", lambda: False)
    df = pd.read_csv(MCYCLE)
    _same(wg.gam(FORMULA, data=df, cache=False), reference)


def test_categoricals_are_factors_and_text_sorts_as_the_command():
    pd = pytest.importorskip("pandas")
    cake = pd.read_csv(CAKE)
    text = wg.gam(CAKE_FORMULA, data=cake, factors=["replicate"], cache=False)
    as_dict = wg.gam(CAKE_FORMULA, data=read_csv_dict(CAKE), factors=["replicate"], cache=False)
    _same(text, as_dict)
    cat = cake.assign(recipe=cake["recipe"].astype("category"), replicate=cake["replicate"].astype("category"))
    cat["replicate"] = cat["replicate"].cat.rename_categories(str)
    _same(wg.gam(CAKE_FORMULA, data=cat, cache=False), text)


def test_pandas_text_of_every_storage_with_missing_values_reads_as_the_command():
    """pandas' string columns are read column by column (not over Arrow): the
    same fit for each storage and missing marker as a pyarrow table and a dict."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    cake = pd.read_csv(CAKE)
    cake.loc[[3, 40], "recipe"] = None
    as_dict = read_csv_dict(CAKE)
    as_dict["recipe"] = [None if i in (3, 40) else v for i, v in enumerate(as_dict["recipe"])]
    ref = wg.gam(CAKE_FORMULA, data=as_dict, cache=False)
    assert (ref.n_dropped, ref.n) == (2, 268)
    _same(wg.gam(CAKE_FORMULA, data=pa.Table.from_pandas(cake, preserve_index=False), cache=False), ref)
    for dtype in (pd.StringDtype("pyarrow"), pd.StringDtype("python"), pd.StringDtype("python", na_value=np.nan),
                  "object"):
        frame = cake.astype({"recipe": dtype, "replicate": dtype})
        _same(wg.gam(CAKE_FORMULA, data=frame, cache=False), ref)


def test_a_pandas_frame_without_the_column_names_it_and_lists_the_labels():
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(MCYCLE)
    numbered = pd.DataFrame({0: df["times"], 1: df["accel"]})
    with pytest.raises(wg.errors.DataError, match=r"unknown column 'accel' \(available: 0, 1\)"):
        wg.gam(FORMULA, data=numbered, cache=False)


def test_polars_and_pyarrow_tables(reference):
    pa = pytest.importorskip("pyarrow")
    table = pa.table({k: v for k, v in read_csv_dict(MCYCLE).items()})
    _same(wg.gam(FORMULA, data=table, cache=False), reference)
    _same(wg.gam(FORMULA, data=table.to_batches()[0], cache=False), reference)
    out = reference.predict(table.slice(0, 5))
    assert isinstance(out, pa.Table) and out.column_names == ["fit"]

    class Stream:  # only the Arrow PyCapsule interface
        def __init__(self, t):
            self._t = t

        def __arrow_c_stream__(self, requested_schema=None):
            return self._t.__arrow_c_stream__(requested_schema)

    _same(wg.gam(FORMULA, data=Stream(table.append_column("s", pa.array([[1]] * table.num_rows))), cache=False),
          reference)
    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(table)
    _same(wg.gam(FORMULA, data=frame, cache=False), reference)
    _same(wg.gam(FORMULA, data=frame.lazy(), cache=False), reference)
    assert isinstance(reference.predict(frame.head(3)), pl.DataFrame)


def test_an_arrow_column_of_an_unusable_type_is_named():
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"times": pa.array([[1.0]] * 5), "accel": pa.array([1.0] * 5)})
    with pytest.raises(wg.errors.DataError, match="column 'times'"):
        wg.gam(FORMULA, data=table, cache=False)


def test_unused_categories_are_dropped_as_mgcv_does():
    pd = pytest.importorskip("pandas")
    cake = pd.read_csv(CAKE)
    cat = cake.assign(recipe=pd.Categorical(cake["recipe"], categories=["A", "B", "C", "Z"]))
    used = cake.assign(recipe=pd.Categorical(cake["recipe"], categories=["A", "B", "C"]))
    _same(wg.gam(CAKE_FORMULA, data=cat, factors=["replicate"], cache=False),
          wg.gam(CAKE_FORMULA, data=used, factors=["replicate"], cache=False))


def test_a_pandas_label_shared_by_two_columns_is_refused_by_name():
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(MCYCLE)
    dup = pd.concat([df, df[["times"]]], axis=1)
    with pytest.raises(wg.errors.DataError, match="column 'times' appears 2 times"):
        wg.gam(FORMULA, data=dup, cache=False)
    # A repeated column the formula does not name is not read.
    other = pd.concat([df, df[["times"]].rename(columns={"times": "x"}), df[["times"]].rename(columns={"times": "x"})], axis=1)
    wg.gam(FORMULA, data=other, cache=False)


def test_a_polars_enum_is_an_ordered_factor_of_its_categories():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    cake = pd.read_csv(CAKE)
    order = ["C", "A", "B"]  # not sorted: the Enum's order is the factor's
    frame = pl.from_pandas(cake).with_columns(pl.col("recipe").cast(pl.Enum(order)))
    m = wg.gam(CAKE_FORMULA, data=frame, factors=["replicate"], cache=False)
    # An Enum is exported as an ordered dictionary: an ordered factor
    # (polynomial contrasts), as a pandas Categorical(ordered=True).
    assert m.coefficient_names[1:3] == ["recipe.L", "recipe.Q"]
    ordered = cake.assign(recipe=pd.Categorical(cake["recipe"], categories=order, ordered=True))
    _same(m, wg.gam(CAKE_FORMULA, data=ordered, factors=["replicate"], cache=False))
    # Read as a plain factor, its order gives the baseline (C).
    plain = wg.gam(CAKE_FORMULA, data=frame.with_columns(pl.col("recipe").cast(pl.String)),
                   factors=["replicate"], cache=False)
    assert plain.coefficient_names[1:3] == ["recipeB", "recipeC"]


def test_a_polars_categorical_sorts_its_levels_as_text():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    cake = pd.read_csv(CAKE).sort_values("recipe", ascending=False)  # C first
    text = wg.gam(CAKE_FORMULA, data=cake, factors=["replicate"], cache=False)
    categorical = pl.from_pandas(cake).with_columns(pl.col("recipe").cast(pl.Categorical))
    _same(wg.gam(CAKE_FORMULA, data=categorical, factors=["replicate"], cache=False), text)
