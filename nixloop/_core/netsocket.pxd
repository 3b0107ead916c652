# The compiled base of nixloop.net.Socket: the fields of the echo hot path (read -> 'data' ->
# write) live in C so that a request costs no Python frame of ours (see netsocket.pyx).
cdef class SocketCore:
    cdef public object _handle
    cdef public object _ts              # the loop's tick queue (process.nextTick)
    cdef public object _timer           # the setTimeout timer, or None
    cdef public object _decoder         # setEncoding's decoder, or None
    cdef public object _flowing         # None / True / False, as Node's state.flowing
    cdef public object _events          # EventEmitter's listener map (see Socket._events)
    cdef public object _ticks           # _ts.ticks, the deque itself
    cdef public long long _rlen         # bytes (or characters) buffered on the readable side
    cdef public long long _bytes_read
    cdef public long long _wlen         # bytes written but not flushed
    cdef public object _whwm
    cdef public long long _bytes_dispatched
    cdef public object destroyed
    cdef public bint _wfast             # write() may go straight to the handle
    cdef public bint _need_drain
    cdef public bint _r_reading

    cdef object _c_on_read(self, object data)
