"""Swap another loop in under uvloop's name, in every Python process of a uvloop-suite run.

The suite runner puts this directory on PYTHONPATH and sets NIXLOOP_UVLOOP_SUITE to the loop
under test (`nixloop`, or `asyncio` to classify differences). Python imports `sitecustomize` at
start-up, so the test process and the Python subprocesses that uvloop's tests spawn (signal tests
run `uvloop.new_event_loop()` in a child) all get that loop behind `uvloop.new_event_loop`,
`uvloop.Loop`, `uvloop.EventLoopPolicy`, `uvloop.run` and `uvloop.install`. uvloop's test base
(`uvloop._testbase.UVTestCase`) builds its loop and policy through those names, so its UV test
classes run on the swapped-in loop unchanged.
"""
import os

if os.environ.get('NIXLOOP_UVLOOP_SUITE') in ('nixloop', 'asyncio'):
    import uvloop_swap
    uvloop_swap.install(os.environ['NIXLOOP_UVLOOP_SUITE'])
