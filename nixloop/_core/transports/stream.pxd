cdef class StreamTransport(TransportBase):
    cdef UVStream _stream
    cdef object _data_received
    cdef object _get_buffer_cb
    cdef object _buffer_updated_cb
    cdef bint _buffered
    cdef bint _is_unix
    cdef bint _stream_closed
    cdef bint _sendfile_busy          # loop.sendfile() is sending: write() raises
    cdef Py_ssize_t _conn_lost

    @staticmethod
    cdef StreamTransport new(BaseLoop loop, UVStream stream, object protocol, object server,
                             bint is_unix, object context)
    cdef _set_protocol(self, protocol)
    cdef _on_data(self, object data)
    cdef _data_received_error(self, exc)
    cdef object _get_buffer(self, size_t hint)
    cdef _on_buffer_filled(self, Py_ssize_t n)
    cdef _on_eof(self)
    cdef _on_read_error(self, exc)
    cdef _on_write_done(self, int status)
    cdef _on_shutdown(self, int status)
    cdef _on_stream_closed(self)
    cdef inline _write_checked(self, data)
    cdef inline _write_data(self, data)
    cdef inline _write_bytes(self, data)
    cdef _write_bytes_rest(self, data, Py_ssize_t length, int sent)
