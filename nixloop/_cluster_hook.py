"""Where the server facades (``net.Server``, ``unix.SeqpacketServer``) meet nixloop.cluster,
which sits above them. In a cluster worker, cluster sets :data:`listen` to its ``_getServer``:
``listen(server, query, callback)`` asks the primary for the listening handle and calls
``callback(errno, handle)`` (Node's ``cluster._getServer``, which net.js reaches with a lazy
``require('cluster')``). Everywhere else it is None and servers listen by themselves.
"""

listen = None
