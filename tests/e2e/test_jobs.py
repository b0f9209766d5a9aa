"""End to end: real training jobs on local instances, driven with boto3 and the
AWS CLI as on SageMaker. The server runs the real agents; the programs are the
examples in examples/."""

import io
import json
import os
import tarfile
import tempfile
import time
import unittest

from harness import Server, job_request, wait_for_status

REPO = os.environ.get("TRAINYARD_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HELLO = os.path.join(REPO, "examples", "hello")
DDP = os.path.join(REPO, "examples", "pytorch-ddp")
TERMINAL = ("Completed", "Failed", "Stopped")


class JobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="trainyard-out-")
        cls.server = Server(extra_args=["--image", "hello=" + HELLO]).start()
        cls.sm = cls.server.boto3()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def hello_job(self, name, count=1, **hyperparameters):
        hps = {"epochs": "3", "lr": "0.1"}
        hps.update({k: str(v) for k, v in hyperparameters.items()})
        return job_request(
            name,
            AlgorithmSpecification={"TrainingImage": "hello", "TrainingInputMode": "File",
                                    "MetricDefinitions": [{"Name": "train:loss", "Regex": "loss=([0-9.]+)"},
                                                          {"Name": "train:accuracy", "Regex": "accuracy=([0-9.]+)"}]},
            HyperParameters=hps,
            InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": "file://" + os.path.join(HELLO, "data", "train")}}}],
            OutputDataConfig={"S3OutputPath": "file://" + self.out},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": count, "VolumeSizeInGB": 1})

    def wait(self, name, timeout=120):
        """Polls like the SDK's waiter (every 0.2 s here) until a terminal status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.sm.describe_training_job(TrainingJobName=name)
            if job["TrainingJobStatus"] in TERMINAL:
                return job
            time.sleep(0.2)
        self.fail(f"{name} did not finish in {timeout}s: {job['SecondaryStatus']}")

    def wait_for(self, name, secondary, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.sm.describe_training_job(TrainingJobName=name)
            if job["SecondaryStatus"] == secondary:
                return job
            time.sleep(0.1)
        self.fail(f"{name} never reached {secondary}")

    def test_two_instance_hello_completes_with_the_whole_shape(self):
        self.sm.create_training_job(**self.hello_job("hello-two", count=2))
        job = self.wait("hello-two")
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        statuses = [t["Status"] for t in job["SecondaryStatusTransitions"]]
        self.assertEqual(statuses, ["Starting", "Downloading", "Training", "Uploading", "Completed"])
        for t in job["SecondaryStatusTransitions"]:
            self.assertTrue(t["StatusMessage"])
            self.assertIn("EndTime", t)
        self.assertLessEqual(job["CreationTime"], job["TrainingStartTime"])
        self.assertLessEqual(job["TrainingStartTime"], job["TrainingEndTime"])
        self.assertGreaterEqual(job["TrainingTimeInSeconds"], 1)
        self.assertGreaterEqual(job["BillableTimeInSeconds"], job["TrainingTimeInSeconds"])
        metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
        self.assertEqual(set(metrics), {"train:loss", "train:accuracy"})
        model = job["ModelArtifacts"]["S3ModelArtifacts"]
        self.assertEqual(model, "file://" + os.path.join(self.out, "hello-two", "output", "model.tar.gz"))
        with tarfile.open(model[len("file://"):]) as tar:
            self.assertIn("model.json", tar.getnames())
        with tarfile.open(os.path.join(self.out, "hello-two", "output", "output.tar.gz")) as tar:
            self.assertTrue(any(n.startswith("summary") for n in tar.getnames()), tar.getnames())
        logs = self.server.trainyard("logs", "hello-two", "--instance", "algo-2")
        self.assertEqual(logs.returncode, 0, logs.stderr)
        self.assertIn("[algo-2] epoch=3", logs.stdout)
        self.assertNotIn("[algo-1]", logs.stdout)

    def test_failing_program_fails_the_job_with_its_failure_file(self):
        self.sm.create_training_job(**self.hello_job("hello-fails", count=2, **{"fail-with-code": 3}))
        job = self.wait("hello-fails")
        self.assertEqual(job["TrainingJobStatus"], "Failed")
        self.assertEqual(job["SecondaryStatus"], "Failed")
        self.assertTrue(job["FailureReason"].startswith("AlgorithmError: "), job["FailureReason"])
        self.assertLessEqual(len(job["FailureReason"]), 1024)

    def test_stop_ends_stopped_and_uploads_the_model(self):
        self.sm.create_training_job(**self.hello_job("hello-stop", epochs=1000, **{"sleep-seconds": "0.05"}))
        self.wait_for("hello-stop", "Training")
        rc, _, err = self.server.aws("stop-training-job", "--training-job-name", "hello-stop")
        self.assertEqual(rc, 0, err)
        job = self.wait("hello-stop")
        self.assertEqual((job["TrainingJobStatus"], job["SecondaryStatus"]), ("Stopped", "Stopped"))
        self.assertIn("Stopping", [t["Status"] for t in job["SecondaryStatusTransitions"]])
        self.assertTrue(os.path.exists(job["ModelArtifacts"]["S3ModelArtifacts"][len("file://"):]))

    def test_max_runtime_ends_max_runtime_exceeded(self):
        request = self.hello_job("hello-timeout", epochs=100000, **{"sleep-seconds": "0.05"})
        request["StoppingCondition"] = {"MaxRuntimeInSeconds": 2}
        self.sm.create_training_job(**request)
        job = self.wait("hello-timeout")
        self.assertEqual((job["TrainingJobStatus"], job["SecondaryStatus"]), ("Stopped", "MaxRuntimeExceeded"))

    def test_bad_image_is_a_client_error(self):
        request = self.hello_job("bad-image")
        request["AlgorithmSpecification"]["TrainingImage"] = "/nonexistent/image"
        self.sm.create_training_job(**request)
        job = self.wait("bad-image")
        self.assertEqual(job["TrainingJobStatus"], "Failed")
        self.assertTrue(job["FailureReason"].startswith("ClientError: "), job["FailureReason"])
        self.assertNotIn("ClientError: ClientError", job["FailureReason"])
        self.assertIn("/nonexistent/image", job["FailureReason"])

    def test_shell_metacharacters_reach_the_program_verbatim(self):
        tricky = "$(touch /tmp/pwned); `id` ../../etc \"quoted\" 'single'\nnext line"
        request = self.hello_job("verbatim-args")
        request["AlgorithmSpecification"]["ContainerEntrypoint"] = ["/usr/bin/env"]
        # Arguments may not hold newlines (the model's pattern is Java's ".*").
        request["AlgorithmSpecification"]["ContainerArguments"] = ["printf", "<%s|%s>", tricky.split("\n")[0],
                                                                   "$TRICKY"]
        request["Environment"] = {"TRICKY": tricky}
        self.sm.create_training_job(**request)
        request = self.hello_job("verbatim-env")
        request["AlgorithmSpecification"]["ContainerEntrypoint"] = ["/usr/bin/printenv", "TRICKY"]
        request["Environment"] = {"TRICKY": tricky}
        self.sm.create_training_job(**request)
        for name in ("verbatim-args", "verbatim-env"):
            job = self.wait(name)
            self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        args = self.server.trainyard("logs", "verbatim-args").stdout
        self.assertIn("[algo-1] <$(touch /tmp/pwned); `id` ../../etc \"quoted\" 'single'|$TRICKY>", args)
        env = self.server.trainyard("logs", "verbatim-env").stdout
        self.assertIn("[algo-1] $(touch /tmp/pwned); `id` ../../etc \"quoted\" 'single'\n[algo-1] next line", env)
        self.assertFalse(os.path.exists("/tmp/pwned"))

    def test_flooding_program_is_bounded_and_says_so(self):
        server = Server(extra_args=["--max-log-mib", "1"]).start()
        try:
            sm = server.boto3()
            request = job_request("flood")
            request["AlgorithmSpecification"]["ContainerEntrypoint"] = ["/usr/bin/yes", "x" * 200]
            request["StoppingCondition"] = {"MaxRuntimeInSeconds": 4}
            sm.create_training_job(**request)
            job = wait_for_status(sm, "flood", TERMINAL, timeout=120)
            self.assertEqual((job["TrainingJobStatus"], job["SecondaryStatus"]), ("Stopped", "MaxRuntimeExceeded"))
            logs = server.trainyard("logs", "flood").stdout
            self.assertLess(len(logs), 3 << 20)
            self.assertIn("log storage limit of 1 MiB reached", logs)
            with open(f"/proc/{server.proc.pid}/status") as f:
                rss_kb = int(next(l for l in f if l.startswith("VmHWM:")).split()[1])
            self.assertLess(rss_kb, 200 * 1024, "the server's peak memory stays bounded")
        finally:
            server.cleanup()

    def test_pytorch_ddp_on_two_instances(self):
        request = job_request(
            "ddp-two",
            AlgorithmSpecification={"TrainingImage": DDP, "TrainingInputMode": "File",
                                    "MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]},
            HyperParameters={"steps": "100", "checkpoint-every": "20"},
            OutputDataConfig={"S3OutputPath": "file://" + self.out},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 1})
        self.sm.create_training_job(**request)
        job = self.wait("ddp-two", timeout=240)
        self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
        logs = self.server.trainyard("logs", "ddp-two").stdout
        digests = {line.split("sha256=")[1] for line in logs.splitlines() if "final weights sha256=" in line}
        self.assertEqual(len(digests), 1, logs[-2000:])


if __name__ == "__main__":
    unittest.main()
