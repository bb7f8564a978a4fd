"""Every public name of skconv has a page in the API reference.

A module is public when no part of its dotted name starts with an underscore.
Its public names are its ``__all__``; anything else it holds without a
leading underscore must be an import (of another library, of a private
skconv module, or of a name documented elsewhere), not something defined
there and left out of the reference.
"""

import functools
import importlib
import pkgutil
import re
import types
from pathlib import Path

import pytest

import skconv

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.rst"

@functools.cache
def public_modules():
    names = []
    for info in pkgutil.walk_packages(skconv.__path__, "skconv."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


@functools.cache
def documented_entries():
    """The dotted names the API page lists in its autosummary tables."""
    return set(re.findall(r"^\s+(skconv(?:\.\w+)*)\s*$", API_PAGE.read_text(),
                          flags=re.MULTILINE))


@functools.cache
def documented_objects():
    """``id`` of every object some documented page lists."""
    ids = set()
    for entry in documented_entries():
        obj = importlib.import_module(entry) if _is_module(entry) else _resolve(entry)
        names = getattr(obj, "__all__", None) if isinstance(obj, types.ModuleType) else None
        if names is None:
            ids.add(id(obj))
        else:
            ids.update(id(getattr(obj, name)) for name in names)
    return ids


def _is_module(dotted):
    try:
        importlib.import_module(dotted)
    except ImportError:
        return False
    return True


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _defined_in_skconv_public_module(obj):
    module = getattr(obj, "__module__", None)
    return (isinstance(module, str) and module.startswith("skconv")
            and not any(part.startswith("_") for part in module.split(".")))


@pytest.mark.parametrize("name", public_modules())
def test_public_module_declares_all(name):
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), list), (
        f"{name} has no __all__: its public names are not declared")
    missing = [attr for attr in module.__all__ if not hasattr(module, attr)]
    assert not missing, f"{name}.__all__ names what it does not hold: {missing}"


@pytest.mark.parametrize("name", public_modules())
def test_every_public_name_is_documented(name):
    module = importlib.import_module(name)
    documented = documented_objects()
    entries = documented_entries()
    if name not in entries:
        # Submodules (the layer families) and 0.1's modules: each name they
        # declare must have its page through a documented module.
        undocumented = [attr for attr in module.__all__
                        if id(getattr(module, attr)) not in documented]
        assert not undocumented, (
            f"{name} is not in docs/api.rst and declares names no documented "
            f"module lists: {undocumented}")
    for attr, value in vars(module).items():
        if attr.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if attr in module.__all__ or id(value) in documented:
            continue
        callable_elsewhere = (callable(value)
                              and getattr(value, "__module__", None) != name
                              and not _defined_in_skconv_public_module(value))
        assert callable_elsewhere, (
            f"{name}.{attr} looks public (no leading underscore) but is in "
            f"no __all__ the API reference lists")

