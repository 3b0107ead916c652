"""A nixloop child that sends every message back (with the handle, if one came) and exits when
the parent disconnects (the channel keeps it alive until then)."""
from nixloop import node


def main():
    process = node.process
    process.on("message", lambda m, h=None: process.send(m, h) if h is not None
               else process.send(m))


node.run(main)
