"""How run_suite.py puts the loop under test into CPython's test.test_asyncio (child side).

Every place where a test module builds a *real* event loop is redirected to the loop under test:

  * the default policy's `_loop_factory` (so `asyncio.new_event_loop()`, `policy.new_event_loop()`,
    `asyncio.run()`, `asyncio.Runner()`, `IsolatedAsyncioTestCase`), and `asyncio.EventLoop` on
    3.13+;
  * `asyncio.SelectorEventLoop(...)` called directly (test_events', test_sendfile's and
    test_sock_lowlevel's `create_event_loop()` hooks, the `new_loop()` hooks of test_server,
    test_buffered_proto and test_sslproto, the `setUp()`s of test_base_events and
    test_unix_events): the name is replaced by a subclass whose direct call builds the loop under
    test (the selector argument is dropped) and whose `isinstance` check is the original class's,
    so `isinstance(loop, asyncio.SelectorEventLoop)` stays true only of stdlib loops; subclasses
    defined by the tests behave as subclasses of the original;
  * the per-selector copies of one test class (`EPollEventLoopTests`, `PollEventLoopTests`,
    `SelectEventLoopTests`, `KqueueEventLoopTests`, `ProactorEventLoopTests`) would run the same
    tests on the same loop three times: they are replaced by one `LoopUnderTestEventLoopTests`
    with the same bases. This is done for every loop kind, so stdlib, uvloop and nixloop runs
    have the same test ids;
  * test_runners and test_pep492 run on a stub `asyncio.BaseEventLoop()`; the stub is replaced by
    the loop under test, keeping the instrumentation those tests read.

What is NOT swapped, because it is not a loop under test but stdlib code tested on its own:
`test_utils.TestLoop` (fake clock; most of test_futures and part of test_tasks), a bare
`base_events.BaseEventLoop()` (test_base_events.BaseEventLoopTests), and subclasses of
`BaseSelectorEventLoop` with a mocked selector (test_selector_events). Each test's record says
whether it built a loop under test (`on_loop`).
"""
from __future__ import annotations

import warnings

# The per-selector copies of a loop test class (test_events, test_sendfile, test_sock_lowlevel).
SELECTOR_CLASSES = ('KqueueEventLoopTests', 'EPollEventLoopTests', 'PollEventLoopTests',
                    'SelectEventLoopTests', 'ProactorEventLoopTests')
UNDER_TEST_CLASS = 'LoopUnderTestEventLoopTests'


class Tracker:
    """Counts the loops under test built while the current test runs."""
    count = 0


def base_factory(kind):
    if kind == 'asyncio':
        import asyncio
        return asyncio.SelectorEventLoop
    if kind == 'uvloop':
        import uvloop
        return uvloop.new_event_loop
    if kind == 'nixloop':
        import nixloop
        return nixloop.new_event_loop
    raise ValueError(kind)


def install(kind):
    """Make every real loop the tests build a loop of `kind`. Returns the counted factory."""
    import asyncio
    from asyncio import unix_events
    original = asyncio.SelectorEventLoop
    make = base_factory(kind)

    def factory(*selector):
        Tracker.count += 1
        # Only stdlib's loop takes the selector the test asked for.
        return make(*selector) if kind == 'asyncio' else make()

    class _SwapMeta(type):
        def __call__(cls, *args, **kwargs):
            if cls is swapped:
                return factory(*args, *kwargs.values())
            return super().__call__(*args, **kwargs)

        def __instancecheck__(cls, obj):
            if cls is swapped:
                return isinstance(obj, original)
            return super().__instancecheck__(obj)

        def __subclasscheck__(cls, sub):
            if cls is swapped:
                return issubclass(sub, original)
            return super().__subclasscheck__(sub)

    swapped = _SwapMeta(original.__name__, (original,),
                        {'__module__': original.__module__, '__qualname__': original.__qualname__})
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        asyncio.SelectorEventLoop = swapped
        unix_events.SelectorEventLoop = swapped
        # BaseDefaultEventLoopPolicy.new_event_loop() calls self._loop_factory().
        asyncio.DefaultEventLoopPolicy._loop_factory = staticmethod(factory)
        # Python 3.13+: asyncio.EventLoop is asyncio.run()'s and the Runner's default.
        if hasattr(asyncio, 'EventLoop'):
            asyncio.EventLoop = swapped
        asyncio.set_event_loop_policy(None)
    return factory


def merge_selector_classes(mod, factory):
    """Replace the per-selector copies of a test class by one on the loop under test."""
    found = [getattr(mod, name) for name in SELECTOR_CLASSES if hasattr(mod, name)]
    if not found:
        return None
    model = next((c for c in found if c.__name__ == 'EPollEventLoopTests'), found[0])
    for name in SELECTOR_CLASSES:
        if hasattr(mod, name):
            delattr(mod, name)

    def create_event_loop(self):
        return factory()

    cls = type(UNDER_TEST_CLASS, model.__bases__,
               {'create_event_loop': create_event_loop, '__module__': mod.__name__,
                '__qualname__': UNDER_TEST_CLASS})
    setattr(mod, UNDER_TEST_CLASS, cls)
    return cls


def adapt_stub_loops(mod, module, factory):
    """test_runners and test_pep492 run on `asyncio.BaseEventLoop()` with a mocked selector; put
    the loop under test there instead, keeping the instrumentation the tests rely on."""
    if module == 'test_runners':
        def new_loop(self):
            loop = factory()
            loop.shutdown_ag_run = False

            async def shutdown_asyncgens():
                loop.shutdown_ag_run = True
            loop.shutdown_asyncgens = shutdown_asyncgens
            return loop
        mod.BaseTest.new_loop = new_loop
    elif module == 'test_pep492':
        def setUp(self):
            mod.test_utils.TestCase.setUp(self)
            self.loop = factory()
            self.set_event_loop(self.loop)
        mod.BaseTest.setUp = setUp


# Modules whose stub loop adapt_stub_loops replaces by the loop under test.
ADAPTED_MODULES = ('test_runners', 'test_pep492')


def shim_close_loop(mod):
    """uvloop has no `_default_executor` attribute, which test_utils.TestCase.close_loop reads
    after every test; without this shim nearly every uvloop test would error in its cleanup.
    (nixloop provides the attribute, so it runs unshimmed.)"""
    test_utils = getattr(mod, 'test_utils', None)
    if test_utils is None:
        from test.test_asyncio import utils as test_utils
    orig = test_utils.TestCase.close_loop

    def close_loop(loop):
        if not hasattr(loop, '_default_executor'):
            if not loop.is_closed():
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
            return
        orig(loop)
    test_utils.TestCase.close_loop = staticmethod(close_loop)


def prepare_module(module, kind, *, adapt=True):
    """Install the swap, import test.test_asyncio.<module> and patch it. Returns the module, or
    None with the reason when the module skips itself at import (Windows-only modules)."""
    import importlib
    import unittest
    factory = install(kind)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            mod = importlib.import_module('test.test_asyncio.' + module)
        except unittest.SkipTest as exc:
            return None, str(exc)
    merge_selector_classes(mod, factory)
    if adapt and module in ADAPTED_MODULES:
        adapt_stub_loops(mod, module, factory)
    if kind == 'uvloop':
        shim_close_loop(mod)
    return mod, None
