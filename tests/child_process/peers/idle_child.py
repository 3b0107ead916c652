"""A nixloop child that registers no listener: the channel alone does not keep it alive."""
from nixloop import node

node.run(lambda: None)
