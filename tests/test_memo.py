"""`memo.remember`: a memo keeps what it is given and is emptied, not grown, when full."""

from __future__ import annotations

from statebridge.memo import remember


def test_a_memo_keeps_values_and_is_emptied_when_full() -> None:
    cache: dict[int, str] = {}
    assert remember(cache, 1, "one", limit=3) == "one"
    remember(cache, 2, "two", limit=3)
    remember(cache, 3, "three", limit=3)
    assert cache == {1: "one", 2: "two", 3: "three"}
    assert remember(cache, 4, "four", limit=3) == "four"
    assert cache == {4: "four"}  # full: emptied, then the new value kept
    for key in range(10_000):
        remember(cache, key, str(key), limit=100)
    assert len(cache) <= 100
