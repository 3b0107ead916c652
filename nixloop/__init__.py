"""nixloop: a fast asyncio event loop on libuv, with Node.js-style facades.

    import nixloop
    nixloop.run(main())                                        # like asyncio.run
    asyncio.run(main(), loop_factory=nixloop.new_event_loop)   # Python 3.12+
    with asyncio.Runner(loop_factory=nixloop.new_event_loop) as r: r.run(main())  # 3.11+
"""
from __future__ import annotations

import asyncio as __asyncio
import sys as _sys

from .loop import Loop
from ._core._loop import libuv_version
from ._version import __version__

__all__ = ['Loop', 'new_event_loop', 'run', 'install', 'EventLoopPolicy', 'libuv_version']


def new_event_loop() -> Loop:
    """A new nixloop event loop."""
    return Loop()


def run(main, *, loop_factory=None, debug=None, **run_kwargs):
    """Run coroutine `main` on a new nixloop loop and return its result (like asyncio.run).

    `loop_factory` makes the loop (default: nixloop.new_event_loop), as for uvloop.run and
    asyncio.run. Extra keyword arguments go to asyncio.run / asyncio.Runner where the Python
    supports them.
    """
    if loop_factory is None:
        loop_factory = new_event_loop
    if _sys.version_info >= (3, 12):
        return __asyncio.run(main, debug=debug, loop_factory=loop_factory, **run_kwargs)
    if _sys.version_info >= (3, 11):
        with __asyncio.Runner(debug=debug, loop_factory=loop_factory) as runner:
            return runner.run(main, **run_kwargs)
    from ._runner310 import run as _run310
    return _run310(main, debug=debug, loop_factory=loop_factory)


def install():
    """Make nixloop the default for asyncio.new_event_loop()/get_event_loop() via the policy.

    Deprecated by asyncio itself on Python 3.12+ in favour of loop_factory=; still works."""
    import warnings
    if _sys.version_info >= (3, 12):
        warnings.warn('nixloop.install() relies on asyncio event loop policies, which are '
                      'deprecated; use nixloop.run() or asyncio.run(..., '
                      'loop_factory=nixloop.new_event_loop)', DeprecationWarning, stacklevel=2)
    from ._policy import EventLoopPolicy
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        __asyncio.set_event_loop_policy(EventLoopPolicy())


def __getattr__(name):
    # The policy class is built on first use so that importing nixloop never touches the
    # policy machinery that Python 3.14 deprecates.
    if name == 'EventLoopPolicy':
        from ._policy import EventLoopPolicy
        globals()['EventLoopPolicy'] = EventLoopPolicy
        return EventLoopPolicy
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
