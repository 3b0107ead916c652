cdef class AcceptPacer:
    cdef double _delay                # the next pause (seconds); 0: no failure since the last accept
    cdef object _timer                # the loop TimerHandle that ends the current pause, or None
    cdef object _resume               # what it calls

    cdef pause(self, BaseLoop loop, object resume)
    cdef void accepted(self)
    cdef cancel(self)
