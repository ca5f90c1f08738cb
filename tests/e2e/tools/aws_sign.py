#!/usr/bin/python3
"""aws_sign: botocore as an independent AWS client for the e2e tests (Debian python3-botocore).

usage:
  aws_sign.py assume-role URL ROLE_ARN SESSION_NAME
      STS AssumeRole (query protocol) with the credentials in AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY [, AWS_SESSION_TOKEN]; prints the session credentials as shell
      assignments (AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_SESSION_TOKEN=...).
  aws_sign.py call URL SERVICE ACTION JSON [--tamper OLD NEW]
      One request signed by botocore with the environment's credentials (SERVICE ecs|ecr|sts,
      ACTION as in the API: DescribeServices); --tamper replaces OLD by NEW in the body after
      signing (same length, so only the signature can notice). Prints {"status", "code",
      "message"} as JSON; exit 0 whatever the service answered.
  aws_sign.py raw URL SERVICE TARGET BODY [--date YYYYMMDDTHHMMSSZ]
      A JSON 1.1 POST (X-Amz-Target TARGET) of BODY exactly as given, signed by botocore's
      SigV4Auth (at --date instead of now): what the SDK's own validation would never send.
      Prints {"status", "code", "message"} as JSON.
Region: AWS_REGION. Nothing is retried, nothing is read from ~/.aws.
"""
import datetime, json, os, shlex, sys, urllib.error, urllib.request

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def raw(url, service, target, body, date=None):
    req = AWSRequest(method="POST", url=url + "/", data=body.encode(),
                     headers={"Content-Type": "application/x-amz-json-1.1",
                              "X-Amz-Target": target})
    creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                        os.environ.get("AWS_SESSION_TOKEN") or None)
    signer = SigV4Auth(creds, service, os.environ["AWS_REGION"])
    if date is None:
        signer.add_auth(req)
    else:  # add_auth's steps at a given time
        req.context["timestamp"] = date
        signer._modify_request_before_signing(req)
        sts = signer.string_to_sign(req, signer.canonical_request(req))
        signer._inject_signature_to_request(req, signer.signature(sts, req))
    http = urllib.request.Request(url + "/", data=req.body, headers=dict(req.headers.items()),
                                  method="POST")
    try:
        with urllib.request.urlopen(http) as r:
            return {"status": r.status, "code": None, "message": None}
    except urllib.error.HTTPError as e:
        err = json.loads(e.read() or b"{}")
        return {"status": e.code, "code": err.get("__type"), "message": err.get("message")}


def client(url, service):
    s = botocore.session.Session()
    return s.create_client(
        service, endpoint_url=url, region_name=os.environ["AWS_REGION"],
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
        config=Config(retries={"total_max_attempts": 1}))


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def main(argv):
    if argv[0] == "assume-role":
        c = client(argv[1], "sts")
        cr = c.assume_role(RoleArn=argv[2], RoleSessionName=argv[3])["Credentials"]
        print("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s" % tuple(
            shlex.quote(cr[k]) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")))
        return 0
    if argv[0] == "raw":
        date = argv[6] if argv[5:6] == ["--date"] else None
        print(json.dumps(raw(argv[1], argv[2], argv[3], argv[4], date)))
        return 0
    if argv[0] != "call":
        sys.exit("aws_sign: unknown command " + argv[0])
    url, service, action, params = argv[1], argv[2], argv[3], json.loads(argv[4])
    c = client(url, service)
    if argv[5:6] == ["--tamper"]:
        old, new = argv[6].encode(), argv[7].encode()
        assert len(old) == len(new), "--tamper keeps the length"

        def tamper(request, **_):
            assert old in request.body, (old, request.body)
            request.body = request.body.replace(old, new, 1)
        c.meta.events.register("before-send", tamper)
    try:
        getattr(c, snake(action))(**params)
        out = {"status": 200, "code": None, "message": None}
    except ClientError as e:
        out = {"status": e.response["ResponseMetadata"]["HTTPStatusCode"],
               "code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}
    print(json.dumps(out))
    return 0


sys.exit(main(sys.argv[1:]))
