# lib_registry.sh: start the real CNCF registry (Debian's docker-registry) for a test (sourced
# after lib.sh). start_registry NAME [htpasswd-file] sets ${NAME}_PORT and ${NAME}_LOG; the
# registry listens on 127.0.0.1 with its storage under $T and is stopped at exit.
need docker-registry
need skopeo

start_registry() {
	local name=$1 htpasswd=${2:-} port pid dir="$T/registry-$1"
	port=$(free_port)
	mkdir -p "$dir/data"
	{
		echo "version: 0.1"
		echo "log: {level: info, formatter: text}"
		echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
		echo "http: {addr: 127.0.0.1:$port}"
		case "$htpasswd" in
		"") ;;
		token:*)
			# token:<issuer-port>:<cert>: the Bearer token flow (tools/token_issuer.py)
			local tport=${htpasswd#token:}; tport=${tport%%:*}
			echo "auth: {token: {realm: 'http://127.0.0.1:$tport/token', service: convoy-registry, issuer: convoy-test, rootcertbundle: ${htpasswd##*:}}}" ;;
		*) echo "auth: {htpasswd: {realm: convoy-test, path: $htpasswd}}" ;;
		esac
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	pid=$!
	at_exit "kill $pid"
	wait_port "$port" "$pid"
	printf -v "${name}_PORT" '%s' "$port"
	printf -v "${name}_LOG" '%s' "$dir/log"
}

# start_token_registry NAME USERS: a registry with Bearer token auth and its token issuer.
# USERS: "user:password:pull,push;reader:pw:pull". Sets ${NAME}_PORT, ${NAME}_LOG, ${NAME}_TOKENS.
start_token_registry() {
	local name=$1 users=$2 dir="$T/token-$1" tport pid
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
		-days 2 -subj /CN=convoy-test-token >/dev/null 2>&1 || fail "openssl could not make a key"
	tport=$(free_port)
	python3 "$CONVOY_SRC/tests/e2e/tools/token_issuer.py" "$tport" "$dir/key.pem" "$dir/cert.pem" \
		"$users" "$dir/tokens.log" &
	pid=$!
	at_exit "kill $pid"
	wait_port "$tport" "$pid"
	: >"$dir/tokens.log"
	start_registry "$name" "token:$tport:$dir/cert.pem"
	printf -v "${name}_TOKENS" '%s' "$dir/tokens.log"
}

# mkimage DIR [mkimage.py options]: a small OCI layout generated at run time.
mkimage() { python3 "$CONVOY_SRC/tests/e2e/tools/mkimage.py" "$@" >/dev/null; }

# digest_of REF [skopeo options]: the manifest digest a reference points at ("" if none).
digest_of() {
	local ref=$1; shift
	skopeo inspect --raw --tls-verify=false "$@" "docker://$ref" 2>/dev/null | sha256sum | awk '{print "sha256:"$1}' \
		| { read -r d; if skopeo inspect --raw --tls-verify=false "$@" "docker://$ref" >/dev/null 2>&1; then echo "$d"; fi; }
}

REQUESTS_MARKER=0
# requests_since N: the requests registry A ($A_LOG, at $R) logged after line N, as
# '"METHOD PATH HTTP/1.1" STATUS'.
# The registry writes a request's log line after answering it, so a marker request is sent first
# and waited for: every request convoy made (it has exited) is then in the log.
requests_since() {
	local i
	REQUESTS_MARKER=$((REQUESTS_MARKER + 1))
	local marker=$REQUESTS_MARKER
	python3 -c 'import sys, urllib.request
try: urllib.request.urlopen(sys.argv[1])
except Exception: pass' "http://$R/v2/log-marker-$marker/tags/list"
	for i in $(seq 1 100); do
		grep -q "GET /v2/log-marker-$marker/tags/list " "$A_LOG" && break
		sleep 0.1
	done
	grep -q "GET /v2/log-marker-$marker/tags/list " "$A_LOG" || fail "the registry did not log the marker request"
	tail -n +"$(($1 + 1))" "$A_LOG" | grep -oE '"(GET|HEAD|PUT|POST|PATCH|DELETE) [^ ]+ HTTP/[0-9.]+" [0-9]{3}' \
		| grep -v "/v2/log-marker-$marker/" || true
}
