"""nixloop.errors: Node-style ERR_* and system errors (texts from Node 20)."""

import errno
import math

import pytest

from nixloop import errors as E


# -- ERR_INVALID_ARG_TYPE: messages checked against `node -e` output -------

@pytest.mark.parametrize("value, received", [
    (1, "type number (1)"),
    ("abc", "type string ('abc')"),
    (None, "null"),
    (E.UNDEFINED, "undefined"),
    ({}, "an instance of Object"),
    ({"a": 1}, "an instance of Object"),
    ([], "an instance of Array"),
    ([1, 2], "an instance of Array"),
    (True, "type boolean (true)"),
    (1.5, "type number (1.5)"),
    (float("nan"), "type number (NaN)"),
    (float("inf"), "type number (Infinity)"),
    (-0.0, "type number (-0)"),
    ("a" * 40, "type string ('aaaaaaaaaaaaaaaaaaaaaaaaa...')"),
    ("it's", 'type string ("it\'s")'),
    (b"ab", "an instance of Buffer"),
])
def test_invalid_arg_type_listener(value, received):
    err = E.ERR_INVALID_ARG_TYPE("listener", "function", value)
    assert str(err) == f'The "listener" argument must be of type function. Received {received}'
    assert err.code == "ERR_INVALID_ARG_TYPE"
    assert isinstance(err, TypeError) and isinstance(err, E.NodeError)
    assert err.name == "TypeError"


def test_invalid_arg_type_instance_of_class_and_function():
    class EventEmitter:
        pass

    assert str(E.ERR_INVALID_ARG_TYPE("listener", "function", EventEmitter())).endswith(
        "Received an instance of EventEmitter")

    def foo():
        pass

    assert str(E.ERR_INVALID_ARG_TYPE("x", "number", foo)).endswith("Received function foo")


@pytest.mark.parametrize("name, expected, message", [
    ("options.captureRejections", "boolean",
     'The "options.captureRejections" property must be of type boolean. Received type number (1)'),
    ("emitter", ["EventEmitter", "EventTarget"],
     'The "emitter" argument must be an instance of EventEmitter or EventTarget. Received type number (1)'),
    ("chunk", ["string", "Buffer", "Uint8Array"],
     'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received type number (1)'),
    ("x", ["string", "number", "boolean"],
     'The "x" argument must be one of type string, number, or boolean. Received type number (1)'),
    ("x", ["object", "Buffer"],
     'The "x" argument must be an instance of Buffer or Object. Received type number (1)'),
    ("first argument", "string",
     "The first argument must be of type string. Received type number (1)"),
    ("x", "a valid thing",
     'The "x" argument must be a valid thing. Received type number (1)'),
    ("x", "Iterable object",
     'The "x" argument must be an Iterable object. Received type number (1)'),
])
def test_invalid_arg_type_expected_forms(name, expected, message):
    assert str(E.ERR_INVALID_ARG_TYPE(name, expected, 1)) == message


def test_out_of_range():
    err = E.ERR_OUT_OF_RANGE("setMaxListeners", ">= 0", -1)
    assert str(err) == 'The value of "setMaxListeners" is out of range. It must be >= 0. Received -1'
    assert isinstance(err, E.RangeError) and isinstance(err, ValueError)
    assert err.code == "ERR_OUT_OF_RANGE" and err.name == "RangeError"
    assert str(E.ERR_OUT_OF_RANGE("setMaxListeners", ">= 0", math.nan)).endswith("Received NaN")
    assert str(E.ERR_OUT_OF_RANGE("msecs", "a non-negative finite number", -1)) == (
        'The value of "msecs" is out of range. It must be a non-negative finite number. Received -1')
    assert str(E.ERR_OUT_OF_RANGE("n", ">= 0", 2 ** 40)).endswith("Received 1_099_511_627_776")
    assert str(E.ERR_OUT_OF_RANGE("n", ">= 0", -(2 ** 33))).endswith("Received -8_589_934_592")
    assert str(E.ERR_OUT_OF_RANGE("Custom text.", "ok", 3, True)) == "Custom text. It must be ok. Received 3"


def test_socket_bad_port():
    err = E.ERR_SOCKET_BAD_PORT("options.port", -1)
    assert str(err) == "options.port should be >= 0 and < 65536. Received type number (-1)."
    assert isinstance(err, ValueError) and err.code == "ERR_SOCKET_BAD_PORT"
    assert str(E.ERR_SOCKET_BAD_PORT("Port", 65536)) == (
        "Port should be >= 0 and < 65536. Received type number (65536).")
    assert str(E.ERR_SOCKET_BAD_PORT("Port", 0, False)) == (
        "Port should be > 0 and < 65536. Received type number (0).")
    assert str(E.ERR_SOCKET_BAD_PORT("options.port", "x")) == (
        "options.port should be >= 0 and < 65536. Received type string ('x').")


def test_invalid_arg_value():
    err = E.ERR_INVALID_ARG_VALUE("options", {}, 'must have the property "port" or "path"')
    assert str(err) == ("The argument 'options' must have the property \"port\" or \"path\". "
                        "Received {}")
    assert isinstance(err, TypeError)
    assert str(E.ERR_INVALID_ARG_VALUE("options", {"port": True})) == (
        "The argument 'options' is invalid. Received { port: true }")
    assert str(E.ERR_INVALID_ARG_VALUE("options.host", 5)) == (
        "The property 'options.host' is invalid. Received 5")
    ranged = E.ERR_INVALID_ARG_VALUE.RangeError("x", 1)
    assert isinstance(ranged, E.RangeError) and ranged.code == "ERR_INVALID_ARG_VALUE"
    assert isinstance(ranged, E.NodeError)
    long = E.ERR_INVALID_ARG_VALUE("x", "y" * 200)
    assert str(long).endswith("y" * 127 + "...")


def test_missing_args():
    assert str(E.ERR_MISSING_ARGS(["options", "port", "path"])) == (
        'The "options" or "port" or "path" argument must be specified')
    assert str(E.ERR_MISSING_ARGS("a", "b")) == 'The "a" and "b" arguments must be specified'
    assert str(E.ERR_MISSING_ARGS("a", "b", "c")) == 'The "a", "b", and "c" arguments must be specified'
    assert isinstance(E.ERR_MISSING_ARGS("a"), TypeError)


@pytest.mark.parametrize("cls, text", [
    (E.ERR_SERVER_ALREADY_LISTEN, "Listen method has been called more than once without closing."),
    (E.ERR_SERVER_NOT_RUNNING, "Server is not running."),
    (E.ERR_STREAM_WRITE_AFTER_END, "write after end"),
    (E.ERR_SOCKET_CLOSED, "Socket is closed"),
    (E.ERR_SOCKET_CLOSED_BEFORE_CONNECTION, "Socket closed before the connection was established"),
    (E.ERR_STREAM_PREMATURE_CLOSE, "Premature close"),
])
def test_fixed_messages(cls, text):
    err = cls()
    assert str(err) == text and err.message == text
    assert err.code == cls.__name__
    assert isinstance(err, E.NodeError) and not isinstance(err, (TypeError, ValueError))
    with pytest.raises(cls):
        raise err


def test_formatted_plain_errors():
    assert str(E.ERR_STREAM_DESTROYED("write")) == "Cannot call write after a stream was destroyed"
    assert str(E.ERR_STREAM_ALREADY_FINISHED("end")) == "Cannot call end after a stream was finished"
    assert str(E.ERR_UNHANDLED_ERROR("'str'")) == "Unhandled error. ('str')"
    assert str(E.ERR_UNHANDLED_ERROR()) == "Unhandled error."


def test_node_error_factory():
    err = E.node_error("ERR_SOMETHING_NEW", "it broke", TypeError)
    assert str(err) == "it broke" and err.code == "ERR_SOMETHING_NEW"
    assert isinstance(err, TypeError) and isinstance(err, E.NodeError)
    again = E.node_error("ERR_SOMETHING_NEW", "again", TypeError)
    assert type(again) is type(err)
    known = E.node_error("ERR_SOCKET_CLOSED", "custom text")
    assert isinstance(known, E.ERR_SOCKET_CLOSED) and str(known) == "custom text"
    ranged = E.node_error("ERR_INVALID_ARG_VALUE", "bad", E.RangeError)
    assert isinstance(ranged, E.RangeError) and isinstance(ranged, E.ERR_INVALID_ARG_VALUE.RangeError)


@pytest.mark.parametrize("value, text", [
    ("str", "'str'"), ("it's", '"it\'s"'), ("a'b\"c", "`a'b\"c`"), (42, "42"), (1.0, "1"),
    (None, "null"), (E.UNDEFINED, "undefined"), (True, "true"), ({"message": "x"}, "{ message: 'x' }"),
    ({"a-b": [1, "2"]}, "{ 'a-b': [ 1, '2' ] }"), ([], "[]"), ({}, "{}"), (b"\x01\xff", "<Buffer 01 ff>"),
    (float("-inf"), "-Infinity"), (1e21, "1e+21"),
])
def test_inspect(value, text):
    assert E.inspect(value) == text


# -- system errors -----------------------------------------------------------

def test_connect_refused():
    err = E.system_error(errno.ECONNREFUSED, "connect", "127.0.0.1", 1234)
    assert str(err) == "connect ECONNREFUSED 127.0.0.1:1234"
    assert isinstance(err, ConnectionRefusedError) and isinstance(err, E.NodeSystemError)
    assert err.code == "ECONNREFUSED"
    assert err.errno == -errno.ECONNREFUSED
    assert err.os_errno == errno.ECONNREFUSED == err.args[0]
    assert err.syscall == "connect" and err.address == "127.0.0.1" and err.port == 1234
    assert err.strerror == "connection refused"


def test_negative_input_and_code_name_are_equivalent():
    a = E.system_error(-errno.ECONNRESET, "read")
    b = E.system_error("ECONNRESET", "read")
    c = E.system_error(errno.ECONNRESET, "read")
    assert str(a) == str(b) == str(c) == "read ECONNRESET"
    assert a.errno == b.errno == c.errno == -errno.ECONNRESET
    assert type(a) is type(b) is type(c)
    assert isinstance(a, ConnectionResetError)


def test_listen_style_includes_libuv_text():
    err = E.system_error(errno.EADDRINUSE, "listen", "127.0.0.1", 8080)
    assert str(err) == "listen EADDRINUSE: address already in use 127.0.0.1:8080"
    assert err.errno == -errno.EADDRINUSE and err.code == "EADDRINUSE"
    pipe = E.system_error(errno.EACCES, "listen", "/nonexistent/x.sock")
    assert str(pipe) == "listen EACCES: permission denied /nonexistent/x.sock"
    assert isinstance(pipe, PermissionError)


def test_pipe_connect_and_port_zero():
    err = E.system_error(errno.ENOENT, "connect", "/tmp/missing.sock")
    assert str(err) == "connect ENOENT /tmp/missing.sock"
    assert isinstance(err, FileNotFoundError)
    assert str(E.system_error(errno.ECONNREFUSED, "connect", "::1", 0)) == "connect ECONNREFUSED ::1"


def test_path_style_and_additional():
    err = E.system_error(errno.ENOENT, "open", path="/x")
    assert str(err) == "ENOENT: no such file or directory, open '/x'"
    assert err.filename == "/x" and err.path == "/x"
    ren = E.system_error(errno.EXDEV, "rename", path="/a", dest="/b")
    assert str(ren) == "EXDEV: cross-device link not permitted, rename '/a' -> '/b'"
    extra = E.system_error(errno.ECONNREFUSED, "connect", "127.0.0.1", 80, additional="127.0.0.1:5555")
    assert str(extra) == "connect ECONNREFUSED 127.0.0.1:80 - Local (127.0.0.1:5555)"


@pytest.mark.parametrize("code, pyclass", [
    ("ECONNREFUSED", ConnectionRefusedError),
    ("ECONNRESET", ConnectionResetError),
    ("ECONNABORTED", ConnectionAbortedError),
    ("EPIPE", BrokenPipeError),
    ("ENOENT", FileNotFoundError),
    ("EACCES", PermissionError),
    ("EPERM", PermissionError),
    ("ETIMEDOUT", TimeoutError),
    ("EEXIST", FileExistsError),
    ("EAGAIN", BlockingIOError),
    ("EINTR", InterruptedError),
    ("EADDRINUSE", OSError),
])
def test_python_class_mapping(code, pyclass):
    err = E.system_error(code, "x")
    assert isinstance(err, pyclass) and isinstance(err, OSError)
    assert err.code == code
    if pyclass is OSError:
        assert type(err) is E.NodeSystemError


def test_classes_are_cached():
    assert type(E.system_error("EPIPE", "write")) is type(E.system_error("EPIPE", "write"))


def test_from_oserror_and_libuv_only_codes():
    err = E.system_error(ConnectionResetError(errno.ECONNRESET, "x"), "read")
    assert err.code == "ECONNRESET" and err.errno == -errno.ECONNRESET
    eof = E.system_error(-4095, "read")
    assert str(eof) == "read EOF" and eof.code == "EOF" and eof.errno == -4095
    assert eof.os_errno is None
    assert E.error_code(-3008) == "EAI_NONAME"
    assert E.uv_errno("EOF") == -4095


def test_enotsup_uses_node_name():
    assert E.error_code(errno.ENOTSUP) == "ENOTSUP"


def test_system_error_can_be_raised_and_caught_as_oserror():
    with pytest.raises(OSError) as info:
        raise E.system_error("EPIPE", "write")
    assert info.value.code == "EPIPE" and str(info.value) == "write EPIPE"
