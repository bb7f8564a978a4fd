"""Moved to :mod:`skconv.network`; this name still imports (and is patchable)."""

from .network import *  # noqa: F401,F403
from .network import __all__  # noqa: F401
