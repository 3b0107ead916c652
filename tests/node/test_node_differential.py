"""Differential tests for timers, nextTick and the runner: each scenario is a JS
script under node_scripts/ run by `node` and a Python twin here, run with
nixloop.node.run(); both print an event log that must match line for line, and
the process exit code must match the twin's.  Skipped (with the reason) when
`node` is not installed.

Twin conventions: ``promise(fn)`` stands for ``Promise.resolve().then(fn)``
(an asyncio callback: ``call_soon``), ``fail(err)`` for ``Promise.reject(err)``
(a task that raises, nobody awaiting it)."""

import asyncio
import json
import os
import shutil
import subprocess

import pytest

from nixloop import errors
from nixloop.node import process, run
from nixloop.timers import (clearImmediate, clearInterval, clearTimeout, nextTick,
                            setImmediate, setInterval, setTimeout)

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_scripts")
NODE = shutil.which("node")
UNDEF = errors.UNDEFINED


from nltest import JsLog as Log, js  # noqa: E402,F401


def promise(fn, *args):
    asyncio.get_running_loop().call_soon(fn, *args)


def fail(err):
    async def rejected():
        raise err
    asyncio.get_running_loop().create_task(rejected())


def code_or_undefined():
    return UNDEF if process.exitCode is None else process.exitCode


# -- Python twins (one per .js file); each returns the expected exit code -----------------

def main_order(log):
    def main():
        setTimeout(lambda: log("timeout 200"), 200)
        setImmediate(lambda: log("immediate"))

        def tick1():
            log("tick 1")
            nextTick(lambda: log("tick 3 (nested)"))

        nextTick(tick1)
        nextTick(lambda: log("tick 2"))
        promise(lambda: log("promise"))
        process.on("exit", lambda code: log("exit", code))
        log("main")
    run(main)
    return 0


def timer_callback_order(log):
    def main():
        def timer():
            log("timer")
            setTimeout(lambda: log("timeout 0"), 0)
            setImmediate(lambda: log("immediate"))
            nextTick(lambda: log("tick"))
            promise(lambda: log("promise"))
            log("timer end")
        setTimeout(timer, 5)
    run(main)
    return 0


def immediate_order(log):
    def main():
        def a():
            log("A")
            nextTick(lambda: log("tick from A"))
            setImmediate(lambda: log("C (queued by A: next iteration)"))

        def b(x, y):
            log("B", x, y)
            nextTick(lambda: log("tick from B"))

        setImmediate(a)
        setImmediate(b, "arg1", 2)
        d = setImmediate(lambda: log("D never"))
        f = None

        def e():
            log("E clears F")
            clearImmediate(f)

        setImmediate(e)
        f = setImmediate(lambda: log("F never"))
        clearImmediate(d)
        log("hasRef", d.hasRef(), f.hasRef())
    run(main)
    return 0


def same_ms_fifo(log):
    def main():
        def a():
            log("a 20")
            nextTick(lambda: log("tick after a"))
        setTimeout(a, 20)
        setTimeout(lambda: log("b 20"), 20)
        setTimeout(lambda: log("c 5"), 5)
        setTimeout(lambda x: log("d 20", x), 20, "arg")
        setTimeout(lambda: log("e 5"), 5)
        setTimeout(lambda: log("f 0 coerced to 1"), 0)
        setTimeout(lambda: log("g 1"), 1)
    run(main)
    return 0


def clear_semantics(log):
    def main():
        t2 = None

        def t1():
            log("t1 clears t2")
            clearTimeout(t2)

        setTimeout(t1, 10)
        t2 = setTimeout(lambda: log("t2 never"), 10)
        iv = setInterval(lambda: log("interval never"), 5)
        clearTimeout(iv)
        to = setTimeout(lambda: log("timeout never"), 5)
        clearInterval(to)
        clearTimeout(None); clearTimeout(UNDEF); clearInterval(None)
        clearImmediate(None); clearImmediate(UNDEF)
        by_id = setTimeout(lambda: log("byId never"), 5)
        clearTimeout(int(by_id))
        closed = setTimeout(lambda: log("closed never"), 5)
        log("close returns timer", closed.close() is closed)
        twice = setTimeout(lambda: log("twice never"), 5)
        clearTimeout(twice); clearTimeout(twice)
        setTimeout(lambda: log("survivor"), 15)
    run(main)
    return 0


def interval_basic(log):
    def main():
        n = [0]
        iv = None

        def tick(tag):
            n[0] += 1
            log("interval", tag, n[0], iv.hasRef())
            count = n[0]
            nextTick(lambda: log("tick", count))
            if n[0] == 3:
                clearInterval(iv)
                log("cleared")

        iv = setInterval(tick, 100, "x")
        setTimeout(lambda: log("timeout 150"), 150)
        setTimeout(lambda: log("timeout 500"), 500)
    run(main)
    return 0


def refresh(log):
    def main():
        t = setTimeout(lambda: log("t fired (refreshed at 100 -> 300)"), 200)
        setTimeout(lambda: log("refresh t at 100", t.refresh() is t), 100)
        setTimeout(lambda: log("b at 250"), 250)
        fired = [0]
        r = None

        def on_r():
            fired[0] += 1
            log("r fired", fired[0])
            if fired[0] == 1:
                r.refresh()

        r = setTimeout(on_r, 20)
        c = setTimeout(lambda: log("c never"), 10)
        clearTimeout(c)
        c.refresh()
        log("c hasRef", c.hasRef())
    run(main)
    return 0


def unref_lifetime(log):
    def main():
        process.on("exit", lambda code: log("exit", code))
        long = setTimeout(lambda: log("long never"), 100000)
        log("unref returns", long.unref() is long, long.hasRef())
        iv = setInterval(lambda: log("unref interval never"), 100000).unref()
        log("interval hasRef", iv.hasRef())
        again = setTimeout(lambda: log("again: ref -> unref -> ref"), 100)
        again.unref(); again.ref()
        log("again hasRef", again.hasRef())
        im = setImmediate(lambda: log("unref immediate runs: the timer iterates the loop"))
        log("imm unref", im.unref() is im, im.hasRef())

        def short():
            log("short timer")
            setImmediate(lambda: log("unref immediate 2 runs: the 100ms timer iterates the loop")
                         ).unref()

        setTimeout(short, 10)
    run(main)
    return 0


def unref_alone(log):
    def main():
        process.on("exit", lambda code: log("exit", code))
        t = setTimeout(lambda: log("unref timer never"), 50).unref()
        setImmediate(lambda: log("unref immediate never")).unref()
        setInterval(lambda: log("unref interval never"), 1).unref()
        log("main", t.hasRef())
    run(main)
    return 0


def uncaught_exceptions(log):
    def main():
        def handler(err, origin):
            log("uncaught", err, origin)
            nextTick(lambda: log("tick from handler", err))

        process.on("uncaughtException", handler)

        def raise_(msg):
            raise Exception(msg)

        def timer1():
            log("timer 1")

            def t1():
                log("t1")
                raise_("tick1")
            nextTick(t1)
            nextTick(lambda: log("t2"))

        setTimeout(timer1, 1)

        def a():
            log("a")
            raise_("timer a")

        setTimeout(a, 100)
        setTimeout(lambda: log("b"), 150)

        def c():
            log("c")

            def tt1():
                log("tt1")
                raise_("tick in timer")
            nextTick(tt1)
            nextTick(lambda: log("tt2"))

        setTimeout(c, 200)
        setTimeout(lambda: log("d"), 250)

        def imm():
            def i1():
                log("i1")
                raise_("imm")
            setImmediate(i1)
            setImmediate(lambda: log("i2"))

        setTimeout(imm, 300)
        n = [0]
        iv = [None]

        def on_iv():
            n[0] += 1
            log("iv", n[0])
            if n[0] == 2:
                clearInterval(iv[0])
            raise_(f"iv{n[0]}")

        def start_iv():
            iv[0] = setInterval(on_iv, 50)

        setTimeout(start_iv, 400)
        log("main")
    run(main)
    return 0


def unhandled_rejection(log):
    def main():
        process.on("uncaughtException", lambda err, origin: log("uncaught", err, origin))
        fail(Exception("r1"))

        def later():
            process.on("unhandledRejection",
                       lambda reason, p: log("unhandledRejection", reason, isinstance(p, asyncio.Task)))
            fail(Exception("r2"))
            setTimeout(lambda: log("after r2"), 10)

        setTimeout(later, 100)
        setImmediate(lambda: log("immediate"))
        log("main")
    run(main)
    return 0


def exit_code(log):
    def main():
        process.on("exit", lambda code: log("exit", code, code_or_undefined()))
        log("initial", code_or_undefined())

        def set3():
            process.exitCode = 3
            log("set 3")

        setTimeout(set3, 5)
        setTimeout(lambda: log("last timer"), 20)
    run(main)
    return process.exitCode


def crash(log):
    def main():
        process.on("exit", lambda code: log("exit", code, code_or_undefined()))

        def boom():
            log("about to throw")
            nextTick(lambda: log("tick never"))
            raise Exception("boom")

        setTimeout(boom, 50)
        setTimeout(lambda: log("same-ms timer never"), 50)
        setImmediate(lambda: log("immediate first"))
        setTimeout(lambda: log("later never"), 100)
    with pytest.raises(Exception, match="^boom$"):
        run(main)
    return 1


def process_exit(log):
    def main():
        process.on("exit", lambda code: log("exit", code))

        def exiting():
            log("exiting")
            process.exit(5)
            log("never")

        setTimeout(exiting, 5)
        setTimeout(lambda: log("later never"), 30)
    with pytest.raises(SystemExit) as info:
        run(main)
    return info.value.code


def coercions(log):
    def main():
        process.on("warning", lambda w: log("warning", w.name, json.dumps(str(w))))
        for name, ms in [("str", "abc"), ("neg", -5), ("null", None), ("big", 2 ** 31),
                         ("nan", float("nan")), ("numstr", "7")]:
            setTimeout(lambda name=name: log("fired", name), ms)
        for what, fn in [("setTimeout", lambda: setTimeout(5)),
                         ("setInterval", lambda: setInterval("x")),
                         ("setImmediate", lambda: setImmediate({})),
                         ("nextTick", lambda: process.nextTick(None))]:
            try:
                fn()
                log(what, "no error")
            except errors.NodeError as e:
                log(what, e.name, e.code, e)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(main)
    return 0


TWINS = {f.__name__: f for f in (
    main_order, timer_callback_order, immediate_order, same_ms_fifo, clear_semantics,
    interval_basic, refresh, unref_lifetime, unref_alone, uncaught_exceptions,
    unhandled_rejection, exit_code, crash, process_exit, coercions)}


def test_every_script_has_a_twin():
    scripts = {f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".js") and not f.startswith("_")}
    assert scripts == set(TWINS)
    assert len(scripts) >= 10


@pytest.mark.skipif(NODE is None, reason="node is not installed (needed to produce the reference logs)")
@pytest.mark.parametrize("name", sorted(TWINS))
def test_same_log_as_node(name):
    result = subprocess.run([NODE, os.path.join(SCRIPTS, name + ".js")], capture_output=True,
                            text=True, timeout=30, cwd=SCRIPTS)
    expected = result.stdout.splitlines()
    assert expected, "the node script printed nothing: " + result.stderr
    log = Log()
    code = TWINS[name](log)
    assert log.lines == expected
    assert (code or 0) == result.returncode, result.stderr
