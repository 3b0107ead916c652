"""Issue 15, item 4: the loop creates its own fds (epoll, wake-up eventfd, the signal wake-up
socketpair) when it is created, so that a program that uses up every fd can still run."""
import os
import subprocess
import sys
import textwrap

import nixloop


def _fds():
    return set(os.listdir('/proc/self/fd'))


def test_running_opens_no_fd():
    loop = nixloop.new_event_loop()
    try:
        before = _fds()

        async def main():
            import asyncio
            await asyncio.sleep(0.001)
            return _fds()
        during = loop.run_until_complete(main())
        after = _fds()
    finally:
        loop.close()
    # the listing itself opens one fd for a moment: compare what stays open
    assert {fd for fd in during - before if os.path.exists(f'/proc/self/fd/{fd}')} == set()
    assert after == before


PROG = textwrap.dedent('''
    import os, resource, sys
    from nixloop import node, timers
    held = []
    ran = []
    def main():
        try:
            while True:
                held.append(os.open('/dev/null', os.O_RDONLY))
        except OSError:
            pass
        def later():
            ran.append(len(held))
            for f in held:
                os.close(f)
        timers.setTimeout(later, 10)
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    node.run(main)
    assert ran and ran[0] > 50, ran
    print('ran with', ran[0], 'fds held')
''')


def test_node_run_with_no_fd_left():
    proc = subprocess.run([sys.executable, '-c', PROG], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert b'ran with' in proc.stdout


PROG_ASYNCIO = textwrap.dedent('''
    import asyncio, os, resource, nixloop
    async def main():
        held = []
        try:
            while True:
                held.append(os.open('/dev/null', os.O_RDONLY))
        except OSError:
            pass
        await asyncio.sleep(0.01)            # the loop polls with no fd left
        for f in held:
            os.close(f)
        return len(held)
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    print('held', nixloop.run(main()))
''')


def test_asyncio_run_with_no_fd_left():
    proc = subprocess.run([sys.executable, '-c', PROG_ASYNCIO], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert b'held' in proc.stdout
