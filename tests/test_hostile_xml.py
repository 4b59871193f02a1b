"""Hostile XML (Relatude's export twin) is refused with one line, through the real command line.

Deep nesting, entity expansion (billion laughs, quadratic blow-up) and external entities: each is
a one-line problem naming what was refused and where, exit status 1, and never a traceback, a
fetched URL or a local file's content in the output.
"""

from __future__ import annotations

import pathlib
import re
import socket

from .test_cli import run

ORDER_HEAD = "<Orders><Order><OrderGuid>g-1</OrderGuid><OrderStatus>Ordered</OrderStatus><OrderNumber>"
ORDER_TAIL = "</OrderNumber></Order></Orders>"


def _one_problem(stderr: bytes) -> str:
    """The single problem line of a failed run (then the summary line), with no traceback."""
    text = stderr.decode()
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 2, text
    assert lines[1] == "statebridge: 1 problem(s); nothing written"
    return lines[0]


def test_deeply_nested_xml_is_refused_naming_the_depth_limit_and_position(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "deep.xml"
    path.write_text(ORDER_HEAD + "<a>" * 500 + "x" + "</a>" * 500 + ORDER_TAIL)
    result = run("translate", "--from", "relatude", str(path))
    assert result.returncode == 1
    assert result.stdout == b""
    line = _one_problem(result.stderr)
    # The first element past the limit: 100 levels are <Orders>, <Order>, <OrderNumber> and 97 <a>.
    column = len(ORDER_HEAD) + len("<a>") * 97 + 1
    assert line == (
        f"{path}: line 1 column {column}: not valid XML "
        "(elements nested deeper than 100 levels, the most statebridge reads)"
    )


def test_xml_nested_up_to_the_limit_is_read(tmp_path: pathlib.Path) -> None:
    """The limit refuses only what is deeper: a field 100 levels down is reported as a bad field."""
    path = tmp_path / "deep.xml"
    path.write_text(ORDER_HEAD + "<a>" * 97 + "x" + "</a>" * 97 + ORDER_TAIL)
    result = run("translate", "--from", "relatude", str(path))
    assert result.returncode == 1
    line = _one_problem(result.stderr)
    assert "field OrderNumber" in line
    assert "expected text or an integer" in line


def test_entity_expansion_is_refused(tmp_path: pathlib.Path) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    path = tmp_path / "laughs.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE Orders [{entities}]><Orders>&lol9;</Orders>')
    result = run("translate", "--from", "relatude", str(path))
    assert result.returncode == 1
    line = _one_problem(result.stderr)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: line 1 column \d+: not valid XML \(limit on input amplification factor "
        r"\(from DTD and entities\) breached\)",
        line,
    ), line


def test_external_entities_are_neither_read_nor_fetched(tmp_path: pathlib.Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    with socket.socket() as listener:  # a loopback server that must never be contacted
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        path = tmp_path / "external.xml"
        path.write_text(
            '<?xml version="1.0"?><!DOCTYPE Orders ['
            f'<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd"> %remote;'
            f'<!ENTITY file SYSTEM "{secret.as_uri()}">]>'
            f"{ORDER_HEAD}&file;{ORDER_TAIL}"
        )
        result = run("translate", "--from", "relatude", str(path))
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            pass
        else:
            connection.close()
            raise AssertionError("the external DTD was fetched")
    assert result.returncode == 1
    assert b"TOP-SECRET-CONTENT" not in result.stdout + result.stderr
    line = _one_problem(result.stderr)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: line 1 column \d+: not valid XML \(undefined entity &file;\)", line
    )
