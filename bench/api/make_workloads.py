#!/usr/bin/env python3
"""Writes the workload files api_load sends (JSON Lines; format in workload.h).

  make_workloads.py OUT_DIR [--jobs 10000] [--seed 1]

create.jsonl       CreateTrainingJob for bench-job-00000 .. (seeding; sent once each)
describe.jsonl     DescribeTrainingJob of every job, shuffled; the response must name the job
list.jsonl         ListTrainingJobs MaxResults=100; the page must hold 100 summaries
list_filter.jsonl  ListTrainingJobs MaxResults=100 NameContains=<a 4-digit prefix>; every
                   returned name must contain it (how many come back is server-specific:
                   moto filters after cutting the page, SageMaker and trainyard before)
list_pages.jsonl   ListTrainingJobs MaxResults=100 followed through every NextToken; the
                   pages together must hold every job

Only the standard library: runs with any python3.
"""
import argparse
import json
import os
import random


def job_name(i):
    return f"bench-job-{i:05d}"


def create_request(name):
    return {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "AlgorithmSpecification": {
            "TrainingImage": "bench-image",
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
        },
        "HyperParameters": {"epochs": "3", "lr": "0.01"},
        "OutputDataConfig": {"S3OutputPath": "s3://trainyard-bench/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "team", "Value": "bench"}],
    }


def write(path, lines):
    with open(path, "w") as out:
        for line in lines:
            out.write(json.dumps(line, separators=(",", ":")) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = random.Random(args.seed)
    names = [job_name(i) for i in range(args.jobs)]

    write(os.path.join(args.out_dir, "create.jsonl"),
          ({"target": "CreateTrainingJob", "body": create_request(n), "expect": {"member": "TrainingJobArn"}}
           for n in names))
    shuffled = names[:]
    rng.shuffle(shuffled)
    write(os.path.join(args.out_dir, "describe.jsonl"),
          ({"target": "DescribeTrainingJob", "body": {"TrainingJobName": n},
            "expect": {"member": "TrainingJobName", "equals": n}} for n in shuffled))
    page = min(100, args.jobs)
    write(os.path.join(args.out_dir, "list.jsonl"),
          [{"target": "ListTrainingJobs", "body": {"MaxResults": 100},
            "expect": {"member": "TrainingJobSummaries", "count": {"key": "TrainingJobArn", "n": page}}}])
    # "job-0042" matches bench-job-00420 .. 00429: 10 of the 10,000 jobs.
    prefixes = sorted({f"job-{rng.randrange(max(1, args.jobs // 10)):04d}" for _ in range(100)})
    write(os.path.join(args.out_dir, "list_filter.jsonl"),
          ({"target": "ListTrainingJobs", "body": {"MaxResults": 100, "NameContains": p},
            "expect": {"member": "TrainingJobSummaries", "each": {"key": "TrainingJobName", "contains": p}}}
           for p in prefixes))
    write(os.path.join(args.out_dir, "list_pages.jsonl"),
          [{"target": "ListTrainingJobs", "body": {"MaxResults": 100}, "follow_next_token": True,
            "expect": {"member": "TrainingJobSummaries"},
            "scan_total": {"key": "TrainingJobArn", "n": args.jobs}}])


if __name__ == "__main__":
    main()
