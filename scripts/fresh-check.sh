#!/usr/bin/env bash
# fresh-check: proves that the README's two commands work on a truly fresh Debian bookworm.
# Builds a minimal bookworm root with mmdebstrap (the mirror taken from this host's apt sources,
# never from the repository), copies a clean clone of HEAD into it, and runs inside it (chroot):
#   bash scripts/deps.sh && bash scripts/demo.sh
#   bash scripts/test.sh
# printing each command's exit code and the suite's summary line. The root gets nothing of this
# machine but its network settings (DNS, the CA certificates it trusts, npm's CA file setting);
# every package comes from the README's own commands. Needs root. Exit 0 only if both pass.
#   FRESH_KEEP=1   keep the root (printed) for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
[ "$(id -u)" = 0 ] || { echo "fresh-check: needs root (mmdebstrap --mode=root, chroot, mounts)" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
if ! command -v mmdebstrap >/dev/null 2>&1; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends mmdebstrap debian-archive-keyring >/dev/null
fi

work=$(mktemp -d /var/tmp/convoy-fresh.XXXXXX)
root=$work/root
cleanup() {
	# End whatever the suite left running inside the root, then unmount it.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	for m in dev/shm dev/pts dev sys proc; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	if [ -n "${FRESH_KEEP:-}" ]; then echo "fresh-check: root kept at $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The host's Debian bookworm sources (deb822 or one-line), nothing else it may carry.
sources=$work/debian.sources
{
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Suites:[ \t]*bookworm/ && /(^|\n)URIs:[^\n]*debian/' "$f"
	done
	if [ -f /etc/apt/sources.list ]; then
		grep -E '^deb[[:space:]]+[^[:space:]]*debian[^[:space:]]*[[:space:]]+bookworm' /etc/apt/sources.list |
			awk '{ printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n\n", $2, $3 }'
	fi
} >"$sources"
grep -q '^URIs:' "$sources" || { echo "fresh-check: no Debian bookworm source in this host's apt sources" >&2; exit 1; }
# Signed-By names a keyring of the host; mmdebstrap checks against the one it is given.
sed -i '/^Signed-By:/d' "$sources"

echo "fresh-check: mmdebstrap bookworm (minbase) into $root"
t0=$(date +%s)
mmdebstrap --quiet --mode=root --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	bookworm "$root" "$sources"
echo "fresh-check: root ready in $(( $(date +%s) - t0 ))s ($(du -sh "$root" | cut -f1))"

# The host's network settings: name resolution and the CA certificates it trusts (an egress
# proxy's CA, if any), which every machine of this workplace has.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
[ -f /etc/npmrc ] && grep -E '^(cafile|ca|strict-ssl)=' /etc/npmrc >"$root/etc/npmrc" || true

# A clean clone of HEAD, nothing else from this tree.
git clone -q --no-hardlinks "$src" "$root/root/convoy"

mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" 2>/dev/null || true
mount -t tmpfs tmpfs "$root/dev/shm"

in_root() {
	env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 TERM=dumb CI=true chroot "$root" /bin/bash -c "cd /root/convoy && $1"
}

rc1=0; rc2=0
echo "fresh-check: [1/2] bash scripts/deps.sh && bash scripts/demo.sh"
t0=$(date +%s)
in_root 'bash scripts/deps.sh && bash scripts/demo.sh' >"$work/first.log" 2>&1 || rc1=$?
tail -n 25 "$work/first.log"
echo "fresh-check: [1/2] exit $rc1 in $(( $(date +%s) - t0 ))s"

echo "fresh-check: [2/2] bash scripts/test.sh"
t0=$(date +%s)
in_root 'bash scripts/test.sh' >"$work/second.log" 2>&1 || rc2=$?
grep -E '^(The following tests|[[:space:]]+[0-9]+ - |.*tests passed|.*tests failed)' "$work/second.log" || tail -n 40 "$work/second.log"
[ "$rc2" = 0 ] || grep -B2 -A25 -E '\*\*\*Failed|Failed  |FAIL' "$work/second.log" | tail -n 120
summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$work/second.log" | tail -n 1)
echo "fresh-check: [2/2] exit $rc2 in $(( $(date +%s) - t0 ))s: ${summary:-no summary line}"

if [ "$rc1" = 0 ] && [ "$rc2" = 0 ]; then
	echo "fresh-check: both README commands passed in a fresh Debian bookworm root"
	exit 0
fi
echo "fresh-check: FAILED (deps+demo exit $rc1, test suite exit $rc2)" >&2
exit 1
