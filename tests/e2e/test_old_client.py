"""An old client: Debian's botocore 1.29 (run with /usr/bin/python3) always
sends AlgorithmSpecification, ResourceConfig (with VolumeSizeInGB) and
StoppingCondition, and knows nothing of newer members. It must work unchanged."""

import unittest

import botocore

from harness import Server, sleeper_request


class OldClientTest(unittest.TestCase):
    def test_botocore_1_29_creates_and_describes(self):
        self.assertTrue(botocore.__version__.startswith("1.29"), botocore.__version__)
        server = Server().start()
        try:
            sm = server.boto3()
            sm.create_training_job(**sleeper_request("old-client-job"))
            job = sm.describe_training_job(TrainingJobName="old-client-job")
            self.assertEqual(job["TrainingJobStatus"], "InProgress")
            self.assertEqual(job["ResourceConfig"]["VolumeSizeInGB"], 10)
            waiter_like = sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
            self.assertEqual([s["TrainingJobName"] for s in waiter_like], ["old-client-job"])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
