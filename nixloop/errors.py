"""Node-style errors for the facades.

Two families, both carrying Node's ``.code`` and subclassing the matching
Python exception type so that ordinary ``except`` clauses work:

``ERR_*`` errors (Node's ``internal/errors``)
    One class per code, named by the code, built with Node's arguments and
    producing Node 20's message text exactly, e.g.
    ``ERR_INVALID_ARG_TYPE('listener', 'function', 1)`` ->
    ``The "listener" argument must be of type function. Received type number (1)``.
    Bases follow the JavaScript class Node throws: ``TypeError`` ->
    :class:`TypeError`, ``RangeError`` -> :class:`RangeError` (a
    :class:`ValueError` subclass defined here), a plain ``Error`` ->
    :class:`NodeError` alone (an :class:`Exception`).  ``str(err)`` is Node's
    message, ``err.code`` the code, ``err.name`` the JavaScript class name.
    Codes Node raises as more than one class have the other variant as an
    attribute: ``ERR_INVALID_ARG_VALUE.RangeError``.  :func:`node_error` makes
    an ad-hoc one from a code and a message.

System errors (Node's ``uvException`` family)
    :func:`system_error` turns an errno (positive, as Python gives it, or
    negative, as libuv and Node give it, or a code name) plus the failing
    syscall into an exception that subclasses the Python ``OSError`` subclass
    Python itself uses for that errno (``ConnectionRefusedError``,
    ``BrokenPipeError``, ``FileNotFoundError``, ...; plain ``OSError``
    otherwise), with Node's attributes and message.

    errno sign (decided): ``err.errno`` is *Node's* value, negative
    (ECONNREFUSED -> ``-111``), because facade users port Node code that reads
    ``err.errno``.  The positive OS value stays available as ``err.os_errno``
    and as ``err.args[0]`` (``None``/negative only for libuv-only codes such
    as ``EOF``).  Python code should test ``err.code == 'ECONNREFUSED'`` or
    ``isinstance(err, ConnectionRefusedError)``, not ``err.errno ==
    errno.ECONNREFUSED``.

Where Node formats a value with ``util.inspect`` the Python value is rendered
the way Node would render its JavaScript counterpart (``None`` -> ``null``,
``True`` -> ``true``, ``dict`` -> ``{ a: 1 }``, ``bytes`` -> a ``Buffer``);
pass :data:`UNDEFINED` where Node would show ``undefined``.
"""

from __future__ import annotations

import errno as _errno
import json
import math
import os
import re
import types
from typing import Any, Callable

__all__ = [
    "UNDEFINED", "NodeError", "RangeError", "NodeSystemError", "AggregateError",
    "node_error", "system_error", "error_code", "uv_errno", "inspect",
    "determine_specific_type", "format_list", "validate_signal",
]


class _Undefined:
    """JavaScript's ``undefined``, for messages that must say so."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined()


# --------------------------------------------------------------------------
# A small util.inspect for Python values rendered as their JS counterparts.

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_FUNC_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
               types.BuiltinMethodType, type)


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:  # JS writes 1e+21 / 1e-7
        mant, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        text = f"{mant}e{sign}{exp.lstrip('+-').lstrip('0') or '0'}"
    return text


def _quote(s: str) -> str:
    s = s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    if "`" not in s and "${" not in s:
        return f"`{s}`"
    return "'" + s.replace("'", "\\'") + "'"


def inspect(value: Any, _depth: int = 0) -> str:
    """Render ``value`` roughly as Node's ``util.inspect`` renders its JS twin.

    Exact for the primitives (strings, numbers, booleans, ``None`` as
    ``null``, :data:`UNDEFINED`), flat lists and dicts and ``bytes``; other
    objects fall back to ``repr()``.
    """
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        body = " ".join(f"{b:02x}" for b in data[:50])
        more = f" ... {len(data) - 50} more bytes" if len(data) > 50 else ""
        return f"<Buffer{' ' if data else ''}{body}{more}>"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if _depth > 2:
            return "[Array]"
        return "[ " + ", ".join(inspect(v, _depth + 1) for v in value) + " ]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        if _depth > 2:
            return "[Object]"
        parts = []
        for k, v in value.items():
            key = k if isinstance(k, str) and _IDENT.match(k) else (
                _quote(k) if isinstance(k, str) else f"[{inspect(k)}]")
            parts.append(f"{key}: {inspect(v, _depth + 1)}")
        return "{ " + ", ".join(parts) + " }"
    if isinstance(value, _FUNC_TYPES):
        name = getattr(value, "__name__", "")
        kind = "class" if isinstance(value, type) else "Function"
        return f"[{kind}: {name}]" if name else f"[{kind} (anonymous)]"
    return repr(value)


def determine_specific_type(value: Any) -> str:
    """Node's ``determineSpecificType``: the "Received ..." part of messages."""
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return f"type boolean ({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        return f"type number ({_number(value)})"
    if isinstance(value, str):
        if len(value) > 28:
            value = value[:25] + "..."
        if "'" not in value:
            return f"type string ('{value}')"
        return f"type string ({json.dumps(value, ensure_ascii=False)})"
    if isinstance(value, _FUNC_TYPES):
        return f"function {getattr(value, '__name__', '')}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "an instance of Buffer"
    if isinstance(value, dict):
        return "an instance of Object"
    if isinstance(value, (list, tuple)):
        return "an instance of Array"
    return f"an instance of {type(value).__name__}"


def format_list(items: list[str], conj: str = "and") -> str:
    """'A', 'A or B', 'A, B, or C' as Node's ``formatList``."""
    if len(items) < 3:
        return f" {conj} ".join(items)
    return ", ".join(items[:-1]) + f", {conj} {items[-1]}"


def _numeric_separator(text: str) -> str:
    start = 1 if text.startswith("-") else 0
    res = ""
    i = len(text)
    while i >= start + 4:
        res = "_" + text[i - 3:i] + res
        i -= 3
    return text[:i] + res


# --------------------------------------------------------------------------
# ERR_* errors

class NodeError(Exception):
    """Base of every Node-style error: carries ``code`` (and ``name``).

    Subclasses format their message from Node's arguments in ``_format``.
    """

    code: str = ""
    name: str = "Error"
    _template: str | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(self._format(*args))

    def _format(self, *args: Any) -> str:
        template = self._template
        if template is None:
            return str(args[0]) if args else ""
        if "%s" in template:
            return template % tuple(args)
        return template

    @property
    def message(self) -> str:
        """Node's ``err.message``."""
        return str(self)

    @classmethod
    def with_message(cls, message: str) -> "NodeError":
        """An instance carrying ``message`` verbatim (no formatting)."""
        err = cls.__new__(cls)
        BaseException.__init__(err, message)
        return err


class AggregateError(NodeError):
    """JavaScript's ``AggregateError`` as Node's net raises it when every address of a host
    failed: ``errors`` lists the attempts' errors, ``code`` is the first one's."""

    name = "AggregateError"

    def __init__(self, errors: Any, message: str = "") -> None:
        super().__init__(message)
        self.errors = list(errors)
        if self.errors:
            self.code = getattr(self.errors[0], "code", "")


class RangeError(ValueError):
    """JavaScript's ``RangeError``: a value outside the accepted range."""


_JS_BASES: dict[str, type] = {"Error": Exception, "TypeError": TypeError, "RangeError": RangeError}


def _fmt_invalid_arg_type(self: NodeError, name: str, expected: Any, actual: Any = UNDEFINED) -> str:
    if isinstance(expected, str):
        expected = [expected]
    if name.endswith(" argument"):
        msg = f"The {name} "
    else:
        msg = f'The "{name}" {"property" if "." in name else "argument"} '
    msg += "must be "
    kinds, instances, other = [], [], []
    for value in expected:
        if value in ("string", "function", "number", "object", "Function", "Object",
                     "boolean", "bigint", "symbol"):
            kinds.append(value.lower())
        elif re.match(r"^[A-Z][a-zA-Z0-9]*$", value):
            instances.append(value)
        else:
            other.append(value)
    if instances and "object" in kinds:
        kinds.remove("object")
        instances.append("Object")
    if kinds:
        msg += f"{'one of type' if len(kinds) > 1 else 'of type'} {format_list(kinds, 'or')}"
        if instances or other:
            msg += " or "
    if instances:
        msg += f"an instance of {format_list(instances, 'or')}"
        if other:
            msg += " or "
    if other:
        if len(other) > 1:
            msg += f"one of {format_list(other, 'or')}"
        else:
            msg += ("an " if other[0].lower() != other[0] else "") + other[0]
    return msg + f". Received {determine_specific_type(actual)}"


def _fmt_invalid_arg_value(self: NodeError, name: str, value: Any, reason: str = "is invalid") -> str:
    inspected = inspect(value)
    if len(inspected) > 128:
        inspected = inspected[:128] + "..."
    kind = "property" if "." in name else "argument"
    return f"The {kind} '{name}' {reason}. Received {inspected}"


def _fmt_out_of_range(self: NodeError, name: str, range_: str, received: Any,
                      replace_default_boolean: bool = False) -> str:
    msg = name if replace_default_boolean else f'The value of "{name}" is out of range.'
    is_integer = (isinstance(received, int) and not isinstance(received, bool)) or (
        isinstance(received, float) and math.isfinite(received) and received.is_integer())
    if is_integer and abs(received) > 2 ** 32:
        text = _numeric_separator(_number(received))
    else:
        text = inspect(received)
    return msg + f" It must be {range_}. Received {text}"


def _fmt_socket_bad_port(self: NodeError, name: str, port: Any, allow_zero: bool = True) -> str:
    op = ">=" if allow_zero else ">"
    return f"{name} should be {op} 0 and < 65536. Received {determine_specific_type(port)}."


def _fmt_missing_args(self: NodeError, *names: Any) -> str:
    wrapped = [" or ".join(f'"{a}"' for a in n) if isinstance(n, (list, tuple)) else f'"{n}"'
               for n in names]
    return f"The {format_list(wrapped)} argument{'s' if len(names) > 1 else ''} must be specified"


def _fmt_unhandled_error(self: NodeError, err: Any = UNDEFINED) -> str:
    # Node passes util.inspect(err) here; EventEmitter does that before.
    if err is UNDEFINED:
        return "Unhandled error."
    return f"Unhandled error. ({err})"


# code -> (JS class name(s), template or formatter).  Texts are Node 20's.
_TABLE: dict[str, tuple[tuple[str, ...], str | Callable[..., str]]] = {
    "ERR_INVALID_ARG_TYPE": (("TypeError",), _fmt_invalid_arg_type),
    "ERR_INVALID_ARG_VALUE": (("TypeError", "RangeError"), _fmt_invalid_arg_value),
    "ERR_INVALID_RETURN_VALUE": (("TypeError", "RangeError"),
                                 lambda self, input_, name, value:
                                 f'Expected {input_} to be returned from the "{name}" function '
                                 f"but got {determine_specific_type(value)}."),
    "ERR_OUT_OF_RANGE": (("RangeError",), _fmt_out_of_range),
    "ERR_SOCKET_BAD_PORT": (("RangeError",), _fmt_socket_bad_port),
    "ERR_MISSING_ARGS": (("TypeError",), _fmt_missing_args),
    "ERR_UNHANDLED_ERROR": (("Error",), _fmt_unhandled_error),
    "ERR_SERVER_ALREADY_LISTEN": (("Error",), "Listen method has been called more than once without closing."),
    "ERR_SERVER_NOT_RUNNING": (("Error",), "Server is not running."),
    "ERR_SOCKET_CLOSED": (("Error",), "Socket is closed"),
    "ERR_SOCKET_CLOSED_BEFORE_CONNECTION": (("Error",), "Socket closed before the connection was established"),
    "ERR_SOCKET_CONNECTION_TIMEOUT": (("Error",), "Socket connection timeout"),
    "ERR_SOCKET_ALREADY_BOUND": (("Error",), "Socket is already bound"),
    "ERR_SOCKET_BAD_BUFFER_SIZE": (("TypeError",), "Buffer size must be a positive integer"),
    "ERR_SOCKET_DGRAM_IS_CONNECTED": (("Error",), "Already connected"),
    "ERR_SOCKET_DGRAM_NOT_CONNECTED": (("Error",), "Not connected"),
    "ERR_SOCKET_DGRAM_NOT_RUNNING": (("Error",), "Not running"),
    "ERR_STREAM_WRITE_AFTER_END": (("Error",), "write after end"),
    "ERR_STREAM_DESTROYED": (("Error",), "Cannot call %s after a stream was destroyed"),
    "ERR_STREAM_ALREADY_FINISHED": (("Error",), "Cannot call %s after a stream was finished"),
    "ERR_STREAM_NULL_VALUES": (("TypeError",), "May not write null values to stream"),
    "ERR_STREAM_PREMATURE_CLOSE": (("Error",), "Premature close"),
    "ERR_STREAM_PUSH_AFTER_EOF": (("Error",), "stream.push() after EOF"),
    "ERR_STREAM_CANNOT_PIPE": (("Error",), "Cannot pipe, not readable"),
    "ERR_MULTIPLE_CALLBACK": (("Error",), "Callback called multiple times"),
    "ERR_METHOD_NOT_IMPLEMENTED": (("Error",), "The %s method is not implemented"),
    "ERR_INVALID_FD_TYPE": (("TypeError",), "Unsupported fd type: %s"),
    "ERR_INVALID_HANDLE_TYPE": (("TypeError",), "This handle type cannot be sent"),
    "ERR_IPC_CHANNEL_CLOSED": (("Error",), "Channel closed"),
    "ERR_IPC_DISCONNECTED": (("Error",), "IPC channel is already disconnected"),
    "ERR_IPC_ONE_PIPE": (("Error",), "Child process can have only one IPC pipe"),
    "ERR_CHILD_CLOSED_BEFORE_REPLY": (("Error",), "Child closed before reply received"),
    "ERR_CHILD_PROCESS_IPC_REQUIRED": (("Error",),
                                       "Forked processes must have an IPC channel, missing value 'ipc' in %s"),
    "ERR_UNKNOWN_SIGNAL": (("TypeError",), "Unknown signal: %s"),
    "ERR_INVALID_IP_ADDRESS": (("TypeError",), "Invalid IP address: %s"),
    "ERR_INVALID_THIS": (("TypeError",), 'Value of "this" must be of type %s'),
    "ERR_INVALID_STATE": (("Error", "TypeError", "RangeError"), "Invalid state: %s"),
    "ERR_ILLEGAL_CONSTRUCTOR": (("TypeError",), "Illegal constructor"),
    "ERR_INCOMPATIBLE_OPTION_PAIR": (("TypeError",), 'Option "%s" cannot be used in combination with option "%s"'),
    "ERR_MISSING_OPTION": (("TypeError",), "%s is required"),
    "ERR_INVALID_ADDRESS_FAMILY": (("RangeError",),
                                   lambda self, family, host, port:
                                   f"Invalid address family: {family} {host}:{port}"),
}


def _make_class(code: str, js_name: str, fmt: str | Callable[..., str]) -> type:
    ns: dict[str, Any] = {"code": code, "name": js_name, "__module__": __name__,
                          "__qualname__": code, "__doc__": f"Node's {code} ({js_name})."}
    if callable(fmt):
        ns["_format"] = fmt
    else:
        ns["_template"] = fmt
    base = _JS_BASES[js_name]
    bases = (NodeError,) if base is Exception else (NodeError, base)
    return type(code, bases, ns)


def _build_table() -> None:
    g = globals()
    for code, (js_names, fmt) in _TABLE.items():
        cls = _make_class(code, js_names[0], fmt)
        for other in js_names[1:]:
            setattr(cls, other, _make_class(code, other, fmt))
        g[code] = cls
        __all__.append(code)


_build_table()

_adhoc: dict[tuple[str, type], type] = {}


def node_error(code: str, message: str, cls: type = Exception) -> NodeError:
    """An ad-hoc Node error with ``code`` and the verbatim ``message``.

    ``cls`` is the Python base (``TypeError``, ``RangeError``, ``Exception``
    for a plain JS ``Error``).  Known codes with the same base reuse their
    class, so ``except ERR_SOCKET_CLOSED`` still catches the result.
    """
    known = globals().get(code)
    if isinstance(known, type) and issubclass(known, NodeError):
        base = _JS_BASES.get(known.name, Exception)
        if base is cls:
            return known.with_message(message)
        for js_name, b in _JS_BASES.items():
            if b is cls and isinstance(getattr(known, js_name, None), type):
                return getattr(known, js_name).with_message(message)
    key = (code, cls)
    klass = _adhoc.get(key)
    if klass is None:
        js_name = next((n for n, b in _JS_BASES.items() if b is cls), cls.__name__)
        bases = (NodeError,) if cls is Exception else (NodeError, cls)
        klass = _adhoc[key] = type(code, bases, {"code": code, "name": js_name,
                                                 "__module__": __name__, "__qualname__": code})
    return klass.with_message(message)


# --------------------------------------------------------------------------
# System errors

# libuv's error names and messages (uv_err_name / uv_strerror, as Node 20's
# errmap shows them).  The number is None when it is the platform errno
# (libuv uses -errno), else the fixed libuv value.
_UV_ERRORS: dict[str, tuple[int | None, str]] = {
    "EPERM": (None, "operation not permitted"),
    "ENOENT": (None, "no such file or directory"),
    "ESRCH": (None, "no such process"),
    "EINTR": (None, "interrupted system call"),
    "EIO": (None, "i/o error"),
    "ENXIO": (None, "no such device or address"),
    "E2BIG": (None, "argument list too long"),
    "EBADF": (None, "bad file descriptor"),
    "EAGAIN": (None, "resource temporarily unavailable"),
    "ENOMEM": (None, "not enough memory"),
    "EACCES": (None, "permission denied"),
    "EFAULT": (None, "bad address in system call argument"),
    "EBUSY": (None, "resource busy or locked"),
    "EEXIST": (None, "file already exists"),
    "EXDEV": (None, "cross-device link not permitted"),
    "ENODEV": (None, "no such device"),
    "ENOTDIR": (None, "not a directory"),
    "EISDIR": (None, "illegal operation on a directory"),
    "EINVAL": (None, "invalid argument"),
    "ENFILE": (None, "file table overflow"),
    "EMFILE": (None, "too many open files"),
    "ENOTTY": (None, "inappropriate ioctl for device"),
    "ETXTBSY": (None, "text file is busy"),
    "EFBIG": (None, "file too large"),
    "ENOSPC": (None, "no space left on device"),
    "ESPIPE": (None, "invalid seek"),
    "EROFS": (None, "read-only file system"),
    "EMLINK": (None, "too many links"),
    "EPIPE": (None, "broken pipe"),
    "ERANGE": (None, "result too large"),
    "ENAMETOOLONG": (None, "name too long"),
    "ENOSYS": (None, "function not implemented"),
    "ENOTEMPTY": (None, "directory not empty"),
    "ELOOP": (None, "too many symbolic links encountered"),
    "EUNATCH": (None, "protocol driver not attached"),
    "ENODATA": (None, "no data available"),
    "ENONET": (None, "machine is not on the network"),
    "EPROTO": (None, "protocol error"),
    "EOVERFLOW": (None, "value too large for defined data type"),
    "EILSEQ": (None, "illegal byte sequence"),
    "ENOTSOCK": (None, "socket operation on non-socket"),
    "EDESTADDRREQ": (None, "destination address required"),
    "EMSGSIZE": (None, "message too long"),
    "EPROTOTYPE": (None, "protocol wrong type for socket"),
    "ENOPROTOOPT": (None, "protocol not available"),
    "EPROTONOSUPPORT": (None, "protocol not supported"),
    "ESOCKTNOSUPPORT": (None, "socket type not supported"),
    "ENOTSUP": (None, "operation not supported on socket"),
    "EAFNOSUPPORT": (None, "address family not supported"),
    "EADDRINUSE": (None, "address already in use"),
    "EADDRNOTAVAIL": (None, "address not available"),
    "ENETDOWN": (None, "network is down"),
    "ENETUNREACH": (None, "network is unreachable"),
    "ECONNABORTED": (None, "software caused connection abort"),
    "ECONNRESET": (None, "connection reset by peer"),
    "ENOBUFS": (None, "no buffer space available"),
    "EISCONN": (None, "socket is already connected"),
    "ENOTCONN": (None, "socket is not connected"),
    "ESHUTDOWN": (None, "cannot send after transport endpoint shutdown"),
    "ETIMEDOUT": (None, "connection timed out"),
    "ECONNREFUSED": (None, "connection refused"),
    "EHOSTDOWN": (None, "host is down"),
    "EHOSTUNREACH": (None, "host is unreachable"),
    "EALREADY": (None, "connection already in progress"),
    "EREMOTEIO": (None, "remote I/O error"),
    "ECANCELED": (None, "operation canceled"),
    "EAI_ADDRFAMILY": (-3000, "address family not supported"),
    "EAI_AGAIN": (-3001, "temporary failure"),
    "EAI_BADFLAGS": (-3002, "bad ai_flags value"),
    "EAI_CANCELED": (-3003, "request canceled"),
    "EAI_FAIL": (-3004, "permanent failure"),
    "EAI_FAMILY": (-3005, "ai_family not supported"),
    "EAI_MEMORY": (-3006, "out of memory"),
    "EAI_NODATA": (-3007, "no address"),
    "EAI_NONAME": (-3008, "unknown node or service"),
    "EAI_OVERFLOW": (-3009, "argument buffer overflow"),
    "EAI_SERVICE": (-3010, "service not available for socket type"),
    "EAI_SOCKTYPE": (-3011, "socket type not supported"),
    "EAI_BADHINTS": (-3013, "invalid value for hints"),
    "EAI_PROTOCOL": (-3014, "resolved protocol is unknown"),
    "EFTYPE": (-4028, "inappropriate file type or format"),
    "ECHARSET": (-4080, "invalid Unicode character"),
    "UNKNOWN": (-4094, "unknown error"),
    "EOF": (-4095, "end of file"),
}

_CODE_TO_UV: dict[str, int] = {}
_UV_TO_CODE: dict[int, str] = {}
for _name, (_num, _msg) in _UV_ERRORS.items():
    _value = _num if _num is not None else -getattr(_errno, _name, 0)
    if _value:
        _CODE_TO_UV[_name] = _value
        _UV_TO_CODE.setdefault(_value, _name)
# Python's name for ENOTSUP on Linux is EOPNOTSUPP (same number); Node says ENOTSUP.
if hasattr(_errno, "ENOTSUP"):
    _UV_TO_CODE[-_errno.ENOTSUP] = "ENOTSUP"
del _name, _num, _msg, _value


def uv_errno(err: int | str) -> int:
    """Node's (negative, libuv) errno for a positive errno, negative errno or name."""
    if isinstance(err, str):
        if err in _CODE_TO_UV:
            return _CODE_TO_UV[err]
        value = getattr(_errno, err, None)
        if value is None:
            raise ValueError(f"unknown error code {err!r}")
        return -value
    return -err if err > 0 else err


def error_code(err: int | str) -> str:
    """Node's code name ('ECONNREFUSED') for an errno (either sign) or a name."""
    if isinstance(err, str):
        return err
    value = uv_errno(err)
    code = _UV_TO_CODE.get(value)
    if code is None:
        code = _errno.errorcode.get(-value, f"Unknown system error {value}")
    return code


def _uv_message(code: str, value: int) -> str:
    entry = _UV_ERRORS.get(code)
    if entry is not None:
        return entry[1]
    if value < 0 and -value in _errno.errorcode:
        text = os.strerror(-value)
        return text[:1].lower() + text[1:]
    return "unknown error"


class NodeSystemError(NodeError, OSError):
    """Base of the errors :func:`system_error` makes (an ``OSError``).

    Attributes as in Node: ``code``, ``errno`` (negative), ``syscall``,
    ``address``, ``port``, ``path``, ``dest``; plus ``os_errno`` (positive)
    and ``strerror`` (libuv's text).  ``str(err)`` is Node's message.
    """

    name = "Error"

    def __init__(self, *args: Any) -> None:  # OSError-compatible signature
        OSError.__init__(self, *args)

    def __str__(self) -> str:
        return self._node_message

    @property
    def message(self) -> str:
        return self._node_message


_system_classes: dict[type, type] = {}   # Python OSError subclass -> our class
_system_by_errno: dict[int | None, type] = {}


def _system_class(os_errno: int | None) -> type:
    """The NodeSystemError subclass for ``os_errno``, built once and cached.

    The Python base is the class ``OSError(os_errno, ...)`` itself picks
    (ConnectionRefusedError, BrokenPipeError, FileNotFoundError, ...).
    """
    cls = _system_by_errno.get(os_errno)
    if cls is not None:
        return cls
    base = type(OSError(os_errno, "")) if os_errno else OSError
    cls = _system_classes.get(base)
    if cls is None:
        name = "NodeSystemError" if base is OSError else f"Node{base.__name__}"
        cls = NodeSystemError if base is OSError else type(
            name, (NodeSystemError, base), {"__module__": __name__, "__qualname__": name})
        _system_classes[base] = cls
    _system_by_errno[os_errno] = cls
    return cls


def system_error(err: int | str | OSError, syscall: str, address: str | None = None,
                 port: int | None = None, path: str | None = None, *,
                 dest: str | None = None, style: str | None = None,
                 additional: str | None = None) -> NodeSystemError:
    """A Node system error for ``err`` raised by ``syscall``.

    ``err``: a positive errno (Python), a negative one (libuv/Node), a code
    name ('ECONNREFUSED'), or an ``OSError`` (its errno is used).

    Message styles, as Node builds them (``style`` picks one; by default
    'path' when ``path`` is given, 'uv' for ``syscall == 'listen'``, else
    'errno'):

    * 'errno' (connect/read/write: ``exceptionWithHostPort``, ``errnoException``):
      ``connect ECONNREFUSED 127.0.0.1:1234``, ``read ECONNRESET``,
      ``connect ENOENT /tmp/sock`` (address only when there is no port > 0);
      ``additional`` appends `` - Local (...)``.
    * 'uv' (listen: ``uvExceptionWithHostPort``):
      ``listen EADDRINUSE: address already in use 127.0.0.1:8000``.
    * 'path' (fs-style ``uvException``):
      ``ENOENT: no such file or directory, open '/x'`` (`` -> 'dest'`` too).
    """
    if isinstance(err, OSError):
        err = err.errno if err.errno is not None else "UNKNOWN"
    node_errno = uv_errno(err)
    code = error_code(err)
    os_errno = -node_errno if (node_errno < 0 and -node_errno in _errno.errorcode
                               and code not in ("EOF", "UNKNOWN") and node_errno > -3000) else None
    uvmsg = _uv_message(code, node_errno)
    if style is None:
        style = "path" if path is not None else ("uv" if syscall == "listen" else "errno")
    details = ""
    if port and port > 0:
        details = f" {address}:{port}"
    elif address:
        details = f" {address}"
    if style == "uv":
        message = f"{syscall} {code}: {uvmsg}{details}"
    elif style == "path":
        message = f"{code}: {uvmsg}, {syscall}"
        if path is not None:
            message += f" '{path}'"
        if dest is not None:
            message += f" -> '{dest}'"
    elif style == "errno":
        message = f"{syscall} {code}{details}"
        if additional:
            message += f" - Local ({additional})"
    else:
        raise ValueError(f"unknown style {style!r}")
    cls = _system_class(os_errno)
    exc = cls(os_errno if os_errno is not None else node_errno, uvmsg)
    exc._node_message = message
    exc.errno = node_errno
    exc.os_errno = os_errno
    exc.code = code
    exc.syscall = syscall
    exc.address = address
    exc.port = port
    exc.path = path
    exc.dest = dest
    if path is not None:
        exc.filename = path
    return exc


def validate_signal(sig: Any) -> int:
    """Node's ``convertToValidSignal``: an integer (passed through: the kill() that uses it
    reports EINVAL for a number that is no signal) or a signal's name, spelt as in
    ``os.constants.signals`` ('SIGTERM'); anything else raises ``ERR_UNKNOWN_SIGNAL``."""
    import signal as _signal
    if isinstance(sig, int) and not isinstance(sig, bool) and -2**31 <= sig < 2**31:
        return sig
    if isinstance(sig, str) and sig.startswith("SIG"):
        num = getattr(_signal.Signals, sig, None)
        if num is not None:
            return int(num)
    raise ERR_UNKNOWN_SIGNAL(sig)  # type: ignore[name-defined]  # noqa: F821
