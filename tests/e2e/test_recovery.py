"""End to end: health checks and automatic restarts, with real faults.

A two-instance `pytorch-ddp` job with checkpoints (file://) loses its training
process, its agent, or (as root, on bridged instances) its network link on
algo-2 after a checkpoint is durable; each time the job restarts once (the
cause named in a Restarting transition and in `trainyard jobs describe`),
resumes from the newest checkpoint, and ends with the weights of an
uninterrupted run. A check program that starts failing on one instance gets it
replaced. A program that exits 3 with a failure file fails the job without a
restart; more faults than --max-restarts fail it with the platform's reason;
a GPU instance type fails its preflight on this GPU-less machine."""

import os
import re
import shutil
import stat
import tempfile
import time
import unittest
import uuid

from faults import (DDP, bridge_flags, can_bridge, checkpoint_steps, ddp_request, describe_execution, instance,
                    kill_agent, kill_training, new_bridge, remove_bridge, set_link, wait_for)
from harness import Server, job_request, wait_for_status

STEPS = 1500
EVERY = 100
TERMINAL = {"Completed", "Failed", "Stopped"}


def write_script(path, body):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class RecoveryTest(unittest.TestCase):
    uninterrupted = None

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="trainyard-recovery-")
        cls.run_id = uuid.uuid4().hex[:8]
        # Fails on an instance once a file named after its instance id exists.
        cls.marks = os.path.join(cls.scratch, "marks")
        os.makedirs(cls.marks)
        cls.check = write_script(os.path.join(cls.scratch, "check.sh"),
                                 f'if [ -e "{cls.marks}/$TRAINYARD_INSTANCE_ID" ]; then\n'
                                 '  echo "marked bad by the test"; exit 1\nfi\nexit 0\n')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def start_server(self, *extra, network="host"):
        args = ["--image", "pytorch-ddp=" + DDP, "--health-check-program", self.check,
                "--health-check-interval-seconds", "1", "--restart-grace-seconds", "5"]
        if network == "bridge":  # a bridge of its own: one server per bridge
            bridge, subnet = new_bridge("tyrec")
            self.addCleanup(remove_bridge, bridge)
            args += bridge_flags(bridge, subnet)
        server = Server(extra_args=args + list(extra)).start()
        self.addCleanup(server.cleanup)
        return server

    def uninterrupted_digest(self):
        if RecoveryTest.uninterrupted is None:
            server = self.start_server()
            sm = server.boto3()
            sm.create_training_job(**ddp_request(job_request, "whole", None, STEPS, EVERY))
            job = wait_for_status(sm, "whole", TERMINAL, timeout=600)
            self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
            RecoveryTest.uninterrupted = self.final_digest(server, "whole")
        return RecoveryTest.uninterrupted

    def logs(self, server, name):
        proc = server.trainyard("logs", name)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def final_digest(self, server, name):
        digests = set(re.findall(r"final weights sha256=([0-9a-f]{64})", self.logs(server, name)))
        self.assertEqual(len(digests), 1, digests)
        return digests.pop()

    def start_job(self, server, name, step_delay_ms=4):
        """Starts a job and waits until its second checkpoint is durable. The steps are slowed down
        (the weights do not change): unslowed, the 1300 steps after that checkpoint can take under
        3 s on a quiet machine and end before a fault is injected and noticed (a cut link takes
        2.5 s), so the job would complete, or be lost while uploading, instead of restarting."""
        checkpoints = os.path.join(self.scratch, f"ckpt-{name}-{self.run_id}")
        sm = server.boto3()
        sm.create_training_job(**ddp_request(job_request, name, "file://" + checkpoints, STEPS, EVERY,
                                             step_delay_ms=step_delay_ms))
        wait_for(lambda: checkpoint_steps(checkpoints) and checkpoint_steps(checkpoints)[-1] >= 2 * EVERY, 300,
                 "a durable sync point with a second checkpoint")
        status = sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
        self.assertEqual(status, "InProgress", "the job ended before the fault")
        return sm

    def assert_one_restart(self, server, sm, name, kind, replaced):
        job = wait_for_status(sm, name, TERMINAL, timeout=600)
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        restarting = [t for t in job["SecondaryStatusTransitions"] if t["Status"] == "Restarting"]
        self.assertEqual(len(restarting), 1, job["SecondaryStatusTransitions"])
        self.assertIn("algo-2", restarting[0]["StatusMessage"])
        execution = describe_execution(server, name)["Trainyard"]
        self.assertEqual(len(execution["Restarts"]), 1, execution["Restarts"])
        restart = execution["Restarts"][0]
        self.assertEqual(restart["Kind"], kind)
        self.assertEqual(restart["Host"], "algo-2")
        self.assertEqual(restart["Replaced"], replaced)
        self.assertIn("TimeToResumeMs", restart)
        logs = self.logs(server, name)
        self.assertRegex(logs, r"resumed from checkpoint-\d+\.pt sha256=[0-9a-f]{64}")
        self.assertEqual(self.final_digest(server, name), self.uninterrupted_digest())
        text = server.trainyard("jobs", "describe", name).stdout
        self.assertIn("Automatic restarts:", text)
        self.assertIn("Restarts cost", text)
        return restart

    def test_killed_training_process_restarts_in_place_and_resumes(self):
        server = self.start_server()
        sm = self.start_job(server, "kill-process")
        kill_training("kill-process", "algo-2")
        self.assert_one_restart(server, sm, "kill-process", "ProcessExited", [])

    def test_killed_agent_is_replaced(self):
        server = self.start_server()
        sm = self.start_job(server, "kill-agent")
        first = instance(describe_execution(server, "kill-agent"), "algo-2")["InstanceId"]
        kill_agent("kill-agent", "algo-2")
        self.assert_one_restart(server, sm, "kill-agent", "AgentDied", ["algo-2"])
        self.assertNotEqual(instance(describe_execution(server, "kill-agent"), "algo-2")["InstanceId"], first)

    def test_failing_check_program_replaces_that_instance(self):
        server = self.start_server()
        sm = self.start_job(server, "bad-check")
        bad = instance(describe_execution(server, "bad-check"), "algo-2")["InstanceId"]
        open(os.path.join(self.marks, bad), "w").close()
        restart = self.assert_one_restart(server, sm, "bad-check", "HealthCheckFailed", ["algo-2"])
        self.assertIn("marked bad by the test", restart["Cause"])
        healthy = instance(describe_execution(server, "bad-check"), "algo-2")
        self.assertNotEqual(healthy["InstanceId"], bad)

    @unittest.skipUnless(can_bridge(), "needs root for network namespaces")
    def test_cut_network_link_is_noticed_within_3_s_and_replaced(self):
        server = self.start_server(network="bridge")
        sm = self.start_job(server, "cut-link")
        link = instance(describe_execution(server, "cut-link"), "algo-2")["NetworkLink"]
        cut_at = set_link(link, up=False)
        restart = self.assert_one_restart(server, sm, "cut-link", "HeartbeatLost", ["algo-2"])
        self.assertLess(restart["FaultTime"] - cut_at, 3.0, restart)

    def test_user_error_fails_without_restart(self):
        image = os.path.join(self.scratch, "fails")
        os.makedirs(image, exist_ok=True)
        write_script(os.path.join(image, "train"),
                     'printf "ValueError: bad row 17" > "$SM_OUTPUT_DIR/failure"\n'
                     "exit 3\n")
        server = self.start_server()
        sm = server.boto3()
        request = job_request("user-error", ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2,
                                                            "VolumeSizeInGB": 1})
        request["AlgorithmSpecification"]["TrainingImage"] = image
        sm.create_training_job(**request)
        job = wait_for_status(sm, "user-error", TERMINAL, timeout=120)
        self.assertEqual(job["TrainingJobStatus"], "Failed")
        self.assertEqual(job["FailureReason"], "AlgorithmError: ValueError: bad row 17")
        self.assertFalse([t for t in job["SecondaryStatusTransitions"] if t["Status"] == "Restarting"])

    def test_more_faults_than_the_limit_fail_with_the_platform_reason(self):
        always_bad = write_script(os.path.join(self.scratch, "algo2-bad.sh"),
                                  'if [ "$SM_CURRENT_HOST" = algo-2 ]; then echo "algo-2 is cursed"; exit 1; fi\n')
        server = Server(extra_args=["--health-check-program", always_bad, "--max-restarts", "2"]).start()
        self.addCleanup(server.cleanup)
        sm = server.boto3()
        sm.create_training_job(**job_request("limit", ResourceConfig={"InstanceType": "ml.m5.xlarge",
                                                                      "InstanceCount": 2, "VolumeSizeInGB": 1}))
        job = wait_for_status(sm, "limit", TERMINAL, timeout=120)
        self.assertEqual(job["TrainingJobStatus"], "Failed")
        self.assertRegex(job["FailureReason"],
                         r"^InternalServerError: algo-2 failed a health check: preflight program .*algo2-bad.sh: "
                         r"exited 1: algo-2 is cursed; gave up after 2 automatic restarts$")
        restarting = [t for t in job["SecondaryStatusTransitions"] if t["Status"] == "Restarting"]
        self.assertEqual(len(restarting), 2)

    def test_gpu_type_fails_preflight_on_a_host_without_gpus(self):
        server = Server().start()
        self.addCleanup(server.cleanup)
        sm = server.boto3()
        sm.create_training_job(**job_request("gpu", ResourceConfig={"InstanceType": "ml.p3.2xlarge",
                                                                    "InstanceCount": 2, "VolumeSizeInGB": 1}))
        job = wait_for_status(sm, "gpu", TERMINAL, timeout=120)
        self.assertEqual(job["TrainingJobStatus"], "Failed")
        self.assertRegex(job["FailureReason"],
                         r"^InternalServerError: every instance failed the same preflight gpu: ml.p3.2xlarge "
                         r"promises 1 GPU")
        # The same machine passes the check for a CPU type.
        sm.create_training_job(**job_request("cpu"))
        job = wait_for_status(sm, "cpu", TERMINAL, timeout=120)
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        health = instance(describe_execution(server, "cpu"), "algo-1")["Health"]
        gpu = [o for o in health["Outcomes"] if o["Check"] == "gpu"]
        self.assertEqual(gpu[0]["State"], "healthy", gpu)


if __name__ == "__main__":
    unittest.main()
