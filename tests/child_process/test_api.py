"""The public names of nixloop.child_process and nixloop.cluster: Node's camelCase names, their
snake_case aliases (the same objects, made by nixloop/_aliases.py), the cluster module as an
EventEmitter, and the primary's state before any fork."""
import os

from nixloop import child_process, cluster
from nixloop.cluster import _primary


def test_aliases_are_the_same_objects():
    assert cluster.setup_primary is cluster.setupPrimary
    assert cluster.setup_master is cluster.setupMaster is cluster.setupPrimary
    assert cluster.listen_socket is cluster.listenSocket
    assert cluster.create_server is cluster.createServer
    assert cluster.Worker.is_dead is cluster.Worker.isDead
    assert cluster.Worker.is_connected is cluster.Worker.isConnected
    cp = child_process.ChildProcess
    assert cp.listener_count is cp.listenerCount and cp.remove_listener is cp.removeListener
    for name in ("setup_primary", "listen_socket", "create_server"):
        assert name in cluster.__all__


def test_cluster_module_is_the_primary_event_emitter():
    assert "NODE_UNIQUE_ID" not in os.environ
    assert cluster.isPrimary is True and cluster.isMaster is True and cluster.isWorker is False
    assert cluster.worker is None and cluster.workers == {}
    assert cluster.schedulingPolicy in (cluster.SCHED_RR, cluster.SCHED_NONE)
    assert cluster.SCHED_NONE == 1 and cluster.SCHED_RR == 2       # Node's values
    seen = []
    cluster.once("custom", lambda *a: seen.append(a))
    assert cluster.emit("custom", 1, 2) is True
    assert cluster.emit("custom", 3) is False
    assert seen == [(1, 2)]


def test_default_policy_follows_the_environment(monkeypatch):
    monkeypatch.setenv("NODE_CLUSTER_SCHED_POLICY", "none")
    assert _primary.default_policy() == cluster.SCHED_NONE
    monkeypatch.setenv("NODE_CLUSTER_SCHED_POLICY", "rr")
    assert _primary.default_policy() == cluster.SCHED_RR
    monkeypatch.delenv("NODE_CLUSTER_SCHED_POLICY")
    assert _primary.default_policy() == cluster.SCHED_RR
