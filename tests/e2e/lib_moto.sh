# lib_moto.sh: moto's server for the extra AWS suites (sourced after lib.sh). They run where
# moto's server and boto3 are installed (CONVOY_MOTO_PYTHON, or the first python3 on PATH that
# imports them) and otherwise exit 77, which CTest reports as skipped (SKIP_RETURN_CODE in
# tests/CMakeLists.txt), never as a pass. The default suite proves the same against the
# project's own stand-in (tools/aws_standin.py).
#
# start_moto: moto on a free loopback port, prepared by tools/moto_setup.py (IAM user, role,
# ECS services, alarms; then every signature is checked); sets PY, MOTO (its URL), the
# MOTO_* values of moto_setup.py, and show() (moto_setup.py show).
PY=
if [ -n "${CONVOY_MOTO_PYTHON:-}" ]; then
	"$CONVOY_MOTO_PYTHON" -c 'import moto.server, boto3' >/dev/null 2>&1 ||
		fail "CONVOY_MOTO_PYTHON=$CONVOY_MOTO_PYTHON does not import moto.server and boto3"
	PY=$CONVOY_MOTO_PYTHON
else
	while read -r p; do
		if "$p" -c 'import moto.server, boto3' >/dev/null 2>&1; then PY=$p; break; fi
	done < <(type -ap python3)
fi
if [ -z "$PY" ]; then
	echo "skipped: moto not installed (no python3 on PATH imports moto.server and boto3; set CONVOY_MOTO_PYTHON to use another)"
	exit 77
fi

start_moto() {
	local pid
	MOTO_PORT=$(free_port)
	INITIAL_NO_AUTH_ACTION_COUNT=1000000 MOTO_ECS_SERVICE_RUNNING=1 \
		"$PY" -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >"$T/moto.log" 2>&1 &
	pid=$!
	at_exit "kill $pid"
	wait_port "$MOTO_PORT" "$pid"
	MOTO="http://127.0.0.1:$MOTO_PORT"
	"$PY" "$CONVOY_SRC/tests/e2e/tools/moto_setup.py" setup "$MOTO" "$T/moto.env" ||
		fail "moto setup failed: $(tail -5 "$T/moto.log")"
	source "$T/moto.env"
}
show() { "$PY" "$CONVOY_SRC/tests/e2e/tools/moto_setup.py" show "$MOTO" "$@"; }
