"""Differential tests: each scenario is a JS script under node_scripts/ run by
`node` and a Python twin here; both print an event log that must match line
for line.  Skipped (with the reason) when `node` is not installed."""

import asyncio
import json
import os
import shutil
import subprocess
import warnings

import pytest

from nixloop import errors
from nixloop import events as ev
from nixloop.events import EventEmitter, Symbol

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_scripts")
NODE = shutil.which("node")
UNDEF = errors.UNDEFINED


from nltest import JsLog as Log, js  # noqa: E402,F401


# -- Python twins (one per .js file) ---------------------------------------------

def basic_order(log):
    e = EventEmitter()
    log("emit-none", e.emit("x", 1))
    e.on("x", lambda a, b=UNDEF: log("on1", a, b))
    # JS ignores surplus arguments; the twins take *_ where the script relies on it
    e.prependListener("x", lambda a, *_: log("pre", a))
    e.once("x", lambda a, *_: log("once", a))
    e.prependOnceListener("x", lambda a, *_: log("preonce", a))
    e.on("x", lambda *_: log("on2"))
    log("emit1", e.emit("x", "A", "B"))
    log("emit2", e.emit("x", "C"))
    log("count", e.listenerCount("x"))
    log("chain", e.on("y", lambda: None) is e, e.off("y", lambda: None) is e)


def new_listener(log):
    e = EventEmitter()

    def f():
        pass

    def g():
        pass

    def name(l):
        return "f" if l is f else "g" if l is g else "other"

    e.on("newListener", lambda ev_, l: log("newListener", ev_, name(l), e.listenerCount(ev_)))
    e.on("a", f)
    e.once("a", g)
    e.prependListener("b", g)
    e.prependOnceListener("b", f)
    e.on("newListener", lambda *_: None)
    log("a", e.listenerCount("a"), "b", e.listenerCount("b"), "nl", e.listenerCount("newListener"))


def remove_listener_event(log):
    e = EventEmitter()

    def a():
        log("a ran")

    def b():
        log("b ran")

    def name(l):
        inner = getattr(l, "listener", None)
        return ("a" if l is a else "b" if l is b else "wrapper(a)" if inner is a
                else "wrapper(b)" if inner is b else "?")

    e.on("removeListener", lambda ev_, l: log("removeListener", ev_, name(l), e.listenerCount(ev_)))
    e.once("single", a)
    e.emit("single")
    e.once("list", a)
    e.on("list", b)
    e.emit("list")
    e.once("byorig", b)
    e.once("byorig", a)
    e.removeListener("byorig", a)
    e.removeListener("byorig", b)
    e.once("raw", a)
    e.on("raw", b)
    e.rawListeners("raw")[0]()
    e.removeListener("nothing", a)
    e.removeListener("raw", a)
    log("left", ",".join(e.eventNames()))


def remove_all(log):
    e = EventEmitter()

    def f1(): pass
    def f2(): pass
    def g(): pass
    def h(): pass

    names = {f1: "f1", f2: "f2", g: "g", h: "h"}

    def nm(l):
        if l in names:
            return names[l]
        inner = getattr(l, "listener", None)
        return "once:" + names[inner] if inner in names else "rl"

    e.on("removeListener", lambda ev_, l: log("rm", ev_, nm(l)))
    e.on("foo", f1).on("foo", f2).once("bar", g).on("baz", h)
    e.on("removeListener", lambda ev_, l: log("second", ev_, nm(l)))
    e.removeAllListeners("foo")
    log("names", ",".join(e.eventNames()))
    e.on("foo", f1)
    e.removeAllListeners()
    log("names", len(e.eventNames()))
    q = EventEmitter()
    q.on("x", f1).on("y", f2)
    q.removeAllListeners("x")
    log("quiet", ",".join(q.eventNames()))


def modify_in_emit(log):
    e = EventEmitter()

    def b(): log("b")
    def c(): log("c")
    def added(): log("added")

    def a():
        log("a")
        e.removeListener("x", b)
        e.on("x", added)

    def d():
        log("d")
        e.removeAllListeners("x")

    e.on("x", a)
    e.on("x", b)
    e.once("x", c)
    e.on("x", d)
    e.on("x", lambda: log("last"))
    log("emit1", e.emit("x"))
    log("emit2", e.emit("x"))
    r = EventEmitter()

    def o():
        log("o", r.listenerCount("y"))
        r.emit("y")

    r.once("y", o)
    r.on("y", lambda: log("p"))
    r.emit("y")


def remove_most_recent(log):
    e = EventEmitter()

    def f(): log("f")
    def g(): log("g")

    e.on("x", f)
    e.on("x", g)
    e.on("x", f)
    e.once("x", g)

    def show():
        log("list", ",".join("f" if l is f else "g" if l is g else
                             "once:" + ("g" if l.listener is g else "f")
                             for l in e.rawListeners("x")))

    show()
    e.off("x", f); show()
    e.off("x", g); show()
    e.off("x", g); show()
    e.off("x", f); show()
    log("names", len(e.eventNames()), e.emit("x"))


def error_unhandled(log):
    e = EventEmitter()
    kinds = {str: "string", int: "number", float: "number", dict: "object", type(None): "object",
             list: "object", bool: "boolean"}
    for v in ["str", 42, {"message": "x"}, None, [1, "a"], True, 1.5]:
        try:
            e.emit("error", v)
        except errors.NodeError as err:
            log(err.name, err.code, str(err), kinds[type(err.context)])
    try:
        e.emit("error")
    except errors.NodeError as err:
        log(err.name, err.code, str(err))
    try:
        e.emit("error", errors.RangeError("real"))
    except errors.RangeError as err:
        log("thrown", "RangeError", str(err))
    e.on("error", lambda err: log("handled", str(err)))
    log("ret", e.emit("error", Exception("boom")))


def error_monitor(log):
    e = EventEmitter()
    e.on(ev.errorMonitor, lambda err: log("monitor1", err))
    e.on(ev.errorMonitor, lambda err: log("monitor2", err))
    try:
        e.emit("error", Exception("first"))
    except Exception as err:
        log("caught", err)
    e.on("error", lambda err: log("error", err))
    log("ret", e.emit("error", Exception("second")))
    log("names", ",".join(map(str, e.eventNames())))


def max_listeners(log):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        class Foo(EventEmitter):
            pass

        e = EventEmitter()
        for _ in range(12):
            e.on("x", lambda: None)
        f = Foo()
        f.setMaxListeners(2)
        s = Symbol("sym")
        f.on(s, lambda: None).on(s, lambda: None).on(s, lambda: None)
        g = EventEmitter().setMaxListeners(1)

        def a(): pass
        def b(): pass
        def c(): pass

        g.on("y", a).on("y", b)
        g.on("y", c)
        g.off("y", c).off("y", b)
        g.on("y", b)
        z = EventEmitter().setMaxListeners(0)
        for _ in range(30):
            z.on("z", lambda: None)
        log("max", e.getMaxListeners(), f.getMaxListeners(), z.getMaxListeners(),
            EventEmitter.defaultMaxListeners)
    for w in caught:
        m = w.message
        log(m.name, m.count, m.type, m)


def event_names(log):
    e = EventEmitter()
    s1, s2 = Symbol("s1"), Symbol("s2")

    def show(t):
        log(t, ",".join(map(str, e.eventNames())))

    show("empty")
    e.on("b", lambda: None); e.on(s2, lambda: None); e.on("a", lambda: None); e.on(s1, lambda: None)
    show("added")
    e.removeAllListeners("b")
    e.on("b", lambda: None)
    show("readded")
    e.removeAllListeners(s2)
    show("nos2")
    e.removeAllListeners()
    show("cleared")


def listener_count(log):
    e = EventEmitter()

    def f(*_): log("f ran")
    def g(*_): log("g ran")

    e.on("x", f).on("x", f).once("x", g).prependOnceListener("x", f)
    log("counts", e.listenerCount("x"), e.listenerCount("x", f), e.listenerCount("x", g),
        e.listenerCount("none"))
    log("listeners", ",".join("f" if l is f else "g" for l in e.listeners("x")))
    log("raw", ",".join("f" if l is f else "g" if l is g else "w" for l in e.rawListeners("x")))
    raw = e.rawListeners("x")
    raw[3]("direct")
    raw[3]("again")
    log("after", e.listenerCount("x"), e.listenerCount("x", g))
    log("static", ev.listenerCount(e, "x"), len(ev.getEventListeners(e, "x")))
    e.emit("x")
    log("final", e.listenerCount("x"))


def invalid_args(log):
    e = EventEmitter()

    def show(fn):
        try:
            fn()
            log("no error")
        except errors.NodeError as err:
            log(err.name, err.code, str(err))

    for v in [1, "abc", None, {}, [1], True, 1.5, "x" * 40, "it's"]:
        show(lambda: e.on("x", v))
    show(lambda: e.once("x", 5))
    show(lambda: e.removeListener("x", "nope"))
    show(lambda: e.setMaxListeners(-1))
    show(lambda: e.setMaxListeners("a"))
    show(lambda: e.setMaxListeners(float("nan")))

    def set_default():
        EventEmitter.defaultMaxListeners = -5

    def set_capture():
        EventEmitter.captureRejections = "yes"

    show(set_default)
    show(lambda: EventEmitter(captureRejections=1))
    show(set_capture)
    show(lambda: ev.setMaxListeners(-2))
    show(lambda: ev.getEventListeners(1, "x"))
    show(lambda: e.setMaxListeners(3))


def events_once(log):
    async def main():
        e = EventEmitter()
        p = ev.once(e, "ready")
        log("listeners", e.listenerCount("ready"), e.listenerCount("error"))
        e.emit("ready", 1, "two")
        log("resolved", json.dumps(list(await p), separators=(",", ":")), len(e.eventNames()))
        q = ev.once(e, "ready")
        e.emit("error", Exception("bad"))
        try:
            await q
        except Exception as err:
            log("rejected", err, len(e.eventNames()))
        r = ev.once(e, "error")
        e.emit("error", Exception("as value"))
        log("error-event", (await r)[0], len(e.eventNames()))
        asyncio.get_running_loop().call_later(0.001, e.emit, "later", "x")
        log("later", json.dumps(list(await ev.once(e, "later"))))

    asyncio.run(main())


def capture_rejections(log):
    async def main():
        e = EventEmitter(captureRejections=True)
        e.on("error", lambda err: log("error", err))

        async def async_listener(v):
            await asyncio.sleep(0)
            log("async start", v)
            raise Exception(f"rejected {v}")

        e.on("x", async_listener)
        e.on("x", lambda v: log("sync", v))
        log("emit", e.emit("x", 1))
        await asyncio.sleep(0.005)

        class Hooked(EventEmitter):
            def _nodejs_rejection(self, err, ev_, *args):
                log("hook", err, ev_, ",".join(args))

        h = Hooked(captureRejections=True)

        async def fails():
            raise Exception("to hook")

        h.on("y", lambda *a: fails())
        h.emit("y", "a", "b")
        await asyncio.sleep(0.005)
        log("done")

    asyncio.run(main())


def nested_emit(log):
    e = EventEmitter()
    depth = [0]

    def tick(n):
        log("enter", n, depth[0])
        depth[0] += 1
        if n < 3:
            e.emit("tick", n + 1)
        depth[0] -= 1
        log("leave", n, depth[0])

    e.on("tick", tick)
    e.once("tick", lambda n: log("once", n))
    e.emit("tick", 0)
    e.emit("tick", 10)
    t = EventEmitter()

    def a1():
        log("a1")
        t.once("a", lambda: log("a-late"))

    t.on("a", a1)
    t.on("a", lambda: log("a2"))
    t.emit("a")
    t.emit("a")


TWINS = {f.__name__: f for f in (
    basic_order, new_listener, remove_listener_event, remove_all, modify_in_emit,
    remove_most_recent, error_unhandled, error_monitor, max_listeners, event_names,
    listener_count, invalid_args, events_once, capture_rejections, nested_emit)}


def test_every_script_has_a_twin():
    scripts = {f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".js") and not f.startswith("_")}
    assert scripts == set(TWINS)
    assert len(scripts) >= 12


@pytest.fixture(autouse=True)
def _restore_defaults():
    yield
    EventEmitter.defaultMaxListeners = 10
    EventEmitter.captureRejections = False


@pytest.mark.skipif(NODE is None, reason="node is not installed (needed to produce the reference logs)")
@pytest.mark.parametrize("name", sorted(TWINS))
def test_same_log_as_node(name):
    result = subprocess.run([NODE, os.path.join(SCRIPTS, name + ".js")], capture_output=True,
                            text=True, timeout=30, cwd=SCRIPTS)
    assert result.returncode == 0, result.stderr
    expected = result.stdout.splitlines()
    assert expected, "the node script printed nothing"
    log = Log()
    TWINS[name](log)
    assert log.lines == expected
