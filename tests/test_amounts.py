import math

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dealgraph import CellError, LimitError, parse_amount
from dealgraph.reading.cells import BAD_AMOUNT, MAX_AMOUNT, parse_amounts

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
    assume(float(number) * scale <= MAX_AMOUNT)  # larger amounts are refused (test_amounts_above_a_quadrillion_are_refused)
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


# ---------------------------------------------------------------- Chinese numerals, Simplified and Traditional


@pytest.mark.parametrize(
    ("text", "value"),
    [("三千五百亿", 3.5e11), ("两百五十亿", 2.5e10), ("一千二百亿美元", 1.2e11), ("五千五百万", 5.5e7), ("3千5百亿", 3.5e11),
     ("1.2万亿", 1.2e12), ("一万三千亿", 1.3e12), ("一亿五千万", 1.5e8), ("一亿零五百万", 1.05e8), ("一千零五", 1005.0),
     ("三千五", 3500.0), ("一万五", 15000.0), ("十五", 15.0), ("十亿", 1e9), ("百万", 1e6), ("1万2345", 12345.0),
     ("三千五百億", 3.5e11), ("兩百五十億", 2.5e10), ("一千二百億美元", 1.2e11), ("五千五百萬", 5.5e7), ("1.2萬億", 1.2e12),
     ("50億美元", 5e9), ("壹仟貳佰億", 1.2e11), ("叁拾伍万", 3.5e5), ("三仟五佰亿", 3.5e11)],
)
def test_compound_chinese_numerals(text, value):
    assert parse_amount(text).value == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("text", "currency"), [("5億人民幣", "CNY"), ("5亿人民币", "CNY"), ("5億歐元", "EUR"), ("5億英鎊", "GBP"),
                                                ("5億港幣", "HKD"), ("5億日圓", "JPY"), ("5億美元", "USD"), ("NT$5億", "TWD")])
def test_traditional_currency_words(text, currency):
    p = parse_amount(text)
    assert p.value == 5e8 and p.currency == currency


@pytest.mark.parametrize("text", ["亿", "萬億", "五百三千", "三五", "一亿二亿", "十十", "億億"])
def test_malformed_chinese_numerals_are_cell_errors(text):
    with pytest.raises(CellError):
        parse_amount(text)


# Every numeral form of the README's amount table, written for a value and read back; Chinese forms in both scripts.
SIMPLIFIED, TRADITIONAL = {"亿": "亿", "万": "万", "up": "高达", "about": "约"}, {"亿": "億", "万": "萬", "up": "高達", "about": "約"}
FORMS = {  # numbers written with every digit they need (repr), so the text is the value exactly
    "30e9": lambda v, z: (f"{v:.15e}", None),
    "$30B": lambda v, z: (f"${v / 1e9!r}B", "USD"),
    "30 billion": lambda v, z: (f"{v / 1e9!r} billion", None),
    "300亿美元": lambda v, z: (f"{v / 1e8!r}{z['亿']}美元", "USD"),
    "1.4万亿美元": lambda v, z: (f"{v / 1e12!r}{z['万']}{z['亿']}美元", "USD"),
    "50亿": lambda v, z: (f"{v / 1e8!r}{z['亿']}", None),
    "三百亿美元": lambda v, z: (f"{zh_numeral(int(v // 10**8), z is TRADITIONAL)}{z['亿']}美元", "USD"),
}
QUALIFIERS = {"": lambda z: ("", None), "up to": lambda z: ("up to ", "up_to"), "高达": lambda z: (z["up"], "up_to"),
              "about": lambda z: ("about ", "estimated"), "约": lambda z: (z["about"], "estimated")}


def zh_numeral(n: int, traditional: bool = False, two: str = "二") -> str:
    """``n`` (0 <= n < 10^16) in Chinese numerals as written: groups of four places (千 百 十) joined by 万 and 亿 (万亿 = 10^12),
    零 for skipped places; ``two`` (二 or 两) is the 2 before 千 and 百."""
    digits, wan, yi = "零一二三四五六七八九", "萬" if traditional else "万", "億" if traditional else "亿"
    two = two.replace("两", "兩") if traditional else two
    if n == 0:
        return "零"

    def group(g: int) -> str:
        out, zero = "", False
        for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = g // place % 10
            if d == 0:
                zero = bool(out)
                continue
            out += ("零" if zero else "") + (two if d == 2 and unit in ("千", "百") else digits[d]) + unit
            zero = False
        return out

    out, skipped = "", False
    for i, (g, unit) in enumerate([(n // 10**12, wan), (n // 10**8 % 10**4, yi), (n // 10**4 % 10**4, wan), (n % 10**4, "")]):
        if g == 0:
            skipped = bool(out)
            out += yi if i == 1 and out else ""  # 万亿: 亿 closes the 万 group above it
            continue
        out += ("零" if out and (skipped or g < 1000) else "") + group(g) + unit
        skipped = False
    return out


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**15), st.booleans(), st.sampled_from(["二", "两"]))
def test_any_integer_written_in_chinese_numerals_reads_back(n, traditional, two):
    text = zh_numeral(n, traditional, two)
    assert parse_amount(text).value == n, text


def test_the_numeral_writer_writes_as_people_do():
    assert [zh_numeral(n) for n in (15, 250, 1005, 3500, 10005, 35 * 10**10, 10**12 + 5 * 10**8, 10**12 + 5)] == [
        "一十五", "二百五十", "一千零五", "三千五百", "一万零五", "三千五百亿", "一万零五亿", "一万亿零五"]
    assert zh_numeral(250, True, "两") == "兩百五十"


@pytest.mark.parametrize("script", [SIMPLIFIED, TRADITIONAL], ids=["simplified", "traditional"])
@pytest.mark.parametrize("qualifier", sorted(QUALIFIERS))
@pytest.mark.parametrize("form", sorted(FORMS))
@settings(max_examples=15)
@given(hundreds_of_millions=st.integers(min_value=1, max_value=9_999_999))
def test_every_readme_amount_form_reads_back(form, qualifier, script, hundreds_of_millions):
    value = hundreds_of_millions * 1e8
    text, currency = FORMS[form](value, script)
    prefix, kind = QUALIFIERS[qualifier](script)
    p = parse_amount(prefix + text)
    assert p.value == pytest.approx(value, rel=1e-12) and p.currency == currency and p.qualifier == kind, prefix + text


# ---------------------------------------------------------------- decimal marks and the bound


@pytest.mark.parametrize(("text", "dot", "comma"), [("1,234.5", 1234.5, None), ("1,234", 1234.0, 1.234), ("1.234,5", None, 1234.5),
                                                    ("1,5", None, 1.5), ("1.5", 1.5, None), ("1.234", 1.234, 1234.0),
                                                    ("1,234,567.25", 1234567.25, None), ("1.234.567,25", None, 1234567.25),
                                                    ("$1,5B", None, 1.5e9), ("1,5亿", None, 1.5e8), ("12,34", None, 12.34)])
def test_the_decimal_mark_is_said_not_guessed(text, dot, comma):
    for decimal, value in ((".", dot), (",", comma)):
        if value is None:
            with pytest.raises(CellError, match="decimal"):
                parse_amount(text, decimal=decimal)
        else:
            assert parse_amount(text, decimal=decimal).value == pytest.approx(value)


def test_the_column_parser_takes_the_decimal_mark_too():
    p = parse_amounts(pl.Series(["1,5", "1.234,5", "2", "1.5"]), decimal=",")
    assert p.values.to_list()[:3] == [1.5, 1234.5, 2.0] and p.values[3] is None and "decimal=','" in p.problems[3]
    p = parse_amounts(pl.Series(["1,5", "1,234"]))
    assert p.values.to_list() == [None, 1234.0] and "read with decimal=','" in p.problems[0]


def test_an_unknown_decimal_mark_is_refused():
    with pytest.raises(LimitError):
        parse_amount("5", decimal=";")


def test_amounts_above_a_quadrillion_are_refused():
    assert parse_amount("1e15").value == MAX_AMOUNT == 1e15
    for text in ("1.0001e15", "1e308", "1001万亿", 2e15):
        with pytest.raises(CellError, match="above 1e15"):
            parse_amount(text)
    p = parse_amounts(pl.Series(["1e308", "$2e15", "5"]))
    assert p.values.to_list() == [None, None, 5.0] and all("above 1e15" in m for m in p.problems.to_list()[:2])
