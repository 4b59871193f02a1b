"""The range of amounts and quantities statebridge reads: what no order needs more than.

A number is read when it is finite, smaller than 10^15 in magnitude, and has at most 28
significant digits and at most 28 decimal places (trailing zeros do not count).

- **10^15**: more than any order total in any currency (the largest ISO 4217 amounts, in
  currencies such as IRR or VND, stay many orders of magnitude below), and where binary floats stop
  holding every integer (2^53 ≈ 9·10^15): platforms that send JSON numbers (Relatude) cannot
  carry more exactly anyway.
- **28 digits** is the precision of Python's default decimal context. Every Decimal operation on
  the way (`normalize` in the DFC writers, `scaleb` for Commerce Layer's cents, rdflib's literal
  normalisation) runs in it, so within 28 digits nothing is rounded: a number read is the number
  written. 28 places is far beyond any currency's minor unit (at most 4) or a weighed quantity.

Outside these bounds, Decimal arithmetic overflows (`Decimal('1e999999999').normalize()`) or a
plain decimal rendering explodes (`1e999999` is a million digits, `1e-999999999` a billion
zeros), so every number is checked here before anything formats or computes with it.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["MAX_DIGITS", "MAX_INTEGER_DIGITS", "MAX_PLACES", "OUT_OF_RANGE", "bounded"]

#: |x| < 10^MAX_INTEGER_DIGITS.
MAX_INTEGER_DIGITS = 15
#: Significant digits (the default decimal context's precision).
MAX_DIGITS = 28
#: Decimal places, trailing zeros not counted.
MAX_PLACES = 28

#: The reason given for a number outside the bounds (messages add the order, field and value).
OUT_OF_RANGE = (
    f"out of range: amounts and quantities must be smaller than 10^{MAX_INTEGER_DIGITS} in "
    f"magnitude, with at most {MAX_DIGITS} significant digits and {MAX_PLACES} decimal places"
)


def bounded(value: Decimal) -> Decimal | None:
    """`value` when it is within the bounds, else None.

    A value within the bounds whose own form is oversized (`0E-999999999`, a 1.000… with
    thousands of trailing zeros) is given back as the equal Decimal without those zeros, so that
    writing it out is as short as the number. The cheap magnitude test comes first: `1e999999999`
    is refused without building anything from its digits.
    """
    if not value.is_finite():
        return None
    if value.is_zero():
        sign, _, exponent = value.as_tuple()
        if isinstance(exponent, int) and -MAX_PLACES <= exponent <= 0:
            return value
        return Decimal((sign, (0,), 0))
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    trailing = 0
    while digits[-1 - trailing] == 0:
        trailing += 1
    significant = len(digits) - trailing
    places = -(exponent + trailing)
    if significant > MAX_DIGITS or places > MAX_PLACES:
        return None
    if len(digits) <= MAX_INTEGER_DIGITS + MAX_PLACES and exponent >= -MAX_PLACES:
        return value
    return Decimal((sign, digits[:significant], exponent + trailing))
