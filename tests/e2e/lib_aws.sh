# lib_aws.sh: the AWS stand-in for a test (sourced after lib.sh). tools/aws_standin.py serves ECS,
# ECR and STS on loopback and checks every request's SigV4 signature with botocore; it and
# tools/aws_sign.py (botocore as an independent client) run on Debian's /usr/bin/python3 with
# python3-botocore (scripts/deps.sh), never on another Python the machine may have.
AWS_PY=/usr/bin/python3
"$AWS_PY" -c 'import botocore' 2>/dev/null ||
	fail "the AWS stand-in needs Debian's python3-botocore for $AWS_PY (scripts/deps.sh installs it)"
AWS_ACCOUNT=123456789012

# start_aws SCENARIO [aws_standin.py options]: a stand-in (scenarios: tools/aws_standin.py) on a
# free port; sets AWS_PORT, AWS_URL and LOG (its request log, JSON lines) and points
# AWS_ENDPOINT_URL at it. Stopped at exit.
start_aws() {
	local scenario=$1 pid; shift
	AWS_PORT=$(free_port); LOG="$T/aws-$scenario-$AWS_PORT.log"
	"$AWS_PY" "$CONVOY_SRC/tests/e2e/tools/aws_standin.py" "$AWS_PORT" "$scenario" "$LOG" "$@" &
	pid=$!
	at_exit "kill $pid"; wait_port "$AWS_PORT" "$pid"
	AWS_URL="http://127.0.0.1:$AWS_PORT"
	unset AWS_ENDPOINT_URL_ECS AWS_ENDPOINT_URL_ECR AWS_ENDPOINT_URL_STS
	export AWS_ENDPOINT_URL="$AWS_URL"
}

# aws_sign ARGS: botocore as the client (tools/aws_sign.py: assume-role, call).
aws_sign() { "$AWS_PY" "$CONVOY_SRC/tests/e2e/tools/aws_sign.py" "$@"; }

# aws_assume_role [URL]: exports session credentials from the stand-in's STS AssumeRole, asked
# by botocore with the current credentials.
aws_assume_role() {
	local creds
	creds=$(aws_sign assume-role "${1:-$AWS_URL}" "arn:aws:iam::$AWS_ACCOUNT:role/deployer" convoy-e2e) ||
		fail "STS AssumeRole failed"
	eval "export $creds"
}

# aws_state: the stand-in's repositories, service and task definitions, as JSON.
aws_state() {
	"$AWS_PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
		"$AWS_URL/_standin/state"
}
