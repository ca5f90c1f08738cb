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
		if [ -n "$htpasswd" ]; then
			echo "auth: {htpasswd: {realm: convoy-test, path: $htpasswd}}"
		fi
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	pid=$!
	at_exit "kill $pid"
	wait_port "$port" "$pid"
	printf -v "${name}_PORT" '%s' "$port"
	printf -v "${name}_LOG" '%s' "$dir/log"
}

# mkimage DIR [mkimage.py options]: a small OCI layout generated at run time.
mkimage() { python3 "$CONVOY_SRC/tests/e2e/tools/mkimage.py" "$@" >/dev/null; }

# digest_of REF [skopeo options]: the manifest digest a reference points at ("" if none).
digest_of() {
	local ref=$1; shift
	skopeo inspect --raw --tls-verify=false "$@" "docker://$ref" 2>/dev/null | sha256sum | awk '{print "sha256:"$1}' \
		| { read -r d; if skopeo inspect --raw --tls-verify=false "$@" "docker://$ref" >/dev/null 2>&1; then echo "$d"; fi; }
}
