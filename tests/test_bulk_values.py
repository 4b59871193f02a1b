"""The bulk path's value checks against the reference's readers: timestamps against pydantic's
`AwareDatetime` and the adapters' own readers, numbers against the model's validators."""

from __future__ import annotations

import datetime as dt
import typing as t
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from statebridge.bulk import values
from statebridge.errors import InvalidOrderError
from statebridge.platforms.commercelayer import direct as commercelayer_direct
from statebridge.platforms.relatude import direct as relatude_direct
from statebridge.platforms.relatude.adapter import _timestamp as relatude_timestamp

_AWARE: TypeAdapter[dt.datetime] = TypeAdapter(AwareDatetime)


@given(
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
    )
    | st.from_regex(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)\Z")  # any digits
)
def test_timestamps_are_read_as_pydantic_reads_them(text: str) -> None:
    """On the one form the bulk path takes, it accepts what `AwareDatetime` accepts (else it
    declines) and gives the same instant, offset and lexical form."""
    text = text.rstrip("\n")
    taken = values.timestamp(text)
    try:
        expected = _AWARE.validate_python(text)
    except ValidationError:
        assert taken is values.DECLINE
        assert values.timestamp_text(text) is values.DECLINE
        return
    if taken is values.DECLINE:
        assert values.timestamp_text(text) is values.DECLINE
        return  # declined: the reference path reads it
    assert isinstance(taken, dt.datetime)
    assert taken == expected
    assert taken.utcoffset() == expected.utcoffset()
    assert taken.isoformat() == expected.isoformat()
    assert values.timestamp_text(text) == expected.isoformat()


_CL_STAMP = "2026-03-02T08:15:00.000Z"
#: Digits, separators and look-alikes of both.
_CL_CHARS = "0123456789-T:.,Z+ W²٣\uff10a"


def _same_timestamp(value: str) -> None:
    taken, expected = commercelayer_direct.stamp(value), values.timestamp(value)
    assert taken == expected, value
    if isinstance(taken, dt.datetime):
        assert isinstance(expected, dt.datetime)
        assert taken.isoformat() == expected.isoformat()


def test_commercelayer_timestamp_shortcut_is_timestamp_on_every_change() -> None:
    """The Commerce Layer reader's shortcut for its own timestamp form answers as `timestamp` does
    on that form with any one character changed, and with the form's own length changed."""
    for position in range(len(_CL_STAMP)):
        for char in _CL_CHARS:
            _same_timestamp(_CL_STAMP[:position] + char + _CL_STAMP[position + 1 :])
    for value in (_CL_STAMP[:-2] + "Z", _CL_STAMP[:-1] + "0Z", _CL_STAMP[:-1] + "+00:00"):
        _same_timestamp(value)


@given(st.lists(st.tuples(st.integers(0, len(_CL_STAMP) - 1), st.sampled_from(_CL_CHARS)), max_size=4))
def test_commercelayer_timestamp_shortcut_is_timestamp(changes: list[tuple[int, str]]) -> None:
    """The same, with up to four characters changed."""
    text = list(_CL_STAMP)
    for position, char in changes:
        text[position] = char
    _same_timestamp("".join(text))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.50", "12.5"), (12, "12"), (4.1, "4.1"), ("abc", values.DECLINE), (True, values.DECLINE)],
)
def test_money_is_the_models_validator_remembered(value: object, expected: object) -> None:
    assert values.money(value) == expected
    assert values.money(value) == expected  # the remembered answer is the same


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.000"), "1"),
        (Decimal("1." + "0" * 40), "1"),  # trailing zeros do not count against the bounds
        (Decimal("-1"), values.DECLINE),  # a quantity is not negative
        (Decimal("1e15"), values.DECLINE),  # out of range
        ("1e15", values.DECLINE),
        (2, "2"),
        (2.0, "2"),
    ],
)
def test_quantities_are_the_models_validator_remembered(value: object, expected: object) -> None:
    assert values.quantity(value) == expected
    assert values.quantity(value) == expected


#: ISO 8601 date-times in and around the form the Relatude reader writes from its own text:
#: other separators, fractions of every length, offsets with and without minutes, blanks around.
_RELATUDE_DATES = (
    r"\A\s?[0-9]{4}-?[0-9]{2}-?[0-9]{2}[T ]?([0-9]{2}(:?[0-9]{2}(:?[0-9]{2}([.,][0-9]{1,9})?)?)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2}(:[0-9]{2})?)?)?\s?\Z"
)


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T00:00:01.000Z",
        "2026-03-02T09:10:11.5000000+01:00",
        "2026-03-03T15:12:30.999999999-00:00",
        "2026-03-03T15:12:30-05:30",
        "2026-03-03T15:12:30.000001+00:00",
        "0001-01-01T00:00:00+01:00",
        "0001-01-02T00:00:00Z",
        "2026-03-03T24:00:00Z",
        " 2026-03-03T15:12:30+23:59 ",
    ],
)
def test_relatude_dates_are_written_as_the_reference_writes_them(text: str) -> None:
    _check_relatude_date(text)


@settings(max_examples=1000)  # microseconds each
@given(st.from_regex(_RELATUDE_DATES))
def test_relatude_dates_in_any_form_are_written_as_the_reference_writes_them(text: str) -> None:
    _check_relatude_date(text)


def _check_relatude_date(text: str) -> None:
    """The document reader's `DateOrdered` is the adapter's `_timestamp` written by `isoformat()`,
    or declined where the adapter refuses it."""
    try:
        expected: object = t.cast(dt.datetime, relatude_timestamp(text, "DateOrdered")).isoformat()
    except InvalidOrderError:
        expected = values.DECLINE
    assert relatude_direct._date(text) == expected
