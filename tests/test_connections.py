"""The connections file: what a valid one builds, every kind of problem (all reported at once,
each naming its entry), credentials read into Settings without a value ever in a message, and
`statebridge connections check` as a user runs it."""

from __future__ import annotations

import dataclasses
import pathlib
import re
import typing as t

import pytest
import yaml
from hypothesis import given, strategies as st

from statebridge import platforms as registry
from statebridge.cli import connections as cli_connections
from statebridge.connections import (
    CONNECTIONS_ENV,
    DEFAULT_FILE,
    Connections,
    DeliveryPolicy,
    Endpoint,
    connections_for,
    find_connections,
    load_connections,
    parse_connections,
)
from statebridge.connections.model import secret_fields
from statebridge.errors import ConfigurationError, ConnectionsError
from statebridge.settings import Settings

from .cli_runner import invoke_text

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "connections.md"

EXAMPLE = """\
sources:
  hodmedod:
    platform: shopify
    base_url: https://hodmedod.myshopify.com
    credentials: {token: HODMEDOD_SHOPIFY_TOKEN}
    options: {api: graphql}
targets:
  hub:
    platform: dfc
    base_url: https://hub.example.org/api/dfc/Enterprises/acme/Orders   # the Orders collection
    method: POST
    credentials: {token: HUB_DFC_TOKEN}
  acme-cl:
    platform: commercelayer
    base_url: https://acme.commercelayer.io
    credentials: {client_id: ACME_CL_ID, client_secret: ACME_CL_SECRET}
    options: {market: "code:europe"}
    enterprise: acme
routes:
  - from: hodmedod
    to: [hub, acme-cl]
delivery:
  max_attempts: 8
"""

ALL_SET = {
    "HODMEDOD_SHOPIFY_TOKEN": "shpat_value_never_shown",
    "HUB_DFC_TOKEN": "hub_value_never_shown",
    "ACME_CL_ID": "cl_id_value_never_shown",
    "ACME_CL_SECRET": "cl_secret_value_never_shown",
}


@pytest.fixture(autouse=True)
def writers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platforms whose write APIs other work brings (Shopify, Commerce Layer, Spree) count as
    writable here, as they will once their `Platform.writer` is set; Relatude and Socleo stay not."""
    shipped = registry._registry()
    writable = tuple(
        dataclasses.replace(p, writer=p.writer or f"tests.fakes:{p.name}_writer")
        if p.name in ("shopify", "commercelayer", "spree")
        else p
        for p in shipped
    )
    monkeypatch.setattr(registry, "_registry", lambda: writable)


def _problems(text: str) -> list[str]:
    with pytest.raises(ConnectionsError) as caught:
        parse_connections(text, source="statebridge.yaml")
    assert str(caught.value).splitlines()[1:] == [f"  {p}" for p in caught.value.problems]
    return caught.value.problems


def test_the_example_builds_its_endpoints_routes_and_policy() -> None:
    connections = parse_connections(EXAMPLE, source="statebridge.yaml")
    assert connections
    source = connections.source("hodmedod")
    assert (source.platform, source.base_url) == ("shopify", "https://hodmedod.myshopify.com")
    assert dict(source.credentials) == {"token": "HODMEDOD_SHOPIFY_TOKEN"}
    assert dict(source.options) == {"api": "graphql"}
    assert source.method is None
    assert source.enterprise is None
    hub, cl = connections.target("hub"), connections.target("acme-cl")
    assert hub.method == "POST"
    assert hub.enterprise is None
    assert cl.method is None
    assert cl.enterprise == "acme"
    assert dict(cl.options) == {"market": "code:europe"}
    assert dict(connections.routes) == {"hodmedod": ("hub", "acme-cl")}
    assert connections.delivery == DeliveryPolicy(max_attempts=8, base_delay_seconds=1, max_delay_seconds=600)
    assert connections.enterprises() == {"acme": ("commercelayer", "https://acme.commercelayer.io")}


def test_targets_are_looked_up_by_platform_and_base_url_without_trailing_slash() -> None:
    connections = parse_connections(EXAMPLE, source="statebridge.yaml")
    fed = connections.targets("shopify", "https://hodmedod.myshopify.com/", "source")
    assert [target.name for target in fed] == ["hub", "acme-cl"]
    assert connections.targets("shopify", "https://other.myshopify.com", "source") == ()
    assert connections.targets("shopify", "https://hodmedod.myshopify.com", "endpoint") == ()
    received = connections.targets("commercelayer", "https://acme.commercelayer.io//", via="endpoint")
    assert [target.name for target in received] == ["acme-cl"]
    assert connections.targets("commercelayer", "https://acme.commercelayer.io", via="source") == ()


def test_sources_with_one_platform_and_base_url_feed_the_union_of_their_targets() -> None:
    text = EXAMPLE.replace(
        "targets:",
        "  again:\n    platform: shopify\n    base_url: https://hodmedod.myshopify.com/\n"
        "    options: {api: rest}\ntargets:",
    ).replace("routes:\n", "routes:\n  - {from: again, to: acme-cl}\n  - {from: again, to: [hub]}\n")
    connections = parse_connections(text, source="statebridge.yaml")
    assert dict(connections.routes)["again"] == ("acme-cl", "hub")
    fed = connections.targets("shopify", "https://hodmedod.myshopify.com", "source")
    assert [target.name for target in fed] == ["acme-cl", "hub"]


def test_an_alias_is_its_platform_with_the_options_it_implies() -> None:
    text = """\
sources:
  ofn-hub: {platform: ofn, base_url: "https://ofn.example.org", credentials: {token: OFN_TOKEN}}
  shop: {platform: solidus, base_url: "https://shop.example.org", options: {flavour: spree-v2}}
"""
    connections = parse_connections(text, source="statebridge.yaml")
    ofn = connections.source("ofn-hub")
    assert (ofn.platform, dict(ofn.options)) == ("spree", {"flavour": "ofn"})
    assert dict(connections.source("shop").options) == {"flavour": "spree-v2"}  # given wins
    assert not connections.routes


def test_an_empty_file_declares_nothing() -> None:
    assert not parse_connections("", source="statebridge.yaml")
    assert not parse_connections("# nothing yet\n", source="statebridge.yaml")
    assert not Connections.empty()
    assert Connections.empty().delivery == DeliveryPolicy()


def test_the_documented_example_is_valid() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text("utf-8"), flags=re.S)
    assert blocks
    connections = parse_connections(blocks[0], source=str(DOCS))
    assert set(connections.source_endpoints) == {"hodmedod"}
    assert set(connections.target_endpoints) == {"hub", "acme-cl"}


BASE = {
    "sources": {"shop": {"platform": "shopify", "base_url": "https://shop.example.org"}},
    "targets": {"hub": {"platform": "dfc", "base_url": "https://hub.example.org/Orders"}},
    "routes": [{"from": "shop", "to": ["hub"]}],
}


def _with(**changes: t.Any) -> str:
    """The small valid document `BASE` with entries replaced (None removes one), as YAML."""
    document: dict[str, t.Any] = yaml.safe_load(yaml.safe_dump(BASE))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if value is None:
            del node[last]
        else:
            node[last] = value
    return yaml.safe_dump(document, sort_keys=False)


PROBLEMS = [
    pytest.param(
        "sources:\n  shop: {a: b\n  c: : d\n", r"^line \d+, column \d+: not valid YAML: ", id="yaml-syntax"
    ),
    pytest.param("- just\n- a list\n", r"^the file is a list, not a mapping", id="not-a-mapping"),
    pytest.param("just text\n", r"^the file is text, not a mapping", id="text-not-a-mapping"),
    pytest.param(
        _with(targets__hub__method="GET"), r"^targets\.hub\.method: 'GET' is not one of POST, PUT$", id="enum"
    ),
    pytest.param(
        _with(targets__hub__color="blue"),
        r"^targets\.hub: unknown key color \(valid: base_url, credentials, enterprise, method,",
        id="unknown-key",
    ),
    pytest.param(
        _with(sources__shop__base_url=None), r"^sources\.shop: base_url is required$", id="required"
    ),
    pytest.param(_with(routes__0__to=[]), r"^routes\[0\]\.to: names no target$", id="empty-route"),
    pytest.param(
        _with(delivery={"max_attempts": 0}), r"^delivery\.max_attempts: 0 is not at least 1$", id="attempts"
    ),
    pytest.param(
        _with(delivery={"max_delay_seconds": 90000}),
        r"^delivery\.max_delay_seconds: 90000 is not at most 86400$",
        id="delay-bound",
    ),
    pytest.param(
        _with(delivery={"base_delay_seconds": 700}),
        r"^delivery\.base_delay_seconds: 700 is more than max_delay_seconds 600",
        id="base-over-max",
    ),
    pytest.param(
        _with(sources__shop__platform="magento"),
        r"^sources\.shop\.platform: 'magento' is not a platform statebridge knows "
        r"\(valid: chord, commercelayer,",
        id="unknown-platform",
    ),
    pytest.param(
        _with(sources__shop__platform="socleo"),
        r"^sources\.shop\.platform: statebridge cannot pull from 'socleo': it has no API client "
        r"\(sources can be: spree, shopify, commercelayer, relatude\)$",
        id="source-without-client",
    ),
    pytest.param(
        _with(sources__shop__platform="dfc"),
        r"^sources\.shop\.platform: statebridge cannot pull from 'dfc': it has no API client",
        id="dfc-is-no-source",
    ),
    pytest.param(
        _with(targets__hub__platform="relatude"),
        r"^targets\.hub\.platform: relatude cannot be a delivery target: "
        r"Relatude publishes no API to write orders$",
        id="relatude-no-writer",
    ),
    pytest.param(
        _with(targets__hub__platform="socleo"),
        r"^targets\.hub\.platform: socleo cannot be a delivery target: Socleo publishes no API$",
        id="socleo-no-writer",
    ),
    pytest.param(
        _with(routes__0__from="nobody"),
        r"^routes\[0\]\.from: 'nobody' is not a source \(valid: shop\)$",
        id="route-unknown-source",
    ),
    pytest.param(
        _with(routes__0__to=["hub", "ghost"]),
        r"^routes\[0\]\.to\[1\]: 'ghost' is not a target \(valid: hub\)$",
        id="route-unknown-target",
    ),
    pytest.param(
        _with(
            targets__back={"platform": "shopify", "base_url": "https://shop.example.org/"},
            routes__0__to="back",
        ),
        r"^routes\[0\]\.to: target 'back' is source 'shop' itself "
        r"\(shopify https://shop\.example\.org\): a loop$",
        id="loop",
    ),
    pytest.param(
        _with(targets__shop={"platform": "dfc", "base_url": "https://x.example.org"}),
        r"^targets\.shop: the name 'shop' is also a source's",
        id="name-twice",
    ),
    pytest.param(
        "sources:\n  shop: {platform: shopify, base_url: 'https://a.example'}\n"
        "  shop: {platform: shopify, base_url: 'https://b.example'}\n",
        r"^line 3: 'shop' is given twice in one mapping$",
        id="duplicate-key",
    ),
    pytest.param(
        _with(sources__shop__base_url="ftp://shop.example.org"),
        r"^sources\.shop\.base_url: 'ftp://shop\.example\.org' is not an http\(s\) URL$",
        id="not-http",
    ),
    pytest.param(
        _with(sources__shop__base_url="https://"),
        r"^sources\.shop\.base_url: 'https://' is not an http\(s\) URL$",
        id="no-host",
    ),
    pytest.param(
        _with(
            targets__hub__enterprise="acme",
            targets__two={"platform": "dfc", "base_url": "https://two.example", "enterprise": "acme"},
        ),
        r"^targets\.two\.enterprise: 'acme' is already target hub's$",
        id="enterprise-twice",
    ),
    pytest.param(
        _with(sources__shop__credentials={"password": "SHOP_PASSWORD"}),
        r"^sources\.shop\.credentials\.password: shopify has no credential 'password' \(valid: .*token",
        id="unknown-credential-key",
    ),
    pytest.param(
        _with(sources__shop__options={"flavour": "ofn"}),
        r"^sources\.shop\.options\.flavour: is an option of spree, not shopify$",
        id="other-platforms-option",
    ),
    pytest.param(
        _with(sources__shop__options={"api": "soap"}),
        r"^sources\.shop\.options\.api: 'soap' is not one of rest, graphql$",
        id="unknown-api",
    ),
    pytest.param(
        _with(sources__shop__method="PUT"),
        r"^sources\.shop: unknown key method \(valid: base_url, credentials, options, platform\)$",
        id="method-on-source",
    ),
    pytest.param(
        _with(targets__cl={"platform": "commercelayer", "base_url": "https://cl.example", "method": "PUT"}),
        r"^targets\.cl\.method: only a dfc target takes a method",
        id="method-on-platform-target",
    ),
    pytest.param(
        "sources: {1: {platform: shopify, base_url: 'https://a.example'}}\n",
        r"^sources\.1: key 1 is read as a number; quote it$",
        id="key-not-text",
    ),
    pytest.param("sources: &a {x: *a}\n", r"contains itself \(a recursive YAML alias\)", id="recursive"),
]


@pytest.mark.parametrize(("text", "expected"), PROBLEMS)
def test_each_problem_names_its_entry(text: str, expected: str) -> None:
    problems = _problems(text)
    assert any(re.search(expected, problem) for problem in problems), problems


def test_every_problem_is_reported_at_once_one_a_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "statebridge.yaml"
    path.write_text(
        _with(
            targets__hub__method="GET",
            sources__shop__platform="magento",
            routes__0__from="nobody",
            delivery={"max_attempts": 101},
        ),
        "utf-8",
    )
    with pytest.raises(ConnectionsError) as caught:
        load_connections(path)
    message = str(caught.value)
    assert message.startswith(f"connections file {path} is invalid:\n")
    assert [line.split(":")[0].strip() for line in message.splitlines()[1:]] == [
        "delivery.max_attempts",
        "targets.hub.method",
        "sources.shop.platform",
        "routes[0].from",
    ]


def test_a_credential_pasted_in_place_of_its_variable_is_never_shown() -> None:
    problems = _problems(_with(sources__shop__credentials={"token": "shpat_0123abcdef pasted"}))
    assert problems == [
        "sources.shop.credentials.token: is not the name of an environment variable (A-Z, 0-9, _): a "
        "credential names the variable that holds the secret, never the secret (value not shown)"
    ]
    problems = _problems(_with(sources__shop__base_url="https://user:hunter2@shop.example.org"))
    assert problems == [
        "sources.shop.base_url: carries a user or password (not shown): name them in credentials:"
    ]


def test_a_missing_file_is_a_connections_error_naming_it(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConnectionsError, match=r"nowhere\.yaml is invalid:\n  cannot be read: No such file"):
        load_connections(tmp_path / "nowhere.yaml")


def test_endpoint_settings_put_each_credential_on_its_field() -> None:
    connections = parse_connections(EXAMPLE, source="statebridge.yaml")
    base = Settings(store="sqlite:///kept.db")
    shop = connections.source("hodmedod").settings(base, ALL_SET)
    assert shop.value("STATEBRIDGE_SHOPIFY_TOKEN") == "shpat_value_never_shown"
    assert shop.store == "sqlite:///kept.db"
    assert base.shopify_token is None
    cl = connections.target("acme-cl").settings(base, ALL_SET)
    assert cl.value("STATEBRIDGE_COMMERCELAYER_CLIENT_ID") == "cl_id_value_never_shown"
    assert cl.value("STATEBRIDGE_COMMERCELAYER_CLIENT_SECRET") == "cl_secret_value_never_shown"
    hub = connections.target("hub").settings(base, ALL_SET)
    assert hub.value("STATEBRIDGE_DFC_TOKEN") == "hub_value_never_shown"
    spree = Endpoint("s", "spree", "https://s.example", credentials={"token": "S_TOKEN"})
    assert spree.settings(base, {"S_TOKEN": "spree-value"}).value("STATEBRIDGE_SPREE_TOKEN") == "spree-value"
    assert "value_never_shown" not in repr(cl) + str(cl)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, r"^connection hub: credential 'token': environment variable HUB_DFC_TOKEN is not set$"),
        ({"HUB_DFC_TOKEN": ""}, r"HUB_DFC_TOKEN is not set$"),
    ],
)
def test_endpoint_settings_name_a_missing_variable(environ: dict[str, str], expected: str) -> None:
    hub = parse_connections(EXAMPLE, source="statebridge.yaml").target("hub")
    with pytest.raises(ConfigurationError, match=expected):
        hub.settings(Settings(), {**environ, "OTHER": "other-value"})


def test_endpoint_settings_refuse_a_key_statebridge_reads_no_setting_for() -> None:
    endpoint = Endpoint("odd", "shopify", "https://a.example", credentials={"pin": "ODD_PIN"})
    with pytest.raises(ConfigurationError) as caught:
        endpoint.settings(Settings(), {"ODD_PIN": "1234-secret"})
    message = str(caught.value)
    assert message.startswith("connection odd: credential 'pin' (from ODD_PIN) is not one statebridge reads")
    assert "1234-secret" not in message
    # Only secret fields can be set this way: never the store, the mappings, an API version.
    api_version = Endpoint("v", "shopify", "https://a.example", credentials={"api_version": "V"})
    with pytest.raises(ConfigurationError, match="'api_version'"):
        api_version.settings(Settings(), {"V": "2025-01"})


def test_credential_fields_are_read_from_settings_at_call_time() -> None:
    fields = secret_fields()
    assert {"shopify_token", "commercelayer_client_id", "dfc_token", "spree_token"} <= fields
    assert {"store", "mappings", "connections", "shopify_api_version"}.isdisjoint(fields)


def test_connections_built_by_hand_refuse_unknown_names() -> None:
    shop = Endpoint("shop", "shopify", "https://a.example")
    with pytest.raises(
        ConfigurationError, match=r"no target 'ghost' in the connections \(valid targets: none"
    ):
        Connections(sources=[shop], routes={"shop": ["ghost"]})
    connections = Connections(sources=[shop])
    with pytest.raises(
        ConfigurationError, match=r"no source 'nobody' in the connections \(valid sources: shop\)"
    ):
        connections.source("nobody")
    assert connections
    assert not connections.routes


@pytest.mark.parametrize(
    "values",
    [{"max_attempts": 0}, {"max_attempts": 101}, {"base_delay_seconds": 0}, {"max_delay_seconds": 86401}],
)
def test_delivery_policy_is_bounded(values: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError, match=f"delivery.{next(iter(values))}"):
        DeliveryPolicy(**values)  # type: ignore[arg-type]


def test_the_file_is_found_by_setting_then_in_the_current_folder(tmp_path: pathlib.Path) -> None:
    assert find_connections(Settings(), tmp_path) is None
    assert not connections_for(Settings(), tmp_path)
    (tmp_path / DEFAULT_FILE).write_text(EXAMPLE, "utf-8")
    assert find_connections(Settings(), tmp_path) == tmp_path / DEFAULT_FILE
    assert connections_for(Settings(), tmp_path).target("hub").platform == "dfc"
    named = tmp_path / "elsewhere.yaml"
    chosen = Settings.from_env({CONNECTIONS_ENV: str(named)})
    assert chosen.connections == named
    assert find_connections(chosen, tmp_path) == named  # as given, even before it exists


def test_the_command_line_constants_are_the_librarys() -> None:
    assert (cli_connections.CONNECTIONS_ENV, cli_connections.DEFAULT_FILE) == (CONNECTIONS_ENV, DEFAULT_FILE)


def _file(tmp_path: pathlib.Path, text: str = EXAMPLE) -> pathlib.Path:
    path = tmp_path / "conn.yaml"
    path.write_text(text, "utf-8")
    return path


def test_check_shows_each_endpoint_and_credential_and_exits_0(tmp_path: pathlib.Path) -> None:
    ran = invoke_text("connections", "check", "--connections", str(_file(tmp_path)), env=ALL_SET)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        "source hodmedod: shopify https://hodmedod.myshopify.com -> hub, acme-cl",
        "  token: HODMEDOD_SHOPIFY_TOKEN set",
        "target hub: dfc https://hub.example.org/api/dfc/Enterprises/acme/Orders (method POST)",
        "  token: HUB_DFC_TOKEN set",
        "target acme-cl: commercelayer https://acme.commercelayer.io (enterprise acme)",
        "  client_id: ACME_CL_ID set",
        "  client_secret: ACME_CL_SECRET set",
    ]
    assert "1 source(s), 2 target(s); delivery: at most 8 attempts, 1s to 600s apart" in ran.stderr
    assert "never_shown" not in ran.stdout + ran.stderr


def test_check_exits_2_naming_each_unset_variable(tmp_path: pathlib.Path) -> None:
    path = _file(tmp_path)
    environ = {**ALL_SET, "HUB_DFC_TOKEN": ""}
    del environ["ACME_CL_SECRET"]
    ran = invoke_text("connections", "check", "--connections", str(path), env=environ)
    assert ran.returncode == 2
    assert "  token: HUB_DFC_TOKEN NOT SET" in ran.stdout.splitlines()
    assert "  client_secret: ACME_CL_SECRET NOT SET" in ran.stdout.splitlines()
    problems = [line for line in ran.stderr.splitlines() if line.startswith("statebridge: ")]
    assert problems == [
        f"statebridge: {path}: targets.hub.credentials.token: HUB_DFC_TOKEN is not set",
        f"statebridge: {path}: targets.acme-cl.credentials.client_secret: ACME_CL_SECRET is not set",
    ]
    assert "never_shown" not in ran.stdout + ran.stderr


def test_check_lists_every_problem_of_an_invalid_file_on_stderr(tmp_path: pathlib.Path) -> None:
    path = _file(tmp_path, _with(targets__hub__method="GET", routes__0__from="nobody"))
    ran = invoke_text("connections", "check", env={CONNECTIONS_ENV: str(path)})
    assert ran.returncode == 2
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"statebridge: {path}: targets.hub.method: 'GET' is not one of POST, PUT",
        f"statebridge: {path}: routes[0].from: 'nobody' is not a source (valid: shop)",
    ]


def test_check_reads_statebridge_yaml_in_the_current_folder(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ran = invoke_text("connections", "check", env={})
    assert ran.returncode == 2
    assert ran.stderr.startswith("statebridge: no connections file: give --connections FILE, set ")
    (tmp_path / DEFAULT_FILE).write_text(EXAMPLE, "utf-8")
    ran = invoke_text("connections", "check", env=ALL_SET)
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.startswith(f"{tmp_path / DEFAULT_FILE}: 1 source(s)")


def test_check_help_shows_an_example() -> None:
    ran = invoke_text("connections", "check", "--help")
    assert ran.returncode == 0
    assert "$ statebridge connections check --connections statebridge.yaml" in ran.stdout
    group = invoke_text("connections", "--help")
    assert "credentials: {token: HODMEDOD_SHOPIFY_TOKEN}" in group.stdout


_WORDS = st.sampled_from(
    [
        "sources", "targets", "routes", "delivery", "platform", "base_url", "credentials", "options",
        "method", "enterprise", "from", "to", "max_attempts", "base_delay_seconds", "shop", "hub",
        "shopify", "dfc", "relatude", "ofn", "POST", "https://a.example", "api", "token", "TOKEN_VAR",
    ]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), _WORDS
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_WORDS, st.text(max_size=8), st.integers()), inner, max_size=5),
    ),
    max_leaves=30,
)


def _outcome(text: str) -> Connections | ConnectionsError:
    """What parsing `text` gives: connections, or the one error it may raise (any other is a bug)."""
    try:
        return parse_connections(text, source="fuzz.yaml")
    except ConnectionsError as exc:
        return exc


@given(_DOCUMENTS)
def test_any_yaml_document_is_connections_or_a_connections_error(document: object) -> None:
    outcome = _outcome(yaml.safe_dump(document))
    assert isinstance(outcome, Connections) or outcome.problems


@given(st.text(max_size=200))
def test_any_text_is_connections_or_a_connections_error(text: str) -> None:
    outcome = _outcome(text)
    assert isinstance(outcome, Connections) or outcome.problems


_NAMES = st.sampled_from(["shop", "hub", "acme-cl", "x y", ""])
_ENDPOINTS = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(
            ["shopify", "ofn", "dfc", "relatude", "socleo", "magento", "commercelayer"]
        )
    },
    optional={
        "base_url": st.sampled_from(
            ["https://a.example", "https://a.example/", "ftp://a", "https://[::1", "x"]
        ),
        "credentials": st.dictionaries(st.sampled_from(["token", "client_id", "pin"]), _WORDS, max_size=2),
        "options": st.dictionaries(st.sampled_from(["api", "flavour", "market"]), _WORDS, max_size=2),
        "method": st.sampled_from(["POST", "PUT", "GET"]),
        "enterprise": _NAMES,
    },
)
_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "sources": st.dictionaries(_NAMES, _ENDPOINTS, max_size=3),
        "targets": st.dictionaries(_NAMES, _ENDPOINTS, max_size=3),
        "routes": st.lists(
            st.fixed_dictionaries(
                {"from": _NAMES, "to": st.one_of(_NAMES, st.lists(_NAMES, max_size=3))},
            ),
            max_size=3,
        ),
        "delivery": st.dictionaries(
            st.sampled_from(["max_attempts", "base_delay_seconds", "max_delay_seconds"]),
            st.one_of(st.integers(-5, 200_000), st.floats(allow_nan=False)),
            max_size=3,
        ),
    },
)


@given(_SHAPED)
def test_any_nearly_valid_document_is_connections_or_every_problem(document: dict[str, t.Any]) -> None:
    connections = _outcome(yaml.safe_dump(document))
    if isinstance(connections, ConnectionsError):
        assert connections.problems
        assert all(": " in problem for problem in connections.problems)
        return
    for source, names in connections.routes.items():
        endpoint = connections.source(source)
        fed = connections.targets(endpoint.platform, endpoint.base_url, "source")
        assert {target.name for target in fed} >= set(names)
