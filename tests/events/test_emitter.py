"""EventEmitter conformance, written from Node 20's documented behaviour and the
behaviour checked by Node's test/parallel/test-event-emitter-* (re-expressed)."""

import gc
import math
import warnings

import pytest

from nixloop import errors
from nixloop.events import (EventEmitter, MaxListenersExceededWarning, Symbol, errorMonitor,
                            getEventListeners, getMaxListeners, listenerCount, setMaxListeners)


@pytest.fixture(autouse=True)
def _restore_defaults():
    yield
    EventEmitter.defaultMaxListeners = 10
    EventEmitter.captureRejections = False


def recorder(log, tag):
    def listener(*args):
        log.append((tag,) + args)
    listener.__name__ = tag
    return listener


# -- add-listeners / newListener -------------------------------------------

def test_on_returns_emitter_and_passes_args():
    e = EventEmitter()
    log = []
    assert e.on("hello", recorder(log, "a")) is e
    assert e.addListener("hello", recorder(log, "b")) is e
    assert e.emit("hello", "a", "b") is True
    assert log == [("a", "a", "b"), ("b", "a", "b")]


def test_new_listener_before_add_with_original_function():
    e = EventEmitter()
    seen = []

    def on_new(name, listener):
        seen.append((name, listener, e.listenerCount(name)))

    e.on("newListener", on_new)
    f = recorder([], "f")
    g = recorder([], "g")
    e.on("hello", f)
    e.once("hello", g)
    assert seen == [("hello", f, 0), ("hello", g, 1)]


def test_second_new_listener_triggers_first():
    e = EventEmitter()
    seen = []
    e.on("newListener", lambda name, l: seen.append(name))
    e.on("newListener", lambda name, l: None)
    assert seen == ["newListener"]


def test_listener_added_in_new_listener_goes_first():
    e = EventEmitter()
    log = []

    done = []

    def on_new(name, listener):
        if name == "x" and not done:
            done.append(1)
            e.on("x", recorder(log, "inner"))

    e.on("newListener", on_new)
    e.on("x", recorder(log, "outer"))
    e.emit("x")
    assert log == [("inner",), ("outer",)]


def test_emit_returns_false_without_listeners_and_any_hashable_name():
    e = EventEmitter()
    assert e.emit("nothing") is False
    sym = Symbol("s")
    log = []
    e.on(sym, recorder(log, "s")).on(42, recorder(log, "n")).on(("t", 1), recorder(log, "t"))
    assert e.emit(sym, 1) and e.emit(42) and e.emit(("t", 1))
    assert log == [("s", 1), ("n",), ("t",)]
    with pytest.raises(TypeError):
        e.on(["unhashable"], print)


@pytest.mark.parametrize("bad", [1, "abc", None, {}, [], True])
def test_non_callable_listener_rejected(bad):
    e = EventEmitter()
    for method in (e.on, e.once, e.prependListener, e.prependOnceListener, e.off):
        with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
            method("x", bad)
        assert isinstance(info.value, TypeError)
        assert str(info.value).startswith('The "listener" argument must be of type function.')
    assert e.eventNames() == []


def test_same_listener_twice_runs_twice():
    e = EventEmitter()
    log = []
    f = recorder(log, "f")
    e.on("x", f).on("x", f)
    e.emit("x")
    assert log == [("f",), ("f",)]
    assert e.listenerCount("x") == 2


# -- prepend ---------------------------------------------------------------

def test_prepend_order():
    e = EventEmitter()
    log = []
    e.on("x", recorder(log, "2"))
    e.prependListener("x", recorder(log, "1"))
    e.prependOnceListener("x", recorder(log, "0"))
    e.emit("x")
    e.emit("x")
    assert [t for (t,) in log] == ["0", "1", "2", "1", "2"]


# -- once ------------------------------------------------------------------

def test_once_runs_once_and_receives_args():
    e = EventEmitter()
    log = []
    e.once("x", recorder(log, "o"))
    e.emit("x", 1, 2, 3)
    e.emit("x", 4)
    assert log == [("o", 1, 2, 3)]
    assert e.listenerCount("x") == 0 and e.eventNames() == []


def test_once_removed_before_it_runs():
    e = EventEmitter()
    order = []
    e.on("removeListener", lambda name, l: order.append(("removed", name)))
    e.once("x", lambda: order.append(("ran", e.listenerCount("x"))))
    e.emit("x")
    assert order == [("removed", "x"), ("ran", 0)]


def test_once_reentrant_emit_runs_once():
    e = EventEmitter()
    count = []

    def listener():
        count.append(1)
        e.emit("x")

    e.once("x", listener)
    e.emit("x")
    assert count == [1]


def test_remove_once_listener_by_original():
    e = EventEmitter()
    log = []
    f = recorder(log, "f")
    e.once("x", f)
    e.removeListener("x", f)
    assert e.emit("x") is False and log == []


def test_once_with_many_args_and_no_args():
    e = EventEmitter()
    got = []
    e.once("a", lambda *args: got.append(args))
    e.once("b", lambda *args: got.append(args))
    e.emit("a", *range(10))
    e.emit("b")
    assert got == [tuple(range(10)), ()]


# -- listeners / rawListeners ---------------------------------------------

def test_listeners_is_a_copy_with_originals():
    e = EventEmitter()
    f, g = recorder([], "f"), recorder([], "g")
    e.on("x", f).once("x", g)
    lst = e.listeners("x")
    assert lst == [f, g]
    lst.append("junk")
    assert e.listeners("x") == [f, g]
    assert e.listeners("none") == []


def test_raw_listeners_expose_once_wrappers():
    e = EventEmitter()
    log = []
    f = recorder(log, "f")
    e.once("x", f)
    raw = e.rawListeners("x")
    assert len(raw) == 1 and raw[0] is not f and raw[0].listener is f
    raw[0]("direct")           # calling the wrapper removes it and calls f
    assert log == [("f", "direct")]
    assert e.listenerCount("x") == 0
    raw[0]("again")            # a fired wrapper does nothing
    assert log == [("f", "direct")]
    e.on("y", f)
    assert e.rawListeners("y") == [f]


def test_listeners_side_effects_none():
    e = EventEmitter()
    assert e.listeners("foo") == [] and e.eventNames() == []
    f = recorder([], "f")
    e.on("foo", f)
    fl = e.listeners("foo")
    fl.clear()
    assert e.listeners("foo") == [f]


# -- removeListener --------------------------------------------------------

def test_remove_most_recent_instance():
    e = EventEmitter()
    log = []
    a, b = recorder(log, "a"), recorder(log, "b")
    e.on("x", a).on("x", b).on("x", a)
    e.removeListener("x", a)
    assert e.listeners("x") == [a, b]
    e.off("x", a)
    assert e.listeners("x") == [b]


def test_remove_unknown_is_silent_noop():
    e = EventEmitter()
    fired = []
    e.on("removeListener", lambda *a: fired.append(a))
    f = recorder([], "f")
    assert e.removeListener("nothing", f) is e
    e.on("x", recorder([], "g"))
    e.removeListener("x", f)
    assert fired == [] and e.listenerCount("x") == 1


def test_remove_listener_event_after_removal():
    e = EventEmitter()
    f = recorder([], "f")
    seen = []
    e.on("removeListener", lambda name, l: seen.append((name, l, e.listenerCount(name))))
    e.on("x", f)
    e.removeListener("x", f)
    assert seen == [("x", f, 0)]


def test_bound_method_equality():
    class Obj:
        def __init__(self):
            self.calls = 0

        def handler(self):
            self.calls += 1

    o = Obj()
    e = EventEmitter()
    e.on("x", o.handler)
    assert e.listenerCount("x", o.handler) == 1
    e.removeListener("x", o.handler)      # a fresh bound method object matches
    assert e.emit("x") is False


def test_remove_during_emit_still_runs_in_that_emit():
    e = EventEmitter()
    log = []
    b = recorder(log, "b")

    def a():
        log.append(("a",))
        e.removeListener("x", b)

    e.on("x", a).on("x", b)
    e.emit("x")
    assert log == [("a",), ("b",)]
    log.clear()
    e.emit("x")
    assert log == [("a",)]


def test_remove_once_listener_during_emit_still_runs():
    e = EventEmitter()
    log = []
    b = recorder(log, "b")
    e.on("x", lambda: e.removeListener("x", b))
    e.once("x", b)
    e.emit("x")
    assert log == [("b",)]


def test_add_during_emit_runs_next_time():
    e = EventEmitter()
    log = []
    added = recorder(log, "added")

    def a():
        log.append(("a",))
        e.on("x", added)

    e.on("x", a)
    e.emit("x")
    assert log == [("a",)]
    log.clear()
    e.emit("x")
    assert log == [("a",), ("added",)]


# -- removeAllListeners ----------------------------------------------------

def test_remove_all_for_one_event_and_all():
    e = EventEmitter()
    e.on("a", print).on("a", repr).on("b", print)
    assert e.removeAllListeners("a") is e
    assert e.eventNames() == ["b"]
    e.removeAllListeners("unknown")
    assert e.eventNames() == ["b"]
    e.removeAllListeners()
    assert e.eventNames() == [] and e.emit("b") is False


def test_remove_all_reports_lifo_and_remove_listener_last():
    e = EventEmitter()
    seen = []
    f1, f2, g = recorder([], "f1"), recorder([], "f2"), recorder([], "g")

    def on_remove(name, listener):
        seen.append((name, getattr(listener, "__name__", "?")))

    e.on("removeListener", on_remove)
    e.on("foo", f1).on("foo", f2).on("bar", g)
    e.removeAllListeners()
    assert seen == [("foo", "f2"), ("foo", "f1"), ("bar", "g")]
    assert e.eventNames() == []


def test_remove_all_listeners_inside_listener_keeps_emit_going():
    e = EventEmitter()
    log = []
    e.on("x", lambda: (log.append("first"), e.removeAllListeners("x")))
    e.on("x", lambda: log.append("second"))
    e.emit("x")
    assert log == ["first", "second"]
    assert e.emit("x") is False


# -- listenerCount / eventNames ---------------------------------------------

def test_listener_count_with_listener_argument():
    e = EventEmitter()
    f, g = recorder([], "f"), recorder([], "g")
    e.on("x", f).on("x", f).once("x", g)
    assert e.listenerCount("x") == 3
    assert e.listenerCount("x", f) == 2
    assert e.listenerCount("x", g) == 1
    assert e.listenerCount("y") == 0
    assert listenerCount(e, "x") == 3


def test_event_names_strings_first_then_others():
    e = EventEmitter()
    s = Symbol("z")
    e.on("b", print).on(s, print).on("a", print)
    assert e.eventNames() == ["b", "a", s]
    e.removeAllListeners("b")
    e.on("b", print)
    assert e.eventNames() == ["a", "b", s]


# -- error -----------------------------------------------------------------

def test_emit_error_without_listener_raises_exception_as_is():
    e = EventEmitter()
    boom = ValueError("boom")
    with pytest.raises(ValueError) as info:
        e.emit("error", boom)
    assert info.value is boom


@pytest.mark.parametrize("args, text", [
    (("str",), "Unhandled error. ('str')"),
    ((42,), "Unhandled error. (42)"),
    ((), "Unhandled error. (undefined)"),
    (({"message": "x"},), "Unhandled error. ({ message: 'x' })"),
    ((None,), "Unhandled error. (null)"),
])
def test_emit_error_non_exception(args, text):
    e = EventEmitter()
    with pytest.raises(errors.ERR_UNHANDLED_ERROR) as info:
        e.emit("error", *args)
    assert str(info.value) == text
    assert info.value.code == "ERR_UNHANDLED_ERROR"
    assert info.value.context == (args[0] if args else None)


def test_error_with_listener_does_not_raise():
    e = EventEmitter()
    got = []
    e.on("error", got.append)
    assert e.emit("error", ValueError("x")) is True
    assert isinstance(got[0], ValueError)


def test_error_monitor_runs_first_and_does_not_handle():
    e = EventEmitter()
    order = []
    e.on(errorMonitor, lambda err: order.append(("monitor", str(err))))
    with pytest.raises(RuntimeError):
        e.emit("error", RuntimeError("x"))
    assert order == [("monitor", "x")]
    e.on("error", lambda err: order.append(("error", str(err))))
    e.emit("error", RuntimeError("y"))
    assert order[1:] == [("monitor", "y"), ("error", "y")]
    assert EventEmitter.errorMonitor is errorMonitor
    assert e.eventNames() == ["error", errorMonitor]


def test_throwing_listener_stops_emit():
    e = EventEmitter()
    log = []

    def bad():
        raise KeyError("k")

    e.on("x", bad).on("x", recorder(log, "later"))
    with pytest.raises(KeyError):
        e.emit("x")
    assert log == []


# -- max listeners -----------------------------------------------------------

def test_max_listeners_warning_once_per_event():
    e = EventEmitter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(10):
            e.on("x", print)
        assert caught == []
        e.on("x", print)
        e.on("x", print)
        for _ in range(11):
            e.on("y", print)
    assert len(caught) == 2
    w = caught[0].message
    assert isinstance(w, MaxListenersExceededWarning) and isinstance(w, Warning)
    assert w.emitter is e and w.type == "x" and w.count == 11
    assert str(w) == ("Possible EventEmitter memory leak detected. 11 x listeners added to "
                      "[EventEmitter]. MaxListeners is 10. Use emitter.setMaxListeners() "
                      "to increase limit")
    assert caught[0].filename == __file__   # points at the caller's on()


def test_max_listeners_subclass_name_symbol_and_set():
    class Foo(EventEmitter):
        pass

    f = Foo()
    s = Symbol("t")
    f.setMaxListeners(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f.on(s, print).on(s, print)
    assert str(caught[0].message) == (
        "Possible EventEmitter memory leak detected. 2 Symbol(t) listeners added to [Foo]. "
        "MaxListeners is 1. Use emitter.setMaxListeners() to increase limit")


def test_max_listeners_zero_and_inf_mean_unlimited():
    for limit in (0, math.inf):
        e = EventEmitter().setMaxListeners(limit)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(50):
                e.on("x", print)
        assert e.getMaxListeners() == limit


def test_warning_rearms_after_dropping_to_one():
    e = EventEmitter().setMaxListeners(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e.on("x", print).on("x", repr)      # warn
        e.on("x", str)                      # already warned
        e.off("x", str).off("x", repr)      # back to one
        e.on("x", repr)                     # warns again
    assert len(caught) == 2


def test_set_max_listeners_validation():
    e = EventEmitter()
    with pytest.raises(errors.ERR_OUT_OF_RANGE) as info:
        e.setMaxListeners(-1)
    assert str(info.value) == ('The value of "setMaxListeners" is out of range. '
                               "It must be >= 0. Received -1")
    assert isinstance(info.value, ValueError)
    with pytest.raises(errors.ERR_OUT_OF_RANGE):
        e.setMaxListeners(math.nan)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
        e.setMaxListeners("a")
    assert str(info.value) == ('The "setMaxListeners" argument must be of type number. '
                               "Received type string ('a')")
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        e.setMaxListeners(True)
    assert e.setMaxListeners(1.5) is e and e.getMaxListeners() == 1.5


def test_default_max_listeners_class_level():
    assert EventEmitter.defaultMaxListeners == 10
    EventEmitter.defaultMaxListeners = 3
    e = EventEmitter()
    assert e.getMaxListeners() == 3
    assert getMaxListeners(e) == 3
    with pytest.raises(errors.ERR_OUT_OF_RANGE) as info:
        EventEmitter.defaultMaxListeners = -1
    assert str(info.value) == ('The value of "defaultMaxListeners" is out of range. '
                               "It must be >= 0. Received -1")
    assert EventEmitter.defaultMaxListeners == 3
    assert EventEmitter.default_max_listeners == 3


def test_module_set_max_listeners():
    a, b = EventEmitter(), EventEmitter()
    setMaxListeners(5, a, b)
    assert a.getMaxListeners() == b.getMaxListeners() == 5
    setMaxListeners(7)
    assert EventEmitter().getMaxListeners() == 7
    with pytest.raises(errors.ERR_OUT_OF_RANGE):
        setMaxListeners(-1)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        setMaxListeners(1, object())


def test_get_event_listeners_helper():
    e = EventEmitter()
    f = recorder([], "f")
    e.once("x", f)
    assert getEventListeners(e, "x") == [f]
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
        getEventListeners(1, "x")
    assert "must be an instance of EventEmitter or EventTarget" in str(info.value)


# -- subclassing -------------------------------------------------------------

def test_subclass_without_super_init():
    class NoInit(EventEmitter):
        def __init__(self):
            self.x = 1

    a, b = NoInit(), NoInit()
    log = []
    assert a.emit("x") is False and a.eventNames() == [] and a.listeners("x") == []
    a.removeAllListeners()
    a.removeListener("x", print)
    a.on("x", recorder(log, "a"))
    assert a.emit("x") is True and b.emit("x") is False   # storage not shared
    assert log == [("a",)]
    assert EventEmitter().eventNames() == []
    assert a.getMaxListeners() == 10


def test_subclass_with_super_init_and_method_override():
    class Sub(EventEmitter):
        def __init__(self):
            super().__init__()
            self.added = []

        def addListener(self, type, listener):
            self.added.append(type)
            return super().addListener(type, listener)

    s = Sub()
    s.add_listener("a", print)   # the alias honours the override
    s.addListener("b", print)
    assert s.added == ["a", "b"]
    assert s.listenerCount("a") == 1


def test_init_twice_keeps_listeners():
    e = EventEmitter()
    e.on("x", print)
    EventEmitter.__init__(e)
    assert e.listenerCount("x") == 1


def test_snake_case_aliases_exist():
    e = EventEmitter()
    for name in ("add_listener", "prepend_listener", "prepend_once_listener", "remove_listener",
                 "remove_all_listeners", "raw_listeners", "listener_count", "event_names",
                 "set_max_listeners", "get_max_listeners"):
        assert callable(getattr(e, name)), name
    assert EventEmitter.remove_listener is EventEmitter.removeListener is EventEmitter.off
    assert EventEmitter.add_listener is EventEmitter.on


def test_capture_rejections_option_validation():
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as info:
        EventEmitter(captureRejections=1)
    assert str(info.value) == ('The "options.captureRejections" property must be of type '
                               "boolean. Received type number (1)")
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        EventEmitter({"captureRejections": "yes"})
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        EventEmitter.captureRejections = 1
    assert EventEmitter(capture_rejections=True)._capture is True
    assert EventEmitter({"captureRejections": True})._capture is True
    EventEmitter.captureRejections = True
    assert EventEmitter()._capture is True


def test_no_leak_of_emitter_through_once_wrapper_cycle():
    e = EventEmitter()
    e.once("x", print)
    import weakref
    ref = weakref.ref(e)
    del e
    gc.collect()
    assert ref() is None
