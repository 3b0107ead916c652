# One place that turns libuv error codes into Python exceptions for the asyncio side.
# (The Node-style errors of the facades are built from the same codes in nixloop/errors.py.)
# Included into _loop.pyx.
import errno as _errno
import os as _os


cdef object convert_uv_error(int err):
    """The exception that asyncio/stdlib would raise for libuv error `err` (a negative code).

    On Unix libuv codes are negated errno values, so OSError's own errno-to-subclass mapping
    applies (ECONNREFUSED -> ConnectionRefusedError, ...); getaddrinfo codes become
    socket.gaierror; end-of-file has no errno and is reported as a ConnectionResetError."""
    cdef bytes name
    if err == uv.UV_EOF:
        return ConnectionResetError(_errno.ECONNRESET, 'end of file')
    name = uv.uv_err_name(err)
    if name.startswith(b'EAI_'):
        return socket.gaierror(err, uv.uv_strerror(err).decode('utf-8', 'replace'))
    return OSError(-err, _os.strerror(-err))


cdef str uv_error_name(int err):
    """libuv's symbolic name for an error code, e.g. 'ECONNREFUSED' (what Node calls `code`)."""
    return uv.uv_err_name(err).decode('ascii')


def _uv_error_name(int err):
    return uv_error_name(err)


def _uv_strerror(int err):
    return uv.uv_strerror(err).decode('utf-8', 'replace')


def libuv_version():
    """The linked libuv's version string, e.g. '1.50.0'."""
    return uv.uv_version_string().decode('ascii')
