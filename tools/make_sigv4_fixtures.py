#!/usr/bin/env python3
"""Writes tests/data/sigv4_botocore.json: requests signed by botocore's SigV4Auth.

The C++ SigV4 verifier (src/api/sigv4.cc) must accept every request in the file
as it would arrive on the wire, and reject it once a signed byte changes. Run
with a python3 that has botocore:

    python3 tools/make_sigv4_fixtures.py            # rewrites the JSON
    python3 tools/make_sigv4_fixtures.py --check    # fails if the JSON is stale

The signing time is fixed (botocore's clock is patched), so the output is
deterministic for a given botocore version.
"""

import argparse
import datetime
import hashlib
import json
import pathlib
import sys
from unittest import mock

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNING_TIME = datetime.datetime(2026, 11, 27, 17, 38, 59)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AKID = "AKIDEXAMPLE"
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "sigv4_botocore.json"

# Headers that the HTTP client adds after signing (never signed by botocore).
WIRE_EXTRAS = [
    ("User-Agent", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.11"),
    ("Accept-Encoding", "identity"),
    ("amz-sdk-invocation-id", "2d6f5a0c-36b6-4bd4-9f1a-2f1f0c3a7d10"),
    ("amz-sdk-request", "attempt=1; max=5"),
]


def json_target(target):
    return {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "SageMaker." + target,
    }


CASES = [
    {
        "name": "describe_training_job",
        "url": "http://127.0.0.1:18080/",
        "headers": json_target("DescribeTrainingJob"),
        "body": '{"TrainingJobName": "x"}',
    },
    {
        "name": "create_training_job",
        "url": "http://127.0.0.1:18080/",
        "headers": json_target("CreateTrainingJob"),
        "body": json.dumps({
            "TrainingJobName": "mnist-2026-11-27",
            "AlgorithmSpecification": {"TrainingImage": "local/pytorch:2.1", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/trainyard",
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "HyperParameters": {"epochs": "3", "lr": "0.01"},
        }),
    },
    {
        "name": "list_training_jobs_empty_object",
        "url": "http://localhost:8080/",
        "headers": json_target("ListTrainingJobs"),
        "body": "{}",
    },
    {
        "name": "session_token",
        "url": "http://127.0.0.1:18080/",
        "headers": json_target("StopTrainingJob"),
        "body": '{"TrainingJobName": "with-token"}',
        "token": "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token/with+slashes==",
    },
    {
        "name": "unicode_body",
        "url": "http://127.0.0.1:18080/",
        "headers": json_target("AddTags"),
        "body": json.dumps({"ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x",
                            "Tags": [{"Key": "note", "Value": "h\u00e9llo \u2713 \u65e5\u672c\u8a9e \U0001F680"}]},
                           ensure_ascii=False),
    },
    {
        "name": "header_with_internal_whitespace",
        "url": "http://127.0.0.1:18080/",
        "headers": {**json_target("DescribeTrainingJob"),
                    "X-Trainyard-Note": "  several   spaces\tand\t\ttabs  inside  "},
        "body": '{"TrainingJobName": "ws"}',
    },
    {
        "name": "repeated_header",
        "url": "http://127.0.0.1:18080/",
        "headers": json_target("DescribeTrainingJob"),
        "repeated": [("X-Trainyard-Multi", "first"), ("X-Trainyard-Multi", "  second   value ")],
        "body": '{"TrainingJobName": "multi"}',
    },
    {
        "name": "other_region",
        "url": "https://sagemaker.trainyard.internal/",
        "headers": json_target("ListTrainingJobs"),
        "body": '{"MaxResults": 10}',
        "region": "eu-west-1",
    },
    {
        "name": "date_header_instead_of_x_amz_date",
        "url": "http://127.0.0.1:18080/",
        "headers": {**json_target("DescribeTrainingJob"), "Date": "placeholder, botocore rewrites it"},
        "body": '{"TrainingJobName": "dated"}',
    },
    {
        "name": "content_sha256_header",
        "url": "http://127.0.0.1:18080/",
        "headers": {**json_target("DescribeTrainingJob"),
                    "X-Amz-Content-SHA256": hashlib.sha256(b'{"TrainingJobName": "hashed"}').hexdigest()},
        "body": '{"TrainingJobName": "hashed"}',
    },
    {
        "name": "path_and_query_normalisation",
        "url": "http://127.0.0.1:18080/a/./b//c/../d%20e~f?b=2&a=1&a=0&c=x%2Fy",
        "method": "GET",
        "headers": {},
        "body": "",
    },
]


def sign(case):
    region = case.get("region", "us-east-1")
    token = case.get("token")
    body = case["body"].encode("utf-8")
    request = AWSRequest(method=case.get("method", "POST"), url=case["url"], data=body,
                         headers=dict(case["headers"]))
    for name, value in case.get("repeated", []):
        request.headers[name] = value  # HTTPHeaders appends: the name repeats
    credentials = Credentials(AKID, SECRET, token)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=SIGNING_TIME):
        botocore.auth.SigV4Auth(credentials, "sagemaker", region).add_auth(request)

    split = botocore.compat.urlsplit(case["url"])
    headers = [["Host", botocore.auth._host_from_url(case["url"])]]  # what urllib3 sends
    headers += [[name, value] for name, value in request.headers.items()]
    headers += [[name, value] for name, value in WIRE_EXTRAS]
    headers.append(["Content-Length", str(len(body))])
    return {
        "name": case["name"],
        "method": request.method,
        "path": split.path or "/",
        "query": split.query,
        "headers": headers,
        "body": case["body"],
        "akid": AKID,
        "secret": SECRET,
        "token": token or "",
        "region": region,
        "service": "sagemaker",
        "time": SIGNING_TIME.strftime("%Y%m%dT%H%M%SZ"),
        "epoch_seconds": int(SIGNING_TIME.replace(tzinfo=datetime.timezone.utc).timestamp()),
    }


def render():
    document = {
        "generator": "tools/make_sigv4_fixtures.py",
        "cases": [sign(case) for case in CASES],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in JSON differs")
    args = parser.parse_args()
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale; rerun {sys.argv[0]}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(CASES)} cases to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
