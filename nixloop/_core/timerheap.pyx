# A binary min-heap of TimerHandles keyed by (when, sequence number), in C arrays.
# Equal deadlines keep their scheduling order (FIFO). Included into _loop.pyx.

cdef inline double heap_key(double when) noexcept nogil:
    """The heap's key for a deadline. NaN compares false with everything and would break the
    heap order, leaving later timers stuck behind it (stdlib asyncio's heapq hangs so:
    call_later(nan) then call_later(1e6) and a sleep never ends); a NaN deadline is keyed as
    due at once, which is when stdlib runs a NaN timer that reaches its heap's top."""
    if when != when:
        return -INFINITY
    return when


cdef class TimerHeap:

    def __cinit__(self):
        self.cap = 64
        self.size = 0
        self.seq = 0
        self.entries = <HeapEntry*>PyMem_Malloc(self.cap * sizeof(HeapEntry))
        if self.entries == NULL:
            raise MemoryError()

    def __dealloc__(self):
        self.clear()
        PyMem_Free(self.entries)
        self.entries = NULL

    cdef inline bint _less(self, Py_ssize_t a, Py_ssize_t b):
        cdef HeapEntry* e = self.entries
        return e[a].when < e[b].when or (e[a].when == e[b].when and e[a].seq < e[b].seq)

    cdef inline void _swap(self, Py_ssize_t a, Py_ssize_t b):
        cdef HeapEntry tmp = self.entries[a]
        self.entries[a] = self.entries[b]
        self.entries[b] = tmp

    cdef int push(self, TimerHandle h) except -1:
        cdef Py_ssize_t i, parent
        cdef HeapEntry* grown
        if self.size == self.cap:
            grown = <HeapEntry*>PyMem_Realloc(self.entries, 2 * self.cap * sizeof(HeapEntry))
            if grown == NULL:
                raise MemoryError()
            self.entries = grown
            self.cap *= 2
        i = self.size
        self.entries[i].when = heap_key(h._when)
        self.entries[i].seq = self.seq
        self.entries[i].handle = <PyObject*>h
        Py_INCREF(h)
        self.seq += 1
        self.size += 1
        while i > 0:
            parent = (i - 1) >> 1
            if self._less(i, parent):
                self._swap(i, parent)
                i = parent
            else:
                break
        return 0

    cdef inline double top_when(self):
        return self.entries[0].when

    cdef inline TimerHandle top(self):
        return <TimerHandle>self.entries[0].handle

    cdef TimerHandle pop(self):
        """Remove the earliest entry and return it (the heap's reference moves to the caller)."""
        cdef PyObject* h = self.entries[0].handle
        cdef Py_ssize_t i = 0, child, n
        self.size -= 1
        n = self.size
        if n > 0:
            self.entries[0] = self.entries[n]
            while True:
                child = 2 * i + 1
                if child >= n:
                    break
                if child + 1 < n and self._less(child + 1, child):
                    child += 1
                if self._less(child, i):
                    self._swap(child, i)
                    i = child
                else:
                    break
        result = <TimerHandle>h
        Py_DECREF(result)     # the heap's own reference; `result` holds one
        return result

    cdef void _sift_down_all(self):
        cdef Py_ssize_t start = (self.size >> 1) - 1, i, child
        while start >= 0:
            i = start
            while True:
                child = 2 * i + 1
                if child >= self.size:
                    break
                if child + 1 < self.size and self._less(child + 1, child):
                    child += 1
                if self._less(child, i):
                    self._swap(child, i)
                    i = child
                else:
                    break
            start -= 1

    cdef Py_ssize_t drop_cancelled(self):
        """Remove every cancelled handle and restore the heap order; returns how many went."""
        cdef Py_ssize_t i, j = 0, dropped = 0
        cdef PyObject* h
        for i in range(self.size):
            h = self.entries[i].handle
            if (<TimerHandle>h)._cancelled:
                Py_DECREF(<object>h)
                dropped += 1
            else:
                self.entries[j] = self.entries[i]
                j += 1
        self.size = j
        self._sift_down_all()
        return dropped

    cdef void clear(self):
        cdef Py_ssize_t i
        cdef Py_ssize_t n = self.size
        cdef PyObject* h
        self.size = 0
        for i in range(n):
            h = self.entries[i].handle
            Py_DECREF(<object>h)
