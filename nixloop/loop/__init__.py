"""nixloop.Loop: the public event loop class.

The scheduling core (call_soon, timers, run_forever, stop, ...) is compiled (nixloop/_core/_loop.pyx).
This module adds, in plain Python, the parts of the asyncio contract that are not on a hot path:
run_until_complete, close, the exception-handler logic, executors, async-generator hooks and
signal handlers. The I/O methods come from mixins, one module each in this package: sockets (sock_*,
add_reader/add_writer, name resolution), streams (TCP and Unix stream connections and
servers), server (asyncio.Server), tls (ssl=, start_tls), unix (SEQPACKET), udp (datagram
endpoints), pipes (connect_read_pipe/connect_write_pipe), subprocess (subprocess_exec/_shell)
and sendfile (sock_sendfile, sendfile).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import threading
import warnings

from asyncio import coroutines, futures
from asyncio.log import logger

from .._core._loop import BaseLoop
from .sockets import SocketsMixin
from .streams import StreamsMixin
from .pipes import PipesMixin
from .subprocess import SubprocessMixin
from .sendfile import SendfileMixin
from .tls import TLSMixin
from .udp import UDPMixin
from .unix import UnixMixin

__all__ = ['Loop']

_PY312 = sys.version_info >= (3, 12)


def _set_result_unless_cancelled(fut, result):
    if not fut.cancelled():
        fut.set_result(result)


def _stop_when_done(fut):
    """Done callback of run_until_complete's future: stop the loop it runs on."""
    if not fut.cancelled():
        exc = fut.exception()
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            # run_forever() is already unwinding with this exception.
            return
    futures._get_loop(fut).stop()


class _Scheduling:
    """run_until_complete and close, on top of the compiled core."""

    def run_until_complete(self, future):
        """Run until `future` (a Future or coroutine) is done; return its result."""
        if self.is_closed():
            raise RuntimeError('Event loop is closed')
        self._check_running()
        new_task = not futures.isfuture(future)
        future = asyncio.ensure_future(future, loop=self)
        if new_task:
            # An exception raised here would otherwise be logged as "never retrieved".
            future._log_destroy_pending = False
        future.add_done_callback(_stop_when_done)
        try:
            self.run_forever()
        except BaseException:
            if new_task and future.done() and not future.cancelled():
                future.exception()   # mark it retrieved: the caller sees the exception
            raise
        finally:
            future.remove_done_callback(_stop_when_done)
        if not future.done():
            raise RuntimeError('Event loop stopped before Future completed.')
        return future.result()

    def close(self):
        """Close the loop: drop pending callbacks, shut the default executor down (without
        waiting) and release every libuv handle. Raises RuntimeError while running."""
        if not self._mark_closed():
            return
        if self.get_debug():
            logger.debug('Close %r', self)
        executor = self._get_default_executor()
        if executor is not None:
            self._set_default_executor(None)
            executor.shutdown(wait=False)
        self._remove_all_signal_handlers()
        self._close_polls()
        self._cancel_exit_watches()     # after the polls: their pidfds can be closed now
        self._close_uv()

    def __del__(self):
        if not self.is_closed():
            warnings.warn(f'unclosed event loop {self!r}', ResourceWarning, source=self)
            if not self.is_running():
                self.close()

    def __repr__(self):
        return (f'<{type(self).__name__} running={self.is_running()} '
                f'closed={self.is_closed()} debug={self.get_debug()}>')


class _ExceptionHandling:
    """call_exception_handler and default_exception_handler, as asyncio defines them."""

    def default_exception_handler(self, context):
        message = context.get('message') or 'Unhandled exception in event loop'
        exception = context.get('exception')
        exc_info = (type(exception), exception, exception.__traceback__) if exception else False
        lines = [message]
        for key in sorted(context):
            if key in ('message', 'exception'):
                continue
            value = context[key]
            if key == 'source_traceback':
                import traceback
                tb = ''.join(traceback.format_list(value))
                value = 'Object created at (most recent call last):\n' + tb.rstrip()
            elif key == 'handle_traceback':
                import traceback
                tb = ''.join(traceback.format_list(value))
                value = 'Handle created at (most recent call last):\n' + tb.rstrip()
            else:
                value = repr(value)
            lines.append(f'{key}: {value}')
        logger.error('\n'.join(lines), exc_info=exc_info)

    def call_exception_handler(self, context):
        handler = self.get_exception_handler()
        if handler is None:
            try:
                self.default_exception_handler(context)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException:
                # The default handler must never take the loop down.
                logger.error('Exception in default exception handler', exc_info=True)
            return
        try:
            run_in = _handler_context(context) if _PY312 else None
            if run_in is not None:
                run_in.run(handler, self, context)
            else:
                handler(self, context)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            try:
                self.default_exception_handler({
                    'message': 'Unhandled error in exception handler',
                    'exception': exc,
                    'context': context,
                })
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException:
                logger.error('Exception in default exception handler while handling an '
                             'unexpected error in custom exception handler', exc_info=True)


def _handler_context(context):
    """The contextvars context a custom exception handler runs in, asyncio 3.12+'s rule: that of
    the task, future or handle the error is about (a Task's "exception was never retrieved" report
    sees the task's variables), when it has one."""
    thing = context.get('task')
    if thing is None:
        thing = context.get('future')       # a Task may come as 'future'
    if thing is None:
        thing = context.get('handle')
    get_context = getattr(thing, 'get_context', None)
    ctx = get_context() if get_context is not None else None
    return ctx if ctx is not None and hasattr(ctx, 'run') else None


class _Executors:
    """run_in_executor and the default executor's lifetime."""

    def run_in_executor(self, executor, func, *args):
        if self.is_closed():
            raise RuntimeError('Event loop is closed')
        if self.get_debug():
            if coroutines.iscoroutine(func) or coroutines.iscoroutinefunction(func):
                raise TypeError('coroutines cannot be used with run_in_executor()')
        if executor is None:
            executor = self._get_default_executor()
            if executor is None:
                if self._executor_shutdown_state():
                    raise RuntimeError('Executor shutdown has been called')
                executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix='asyncio')
                self._set_default_executor(executor)
        return asyncio.wrap_future(executor.submit(func, *args), loop=self)

    @property
    def _default_executor(self):
        """asyncio.BaseEventLoop's attribute name: CPython's test_asyncio (utils.TestCase.close_loop)
        and some libraries read it to shut the executor down. Read-only here."""
        return self._get_default_executor()

    def set_default_executor(self, executor):
        if not isinstance(executor, concurrent.futures.ThreadPoolExecutor):
            raise TypeError('executor must be ThreadPoolExecutor')
        self._set_default_executor(executor)

    async def shutdown_default_executor(self, timeout=None):
        """Wait for the default executor's threads to finish (in a helper thread)."""
        self._executor_shutdown_state(True)
        executor = self._get_default_executor()
        if executor is None:
            return
        future = self.create_future()

        def shut_down():
            try:
                executor.shutdown(wait=True)
                if not self.is_closed():
                    self.call_soon_threadsafe(_set_result_unless_cancelled, future, None)
            except Exception as ex:
                if not self.is_closed() and not future.cancelled():
                    self.call_soon_threadsafe(future.set_exception, ex)

        thread = threading.Thread(target=shut_down, name='nixloop-executor-shutdown')
        thread.start()
        try:
            if timeout is None:
                await future
            else:
                try:
                    await asyncio.wait_for(asyncio.shield(future), timeout)
                except asyncio.TimeoutError:
                    warnings.warn('The executor did not finishing joining its threads within '
                                  f'{timeout} seconds.', RuntimeWarning, stacklevel=2)
                    executor.shutdown(wait=False)
        finally:
            if timeout is None or future.done():
                thread.join()


class _AsyncGens:
    """Async-generator hooks installed by run_forever(), and shutdown_asyncgens()."""

    def _asyncgen_firstiter_hook(self, agen):
        if self._asyncgens_state():
            warnings.warn(f'asynchronous generator {agen!r} was scheduled after '
                          'loop.shutdown_asyncgens() call', ResourceWarning, source=self)
        self._asyncgens_set.add(agen)

    def _asyncgen_finalizer_hook(self, agen):
        self._asyncgens_set.discard(agen)
        if not self.is_closed():
            self.call_soon_threadsafe(self.create_task, agen.aclose())

    async def shutdown_asyncgens(self):
        """Close every async generator still alive (asyncio.run calls this at the end)."""
        self._asyncgens_state(True)
        gens = self._asyncgens_set
        if not len(gens):
            return
        closing = list(gens)
        gens.clear()
        results = await asyncio.gather(*[ag.aclose() for ag in closing], return_exceptions=True)
        for result, agen in zip(results, closing):
            if isinstance(result, Exception):
                self.call_exception_handler({
                    'message': f'an error occurred during closing of asynchronous generator '
                               f'{agen!r}',
                    'exception': result,
                    'asyncgen': agen,
                })


class _Signals:
    """add_signal_handler/remove_signal_handler (Unix, main thread), as the selector loop."""

    def _check_signal(self, sig):
        if not isinstance(sig, int):
            raise TypeError(f'sig must be an int, not {sig!r}')
        import signal
        if sig not in signal.valid_signals():
            raise ValueError(f'invalid signal number {sig}')

    # How a signal reaches its callback: the Python-level handler installed here schedules it
    # (call_soon_threadsafe with the context captured by add_signal_handler). Python runs that
    # handler in the main thread at the next bytecode boundary, and while the loop blocks in
    # libuv's poll the C-level handler writes to the wake-up fd that run_forever watches, whose
    # callback runs pending Python handlers (PyErr_CheckSignals). So a signal that arrives while
    # the loop is not running is not lost: its callback runs on the next run, as with asyncio's
    # selector loop (test_asyncio.test_events ...test_add_signal_handler sends SIGINT first and
    # runs the loop afterwards). The compiled side's per-signal map is left empty, so each signal
    # is delivered exactly once.

    def add_signal_handler(self, sig, callback, *args):
        import contextvars
        import signal
        if coroutines.iscoroutine(callback) or coroutines.iscoroutinefunction(callback):
            raise TypeError('coroutines cannot be used with add_signal_handler()')
        self._check_signal(sig)
        if self.is_closed():
            raise RuntimeError('Event loop is closed')
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError('add_signal_handler() can only be called from the main thread')
        handlers = self._py_signal_handlers
        previous = handlers.get(sig)
        handlers[sig] = (callback, args, contextvars.copy_context())
        try:
            signal.signal(sig, _SignalDispatch(self))
            signal.siginterrupt(sig, False)
        except OSError as exc:
            if previous is None:
                del handlers[sig]
            else:
                handlers[sig] = previous
            if exc.errno == 22:   # EINVAL: SIGKILL, SIGSTOP
                raise RuntimeError(f'sig {sig:d} cannot be caught')
            raise

    def remove_signal_handler(self, sig):
        import signal
        self._check_signal(sig)
        handlers = self._py_signal_handlers
        if sig not in handlers:
            return False
        del handlers[sig]
        handler = signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
        try:
            signal.signal(sig, handler)
        except OSError as exc:
            if exc.errno == 22:
                raise RuntimeError(f'sig {sig:d} cannot be caught')
            raise
        return True

    @property
    def _py_signal_handlers(self):
        try:
            return self.__dict__['_nixloop_signal_handlers']
        except KeyError:
            return self.__dict__.setdefault('_nixloop_signal_handlers', {})

    def _remove_all_signal_handlers(self):
        """close(): give the signals back to their default handlers, as asyncio's loop does."""
        handlers = self.__dict__.get('_nixloop_signal_handlers')
        if not handlers:
            return
        if threading.current_thread() is threading.main_thread():
            for sig in list(handlers):
                self.remove_signal_handler(sig)
        else:
            warnings.warn(f'Closing the loop {self!r} on a thread other than the main one: '
                          f'signal handlers for {sorted(handlers)} are left installed',
                          ResourceWarning, source=self)
            handlers.clear()


class _SignalDispatch:
    """The Python-level handler of a signal that has a loop callback (weakly bound to the loop,
    so that the signal module does not keep a dropped loop alive)."""

    __slots__ = ('_loop_ref',)

    def __init__(self, loop):
        import weakref
        self._loop_ref = weakref.ref(loop)

    def __call__(self, signum, frame):
        loop = self._loop_ref()
        if loop is None or loop.is_closed():
            return
        entry = loop._py_signal_handlers.get(signum)
        if entry is None:
            return
        callback, args, context = entry
        loop.call_soon_threadsafe(callback, *args, context=context)


class Loop(BaseLoop, _Scheduling, _ExceptionHandling, _Executors, _AsyncGens, _Signals,
           SocketsMixin, StreamsMixin, TLSMixin, UnixMixin, UDPMixin, PipesMixin, SubprocessMixin,
           SendfileMixin, asyncio.AbstractEventLoop):
    """A libuv-based asyncio event loop. Create one with nixloop.new_event_loop()."""
