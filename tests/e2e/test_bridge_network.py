"""End to end: `--instance-network bridge` (root only). Each instance runs in a
network namespace of its own on a bridge made for this test; agents report to
the server over the bridge, and taking one instance's link down loses that
instance (no heartbeat): it is replaced on the same address, the job goes on."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from faults import bridge_flags, ip, new_bridge, remove_bridge
from harness import SLEEPER_IMAGE, Server, job_request, wait_for_status

REPO = os.environ.get("TRAINYARD_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HELLO = os.path.join(REPO, "examples", "hello")
TERMINAL = ("Completed", "Failed", "Stopped")


def agent_pid(job, host):
    """The pid of the agent of (job, host), or None."""
    marker = f"\0--job\0{job}\0--host\0{host}\0".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker in f.read():
                    return int(pid)
        except OSError:
            pass
    return None


def netns_of(pid):
    """The name under /var/run/netns of the network namespace `pid` is in."""
    inode = os.stat(f"/proc/{pid}/ns/net").st_ino
    for name in os.listdir("/var/run/netns"):
        if os.stat(os.path.join("/var/run/netns", name)).st_ino == inode:
            return name
    return None


def bridge_ports(bridge):
    return [line for line in ip("-o", "link", "show", "master", bridge).stdout.splitlines() if line.strip()]


def bridge_args(bridge, subnet):
    return ["--image", "hello=" + HELLO] + bridge_flags(bridge, subnet)


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "needs root and iproute2's ip")
class BridgeNetworkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bridge, subnet = new_bridge()
        cls.gateway = subnet + ".1"
        cls.out = tempfile.mkdtemp(prefix="trainyard-out-")
        cls.server = Server(extra_args=bridge_args(cls.bridge, subnet)).start()
        cls.sm = cls.server.boto3()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        remove_bridge(cls.bridge)
        shutil.rmtree(cls.out, ignore_errors=True)

    def wait(self, name, statuses=TERMINAL, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.sm.describe_training_job(TrainingJobName=name)
            if job["TrainingJobStatus"] in statuses or job["SecondaryStatus"] in statuses:
                return job
            time.sleep(0.1)
        self.fail(f"{name} did not reach {statuses} in {timeout}s: {job['SecondaryStatus']}")

    def wait_until(self, condition, what, timeout=30):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.fail(what)
            time.sleep(0.1)

    def execution(self, name):
        status, body, _ = self.server.raw(json.dumps({"TrainingJobName": name}).encode(),
                                          target="Trainyard.DescribeTrainingJobExecution")
        self.assertEqual(status, 200, body)
        return body

    def instance(self, name, host):
        return next(i for i in self.execution(name)["Instances"] if i["InstanceName"] == host)

    def test_two_instances_resolve_each_other_and_complete(self):
        request = job_request(
            "bridge-hello",
            AlgorithmSpecification={"TrainingImage": "hello", "TrainingInputMode": "File"},
            InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": "file://" + os.path.join(HELLO, "data", "train")}}}],
            OutputDataConfig={"S3OutputPath": "file://" + self.out},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 1})
        self.sm.create_training_job(**request)
        job = self.wait("bridge-hello")
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        addresses = {i["InstanceName"]: i.get("Address") for i in self.execution("bridge-hello")["Instances"]}
        prefix = self.gateway.rsplit(".", 1)[0] + "."
        self.assertTrue(all(a and a.startswith(prefix) for a in addresses.values()), addresses)
        self.assertEqual(len(set(addresses.values())), 2, addresses)
        expected = "".join(f"{addresses[h]}\t{h}\n" for h in ("algo-1", "algo-2"))
        for host in ("algo-1", "algo-2"):
            with open(os.path.join(self.server.state_dir, "instances", "bridge-hello", host, "hosts")) as f:
                self.assertTrue(f.read().endswith(expected), f"{host}'s /etc/hosts resolves both")
        self.wait_until(lambda: not bridge_ports(self.bridge), "the instances' links stay on the bridge")

    def test_cutting_one_instances_link_replaces_it_on_the_same_address(self):
        request = job_request("bridge-cut", AlgorithmSpecification={"TrainingImage": SLEEPER_IMAGE,
                                                                    "TrainingInputMode": "File"},
                              ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2,
                                              "VolumeSizeInGB": 1})
        self.sm.create_training_job(**request)
        self.wait("bridge-cut", statuses=("Training",) + TERMINAL)  # both agents registered and reported
        pid = agent_pid("bridge-cut", "algo-2")
        self.assertIsNotNone(pid)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            self.assertIn(f"\0--server\0http://{self.gateway}:".encode(), f.read(), "reports over the bridge")
        netns = netns_of(pid)
        self.assertIsNotNone(netns, "the agent runs in a namespace of its own")
        self.assertNotEqual(netns, netns_of(agent_pid("bridge-cut", "algo-1")))
        before = self.instance("bridge-cut", "algo-2")
        self.assertEqual(before["NetworkLink"], "ty" + netns[3:])

        self.assertEqual(ip("link", "set", before["NetworkLink"], "down").returncode, 0)
        cut = time.monotonic()
        self.wait_until(lambda: self.execution("bridge-cut")["Restarts"], "the cut instance was never noticed")
        noticed = time.monotonic() - cut
        restart = self.execution("bridge-cut")["Restarts"][0]
        self.assertIn("algo-2", restart["Replaced"], restart)
        self.assertLess(noticed, 6, "noticed within the heartbeat timeout (3 s) and a tick or two")
        self.wait_until(lambda: self.sm.describe_training_job(TrainingJobName="bridge-cut")["SecondaryStatus"]
                        == "Training", "training never resumed")
        after = self.instance("bridge-cut", "algo-2")
        self.assertEqual(after["Address"], before["Address"], "the replacement keeps algo-2's address")
        self.assertNotEqual(after["NetworkLink"], before["NetworkLink"])
        self.assertNotEqual(ip("link", "show", "dev", before["NetworkLink"]).returncode, 0, "the old link is gone")
        self.assertFalse(os.path.exists(os.path.join("/var/run/netns", netns)))

        self.sm.stop_training_job(TrainingJobName="bridge-cut")
        self.assertEqual(self.wait("bridge-cut")["TrainingJobStatus"], "Stopped")
        self.wait_until(lambda: not bridge_ports(self.bridge), "the instances' links stay on the bridge")


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("ip"), "needs root and iproute2's ip")
class BridgeServerRestartTest(unittest.TestCase):
    def test_running_job_survives_a_server_kill9(self):
        bridge, subnet = new_bridge()
        self.addCleanup(remove_bridge, bridge)
        server = Server(extra_args=bridge_args(bridge, subnet)).start()
        self.addCleanup(server.cleanup)
        sm = server.boto3()
        request = job_request("bridge-survivor", AlgorithmSpecification={"TrainingImage": "hello",
                                                                         "TrainingInputMode": "File"},
                              HyperParameters={"epochs": "20", "sleep-seconds": "0.1"},
                              ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2,
                                              "VolumeSizeInGB": 1})
        sm.create_training_job(**request)
        deadline = time.monotonic() + 60
        while sm.describe_training_job(TrainingJobName="bridge-survivor")["SecondaryStatus"] != "Training":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        links = {line.split(":")[1].strip().split("@")[0] for line in bridge_ports(bridge)}
        self.assertEqual(len(links), 2)
        server.kill9()
        # The same port and bridge: the agents report to the bridge's address again.
        restarted = Server(state_dir=server.state_dir, extra_args=bridge_args(bridge, subnet),
                           port=int(server.url.rsplit(":", 1)[1])).start()
        self.addCleanup(restarted.cleanup)
        job = wait_for_status(restarted.boto3(), "bridge-survivor", ("Completed", "Failed", "Stopped"), timeout=60)
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        self.assertIn("[algo-2] epoch=20", restarted.trainyard("logs", "bridge-survivor").stdout)
        deadline = time.monotonic() + 30
        while bridge_ports(bridge):
            self.assertLess(time.monotonic(), deadline, "the adopted instances' links stay on the bridge")
            time.sleep(0.1)


if __name__ == "__main__":
    unittest.main()
