#!/usr/bin/env python3
"""moto_setup: prepares and inspects a moto server for tests/e2e/test_aws_moto.sh (boto3).

usage:
  moto_setup.py setup ENDPOINT ENV_FILE
      While moto still accepts unsigned requests (INITIAL_NO_AUTH_ACTION_COUNT large): an IAM
      user with an access key and an allow-all policy, a role it can assume (session
      credentials from STS AssumeRole), an ECS cluster "c" with service "web" running task
      definition "app:1" (one container "web"); for test_aws_moto_more.sh also a service
      "tagged" (task definition "tagged:1" with tags), a service "web-cd" under the CODE_DEPLOY
      deployment controller, and CloudWatch alarms "cpu-high" (in ALARM) and "cpu-ok" (OK).
      Writes the credentials and ARNs as shell
      assignments to ENV_FILE, then POSTs /moto-api/reset-auth with 0: from then on moto
      checks every signature against the IAM keys it knows.
  moto_setup.py show ENDPOINT WHAT [ARG]
      Read-only, signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN from
      the environment; prints JSON. WHAT: task-definition ARN | task-definition-tags ARN |
      task-definitions FAMILY | service | repository NAME.
"""
import json, shlex, sys, urllib.request

import boto3

REGION = "us-east-1"
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def client(endpoint, name, **creds):
    return boto3.client(name, endpoint_url=endpoint, region_name=REGION, **creds)


def setup(endpoint, env_file):
    anon = {"aws_access_key_id": "AKIASETUPSETUPSETUP0", "aws_secret_access_key": "setup"}
    iam = client(endpoint, "iam", **anon)
    iam.create_user(UserName="convoy-e2e")
    iam.put_user_policy(UserName="convoy-e2e", PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="convoy-e2e")["AccessKey"]
    account = iam.get_user(UserName="convoy-e2e")["User"]["Arn"].split(":")[4]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % account}}]})
    role = iam.create_role(RoleName="convoy-deployer", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName="convoy-deployer", PolicyName="all", PolicyDocument=ALLOW_ALL)
    sts = client(endpoint, "sts", aws_access_key_id=key["AccessKeyId"],
                 aws_secret_access_key=key["SecretAccessKey"])
    sess = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="convoy-e2e")["Credentials"]

    ecs = client(endpoint, "ecs", **anon)
    ecs.create_cluster(clusterName="c")
    td = ecs.register_task_definition(
        family="app", networkMode="bridge",
        containerDefinitions=[{"name": "web", "image": "old.example/app:1", "memory": 128,
                               "essential": True}])["taskDefinition"]
    ecs.create_service(cluster="c", serviceName="web", taskDefinition=td["taskDefinitionArn"],
                       desiredCount=1)
    tagged = ecs.register_task_definition(
        family="tagged", networkMode="bridge",
        containerDefinitions=[{"name": "web", "image": "old.example/app:1", "memory": 128,
                               "essential": True}],
        tags=[{"key": "team", "value": "payments"}, {"key": "cost-center", "value": "42"}])["taskDefinition"]
    ecs.create_service(cluster="c", serviceName="tagged", taskDefinition=tagged["taskDefinitionArn"],
                       desiredCount=1)
    ecs.create_service(cluster="c", serviceName="web-cd", taskDefinition=td["taskDefinitionArn"],
                       desiredCount=1, deploymentController={"type": "CODE_DEPLOY"})
    cw = client(endpoint, "cloudwatch", **anon)
    for name, state in (("cpu-high", "ALARM"), ("cpu-ok", "OK")):
        cw.put_metric_alarm(AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/ECS",
                            Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=80,
                            ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="set by the test")

    values = {
        "MOTO_ACCOUNT": account,
        "MOTO_KEY_ID": key["AccessKeyId"], "MOTO_SECRET": key["SecretAccessKey"],
        "MOTO_SESSION_KEY_ID": sess["AccessKeyId"],
        "MOTO_SESSION_SECRET": sess["SecretAccessKey"],
        "MOTO_SESSION_TOKEN": sess["SessionToken"],
        "MOTO_TD_ARN": td["taskDefinitionArn"],
        "MOTO_ROLE_ARN": role["Arn"],
        "MOTO_TAGGED_ARN": tagged["taskDefinitionArn"],
    }
    with open(env_file, "w", encoding="utf-8") as f:
        for k, v in values.items():
            f.write("%s=%s\n" % (k, shlex.quote(v)))
    req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"}) # not a form: Flask keeps the body
    with urllib.request.urlopen(req) as r:
        json.load(r)


def show(endpoint, what, arg=None):
    if what == "task-definition":
        out = client(endpoint, "ecs").describe_task_definition(taskDefinition=arg)["taskDefinition"]
    elif what == "task-definition-tags":
        out = client(endpoint, "ecs").describe_task_definition(taskDefinition=arg, include=["TAGS"]).get("tags", [])
    elif what == "task-definitions":
        out = client(endpoint, "ecs").list_task_definitions(familyPrefix=arg)["taskDefinitionArns"]
    elif what == "service":
        out = client(endpoint, "ecs").describe_services(cluster="c", services=["web"])["services"][0]
    elif what == "repository":
        out = client(endpoint, "ecr").describe_repositories(repositoryNames=[arg])["repositories"][0]
    else:
        sys.exit("unknown: " + what)
    print(json.dumps(out, default=str, sort_keys=True))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3])
    else:
        show(sys.argv[2], sys.argv[3], *sys.argv[4:])
