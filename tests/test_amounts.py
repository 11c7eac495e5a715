import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealgraph import parse_amount
from dealgraph.reading.cells import BAD_AMOUNT, parse_amounts

EXAMPLES = [
    ("30e9", 30e9, None, None),
    ("$30B", 30e9, "USD", None),
    ("30 billion", 30e9, None, None),
    ("300亿美元", 30e9, "USD", None),
    ("1.4万亿美元", 1.4e12, "USD", None),
    ("50亿", 5e9, None, None),
    ("三百亿美元", 30e9, "USD", None),
    ("高达300亿美元", 30e9, "USD", "up_to"),
    ("up to $10bn", 10e9, "USD", "up_to"),
    ("about 1,200 million USD", 1.2e9, "USD", "estimated"),
    ("约50亿元", 5e9, "CNY", "estimated"),
    ("€2.5m", 2.5e6, "EUR", None),
    ("１００亿美元", 10e9, "USD", None),  # full-width digits
    (38_000_000_000, 38e9, None, None),
]


@pytest.mark.parametrize(("text", "value", "currency", "qualifier"), EXAMPLES)
def test_parse_amount_examples(text, value, currency, qualifier):
    p = parse_amount(text)
    assert math.isclose(p.value, value, rel_tol=1e-12)
    assert p.currency == currency
    assert p.qualifier == qualifier


@pytest.mark.parametrize("text", ["", "   ", None, float("nan")])
def test_empty_is_unknown(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize("text", ["abc", "-5", "$-3B", "30 zillion", "1e999", "亿"])
def test_bad_amounts_raise(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@given(st.decimals(min_value=0, max_value=10**6, places=3), st.sampled_from([("B", 1e9), ("亿", 1e8), ("万亿", 1e12), (" million", 1e6)]))
def test_number_and_unit_round_trip(number, unit):
    suffix, scale = unit
    p = parse_amount(f"{number}{suffix}")
    assert math.isclose(p.value, float(number) * scale, rel_tol=1e-9, abs_tol=1e-6)


@pytest.mark.parametrize(("text", "value", "currency", "qualifier"), [e for e in EXAMPLES if isinstance(e[0], str)])
def test_the_column_parser_reads_a_cell_as_the_cell_parser_does(text, value, currency, qualifier):
    p = parse_amounts(pl.Series([text, text, None]))
    assert p.values.to_list()[:2] == [pytest.approx(value, rel=1e-12)] * 2 and p.values[2] is None
    assert p.currency.to_list() == [currency, currency, None] and p.qualifier.to_list() == [qualifier, qualifier, None]
    assert p.problems.null_count() == 3


def test_the_column_parser_takes_numbers_as_they_are_and_rejects_bad_ones():
    p = parse_amounts(pl.Series([1.5, None, -2.0, float("inf")]))
    assert p.values.to_list() == [1.5, None, None, None]
    assert p.problems.to_list() == [None, None, BAD_AMOUNT, BAD_AMOUNT]


@given(st.lists(st.one_of(st.from_regex(r"\A(up to |about )?\$?\d{1,6}(\.\d{1,2})?( million|B|亿|万亿|k)?\Z"),
                          st.text(max_size=8), st.just("")), max_size=20))
def test_the_column_parser_agrees_with_the_cell_parser(cells):
    p = parse_amounts(pl.Series(cells, dtype=pl.String))
    for cell, value, problem in zip(cells, p.values.to_list(), p.problems.to_list()):
        try:
            one = parse_amount(cell)
        except ValueError:
            assert value is None and problem is not None
            continue
        assert value == (None if one is None else one.value) and problem is None
