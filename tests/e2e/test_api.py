"""End to end: the real AWS CLI, boto3 and raw signed requests against a real
`trainyard server`, as a SageMaker user would drive it."""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import boto3
import botocore.exceptions

import harness

from harness import Server, job_request, sleeper_request, wait_for_status


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.sm = cls.server.boto3()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def error_code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            call(**kwargs)
        return ctx.exception.response["Error"]["Code"], ctx.exception.response["Error"]["Message"]

    # --- the AWS CLI -------------------------------------------------------

    def test_cli_create_describe_stop_with_cli_input_json(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(sleeper_request("cli-job"), f)
        rc, out, err = self.server.aws("create-training-job", "--cli-input-json", "file://" + f.name)
        os.unlink(f.name)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["TrainingJobArn"],
                         "arn:aws:sagemaker:us-east-1:000000000000:training-job/cli-job")
        rc, job, err = self.server.aws("describe-training-job", "--training-job-name", "cli-job")
        self.assertEqual(rc, 0, err)
        self.assertEqual(job["TrainingJobStatus"], "InProgress")
        self.assertEqual(job["StoppingCondition"], {"MaxRuntimeInSeconds": 3600})
        self.assertEqual(job["HyperParameters"], {"epochs": "3", "lr": "0.01"})
        self.assertIsInstance(job["CreationTime"], (int, float))
        self.assertEqual(job["SecondaryStatusTransitions"][0]["Status"], "Starting")
        rc, _, err = self.server.aws("stop-training-job", "--training-job-name", "cli-job")
        self.assertEqual(rc, 0, err)
        wait_for_status(self.sm, "cli-job", ("Stopped",))
        rc, job, _ = self.server.aws("describe-training-job", "--training-job-name", "cli-job")
        self.assertEqual(job["TrainingJobStatus"], "Stopped")
        rc, _, err = self.server.aws("stop-training-job", "--training-job-name", "cli-job")
        self.assertNotEqual(rc, 0)
        self.assertIn("The request was rejected because the training job is in status Stopped.", err)

    def test_cli_paginates_with_max_items_and_page_size(self):
        names = [f"page-job-{i}" for i in range(7)]
        for name in names:
            self.sm.create_training_job(**job_request(name))
        rc, out, err = self.server.aws("list-training-jobs", "--name-contains", "page-job",
                                       "--page-size", "2", "--sort-order", "Ascending")
        self.assertEqual(rc, 0, err)
        self.assertEqual([s["TrainingJobName"] for s in out["TrainingJobSummaries"]], names)
        rc, out, err = self.server.aws("list-training-jobs", "--name-contains", "page-job",
                                       "--page-size", "2", "--max-items", "3", "--sort-order", "Ascending")
        self.assertEqual(rc, 0, err)
        self.assertEqual([s["TrainingJobName"] for s in out["TrainingJobSummaries"]], names[:3])
        self.assertIn("NextToken", out)
        rc, out, err = self.server.aws("list-training-jobs", "--name-contains", "page-job",
                                       "--page-size", "2", "--sort-order", "Ascending",
                                       "--starting-token", out["NextToken"])
        self.assertEqual(rc, 0, err)
        self.assertEqual([s["TrainingJobName"] for s in out["TrainingJobSummaries"]], names[3:])

    def test_cli_tags(self):
        self.sm.create_training_job(**job_request("tagged-job"))
        arn = self.sm.describe_training_job(TrainingJobName="tagged-job")["TrainingJobArn"]
        rc, _, err = self.server.aws("add-tags", "--resource-arn", arn, "--tags", "Key=stage,Value=dev")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.server.aws("list-tags", "--resource-arn", arn)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["Tags"], [{"Key": "stage", "Value": "dev"}, {"Key": "team", "Value": "ml"}])
        rc, _, err = self.server.aws("delete-tags", "--resource-arn", arn, "--tag-keys", "team")
        self.assertEqual(rc, 0, err)
        rc, out, _ = self.server.aws("list-tags", "--resource-arn", arn)
        self.assertEqual(out["Tags"], [{"Key": "stage", "Value": "dev"}])

    def test_cli_wrong_secret_is_refused(self):
        rc, _, err = self.server.aws("list-training-jobs", secret="not-the-secret")
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidSignatureException", err)

    # --- boto3 ---------------------------------------------------------------

    def test_boto3_lifecycle_and_filters(self):
        self.sm.create_training_job(**sleeper_request("boto-a"))
        self.sm.create_training_job(**sleeper_request("boto-b"))
        self.sm.stop_training_job(TrainingJobName="boto-b")
        wait_for_status(self.sm, "boto-b", ("Stopped",))
        stopped = self.sm.list_training_jobs(NameContains="boto-", StatusEquals="Stopped")
        self.assertEqual([s["TrainingJobName"] for s in stopped["TrainingJobSummaries"]], ["boto-b"])
        self.assertIn("TrainingEndTime", stopped["TrainingJobSummaries"][0])
        by_name = self.sm.list_training_jobs(NameContains="BOTO-", SortBy="Name", SortOrder="Descending")
        self.assertEqual([s["TrainingJobName"] for s in by_name["TrainingJobSummaries"]], ["boto-b", "boto-a"])
        job = self.sm.describe_training_job(TrainingJobName="boto-a")
        # botocore sends whole epoch seconds, so step a second past the job's time.
        later = job["CreationTime"] + datetime.timedelta(seconds=1)
        after = self.sm.list_training_jobs(NameContains="boto-", CreationTimeAfter=later)
        self.assertNotIn("boto-a", [s["TrainingJobName"] for s in after["TrainingJobSummaries"]])
        before = self.sm.list_training_jobs(NameContains="boto-", CreationTimeBefore=later)
        self.assertIn("boto-a", [s["TrainingJobName"] for s in before["TrainingJobSummaries"]])
        updated = self.sm.update_training_job(TrainingJobName="boto-a",
                                              ResourceConfig={"KeepAlivePeriodInSeconds": 600})
        self.assertEqual(updated["TrainingJobArn"], job["TrainingJobArn"])
        job = self.sm.describe_training_job(TrainingJobName="boto-a")
        self.assertEqual(job["ResourceConfig"]["KeepAlivePeriodInSeconds"], 600)
        self.assertIn("x-amzn-requestid", {k.lower() for k in job["ResponseMetadata"]["HTTPHeaders"]})
        self.sm.stop_training_job(TrainingJobName="boto-a")

    def test_boto3_paginator_sees_every_job_once(self):
        for i in range(5):
            self.sm.create_training_job(**job_request(f"paged-{i}"))
        pages = self.sm.get_paginator("list_training_jobs").paginate(
            NameContains="paged-", PaginationConfig={"PageSize": 2})
        names = [s["TrainingJobName"] for p in pages for s in p["TrainingJobSummaries"]]
        self.assertEqual(sorted(names), [f"paged-{i}" for i in range(5)])

    def test_errors_have_sagemaker_codes(self):
        self.sm.create_training_job(**job_request("dup-job"))
        code, message = self.error_code(self.sm.create_training_job, **job_request("DUP-job"))
        self.assertEqual(code, "ResourceInUse")
        self.assertIn("a training job with this name already exists", message)
        code, message = self.error_code(self.sm.describe_training_job, TrainingJobName="no-such-job")
        self.assertEqual((code, message), ("ValidationException", "Requested resource not found."))
        code, _ = self.error_code(self.sm.stop_training_job, TrainingJobName="no-such-job")
        self.assertEqual(code, "ValidationException")
        code, message = self.error_code(self.sm.create_training_job, **job_request("bad_name"))
        self.assertEqual(code, "ValidationException")
        self.assertTrue(message.startswith("1 validation error detected: Value 'bad_name' at 'trainingJobName'"),
                        message)
        code, message = self.error_code(self.sm.list_tags,
                                        ResourceArn="arn:aws:sagemaker:us-east-1:000000000000:training-job/nope")
        self.assertEqual((code, message), ("ValidationException", "Resource does not exist"))

    def test_wrong_secret_and_unknown_key(self):
        code, _ = self.error_code(self.server.boto3(secret="wrong").list_training_jobs)
        self.assertEqual(code, "InvalidSignatureException")

    # --- malformed requests ------------------------------------------------

    def test_malformed_requests_get_aws_errors_and_server_survives(self):
        cases = [
            (b"{not json", {}, 400, "SerializationException"),
            (b'{"TrainingJobName": "\xff\xfe"}', {}, 400, "SerializationException"),
            (b"[" * 10000 + b"]" * 10000, {}, 400, "SerializationException"),
            (b'{"TrainingJobName": 5}', {}, 400, "SerializationException"),
            (b'{"TrainingJobName": "x"}', {"target": "SageMaker.NoSuchOperation"}, 400,
             "UnknownOperationException"),
            (b'{"TrainingJobName": "x"}', {"target": None}, 400, "UnknownOperationException"),
            (b'{"TrainingJobName": "x"}', {"content_type": "text/plain"}, 400, "SerializationException"),
            (b'{"TrainingJobName": "x"}', {"sign": False}, 403, "MissingAuthenticationTokenException"),
            (b'{"TrainingJobName": "' + b"a" * (2 << 20) + b'"}', {}, 413, None),
            (b'{"TrainingJobName": "x"}', {"extra_headers": {"Authorization": "AWS4-HMAC-SHA256 garbage"},
                                            "sign": False}, 400, "IncompleteSignatureException"),
        ]
        for body, kwargs, status, error_type in cases:
            with self.subTest(body=body[:40], **{k: str(v) for k, v in kwargs.items()}):
                got_status, payload, headers = self.server.raw(body, **kwargs)
                self.assertEqual(got_status, status, payload)
                if error_type:
                    self.assertEqual(payload["__type"], error_type)
                    self.assertTrue(payload.get("message") or payload.get("Message"))
                self.assertIn("x-amzn-requestid", {k.lower() for k in headers})
        status, payload, _ = self.server.raw(b'{"TrainingJobName": "no-such-job"}')
        self.assertEqual((status, payload["__type"]), (400, "ValidationException"))


class DurabilityTest(unittest.TestCase):
    def test_kill9_loses_no_acknowledged_job(self):
        server = Server().start()
        try:
            sm = server.boto3()
            for i in range(20):
                make = sleeper_request if i == 3 else job_request
                sm.create_training_job(**make(f"durable-{i}"))
            sm.stop_training_job(TrainingJobName="durable-3")
            server.kill9()
            # Same address: the agents of running jobs call back where they were told.
            restarted = Server(state_dir=server.state_dir, port=int(server.url.rsplit(":", 1)[1])).start()
            try:
                sm = restarted.boto3()
                pages = sm.get_paginator("list_training_jobs").paginate(NameContains="durable-")
                names = {s["TrainingJobName"] for p in pages for s in p["TrainingJobSummaries"]}
                self.assertEqual(names, {f"durable-{i}" for i in range(20)})
                # The stop was recorded; the restarted server carries it out.
                job = wait_for_status(sm, "durable-3", ("Stopped",))
                self.assertEqual(job["TrainingJobStatus"], "Stopped", job.get("FailureReason"))
                arn = job["TrainingJobArn"]
                self.assertEqual(sm.list_tags(ResourceArn=arn)["Tags"], [{"Key": "team", "Value": "ml"}])
            finally:
                restarted.cleanup()
        finally:
            server.cleanup()


class TlsTest(unittest.TestCase):
    def test_https_with_a_certificate_the_clients_trust(self):
        tmp = tempfile.mkdtemp(prefix="trainyard-tls-")
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        server = Server(extra_args=["--tls-cert", cert, "--tls-key", key]).start()
        try:
            self.assertTrue(server.url.startswith("https://"), server.url)
            sm = boto3.client("sagemaker", endpoint_url=server.url, region_name="us-east-1", verify=cert,
                              aws_access_key_id=harness.ACCESS_KEY, aws_secret_access_key=harness.SECRET_KEY)
            sm.create_training_job(**job_request("tls-job"))
            self.assertEqual(sm.describe_training_job(TrainingJobName="tls-job")["TrainingJobName"], "tls-job")
            env = dict(server.client_env(), AWS_CA_BUNDLE=cert)
            out = subprocess.run([harness.BIN, "jobs", "list", "--endpoint-url", server.url],
                                 capture_output=True, text=True, env=env)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("tls-job", out.stdout)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class TrainyardCliTest(unittest.TestCase):
    def test_jobs_and_tags_commands(self):
        server = Server().start()
        try:
            server.boto3().create_training_job(**sleeper_request("cli-tool-job"))
            out = server.trainyard("jobs", "list")
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertRegex(out.stdout, r"cli-tool-job\s+InProgress\s+(Starting|Downloading|Training)")
            out = server.trainyard("jobs", "describe", "cli-tool-job", "--json")
            self.assertEqual(json.loads(out.stdout)["TrainingJobName"], "cli-tool-job")
            out = server.trainyard("tags", "add", "cli-tool-job", "owner=me")
            self.assertEqual(out.returncode, 0, out.stderr)
            out = server.trainyard("tags", "list", "cli-tool-job")
            self.assertRegex(out.stdout, r"owner\s+me")
            out = server.trainyard("jobs", "stop", "cli-tool-job")
            self.assertEqual(out.returncode, 0, out.stderr)
            wait_for_status(server.boto3(), "cli-tool-job", ("Stopped",))
            out = server.trainyard("jobs", "describe", "cli-tool-job")
            self.assertIn("Stopped / Stopped", out.stdout)
            out = server.trainyard("jobs", "describe", "missing-job")
            self.assertEqual(out.returncode, 1)
            self.assertIn("ValidationException: Requested resource not found.", out.stderr)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
