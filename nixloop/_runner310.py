"""nixloop.run() for Python 3.10, which has neither asyncio.Runner nor loop_factory.

The same steps as asyncio.run: run the coroutine, cancel what is left, finish async
generators and the default executor, close the loop."""
import asyncio
from asyncio import coroutines, events, tasks


def _cancel_all_tasks(loop):
    to_cancel = tasks.all_tasks(loop)
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    loop.run_until_complete(tasks.gather(*to_cancel, return_exceptions=True))
    for task in to_cancel:
        if task.cancelled():
            continue
        if task.exception() is not None:
            loop.call_exception_handler({
                'message': 'unhandled exception during nixloop.run() shutdown',
                'exception': task.exception(),
                'task': task,
            })


def run(main, *, debug=None, loop_factory=None):
    if events._get_running_loop() is not None:
        raise RuntimeError('nixloop.run() cannot be called from a running event loop')
    if not coroutines.iscoroutine(main):
        raise ValueError(f'a coroutine was expected, got {main!r}')
    if loop_factory is None:
        from . import new_event_loop as loop_factory
    loop = loop_factory()
    try:
        events.set_event_loop(loop)
        if debug is not None:
            loop.set_debug(debug)
        return loop.run_until_complete(main)
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            events.set_event_loop(None)
            loop.close()
