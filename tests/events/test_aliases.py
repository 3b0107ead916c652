"""nixloop._aliases: snake_case names for Node's camelCase ones."""

import pytest

from nixloop._aliases import SnakeAliases, alias_module, snake_aliases, snake_name


@pytest.mark.parametrize("camel, snake", [
    ("addListener", "add_listener"),
    ("getMaxListeners", "get_max_listeners"),
    ("listenerCount", "listener_count"),
    ("setNoDelay", "set_no_delay"),
    ("isIPv4", "is_ipv4"),
    ("isIPv6", "is_ipv6"),
    ("isIP", "is_ip"),
    ("ipv6Only", "ipv6_only"),
    ("setTTL", "set_ttl"),
    ("setMulticastTTL", "set_multicast_ttl"),
    ("toJSON", "to_json"),
    ("prependOnceListener", "prepend_once_listener"),
    ("getRecvBufferSize", "get_recv_buffer_size"),
    ("createReuseportFd", "create_reuseport_fd"),
    ("on", "on"),
    ("emit", "emit"),
])
def test_snake_name(camel, snake):
    assert snake_name(camel) == snake


def test_decorator_aliases_methods_and_properties_with_same_object():
    @snake_aliases
    class A:
        def setNoDelay(self, flag=True):
            return ("base", flag)

        @property
        def bytesWritten(self):
            return 42

        @staticmethod
        def isIPv4(s):
            return s == "v4"

        @classmethod
        def makeOne(cls):
            return cls()

        maxConnections = 5          # data: not aliased
        def _privateThing(self):    # private: not aliased
            pass

    assert A.__dict__["set_no_delay"] is A.__dict__["setNoDelay"]
    assert A().set_no_delay(False) == ("base", False)
    assert A().bytes_written == 42
    assert A.is_ipv4("v4") is True
    assert isinstance(A.make_one(), A)
    assert not hasattr(A, "max_connections")
    assert not hasattr(A, "_private_thing")


def test_existing_name_is_never_overwritten():
    @snake_aliases
    class A:
        def addListener(self):
            return "camel"

        def add_listener(self):
            return "hand-written"

    assert A().add_listener() == "hand-written"
    assert A().addListener() == "camel"


def test_mixin_honours_camel_override_in_subclass():
    class Base(SnakeAliases):
        def setNoDelay(self):
            return "base"

    class Sub(Base):
        def setNoDelay(self):
            return "sub"

    assert Sub().set_no_delay() == "sub"
    assert Base().set_no_delay() == "base"
    assert Sub.__dict__["set_no_delay"] is Sub.__dict__["setNoDelay"]


def test_mixin_honours_snake_override_in_subclass():
    class Base(SnakeAliases):
        def setNoDelay(self):
            return "base"

        def callsCamel(self):
            return self.setNoDelay()

    class Sub(Base):
        def set_no_delay(self):
            return "sub"

    # internal camelCase calls reach the snake_case override
    assert Sub().callsCamel() == "sub"
    assert Sub().setNoDelay() == "sub"
    assert Base().calls_camel() == "base"


def test_grandchild_inherits_aliases_without_redefining():
    class Base(SnakeAliases):
        def getThing(self):
            return 1

    class Mid(Base):
        pass

    class Leaf(Mid):
        def getThing(self):
            return 3

    assert Mid().get_thing() == 1
    assert Leaf().get_thing() == 3
    assert "get_thing" not in Mid.__dict__


def test_alias_module():
    def listenerCount(e, n):
        return 7

    def isIPv4(s):
        return True

    ns = {"listenerCount": listenerCount, "isIPv4": isIPv4, "errorMonitor": object(),
          "is_ipv4": "taken", "__all__": ["listenerCount", "isIPv4", "errorMonitor"]}
    added = alias_module(ns)
    assert added == ["listener_count"]
    assert ns["listener_count"] is listenerCount
    assert ns["is_ipv4"] == "taken"          # never overwritten
    assert "error_monitor" not in ns         # not callable
    assert "listener_count" in ns["__all__"]


def test_alias_module_with_explicit_names():
    def createServer():
        pass

    def createConnection():
        pass

    ns = {"createServer": createServer, "createConnection": createConnection}
    assert alias_module(ns, ["createServer"]) == ["create_server"]
    assert "create_connection" not in ns
