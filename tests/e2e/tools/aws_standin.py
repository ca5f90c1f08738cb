#!/usr/bin/python3
"""aws_standin: ECS, ECR and STS on one loopback port, for convoy's AWS end-to-end tests.

usage: aws_standin.py PORT SCENARIO LOGFILE [--key ID:SECRET]... [--region R] [--account N]
                      [--ecr-password P] [--runner-token T] [--external-id ROLE:ID]...
                      [--container-token T] [--imds-role NAME] [--td1 FILE]
                      [--task-exit N|none] [--alarm NAME:STATE,STATE,...]...

Run it with Debian's /usr/bin/python3 and python3-botocore. Every request's SigV4 signature is
verified with botocore's own signer (botocore.auth.SigV4Auth), not convoy's: the request is
rebuilt as a botocore AWSRequest from the method, URL, the headers the client says it signed
and the body received, signed with the secret this server knows for the access key (and the
session token), and the Credential, SignedHeaders and Signature must equal the client's.
Refusals have the real services' shapes: JSON 1.1 ({"__type", "message"}, HTTP 400) for ECS
and ECR, query-protocol XML (<ErrorResponse>, HTTP 403/400) for STS:
  unknown access key, or a session key with a wrong or missing token: UnrecognizedClientException
      (STS: InvalidClientTokenId, 403);
  a wrong secret, a tampered body or header, a wrong scope, a date 15+ minutes off:
      InvalidSignatureException (STS: SignatureDoesNotMatch, 403);
  an expired session token: ExpiredTokenException (STS: ExpiredToken, 400);
  no Authorization header: MissingAuthenticationTokenException (STS: MissingAuthenticationToken).
Requests whose input botocore's service model refuses (unknown member, wrong type, missing
required member: what no SDK can send) get InvalidParameterException (STS: ValidationError).

Keys: --key ID:SECRET (default AKIDTEST:secretkey). STS AssumeRole (role
arn:aws:iam::<account>:role/<name>) issues session keys (ASIA..., secret, token) that the
other services then accept; in SCENARIO expired they are issued already expired, in SCENARIO
expiring they expire 120 s after issue (inside any client's refresh window, so a client that
refreshes asks again before each call: tests count the requests, never wait). A role of another
account is AccessDenied; a role named in --external-id ROLE:ID is AccessDenied unless
AssumeRole's ExternalId is ID.

The credential sources a pipeline has, each issuing session keys the same way (every issue is
logged with "issued": the key ID):
  the GitHub runner's ID token endpoint: GET /_runner/idtoken?...&audience=A with
      "Authorization: Bearer <--runner-token>" (else 401, as the runner) answers {"value": JWT},
      a JWT (HS256, signed with a secret only this process knows) with iss
      http://127.0.0.1:PORT/_runner, aud A, sub repo:octo/app:ref:refs/heads/main, exp 5 min
      (the test knob &ttl=S sets another lifetime; a negative one issues it already expired);
  STS AssumeRoleWithWebIdentity, unsigned as AWS takes it (no signature is checked; botocore's
      model checks the input): the token must verify with that secret, come from that issuer
      and have audience sts.amazonaws.com, else InvalidIdentityToken (400), and not be expired,
      else ExpiredTokenException (400); the role as for AssumeRole;
  the container credentials endpoint GET /_container/<anything> ("Authorization" must be
      --container-token, else 401) answers {"AccessKeyId", "SecretAccessKey", "Token",
      "Expiration", "RoleArn"};
  EC2 instance metadata, IMDSv2: PUT /latest/api/token (with X-aws-ec2-metadata-token-ttl-seconds,
      else 400) issues a token; GET /latest/meta-data/iam/security-credentials/ (the role,
      --imds-role, default convoy-instance) and .../<role> (its credentials, "Code": "Success")
      need X-aws-ec2-metadata-token to be an issued token, else 401.

ECS (X-Amz-Target AmazonEC2ContainerServiceV20141113.*): DescribeServices, DescribeTaskDefinition,
RegisterTaskDefinition, UpdateService, RunTask, DescribeTasks. One service "web" in any cluster
(FARGATE, awsvpc networkConfiguration subnet-1/sg-1), running task definition
app:1 (container "app"; --td1 FILE: the one in FILE instead, {"taskDefinition": {...}, "tags":
[...]} as aws ecs describe-task-definition writes it, its family and revision forced to app:1).
DescribeTaskDefinition returns "tags" (those registered with the revision) only when asked with
include: ["TAGS"], as ECS does; RegisterTaskDefinition keeps every member it is sent (botocore's
model refuses the ones the real call refuses). RunTask starts a task (PROVISIONING) that
DescribeTasks shows RUNNING on the 1st poll and STOPPED on the 2nd, every container exiting 0,
or with --task-exit N the task definition's first container (or the one with a command override)
exiting N; --task-exit none: it never started (no exit code, CannotPullContainerError). Rollouts are simulated by counting
DescribeServices requests after an UpdateService (never by time). SCENARIO:
  success        the new deployment is IN_PROGRESS, then COMPLETED on the 1st poll;
  slow           ... on the 4th poll;
  circuit        the new deployment FAILs on the 2nd poll and ECS's circuit breaker rolls back by
                 itself (the previous revision becomes PRIMARY and completes, no UpdateService);
  breaker        the new deployment FAILs but stays PRIMARY (circuit breaker without rollback):
                 only an UpdateService back to revision 1 recovers;
  stuck-rollback deploys complete, an UpdateService back to revision 1 never does;
  timeout        no deployment ever completes;
  norollout      deployments carry no rolloutState (a service behind a Classic Load Balancer, or
                 an older service): the old deployment drains on the 2nd poll;
  throttle       the first two signed requests get ThrottlingException;
  expired        AssumeRole issues expired session credentials;
  elsewhere      deploys complete; an UpdateService back to revision 1 is overtaken by another
                 deployer: the stand-in registers a copy of revision 1 as the next revision, and
                 that one becomes the only (PRIMARY, COMPLETED) deployment;
  codedeploy     the service's deploymentController is CODE_DEPLOY (blue/green), else success;
  external       the service's deploymentController is EXTERNAL, else success.
  ecs-alarms     the service has deploymentConfiguration.alarms (ecs-cpu, enable and rollback),
                 else success;
  ecs-alarms-trip  as ecs-alarms, but ECS's alarm rollback trips: the new deployment FAILs on
                 the 2nd poll and the previous revision becomes PRIMARY, as in circuit.
CloudWatch (query protocol, signed as "monitoring", told from STS by Version 2010-08-01):
DescribeAlarms by AlarmNames answers the alarms of --alarm NAME:STATES that are named (an
unknown name is left out, as CloudWatch does). STATES is a comma list (OK, ALARM,
INSUFFICIENT_DATA): the n-th DescribeAlarms request sees the n-th state, the last one from
then on (requests are counted, never time). StateReason is "Threshold Crossed: <n> <request>".
ECR (AmazonEC2ContainerRegistry_V20150921.*): GetAuthorizationToken (user AWS, password
--ecr-password), DescribeRepositories, CreateRepository.

Each request is appended to LOGFILE as a JSON line {"service", "action", "body", "key", "status",
"error"}; a request that handed out keys adds "issued" (the key ID), "secret" and "token", the
runner's adds "jwt", for the tests to look for in a client's output (service runner, container
or imds for those endpoints). GET /_standin/state (unsigned, not logged) returns the repositories, the service and
the registered task definitions, for the tests to check what changed.
"""
import base64, datetime, hashlib, hmac, json, re, secrets, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.validate import ParamValidator

TARGETS = {"AmazonEC2ContainerServiceV20141113": "ecs",
           "AmazonEC2ContainerRegistry_V20150921": "ecr"}
MAX_SKEW = datetime.timedelta(minutes=15)


def parse_args(argv):
    port, scenario, logpath = int(argv[0]), argv[1], argv[2]
    o = {"keys": {}, "region": "eu-west-1", "account": "123456789012",
         "ecr_password": "standin-ecr-password", "runner_token": None, "external_ids": {},
         "container_token": None, "imds_role": "convoy-instance", "td1": None,
         "task_exit": "0", "alarms": {}}
    rest = argv[3:]
    while rest:
        flag, val, rest = rest[0], rest[1], rest[2:]
        if flag == "--key":
            kid, _, sec = val.partition(":")
            o["keys"][kid] = {"secret": sec, "token": None, "expires": None}
        elif flag == "--alarm":
            name, _, states = val.rpartition(":")
            o["alarms"][name] = states.split(",")
        elif flag == "--external-id":
            role, _, eid = val.partition(":")
            o["external_ids"][role] = eid
        elif flag in ("--region", "--account", "--ecr-password", "--runner-token",
                      "--container-token", "--imds-role", "--td1", "--task-exit"):
            o[flag[2:].replace("-", "_")] = val
        else:
            sys.exit("aws_standin: unknown option " + flag)
    if not o["keys"]:
        o["keys"]["AKIDTEST"] = {"secret": "secretkey", "token": None, "expires": None}
    return port, scenario, logpath, o


PORT, SCENARIO, LOGPATH, OPT = parse_args(sys.argv[1:])
ACCOUNT, REGION = OPT["account"], OPT["region"]
KEYS = OPT["keys"]
SESSION = botocore.session.get_session()
MODELS = {name: SESSION.get_service_model(name) for name in ("ecs", "ecr", "sts", "cloudwatch")}
ARN = "arn:aws:ecs:%s:%s:task-definition/app:%%d" % (REGION, ACCOUNT)
TD1 = {"taskDefinitionArn": ARN % 1, "family": "app", "revision": 1, "status": "ACTIVE",
       "requiresAttributes": [], "compatibilities": ["FARGATE"], "registeredAt": 1,
       "registeredBy": "me", "cpu": "256",
       "containerDefinitions": [{"name": "app", "image": "old@sha256:" + "0" * 64}]}
TAGS = {}  # task definition ARN -> its tags
if OPT["td1"]:
    _doc = json.load(open(OPT["td1"]))
    TD1 = dict(_doc["taskDefinition"], taskDefinitionArn=ARN % 1, family="app", revision=1)
    TAGS[TD1["taskDefinitionArn"]] = _doc.get("tags", [])
CONTROLLER = {"codedeploy": "CODE_DEPLOY", "external": "EXTERNAL"}.get(SCENARIO, "ECS")
IMDS_TOKENS = set()
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                   "assignPublicIp": "DISABLED"}}
TASKS = {}  # task ARN -> {"task": ..., "polls": n, "main": container name}
ST = {"tds": {TD1["taskDefinitionArn"]: TD1}, "rev": 1, "td": ARN % 1, "deps": [], "polls": 0,
      "calls": 0, "dep": 0, "repos": {}, "alarm_calls": 0}
ECS_ALARMS = SCENARIO in ("ecs-alarms", "ecs-alarms-trip")


class Refused(Exception):
    """An AWS error: code, message, HTTP status."""
    def __init__(self, code, message, status=400, exact=False):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.exact = exact  # STS's own code: not translated by STS_CODES


# STS spells some errors differently from the JSON services.
STS_CODES = {"UnrecognizedClientException": ("InvalidClientTokenId", 403),
             "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
             "ExpiredTokenException": ("ExpiredToken", 400),
             "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
             "InvalidParameterException": ("ValidationError", 400)}
BAD_SIG = ("The request signature we calculated does not match the signature you provided. "
           "Check your AWS Secret Access Key and signing method. Consult the service "
           "documentation for details.")
BAD_TOKEN = "The security token included in the request is invalid."


def parse_authorization(value):
    """'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...' -> dict."""
    if not value.startswith("AWS4-HMAC-SHA256 "):
        raise Refused("IncompleteSignatureException",
                      "Authorization header requires the AWS4-HMAC-SHA256 algorithm")
    parts = {}
    for item in value[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, v = item.strip().partition("=")
        parts[k] = v
    for k in ("Credential", "SignedHeaders", "Signature"):
        if not parts.get(k):
            raise Refused("IncompleteSignatureException",
                          "Authorization header requires '%s' parameter." % k)
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise Refused("IncompleteSignatureException",
                      "Credential must have exactly 5 slash-delimited elements, "
                      "e.g. keyid/date/region/service/term, got '%s'" % parts["Credential"])
    parts["scope"] = scope
    return parts


def verify_signature(handler, body, service):
    """Checks the request's SigV4 signature with botocore; returns the access key ID."""
    h = handler.headers
    auth = h.get("Authorization")
    if not auth:
        raise Refused("MissingAuthenticationTokenException", "Missing Authentication Token")
    a = parse_authorization(auth)
    key_id, day, region, svc, _ = a["scope"]
    token = h.get("X-Amz-Security-Token")
    known = KEYS.get(key_id)
    if not known or (known["token"] is not None and token != known["token"]) or \
            (known["token"] is None and token is not None):
        raise Refused("UnrecognizedClientException", BAD_TOKEN)
    if known["expires"] is not None and known["expires"] <= datetime.datetime.utcnow():
        raise Refused("ExpiredTokenException",
                      "The security token included in the request is expired")
    signed = a["SignedHeaders"].split(";")
    if "host" not in signed:
        raise Refused("InvalidSignatureException",
                      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    amz_date = h.get("X-Amz-Date")
    if not amz_date or "x-amz-date" not in signed:
        raise Refused("IncompleteSignatureException",
                      "Authorization header requires existence of either a 'X-Amz-Date' or a "
                      "'Date' header.")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise Refused("IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. "
                      "Got '%s'." % amz_date)
    now = datetime.datetime.utcnow()
    if abs(now - when) > MAX_SKEW:
        raise Refused("InvalidSignatureException",
                      "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (
                          amz_date, (now - MAX_SKEW).strftime("%Y%m%dT%H%M%SZ"),
                          now.strftime("%Y%m%dT%H%M%SZ")))
    if day != amz_date[:8]:
        raise Refused("InvalidSignatureException",
                      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                      "of date from HTTP: '%s' != '%s'" % (day, amz_date[:8]))
    if region != REGION:
        raise Refused("InvalidSignatureException",
                      "Credential should be scoped to a valid region. ")
    if svc != service:
        raise Refused("InvalidSignatureException",
                      "Credential should be scoped to correct service: '%s'. " % service)
    # The request as the client signed it: its signed headers with the values received.
    headers = {}
    for name in signed:
        values = h.get_all(name)
        if values is None:
            raise Refused("InvalidSignatureException", BAD_SIG)
        headers[name] = ",".join(values)
    req = AWSRequest(method=handler.command, url="http://%s%s" % (h.get("Host"), handler.path),
                     data=body, headers=headers)
    req.context["timestamp"] = amz_date
    # A token the client did not sign is sent but not part of the signature (botocore adds
    # the token it is given to the signed headers).
    signer = SigV4Auth(Credentials(key_id, known["secret"],
                                   token if "x-amz-security-token" in signed else None),
                       svc, region)
    signer._modify_request_before_signing(req)
    canonical = signer.canonical_request(req)
    signature = signer.signature(signer.string_to_sign(req, canonical), req)
    signer._inject_signature_to_request(req, signature)
    mine = parse_authorization(req.headers["Authorization"])
    if (mine["Credential"], mine["SignedHeaders"], mine["Signature"]) != \
            (a["Credential"], a["SignedHeaders"], a["Signature"]):
        raise Refused("InvalidSignatureException", BAD_SIG)
    return key_id


def validate(service, action, params):
    """Refuses input that botocore's model of the service refuses."""
    model = MODELS[service]
    if action not in model.operation_names:
        raise Refused("UnknownOperationException" if service != "sts" else "InvalidAction",
                      "Could not find operation %s" % action)
    shape = model.operation_model(action).input_shape
    report = ParamValidator().validate(params, shape) if shape is not None else None
    if report is not None and report.has_errors():
        raise Refused("InvalidParameterException", report.generate_report())


# ------------------------------------------------------------------ ECS

def new_dep(td, status, state, running=2):
    ST["dep"] += 1
    d = {"id": "ecs-svc/%d" % ST["dep"], "status": status, "taskDefinition": td,
         "runningCount": running, "desiredCount": 2, "pendingCount": 2 - running}
    if SCENARIO != "norollout":
        d["rolloutState"] = state
    return d


def service_view():
    conf = {"deploymentConfiguration": {
        "maximumPercent": 200, "minimumHealthyPercent": 100,
        "alarms": {"alarmNames": ["ecs-cpu"], "enable": True, "rollback": True}}} \
        if ECS_ALARMS else {}
    return dict(conf, **{"serviceName": "web", "status": "ACTIVE", "taskDefinition": ST["td"],
            "serviceArn": "arn:aws:ecs:%s:%s:service/web" % (REGION, ACCOUNT),
            "deployments": ST["deps"], "deploymentController": {"type": CONTROLLER},
            "launchType": "FARGATE", "platformVersion": "LATEST",
            "networkConfiguration": NETWORK,
            "events": [{"id": "e%d" % ST["polls"], "message": "poll %d" % ST["polls"]}]})


# ------------------------------------------------------------------ CloudWatch

def query_lists(form):
    """The query protocol's Name.member.N keys folded into lists (in N order)."""
    out, lists = {}, {}
    for k, v in form.items():
        m = re.match(r"^(\w+)\.member\.(\d+)$", k)
        if m:
            lists.setdefault(m.group(1), {})[int(m.group(2))] = v
        else:
            out[k] = int(v) if k == "MaxRecords" else v
    for k, items in lists.items():
        out[k] = [items[n] for n in sorted(items)]
    return out


def cloudwatch(action, body):
    if action != "DescribeAlarms":
        raise Refused("InvalidAction", "convoy's stand-in does not serve CloudWatch " + action)
    ST["alarm_calls"] += 1
    n = ST["alarm_calls"]
    types = body.get("AlarmTypes", ["MetricAlarm"])
    members = []
    for name in body.get("AlarmNames", []):
        states = OPT["alarms"].get(name)
        if states is None or "MetricAlarm" not in types:
            continue
        state = states[min(n, len(states)) - 1]
        members.append("<member><AlarmName>%s</AlarmName><AlarmArn>arn:aws:cloudwatch:%s:%s:"
                       "alarm:%s</AlarmArn><Dimensions><member><Name>ServiceName</Name>"
                       "<Value>web</Value></member></Dimensions><StateValue>%s</StateValue>"
                       "<StateReason>Threshold Crossed: %d &lt;request&gt;</StateReason>"
                       "</member>" % (xml_escape(name), REGION, ACCOUNT, xml_escape(name),
                                      state, n))
    return ('<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">'
            "<DescribeAlarmsResult><MetricAlarms>%s</MetricAlarms><CompositeAlarms/>"
            "</DescribeAlarmsResult><ResponseMetadata><RequestId>%s</RequestId>"
            "</ResponseMetadata></DescribeAlarmsResponse>" % ("".join(members),
                                                              secrets.token_hex(16)))


def find_td(ref):
    if ref in ST["tds"]:
        return ST["tds"][ref]
    fam, _, rev = ref.rpartition("/")[2].partition(":")
    cands = [t for t in ST["tds"].values() if t["family"] == fam and
             (not rev or str(t["revision"]) == rev)]
    if not cands:
        raise Refused("ClientException", "Unable to describe task definition.")
    return max(cands, key=lambda t: t["revision"])


def poll():
    ST["polls"] += 1
    d = ST["deps"]
    rollback = ST.get("target") == ARN % 1
    breaks = SCENARIO in ("circuit", "breaker", "ecs-alarms-trip") and not rollback
    if not d or SCENARIO == "timeout" or (SCENARIO == "stuck-rollback" and rollback):
        return
    need = {"slow": 4, "norollout": 2}.get(SCENARIO, 1)
    if breaks and not ST.get("tripped") and ST["polls"] >= 2:
        ST["tripped"] = True
        d[0].update(rolloutState="FAILED",
                    rolloutStateReason="ECS deployment circuit breaker: tasks failed to start."
                    if SCENARIO != "ecs-alarms-trip" else
                    "Service deployment rolled back because the alarm ecs-cpu was in ALARM.")
        if SCENARIO in ("circuit", "ecs-alarms-trip"):  # ECS rolls back on its own
            d[0]["status"] = "ACTIVE"
            ST["polls"] = 0
            d.insert(0, new_dep(ARN % 1, "PRIMARY", "IN_PROGRESS", 0))
            ST["td"] = ARN % 1
    elif (not breaks or SCENARIO in ("circuit", "ecs-alarms-trip") and ST.get("tripped")) and ST["polls"] >= need \
            and d[0]["status"] == "PRIMARY" and d[0].get("rolloutState", "IN_PROGRESS") == "IN_PROGRESS":
        d[0].update(runningCount=2, pendingCount=0)
        if "rolloutState" in d[0]:
            d[0]["rolloutState"] = "COMPLETED"
        del d[1:]


def ecs(action, body):
    if action == "DescribeTaskDefinition":
        td = find_td(body["taskDefinition"])
        reply = {"taskDefinition": td}
        if "TAGS" in body.get("include", []):
            reply["tags"] = TAGS.get(td["taskDefinitionArn"], [])
        return reply
    if action == "RegisterTaskDefinition":
        ST["rev"] += 1
        td = dict(body)
        tags = td.pop("tags", [])
        if any(t["key"].startswith("aws:") for t in tags):
            raise Refused("InvalidParameterException", "Tag keys with the prefix 'aws:' are "
                          "reserved for AWS use.")
        TAGS[ARN % ST["rev"]] = tags
        td.update(taskDefinitionArn=ARN % ST["rev"], revision=ST["rev"], status="ACTIVE",
                  registeredAt=ST["rev"], registeredBy="arn:aws:iam::%s:user/convoy" % ACCOUNT)
        ST["tds"][td["taskDefinitionArn"]] = td
        return {"taskDefinition": td}
    if action == "UpdateService":
        if body["service"].rpartition("/")[2] != "web":
            raise Refused("ServiceNotFoundException", "Service not found.")
        if "taskDefinition" in body and SCENARIO == "elsewhere" and \
                find_td(body["taskDefinition"])["taskDefinitionArn"] == ARN % 1:
            ST["rev"] += 1
            other = dict(TD1, taskDefinitionArn=ARN % ST["rev"], revision=ST["rev"])
            ST["tds"][other["taskDefinitionArn"]] = other
            ST["td"], ST["target"] = other["taskDefinitionArn"], other["taskDefinitionArn"]
            ST["deps"] = [new_dep(other["taskDefinitionArn"], "PRIMARY", "COMPLETED")]
        elif "taskDefinition" in body:
            new = find_td(body["taskDefinition"])["taskDefinitionArn"]
            old, ST["td"], ST["polls"], ST["target"] = ST["td"], new, 0, new
            ST["deps"] = [new_dep(new, "PRIMARY", "IN_PROGRESS", 0),
                          new_dep(old, "ACTIVE", "COMPLETED")]
        return {"service": service_view()}
    if action == "RunTask":
        td = find_td(body["taskDefinition"])
        over = body.get("overrides", {}).get("containerOverrides", [])
        main = next((o["name"] for o in over if "command" in o),
                    td["containerDefinitions"][0]["name"])
        arn = "arn:aws:ecs:%s:%s:task/%s/%s" % (REGION, ACCOUNT, body.get("cluster", "default"),
                                                secrets.token_hex(16))
        task = {"taskArn": arn, "taskDefinitionArn": td["taskDefinitionArn"],
                "lastStatus": "PROVISIONING", "desiredStatus": "RUNNING",
                "startedBy": body.get("startedBy"),
                "containers": [{"name": c["name"], "lastStatus": "PENDING"}
                               for c in td["containerDefinitions"]]}
        TASKS[arn] = {"task": task, "polls": 0, "main": main}
        return {"tasks": [task], "failures": []}
    if action == "DescribeTasks":
        out = []
        for arn in body["tasks"]:
            t = TASKS.get(arn)
            if not t:
                continue
            t["polls"] += 1
            task = t["task"]
            if t["polls"] == 1:
                task.update(lastStatus="RUNNING")
                for c in task["containers"]:
                    c["lastStatus"] = "RUNNING"
            elif t["polls"] >= 2 and task["lastStatus"] != "STOPPED":
                code = OPT["task_exit"]
                task.update(lastStatus="STOPPED", desiredStatus="STOPPED",
                            stoppedReason="Essential container in task exited")
                for c in task["containers"]:
                    c["lastStatus"] = "STOPPED"
                    if code == "none":
                        c["reason"] = "CannotPullContainerError: pull image manifest has been " \
                                      "retried 5 time(s)"
                    else:
                        c["exitCode"] = int(code) if c["name"] == t["main"] else 0
                if code == "none":
                    task["stoppedReason"] = "CannotPullContainerError"
            out.append(task)
        return {"tasks": out, "failures": [{"arn": a, "reason": "MISSING"}
                                           for a in body["tasks"] if a not in TASKS]}
    if action == "DescribeServices":
        known = [s for s in body["services"] if s.rpartition("/")[2] == "web"]
        poll()
        return {"services": [service_view()] if known else [],
                "failures": [{"arn": "arn:aws:ecs:%s:%s:service/%s" % (REGION, ACCOUNT, s),
                              "reason": "MISSING"} for s in body["services"] if s not in known]}
    raise Refused("UnknownOperationException", "convoy's stand-in does not serve ECS " + action)


# ------------------------------------------------------------------ ECR

REPO_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def ecr(action, body):
    registry = body.get("registryId", ACCOUNT)
    if registry != ACCOUNT:
        raise Refused("AccessDeniedException", "User is not authorized to access registry " +
                      registry)
    if action == "GetAuthorizationToken":
        tok = base64.b64encode(("AWS:" + OPT["ecr_password"]).encode()).decode()
        return {"authorizationData": [{
            "authorizationToken": tok, "expiresAt": 1.9e9,
            "proxyEndpoint": "https://%s.dkr.ecr.%s.amazonaws.com" % (r, REGION)}
            for r in body.get("registryIds", [ACCOUNT])]}
    if action == "DescribeRepositories":
        names = body.get("repositoryNames") or sorted(ST["repos"])
        for n in names:
            if n not in ST["repos"]:
                raise Refused("RepositoryNotFoundException",
                              "The repository with name '%s' does not exist in the registry "
                              "with id '%s'" % (n, ACCOUNT))
        return {"repositories": [ST["repos"][n] for n in names]}
    if action == "CreateRepository":
        name = body["repositoryName"]
        if not 2 <= len(name) <= 256 or not REPO_NAME.match(name):
            raise Refused("InvalidParameterException",
                          "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
                          "'must satisfy regular expression '%s''" % REPO_NAME.pattern)
        if name in ST["repos"]:
            raise Refused("RepositoryAlreadyExistsException",
                          "The repository with name '%s' already exists in the registry with "
                          "id '%s'" % (name, ACCOUNT))
        mut = body.get("imageTagMutability", "MUTABLE")
        if mut not in ("MUTABLE", "IMMUTABLE"):
            raise Refused("InvalidParameterException", "Invalid parameter at "
                          "'imageTagMutability' failed to satisfy constraint: 'Member must "
                          "satisfy enum value set: [IMMUTABLE, MUTABLE]'")
        repo = {"repositoryArn": "arn:aws:ecr:%s:%s:repository/%s" % (REGION, ACCOUNT, name),
                "registryId": ACCOUNT, "repositoryName": name,
                "repositoryUri": "%s.dkr.ecr.%s.amazonaws.com/%s" % (ACCOUNT, REGION, name),
                "createdAt": 1.7e9, "imageTagMutability": mut,
                "imageScanningConfiguration": body.get("imageScanningConfiguration",
                                                       {"scanOnPush": False}),
                "encryptionConfiguration": {"encryptionType": "AES256"}}
        ST["repos"][name] = repo
        return {"repository": repo}
    raise Refused("UnknownOperationException", "convoy's stand-in does not serve ECR " + action)


# ------------------------------------------------------------------ STS

def issue(duration=3600):
    """New session keys, registered so that ECS, ECR and STS accept them."""
    now = datetime.datetime.utcnow().replace(microsecond=0)
    # expired: the session was issued long enough ago to have run out.
    issued = now - datetime.timedelta(seconds=duration + 60) if SCENARIO == "expired" else now
    expires = issued + datetime.timedelta(seconds=120 if SCENARIO == "expiring" else duration)
    key_id = "ASIA" + secrets.token_hex(8).upper()
    secret = base64.b64encode(secrets.token_bytes(30)).decode()
    token = "IQoJb3JpZ2luX2Vj" + base64.b64encode(secrets.token_bytes(240)).decode()
    KEYS[key_id] = {"secret": secret, "token": token, "expires": expires}
    return key_id, secret, token, expires.isoformat() + "Z"


def check_role(params, action):
    m = re.match(r"^arn:aws:iam::(\d{12}):role/([\w+=,.@/-]+)$", params["RoleArn"])
    if not m or m.group(1) != ACCOUNT:
        raise Refused("AccessDenied", "User is not authorized to perform: sts:%s on "
                      "resource: %s" % (action, params["RoleArn"]), 403)
    want = OPT["external_ids"].get(m.group(2))
    if want is not None and params.get("ExternalId") != want:
        raise Refused("AccessDenied", "User is not authorized to perform: sts:%s on "
                      "resource: %s" % (action, params["RoleArn"]), 403)
    return m.group(2)


def sts_assume_role(params, entry, action="AssumeRole"):
    role = check_role(params, action)
    key_id, secret, token, expires = issue(int(params.get("DurationSeconds", 3600)))
    entry.update(issued=key_id, secret=secret, token=token)
    session = params["RoleSessionName"]
    return ("<%sResult><Credentials><AccessKeyId>%s</AccessKeyId>"
            "<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>"
            "<Expiration>%s</Expiration></Credentials><AssumedRoleUser>"
            "<AssumedRoleId>AROA%s:%s</AssumedRoleId>"
            "<Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn></AssumedRoleUser>"
            "</%sResult>" % (action, key_id, secret, token, expires,
                             secrets.token_hex(8).upper(), session, ACCOUNT, role, session,
                             action))


# ------------------------------------------------------------------ GitHub's OIDC token

JWT_SECRET = secrets.token_bytes(32)
ISSUER = "http://127.0.0.1:%d/_runner" % PORT


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_issue(audience, ttl=300):
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"iss": ISSUER, "aud": audience, "iat": now, "nbf": now,
                              "exp": now + ttl,
                              "sub": "repo:octo/app:ref:refs/heads/main"}).encode())
    sig = hmac.new(JWT_SECRET, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, b64url(sig))


def jwt_check(token):
    """The claims of a token this stand-in issued for STS, or InvalidIdentityToken."""
    bad = lambda why: Refused("InvalidIdentityToken", why, 400)
    parts = token.split(".")
    if len(parts) != 3:
        raise bad("The ID Token provided is not a valid JWT.")
    want = hmac.new(JWT_SECRET, ("%s.%s" % (parts[0], parts[1])).encode(),
                    hashlib.sha256).digest()
    try:
        ok = hmac.compare_digest(unb64url(parts[2]), want)
        claims = json.loads(unb64url(parts[1]))
    except ValueError:
        raise bad("The ID Token provided is not a valid JWT.")
    if not ok:
        raise bad("Couldn't verify the signature of the provided ID token.")
    if claims.get("iss") != ISSUER:
        raise bad("No OpenIDConnect provider found in your account for %s" % claims.get("iss"))
    if claims.get("aud") != "sts.amazonaws.com":
        raise bad("Incorrect token audience")
    if claims.get("exp", 0) <= datetime.datetime.now(datetime.timezone.utc).timestamp():
        raise Refused("ExpiredTokenException", "Token expired", 400, exact=True)
    return claims


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, status, ctype, data):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_runner/"):
            return self.runner(url)
        if url.path.startswith("/_container/"):
            return self.container()
        if url.path.startswith("/latest/"):
            return self.imds("GET", url.path)
        if self.path != "/_standin/state":
            return self.send(404, "text/plain", b"not found\n")
        state = {"repositories": ST["repos"], "service": service_view(),
                 "taskDefinitions": ST["tds"], "tags": TAGS}
        self.send(200, "application/json", json.dumps(state).encode())

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        return self.imds("PUT", urllib.parse.urlsplit(self.path).path)

    def runner(self, url):
        entry = {"service": "runner", "action": "idtoken", "body": None, "key": None}
        want = OPT["runner_token"]
        if url.path != "/_runner/idtoken" or want is None or \
                self.headers.get("Authorization") != "Bearer " + want:
            entry["error"] = "Unauthorized"
            self.log(entry, 401)
            return self.send(401, "application/json", b'{"message": "Bad credentials"}')
        q = dict(urllib.parse.parse_qsl(url.query))
        aud = q.get("audience", "")
        entry["body"] = {"audience": aud}
        entry["jwt"] = jwt = jwt_issue(aud, int(q.get("ttl", 300)))
        self.log(entry, 200)
        self.send(200, "application/json", json.dumps({"value": jwt}).encode())

    def container(self):
        entry = {"service": "container", "action": "credentials", "body": None, "key": None}
        want = OPT["container_token"]
        if want is not None and self.headers.get("Authorization") != want:
            entry["error"] = "Unauthorized"
            self.log(entry, 401)
            return self.send(401, "application/json", b'{"message": "Unauthorized"}')
        key_id, secret, token, expires = issue()
        entry.update(issued=key_id, secret=secret, token=token)
        self.log(entry, 200)
        self.send(200, "application/json", json.dumps({
            "AccessKeyId": key_id, "SecretAccessKey": secret, "Token": token,
            "Expiration": expires,
            "RoleArn": "arn:aws:iam::%s:role/task-role" % ACCOUNT}).encode())

    def imds(self, method, path):
        entry = {"service": "imds", "action": "%s %s" % (method, path), "body": None,
                 "key": None}
        if method == "PUT":
            if path != "/latest/api/token" or \
                    not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                entry["error"] = "BadRequest"
                self.log(entry, 400)
                return self.send(400, "text/plain", b"")
            tok = base64.b64encode(secrets.token_bytes(40)).decode()
            IMDS_TOKENS.add(tok)
            self.log(entry, 200)
            return self.send(200, "text/plain", tok.encode())
        if self.headers.get("X-aws-ec2-metadata-token") not in IMDS_TOKENS:
            entry["error"] = "Unauthorized"
            self.log(entry, 401)
            return self.send(401, "text/plain", b"")
        base, role = "/latest/meta-data/iam/security-credentials/", OPT["imds_role"]
        if path == base:
            self.log(entry, 200)
            return self.send(200, "text/plain", role.encode())
        if path != base + role:
            self.log(entry, 404)
            return self.send(404, "text/plain", b"")
        key_id, secret, token, expires = issue(21600)
        entry.update(issued=key_id, secret=secret, token=token)
        self.log(entry, 200)
        now = datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z"
        self.send(200, "text/plain", json.dumps({
            "Code": "Success", "LastUpdated": now, "Type": "AWS-HMAC", "AccessKeyId": key_id,
            "SecretAccessKey": secret, "Token": token, "Expiration": expires}).encode())

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        prefix, _, action = target.partition(".")
        service = TARGETS.get(prefix)
        if service is None:
            form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
            action = form.pop("Action", "")
            service = "cloudwatch" if form.pop("Version", None) == "2010-08-01" else "sts"
        entry = {"service": service, "action": action, "body": None, "key": None}
        try:
            if service == "cloudwatch":
                body = query_lists(form)
            elif service != "sts":
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    raise Refused("SerializationException", "Start of structure or map found "
                                  "where not expected.")
            else:
                body = form
                if "DurationSeconds" in body:
                    body["DurationSeconds"] = int(body["DurationSeconds"])
            entry["body"] = body
            # AssumeRoleWithWebIdentity is unsigned: the token is the credential
            if (service, action) != ("sts", "AssumeRoleWithWebIdentity"):
                entry["key"] = verify_signature(
                    self, raw, "monitoring" if service == "cloudwatch" else service)
            validate(service, action, body)
            ST["calls"] += 1
            if SCENARIO == "throttle" and ST["calls"] <= 2:
                raise Refused("ThrottlingException", "Rate exceeded")
            if service == "cloudwatch":
                out = cloudwatch(action, body)
                self.log(entry, 200)
                return self.send(200, "text/xml", out.encode())
            if service == "sts":
                if action == "AssumeRoleWithWebIdentity":
                    jwt_check(body["WebIdentityToken"])
                elif action != "AssumeRole":
                    raise Refused("InvalidAction", "convoy's stand-in does not serve STS " + action)
                result = sts_assume_role(body, entry, action)
                out = ('<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">%s'
                       "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
                       "</%sResponse>" % (action, result, secrets.token_hex(16), action))
                self.log(entry, 200)
                return self.send(200, "text/xml", out.encode())
            reply = (ecs if service == "ecs" else ecr)(action, body)
            self.log(entry, 200)
            return self.send(200, "application/x-amz-json-1.1", json.dumps(reply).encode())
        except Refused as e:
            self.refuse(entry, service, e)

    def refuse(self, entry, service, e):
        code, status = e.code, e.status
        if service in ("sts", "cloudwatch"):
            if not e.exact:
                code, status = STS_CODES.get(code, (code, status))
            entry["error"] = code
            self.log(entry, status)
            out = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
                   "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                   "<RequestId>%s</RequestId></ErrorResponse>" % (
                       code, xml_escape(e.message), secrets.token_hex(16)))
            return self.send(status, "text/xml", out.encode())
        entry["error"] = code
        self.log(entry, status)
        self.send(status, "application/x-amz-json-1.1",
                  json.dumps({"__type": code, "message": e.message}).encode())

    def log(self, entry, status):
        entry["status"] = status
        with open(LOGPATH, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
