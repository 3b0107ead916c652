cdef class PipeHandle(UVStream):
    @staticmethod
    cdef PipeHandle new(BaseLoop loop)
