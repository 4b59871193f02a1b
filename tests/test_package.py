"""What ships, what is exported, and the error hierarchy."""

from __future__ import annotations

import importlib.resources
import inspect

import statebridge
import statebridge.errors as errors


def test_data_files_ship_inside_the_package() -> None:
    assert importlib.resources.files("statebridge.data").joinpath("context_1.16.0.json").is_file()
    assert importlib.resources.files("statebridge.mapping").joinpath("table.schema.json").is_file()
    tables = [p.name for p in importlib.resources.files("statebridge.mappings").iterdir()]
    assert "spree.yaml" in tables


def test_public_names_are_exported_and_sorted() -> None:
    exported = statebridge.__all__
    assert exported == sorted(exported)
    for name in exported:
        assert hasattr(statebridge, name), name


def test_every_error_is_rooted_in_statebridge_error() -> None:
    classes = [
        obj for _, obj in inspect.getmembers(errors, inspect.isclass) if obj.__module__ == errors.__name__
    ]
    assert len(classes) == len(errors.__all__)
    for cls in classes:
        assert issubclass(cls, errors.StatebridgeError), cls


def test_order_error_names_position_order_field_and_value() -> None:
    error = errors.InvalidOrderError("must be positive", field="quantity", value=-1, has_value=True)
    error.locate(position="orders[2]", order="R7")
    assert str(error) == "orders[2]: order R7: field quantity: value -1: must be positive"
    error.locate(position="elsewhere")
    assert error.position == "orders[2]"


def test_every_package_folder_is_listed_for_the_build() -> None:
    """pyproject lists the packages by hand (the tables ship from `mappings/` as `statebridge.mappings`):
    a folder left out installs in editable mode but is missing from a wheel."""
    import pathlib
    import tomllib

    root = pathlib.Path(__file__).resolve().parent.parent
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"]
    )
    source = root / "src"
    found = {
        ".".join(init.parent.relative_to(source).parts)
        for init in (source / "statebridge").rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
