"""Executors, async generators, runners, signals and the policy."""
import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import nixloop

PY311 = sys.version_info >= (3, 11)
PY312 = sys.version_info >= (3, 12)


def test_run_in_executor(loop):
    async def main():
        ident = await loop.run_in_executor(None, threading.get_ident)
        assert ident != threading.get_ident()
        return await loop.run_in_executor(None, sum, [1, 2, 3])

    assert loop.run_until_complete(main()) == 6
    loop.run_until_complete(loop.shutdown_default_executor())


def test_set_default_executor(loop):
    import concurrent.futures
    ex = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix='mine')
    loop.set_default_executor(ex)

    async def main():
        return await loop.run_in_executor(None, lambda: threading.current_thread().name)

    assert loop.run_until_complete(main()).startswith('mine')
    loop.run_until_complete(loop.shutdown_default_executor())
    with pytest.raises(RuntimeError):
        loop.run_in_executor(None, lambda: None)


def test_asyncgens_finalised_at_shutdown(loop):
    log = []

    async def agen():
        try:
            for i in range(10):
                yield i
        finally:
            log.append('finalised')

    gens = []

    async def main():
        g = agen()
        gens.append(g)   # keep it alive so only shutdown_asyncgens() finalises it
        assert await g.__anext__() == 0

    loop.run_until_complete(main())
    assert log == []
    loop.run_until_complete(loop.shutdown_asyncgens())
    assert log == ['finalised']


def test_asyncgen_finalizer_hook_on_gc(loop):
    log = []

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            log.append('closed')

    async def main():
        g = agen()
        await g.__anext__()
        del g
        import gc
        gc.collect()
        await asyncio.sleep(0.01)

    loop.run_until_complete(main())
    assert log == ['closed']


def test_nixloop_run():
    async def main():
        loop = asyncio.get_running_loop()
        assert isinstance(loop, nixloop.Loop)
        await asyncio.sleep(0)
        return 'ok'

    assert nixloop.run(main()) == 'ok'


def test_nixloop_run_debug():
    async def main():
        return asyncio.get_running_loop().get_debug()

    assert nixloop.run(main(), debug=True) is True


@pytest.mark.skipif(not PY312, reason='asyncio.run(loop_factory=) is Python 3.12+')
def test_asyncio_run_loop_factory():
    async def main():
        return type(asyncio.get_running_loop())

    assert asyncio.run(main(), loop_factory=nixloop.new_event_loop) is nixloop.Loop


@pytest.mark.skipif(not PY311, reason='asyncio.Runner is Python 3.11+')
def test_asyncio_runner():
    async def main(x):
        await asyncio.sleep(0)
        return x * 2

    with asyncio.Runner(loop_factory=nixloop.new_event_loop) as runner:
        assert runner.run(main(2)) == 4
        assert runner.run(main(3)) == 6
        assert isinstance(runner.get_loop(), nixloop.Loop)


def test_policy_and_install():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        old = asyncio.get_event_loop_policy()
        try:
            nixloop.install()
            loop = asyncio.new_event_loop()
            try:
                assert isinstance(loop, nixloop.Loop)
            finally:
                loop.close()
            policy = nixloop.EventLoopPolicy()
            lp = policy.new_event_loop()
            assert isinstance(lp, nixloop.Loop)
            lp.close()
        finally:
            asyncio.set_event_loop_policy(old)


def test_import_does_not_warn():
    code = 'import warnings; warnings.simplefilter("error"); import nixloop; print("ok")'
    out = subprocess.run([sys.executable, '-W', 'error', '-c', code], capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, PYTHONPATH=_root()))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'ok'


def _root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run_script(code, timeout=30):
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, PYTHONPATH=_root()))


@pytest.mark.parametrize('kind', ['asyncio', 'uvloop', 'nixloop'])
def test_ctrl_c_interrupts_blocked_loop(kind):
    # The loop blocks in its poll with nothing to do; SIGINT must still raise
    # KeyboardInterrupt promptly (stdlib behaviour).
    code = f'''
        import asyncio, os, signal, threading, time, sys
        sys.path.insert(0, {_root()!r} + '/tests')
        from nltest import make_loop
        loop = make_loop({kind!r})
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        t0 = time.monotonic()
        try:
            loop.run_until_complete(asyncio.sleep(30))
        except KeyboardInterrupt:
            print('interrupted', round(time.monotonic() - t0, 1))
        finally:
            loop.close()
    '''
    out = _run_script(code)
    assert 'interrupted' in out.stdout, out.stdout + out.stderr
    assert float(out.stdout.split()[-1]) < 5


@pytest.mark.skipif(not PY311, reason='asyncio.Runner is Python 3.11+')
def test_runner_sigint_cancels_main_task():
    code = '''
        import asyncio, os, signal, threading, nixloop
        async def main():
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                print('main cancelled')
                raise
        try:
            with asyncio.Runner(loop_factory=nixloop.new_event_loop) as r:
                r.run(main())
        except KeyboardInterrupt:
            print('KeyboardInterrupt')
    '''
    out = _run_script(code)
    assert out.stdout.split('\n')[:2] == ['main cancelled', 'KeyboardInterrupt'], out.stdout + out.stderr


def test_add_signal_handler(loop_kind, loop):
    got = []

    def on_usr1(tag):
        got.append(tag)
        loop.stop()

    loop.add_signal_handler(signal.SIGUSR1, on_usr1, 'usr1')
    try:
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        guard = loop.call_later(5, loop.stop)
        loop.run_forever()
        guard.cancel()
        assert got == ['usr1']
        if loop_kind != 'uvloop':   # uvloop forgets its handlers when run_forever() returns
            assert loop.remove_signal_handler(signal.SIGUSR1)
            assert not loop.remove_signal_handler(signal.SIGUSR1)
    finally:
        loop.remove_signal_handler(signal.SIGUSR1)
    with pytest.raises((TypeError, ValueError)):
        loop.add_signal_handler('x', lambda: None)


def test_loop_closes_cleanly_without_leaks(no_fd_leak):
    for _ in range(20):
        lp = nixloop.new_event_loop()
        lp.run_until_complete(asyncio.sleep(0))
        lp.close()
