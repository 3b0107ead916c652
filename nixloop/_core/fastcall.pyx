# Hot methods called from C or from the interpreter's fast call path, taken without Cython's
# argument parsing. Included into _loop.pyx after the classes.
#
# loop.call_soon() as asyncio's C Task and Future call it, and call_soon_threadsafe() alike.
#
# Every task step and every future callback reaches the loop as loop.call_soon(cb, [arg,]
# context=ctx), a vectorcall with one keyword. Cython's def method parses that keyword
# generically (__Pyx_ParseKeywords, __Pyx_MatchKeywordArg): ~200 of the ~6,600 instructions of a
# sleep(0) task switch (perf/callgrind_micro.py --bench sleep0 --top 25). BaseLoop.call_soon is
# therefore replaced, once, by a METH_FASTCALL | METH_KEYWORDS method that takes the positional
# arguments and a lone `context` keyword itself; any other call (no argument, other or unknown
# keywords) goes on to the def method Cython made, so errors and their messages stay its own.
# call_soon_threadsafe (executors' results, other threads' wake-ups) takes the same entry: 63
# fewer instructions per call (3,289 -> 3,226 per call and run, callgrind, 100,000 calls).

from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM, PyTuple_GET_ITEM, PyTuple_GET_SIZE

cdef object _call_soon_def = None       # the def method replaced (set at the call_soon install)
cdef object _call_soon_threadsafe_def = None
cdef str _CONTEXT_KW = 'context'


cdef object _context_kwnames = ('context',)   # the last ('context',) kwnames tuple seen


cdef bint _is_context_kwnames(tuple kwnames) except -1:
    global _context_kwnames
    if PyTuple_GET_SIZE(kwnames) != 1 or <object>PyTuple_GET_ITEM(kwnames, 0) != _CONTEXT_KW:
        return 0
    _context_kwnames = kwnames
    return 1


cdef inline object _call_soon_entry(object self, PyObject** args, Py_ssize_t nargs,
                                   PyObject* kwnames, bint threadsafe, object fallback):
    # call_soon and call_soon_threadsafe alike: (callback, *args, context=ctx) taken here,
    # anything else handed to `fallback`, the def method
    cdef BaseLoop loop = <BaseLoop>self     # the method descriptor checked the type
    cdef object context = None
    cdef tuple rest
    cdef Py_ssize_t i
    if kwnames != NULL:
        # The caller's ('context',) tuple is the same object call after call (the C Task's is
        # made once, its string not interned): one identity test instead of a string compare.
        if <object>kwnames is not _context_kwnames:
            if not _is_context_kwnames(<object>kwnames):
                return nl_vectorcall_with_self(fallback, self, args, nargs, kwnames)
        context = <object>args[nargs]
    if nargs < 1:
        return nl_vectorcall_with_self(fallback, self, args, nargs, kwnames)
    if nargs == 1:
        rest = ()
    else:
        rest = PyTuple_New(nargs - 1)
        for i in range(1, nargs):
            Py_INCREF(<object>args[i])
            PyTuple_SET_ITEM(rest, i - 1, <object>args[i])
    if threadsafe:
        return loop._call_soon_threadsafe(<object>args[0], rest, context)
    return loop._call_soon_checked(<object>args[0], rest, context)


cdef object _call_soon_fast(object self, PyObject** args, Py_ssize_t nargs, PyObject* kwnames):
    return _call_soon_entry(self, args, nargs, kwnames, 0, _call_soon_def)


cdef object _call_soon_threadsafe_fast(object self, PyObject** args, Py_ssize_t nargs,
                                       PyObject* kwnames):
    return _call_soon_entry(self, args, nargs, kwnames, 1, _call_soon_threadsafe_def)


_call_soon_def = nl_install_fastcall(
    <PyTypeObject*>BaseLoop, 'call_soon', <void*>_call_soon_fast,
    'call_soon($self, callback, *args, context=None)\n--\n\n'
    'Schedule callback(*args) to run on the next iteration, in FIFO order.')
_call_soon_threadsafe_def = nl_install_fastcall(
    <PyTypeObject*>BaseLoop, 'call_soon_threadsafe', <void*>_call_soon_threadsafe_fast,
    'call_soon_threadsafe($self, callback, *args, context=None)\n--\n\n'
    'Like call_soon(), from any thread: wakes the loop through a uv_async handle.')


# transport.write(data), once per echo request: Cython's def method is reached through its
# function object's vectorcall and then unpacks the argument (~60 instructions of the ~1,570 of
# a TCP echo request, perf/callgrind_echo.py --top: 1,567 -> 1,504 with this); a method
# descriptor of our own takes the positional argument at once. The same for SEQPACKET's write()
# and UDP's sendto(data[, addr]) (1,850 -> 1,772 per UDP echo request). Calls with keywords, and
# every wrong call, go on to the def methods. A stream write of exact bytes goes on to
# StreamTransport._write_bytes, one uv_try_write when nothing is in the way.

cdef object _stream_write_def = None
cdef object _seqpacket_write_def = None
cdef object _udp_sendto_def = None


cdef object _stream_write_fast(object self, PyObject** args, Py_ssize_t nargs, PyObject* kwnames):
    if kwnames == NULL and nargs == 1:
        if PyBytes_CheckExact(<object>args[0]):
            (<StreamTransport>self)._write_bytes(<object>args[0])
        else:
            (<StreamTransport>self)._write_checked(<object>args[0])
        return None
    return nl_vectorcall_with_self(_stream_write_def, self, args, nargs, kwnames)


cdef object _seqpacket_write_fast(object self, PyObject** args, Py_ssize_t nargs,
                                  PyObject* kwnames):
    if kwnames == NULL and nargs == 1:
        (<SeqpacketTransport>self)._write_message(<object>args[0])
        return None
    return nl_vectorcall_with_self(_seqpacket_write_def, self, args, nargs, kwnames)


cdef object _udp_sendto_fast(object self, PyObject** args, Py_ssize_t nargs, PyObject* kwnames):
    if kwnames == NULL and nargs == 2:
        (<UDPTransport>self)._sendto(<object>args[0], <object>args[1])
        return None
    if kwnames == NULL and nargs == 1:
        (<UDPTransport>self)._sendto(<object>args[0], None)
        return None
    return nl_vectorcall_with_self(_udp_sendto_def, self, args, nargs, kwnames)


_stream_write_def = nl_install_fastcall(
    <PyTypeObject*>StreamTransport, 'write', <void*>_stream_write_fast,
    'write($self, data)\n--\n\n'
    'Write the bytes-like data: sent at once when the socket takes it, else buffered.')
_seqpacket_write_def = nl_install_fastcall(
    <PyTypeObject*>SeqpacketTransport, 'write', <void*>_seqpacket_write_fast,
    'write($self, data)\n--\n\nSend `data` as one message.')
_udp_sendto_def = nl_install_fastcall(
    <PyTypeObject*>UDPTransport, 'sendto', <void*>_udp_sendto_fast,
    'sendto($self, data, addr=None)\n--\n\n'
    'Send the bytes-like data as one datagram to addr (the connected peer when None).')
