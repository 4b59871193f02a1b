"""`translate --jobs`: several processes write exactly what one writes, problems included.

Every comparison is against `jobs=1` on the same bytes, with chunks small enough that the input is
split between workers many times (a few orders per chunk).
"""

from __future__ import annotations

import io
import os
import pathlib
import pickle
import random
import signal
import subprocess
import sys
import time
import typing as t

import orjson
import pytest
from bench.orders import PLATFORMS as GENERATED, generator
from hypothesis import HealthCheck, given, settings, strategies as st

from statebridge import errors
from statebridge.parallel import translate_in_processes, worker_count
from statebridge.platforms import get_adapter
from statebridge.translate import FORMATS, OnUnknown, TranslateReport, translate

from .conftest import FIXTURES, fixture_inputs
from .platforms import registered

SMALL_CHUNKS = 4096  # bytes: a chunk holds one to three generated orders
#: The generated platforms whose NDJSON lines are read independently (`--jobs` splits them).
SPLIT_BY_LINES = [name for name in GENERATED if get_adapter(name).independent_lines]


def _run(
    data: bytes, platform: str, *, jobs: int, chunk_bytes: int = SMALL_CHUNKS, **options: t.Any
) -> tuple[bytes, TranslateReport]:
    out = io.BytesIO()
    options.setdefault("fmt", "jsonld")
    if jobs == 1:
        report = translate(io.BytesIO(data), out, platform=platform, **options)
    else:
        report = translate_in_processes(
            io.BytesIO(data),
            out,
            adapter=get_adapter(platform),
            fmt=options["fmt"],
            base_url=options.get("base_url"),
            on_unknown=options.get("on_unknown", OnUnknown.FAIL),
            jobs=jobs,
            chunk_bytes=chunk_bytes,
        )
    return out.getvalue(), report


def _same(
    data: bytes, platform: str, *, chunk_bytes: int = SMALL_CHUNKS, **options: t.Any
) -> tuple[bytes, TranslateReport]:
    """Run with one and with two processes; assert the same bytes, counts and problems."""
    one, first = _run(data, platform, jobs=1, **options)
    two, second = _run(data, platform, jobs=2, chunk_bytes=chunk_bytes, **options)
    assert two == one
    assert second.written == first.written
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert [type(p) for p in second.problems] == [type(p) for p in first.problems]
    return one, first


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("platform", SPLIT_BY_LINES)
def test_every_format_is_the_same_bytes_in_two_processes(platform: str, fmt: str) -> None:
    data = generator(platform).ndjson(40 if fmt in ("turtle", "ntriples") else 150)
    out, report = _same(data, platform, fmt=fmt, base_url="https://shop.example.org")
    assert report.written == (40 if fmt in ("turtle", "ntriples") else 150)
    assert out  # and not an empty document


@pytest.mark.parametrize(
    "path",
    [p for platform in registered() for p in fixture_inputs(platform)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_fixture_is_the_same_in_two_processes(path: pathlib.Path) -> None:
    """NDJSON fixtures are split; JSON, XML and Shopify Bulk inputs fall back to one process."""
    _same(path.read_bytes(), path.parent.name)


def test_shopify_bulk_jsonl_is_read_whole_with_jobs() -> None:
    """Child rows join their order across lines: split into one-line chunks, they would be lost."""
    bulk = FIXTURES / "shopify" / "bulk_operation.ndjson"
    _, report = _same(bulk.read_bytes(), "shopify", chunk_bytes=1)
    assert report.written == 3
    assert not report.problems


def _lines(platform: str, count: int) -> list[bytes]:
    return list(generator(platform).lines(count))


def _broken(platform: str) -> bytes:
    """Good orders with, far apart, a malformed line, an unknown status and an invalid quantity."""
    lines = _lines(platform, 60)
    lines[7] = b'{"number": "R1", "state": \n'
    record = orjson.loads(lines[23])
    if platform == "commercelayer":
        record["data"]["attributes"]["status"] = "teleported"
    else:
        record["OrderStatus" if platform == "relatude" else "state"] = "teleported"
    lines[23] = orjson.dumps(record) + b"\n"
    lines[41] = b"[1, 2, 3]\n"
    return b"".join(lines)


@pytest.mark.parametrize("mode", list(OnUnknown))
@pytest.mark.parametrize("platform", SPLIT_BY_LINES)
def test_problems_are_reported_in_input_order_with_absolute_lines(platform: str, mode: OnUnknown) -> None:
    _, report = _same(_broken(platform), platform, on_unknown=mode)
    positions = [p.position for p in report.problems]
    assert positions[0] == "line 8"
    assert any(str(p).startswith("line 24") and "teleported" in str(p) for p in report.problems)
    assert str(positions[-1]).startswith("line 42")
    if mode is OnUnknown.SKIP:
        assert report.written == 57
    else:
        assert report.written == 7  # the orders before the first problem, as in one process


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"\xef\xbb\xbf" + next(iter(generator("spree").lines(1))),
        b"\n\n" + b"".join(generator("spree").lines(3)),
        b"".join(line.replace(b"\n", b"\r\n") for line in generator("spree").lines(5)),
        b'{"orders": [' + next(iter(generator("spree").lines(1))).strip() + b"]}",
        b"not json at all\n{}\n",
        b"".join(line.replace(b'":', b'":\r', 1) for line in generator("spree").lines(5)),
        b"\xef\xbb\xbf" + b"".join(generator("spree").lines(5)),
    ],
    ids=[
        "empty",
        "blank",
        "bom-single-line",
        "leading-blank-lines",
        "crlf",
        "one-document",
        "garbage",
        "cr-inside-a-line",  # JSON whitespace: a line ends at LF only, as when a file is read by lines
        "bom-ndjson",
    ],
)
def test_inputs_at_the_edges_are_the_same(data: bytes) -> None:
    _same(data, "spree")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(
        st.sampled_from(["good", "blank", "malformed", "unknown", "foreign"]), min_size=1, max_size=40
    ),
    mode=st.sampled_from(list(OnUnknown)),
)
def test_any_mix_of_lines_is_the_same_in_two_processes(picks: list[str], mode: OnUnknown) -> None:
    good = _lines("spree", len(picks))
    made = {
        "blank": b"   \n",
        "malformed": b'{"number": \n',
        "unknown": b'{"number": "R9", "state": "teleported", "line_items": []}\n',
        "foreign": b'{"financial_status": "paid"}\n',
    }
    data = b"".join(good[i] if pick == "good" else made[pick] for i, pick in enumerate(picks))
    _same(data, "spree", on_unknown=mode)


@pytest.mark.parametrize(
    "error",
    [
        errors.OrderError("bad", position="line 3", order="R1", field="total", value="x", has_value=True),
        errors.InvalidOrderError("expected a list", field="line_items", value=3, has_value=True),
        errors.MalformedInputError("not valid JSON", position="line 9"),
        errors.StatusError("rejected", platform="spree", field="state", value="cart", has_value=True),
        errors.UnknownStatusError(platform="spree", field="state", value="teleported", valid=["cart", None]),
        errors.UsageError("unknown platform 'x'"),
        errors.MappingTableError("spree.yaml", ["$.forward: missing"]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_being_sent_between_processes(error: errors.StatebridgeError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__


def test_input_is_read_from_where_the_stream_stands() -> None:
    """A stream already moved past a prefix is translated from there, as in one process."""
    data = b"prefix that is not read\n" + b"".join(generator("spree").lines(30))
    outputs = []
    for jobs in (1, 2):
        stream = io.BytesIO(data)
        stream.seek(len(b"prefix that is not read\n"))
        out = io.BytesIO()
        report = translate_in_processes(
            stream,
            out,
            adapter=get_adapter("spree"),
            fmt="jsonld",
            base_url=None,
            on_unknown=OnUnknown.FAIL,
            jobs=jobs,
            chunk_bytes=SMALL_CHUNKS,
        )
        assert report.written == 30
        assert not report.problems
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]


def test_spawned_workers_are_sent_the_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where forking is not safe, workers are spawned and each chunk's bytes are sent to them."""
    import multiprocessing

    from statebridge import parallel

    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    _same(_broken("spree"), "spree", on_unknown=OnUnknown.SKIP, chunk_bytes=1 << 16)


def test_worker_count() -> None:
    assert worker_count(3) == 3
    assert worker_count(0) >= 1
    with pytest.raises(errors.UsageError, match="--jobs must be 0"):
        worker_count(-1)


def test_command_line_jobs_writes_what_one_process_writes(tmp_path: pathlib.Path) -> None:
    """Real processes through the real command: same stdout, same stderr, same exit status."""
    source = tmp_path / "orders.ndjson"
    source.write_bytes(_broken("spree"))
    runs = {}
    for jobs in ("1", "2"):
        runs[jobs] = subprocess.run(
            [
                sys.executable,
                "-m",
                "statebridge",
                "translate",
                "--from",
                "spree",
                "--on-unknown",
                "skip",
                "--jobs",
                jobs,
                str(source),
            ],
            capture_output=True,
            check=False,
        )
    assert runs["2"].returncode == runs["1"].returncode == 3
    assert runs["2"].stdout == runs["1"].stdout
    assert runs["2"].stderr == runs["1"].stderr
    assert b"line 8" in runs["2"].stderr


def test_command_line_jobs_reads_a_pipe_as_one_process_does() -> None:
    data = _broken("commercelayer")
    runs = {
        jobs: subprocess.run(
            [sys.executable, "-m", "statebridge", "translate", "--from", "commercelayer", "-j", jobs, "-"],
            input=data,
            capture_output=True,
            check=False,
        )
        for jobs in ("1", "2")
    }
    assert runs["2"].returncode == runs["1"].returncode == 1  # --on-unknown fail: nothing written
    assert runs["2"].stdout == runs["1"].stdout == b""
    assert runs["2"].stderr == runs["1"].stderr


def test_command_line_refuses_negative_jobs(tmp_path: pathlib.Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "statebridge", "translate", "--from", "spree", "--jobs", "-1", "-"],
        input=b"",
        capture_output=True,
        check=False,
    )
    assert result.returncode == 2
    assert b"--jobs" in result.stderr


def _process_group(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group `pgid`, read from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == pgid and state != "Z":
            members.append(int(entry))
    return members


@pytest.mark.skipif(not pathlib.Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_stops_every_worker_every_time(tmp_path: pathlib.Path) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) at a random moment of a
    `--jobs 2` run: exit 130 with one line, and no worker left behind. One run in 18 used to hang."""
    source = tmp_path / "orders.ndjson"
    generator("spree").write(source, 12_000)
    rng = random.Random(13)
    for trial in range(12):
        process = subprocess.Popen(
            [sys.executable, "-m", "statebridge", "translate", "--from", "spree", "--jobs", "2", str(source)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, like a shell job
        )
        time.sleep(rng.uniform(0.3, 1.2))  # when to press Ctrl-C
        os.killpg(process.pid, signal.SIGINT)
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"trial {trial}: still running 10 s after Ctrl-C")
        left = _process_group(process.pid)
        if left:
            os.killpg(process.pid, signal.SIGKILL)
        assert not left, f"trial {trial}: processes left behind: {left}"
        assert b"Traceback" not in err, err.decode()
        # 0: it had finished; -SIGINT: the Ctrl-C came as the interpreter was exiting (a shell
        # shows both that and 130 as 130)
        assert process.returncode in (0, 130, -signal.SIGINT), (trial, process.returncode, err.decode())
        if process.returncode == 130:
            assert err.decode().strip().splitlines()[-1] == "statebridge: interrupted"
