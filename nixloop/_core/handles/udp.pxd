cdef class UDPHandle(PolledSocketHandle):
    cdef int _family                  # AF_INET or AF_INET6
    cdef object _last_addr            # the last destination tuple and its sockaddr (bytes):
    cdef bytes _last_dest             # an echo answers the same peer again and again
    # The last _ADDR_CACHE senders (see _sender_name): raw sockaddrs, their tuples, their
    # sockaddrs as the queued destination bytes.
    cdef char _ca_raw[448]            # _ADDR_CACHE x _ADDR_SLOT
    cdef sys_.socklen_t _ca_len[16]
    cdef list _ca_tuple
    cdef list _ca_dest
    cdef int _ca_n
    cdef int _ca_next
    cdef int _ca_hit                  # the slot of the last sender met
    cdef unsigned char _ca_bucket[16] # an address's hash (nl_addr_bucket) -> its likely slot

    cdef object _dest_cached(self, object addr)
