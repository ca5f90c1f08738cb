#!/usr/bin/env python3
"""Scripted ECS server for convoy deploy e2e tests (moto does not simulate rollouts).
usage: ecs_server.py PORT SCENARIO LOGFILE
SCENARIO: success | slow | circuit | breaker | stuck-rollback | timeout | throttle | expired
  circuit: the new deployment FAILs on the 2nd poll and ECS's circuit breaker rolls back by itself
           (the previous revision becomes PRIMARY and completes, no UpdateService needed);
  breaker: the new deployment FAILs but stays PRIMARY (circuit breaker without rollback): only
           an UpdateService back to revision 1 recovers;
  stuck-rollback: deploys complete, an UpdateService back to revision 1 never does.
Every request must carry a SigV4 Authorization header; requests are logged as JSON lines."""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, scenario, logpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:%d"
st = {"rev": 1, "td": ARN % 1, "deps": [], "polls": 0, "calls": 0, "dep": 0}
TD = {"taskDefinitionArn": ARN % 1, "family": "app", "revision": 1, "status": "ACTIVE",
      "requiresAttributes": [], "compatibilities": ["FARGATE"], "registeredAt": 1,
      "registeredBy": "me", "cpu": "256",
      "containerDefinitions": [{"name": "app", "image": "old@sha256:" + "0" * 64}]}

def dep(td, status, state, running=2):
    st["dep"] += 1
    return {"id": "ecs-svc/%d" % st["dep"], "status": status, "taskDefinition": td,
            "runningCount": running, "desiredCount": 2, "pendingCount": 2 - running,
            "rolloutState": state}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code); self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        action = self.headers.get("X-Amz-Target", "").split(".")[-1]
        auth = self.headers.get("Authorization", "")
        with open(logpath, "a") as f:
            f.write(json.dumps({"action": action, "body": body, "auth": auth[:16]}) + "\n")
        if not auth.startswith("AWS4-HMAC-SHA256 Credential="):
            return self.reply(400, {"__type": "MissingAuthenticationTokenException", "message": "no auth"})
        st["calls"] += 1
        if scenario == "expired":
            return self.reply(400, {"__type": "ExpiredTokenException", "message": "The security token included in the request is expired"})
        if scenario == "throttle" and st["calls"] <= 2:
            return self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
        if action == "DescribeTaskDefinition":
            return self.reply(200, {"taskDefinition": TD})
        if action == "RegisterTaskDefinition":
            st["rev"] += 1
            td = dict(body); td.update(taskDefinitionArn=ARN % st["rev"], revision=st["rev"], status="ACTIVE")
            return self.reply(200, {"taskDefinition": td})
        if action == "UpdateService":
            old = st["td"]; st["td"] = body["taskDefinition"]; st["polls"] = 0
            st["deps"] = [dep(st["td"], "PRIMARY", "IN_PROGRESS", 0), dep(old, "ACTIVE", "COMPLETED")]
            st["target"] = body["taskDefinition"]
            return self.reply(200, {"service": self.service()})
        if action == "DescribeServices":
            st["polls"] += 1
            d = st["deps"]
            rollback = st.get("target") == ARN % 1
            breaks = scenario in ("circuit", "breaker") and not rollback
            if d and scenario != "timeout" and not (scenario == "stuck-rollback" and rollback):
                need = 4 if scenario == "slow" else 1
                if breaks and not st.get("tripped") and st["polls"] >= 2:
                    st["tripped"] = True
                    d[0].update(rolloutState="FAILED", rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")
                    if scenario == "circuit":  # ECS rolls back on its own
                        d[0]["status"] = "ACTIVE"; st["polls"] = 0
                        d.insert(0, dep(ARN % 1, "PRIMARY", "IN_PROGRESS", 0)); st["td"] = ARN % 1
                elif (not breaks or scenario == "circuit" and st.get("tripped")) and st["polls"] >= need and d[0]["status"] == "PRIMARY" and d[0]["rolloutState"] == "IN_PROGRESS":
                    d[0].update(runningCount=2, pendingCount=0, rolloutState="COMPLETED"); del d[1:]
            return self.reply(200, {"services": [self.service()], "failures": []})
        return self.reply(400, {"__type": "InvalidAction", "message": action})
    def service(self):
        return {"serviceName": "web", "status": "ACTIVE", "taskDefinition": st["td"],
                "deployments": st["deps"], "events": [{"id": "e%d" % st["polls"], "message": "poll %d" % st["polls"]}]}

HTTPServer(("127.0.0.1", port), H).serve_forever()
