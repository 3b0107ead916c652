cdef class StreamTransport:
    cdef BaseLoop _loop
    cdef UVStream _stream
    cdef object _protocol
    cdef object _data_received
    cdef object _get_buffer_cb
    cdef object _buffer_updated_cb
    cdef object _server
    cdef object _waiter
    cdef dict _extra
    cdef bint _buffered
    cdef bint _is_unix
    cdef bint _closing
    cdef bint _eof
    cdef bint _paused_reading
    cdef bint _protocol_paused
    cdef bint _protocol_connected
    cdef bint _stream_closed
    cdef Py_ssize_t _conn_lost
    cdef size_t _high_water
    cdef size_t _low_water
    cdef object __weakref__

    @staticmethod
    cdef StreamTransport new(BaseLoop loop, UVStream stream, object protocol, object server,
                             bint is_unix)
    cdef _set_protocol(self, protocol)
    cdef _on_data(self, object data)
    cdef object _get_buffer(self, size_t hint)
    cdef _on_buffer_filled(self, Py_ssize_t n)
    cdef _on_eof(self)
    cdef _on_read_error(self, exc)
    cdef _on_write_done(self, int status)
    cdef _on_shutdown(self, int status)
    cdef _on_stream_closed(self)
    cdef _maybe_pause_protocol(self)
    cdef _maybe_resume_protocol(self)
    cdef _fatal_error(self, exc, str message)
