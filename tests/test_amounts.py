import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealgraph import parse_amount


@pytest.mark.parametrize(
    ("text", "value", "currency", "qualifier"),
    [
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
    ],
)
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
