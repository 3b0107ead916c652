cdef class UDPHandle(PolledSocketHandle):
    cdef int _family                  # AF_INET or AF_INET6
    cdef object _last_addr            # the last destination tuple and its sockaddr (bytes):
    cdef bytes _last_dest             # an echo answers the same peer again and again
