"""End to end: `trainyard run`, the embedded mode, as the README tells a new
user to use it, and a running job surviving a server restart."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Server, job_request, wait_for_status

REPO = os.environ.get("TRAINYARD_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class RunCommandTest(unittest.TestCase):
    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="trainyard-run-")
        self.out = tempfile.mkdtemp(prefix="trainyard-run-out-")
        self.checkpoints = tempfile.mkdtemp(prefix="trainyard-run-ckpt-")

    def tearDown(self):
        for d in (self.state, self.out, self.checkpoints):
            shutil.rmtree(d, ignore_errors=True)

    def run_trainyard(self, *args):
        """`trainyard run` with this test's own state and checkpoint folders (the
        examples' job files name a shared one under /tmp, where they resume)."""
        return subprocess.run([BIN, "run", *args, "--state-dir", self.state,
                               "--checkpoint-s3-uri", self.checkpoints], cwd=REPO,
                              capture_output=True, text=True, timeout=300)

    def test_job_file_runs_to_completion_and_says_where_the_model_is(self):
        proc = self.run_trainyard("examples/hello/job.json", "--output-path", "file://" + self.out)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("[algo-1] epoch=5 loss=", proc.stdout)
        self.assertIn("Training job hello-example: Completed", proc.stdout)
        self.assertIn(f"Model:       file://{self.out}/hello-example/output/model.tar.gz", proc.stdout)
        self.assertTrue(os.path.exists(f"{self.out}/hello-example/output/model.tar.gz"))
        again = self.run_trainyard("examples/hello/job.json", "--output-path", "file://" + self.out)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("A job named hello-example exists already; running this one as hello-example-", again.stderr)
        self.assertIn("[algo-1] resumed from checkpoint epoch=5", again.stdout)
        self.assertIn(f"Checkpoints: file://{self.checkpoints} ", again.stdout)

    def test_estimator_flags_in_script_mode_on_two_instances(self):
        proc = self.run_trainyard("--entry-point", "train.py", "--source-dir", "examples/hello",
                                  "--instance-count", "2", "--hyperparameters", "epochs=2,lr=0.5",
                                  "--metric", "loss=loss=([0-9.]+)", "--output-path", "file://" + self.out)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("[algo-2] epoch=2", proc.stdout)
        self.assertIn("lr=0.5", proc.stdout)

    def test_failing_job_exits_non_zero_with_the_reason(self):
        proc = self.run_trainyard("examples/hello/job.json", "--name", "hello-fails", "--hyperparameters",
                                  "fail-with-code=4", "--output-path", "file://" + self.out)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("Training job hello-fails: Failed", proc.stdout)
        self.assertIn("Failure reason: AlgorithmError: ", proc.stdout)

    def test_bad_job_file_is_a_clear_error(self):
        proc = self.run_trainyard("no/such/job.json")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("cannot read job file no/such/job.json", proc.stderr)


class ServerRestartTest(unittest.TestCase):
    def test_running_job_survives_a_server_kill9(self):
        hello = os.path.join(REPO, "examples", "hello")
        server = Server(extra_args=["--image", "hello=" + hello]).start()
        try:
            sm = server.boto3()
            request = job_request("survivor", AlgorithmSpecification={"TrainingImage": "hello",
                                                                      "TrainingInputMode": "File"},
                                  HyperParameters={"epochs": "30", "sleep-seconds": "0.1"})
            sm.create_training_job(**request)
            wait_for_status(sm, "survivor", ("InProgress",))
            deadline = time.monotonic() + 60
            while sm.describe_training_job(TrainingJobName="survivor")["SecondaryStatus"] != "Training":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            server.kill9()
            restarted = Server(state_dir=server.state_dir, extra_args=["--image", "hello=" + hello],
                               port=int(server.url.rsplit(":", 1)[1])).start()
            try:
                job = wait_for_status(restarted.boto3(), "survivor", ("Completed", "Failed", "Stopped"), timeout=120)
                self.assertEqual(job["TrainingJobStatus"], "Completed", job.get("FailureReason"))
                logs = restarted.trainyard("logs", "survivor").stdout
                self.assertIn("[algo-1] epoch=30", logs)
            finally:
                restarted.cleanup()
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
