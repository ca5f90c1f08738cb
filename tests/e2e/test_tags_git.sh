#!/usr/bin/env bash
# convoy tags over real git repositories created here: outside Actions git supplies the ref,
# sha, commit date and default branch (refs/remotes/origin/HEAD); annotated and lightweight
# tags, detached HEAD and a shallow clone (as actions/checkout makes) all work.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tags_lib.sh"
need git

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home"
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# a clean terminal environment: no runner variables at all
plain_env() {
	while IFS='=' read -r name _; do
		case "$name" in GITHUB_*|INPUT_*|RUNNER_*|DOCKER_METADATA_*) unset "$name" ;; esac
	done < <(env)
	export SOURCE_DATE_EPOCH=1578616200
}

# out NAME: an output of the last run (--format json on stdout)
# out NAME: an output of --format json as text (a list one item a line, an object key=value)
out() { python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print("\n".join(v) if isinstance(v, list) else "\n".join("%s=%s" % kv for kv in v.items()) if isinstance(v, dict) else v)' "$T/out.json" "$1"; }
run_in() { # DIR ARGS...
	local dir=$1; shift
	(cd "$dir" && "$CONVOY" tags --format json "$@" >"$T/out.json" 2>"$T/log") ||
		{ cat "$T/log" >&2; fail "convoy tags failed in $dir"; }
}

git init -q "$T/src"
(cd "$T/src" && echo a >a && git add a &&
	GIT_COMMITTER_DATE='2021-03-04T05:06:07Z' git commit -qm one &&
	git tag -a v1.0.0 -m 'release 1.0.0' && git tag v1.1.0 && git tag not-semver)
git clone -q --bare "$T/src" "$T/origin.git"
git clone -q "file://$T/origin.git" "$T/work"
HEAD_SHA=$(git -C "$T/work" rev-parse HEAD)

plain_env
TAGS=$'type=ref,event=branch\ntype=ref,event=tag\ntype=edge\ntype=sha\ntype=semver,pattern={{version}}\ntype=raw,value=cd-{{commit_date \'YYYYMMDD-HHmmss\'}}\ntype=raw,value=default,enable={{is_default_branch}}'

# on the default branch of a clone: edge (origin/HEAD says main), default
run_in "$T/work" --images user/app --tags "$TAGS"
assert_eq "$(out tags)" $'user/app:edge\nuser/app:main\nuser/app:cd-20210304-050607\nuser/app:default\nuser/app:sha-'"${HEAD_SHA:0:7}" "default branch"
assert_contains "$(out labels)" "org.opencontainers.image.revision=$HEAD_SHA" "revision from git"
pass "clone on the default branch"

# a feature branch with slashes and upper case
git -C "$T/work" checkout -q -b Feature/Login
run_in "$T/work" --images user/app --tags "$TAGS"
assert_eq "$(out tags)" $'user/app:Feature-Login\nuser/app:cd-20210304-050607\nuser/app:sha-'"${HEAD_SHA:0:7}" "feature branch"
pass "feature branch"

# detached at the tags: the highest semver tag wins (annotated v1.0.0, lightweight v1.1.0)
git -C "$T/work" checkout -q --detach v1.0.0
run_in "$T/work" --images user/app --tags "$TAGS"
assert_eq "$(out version)" 1.1.0 "detached HEAD on tags: version"
assert_contains "$(out tags)" "user/app:v1.1.0" "ref tag from the lightweight tag"
assert_contains "$(out tags)" "user/app:latest" "latest on a release tag"
pass "detached HEAD on annotated and lightweight tags"

# only an annotated tag at HEAD
(cd "$T/work" && git checkout -q main && echo b >b && git add b && git commit -qm two &&
	git tag -a v2.0.0-beta.1 -m beta && git checkout -q --detach HEAD)
run_in "$T/work" --images user/app --tags "$TAGS"
assert_eq "$(out version)" 2.0.0-beta.1 "annotated pre-release tag"
assert_not_contains "$(out tags)" latest "no latest for a pre-release"
pass "detached HEAD on an annotated pre-release tag"

# detached at a commit with neither tag nor branch: only sha/raw tags, and a warning
(cd "$T/work" && echo c >c && git add c && git commit -qm three)
SHA3=$(git -C "$T/work" rev-parse HEAD)
run_in "$T/work" --images user/app --tags $'type=ref,event=branch\ntype=sha,format=long'
assert_eq "$(out tags)" "user/app:sha-$SHA3" "bare detached HEAD"
assert_contains "$(cat "$T/log")" "detached HEAD" "warning about the detached HEAD"
pass "bare detached HEAD"

# a shallow, tag-less clone, as actions/checkout makes it
git clone -q --depth 1 --no-tags "file://$T/origin.git" "$T/shallow"
[ -f "$T/shallow/.git/shallow" ] || fail "the clone is not shallow"
run_in "$T/shallow" --images user/app --tags "$TAGS"
assert_eq "$(out tags)" $'user/app:edge\nuser/app:main\nuser/app:cd-20210304-050607\nuser/app:default\nuser/app:sha-'"${HEAD_SHA:0:7}" "shallow clone"
pass "shallow clone"

# under Actions the event is authoritative, git only adds the commit date (shallow workspace)
gh_env push "$T/none.json" refs/heads/main "$HEAD_SHA"
printf '{"repository":{"name":"r","default_branch":"main"}}' >"$T/none.json"
export GITHUB_WORKSPACE="$T/shallow"
tags_ok --images user/app --tags $'type=raw,value={{commit_date \'YYYY-MM-DD\'}}\ntype=ref,event=branch'
assert_eq "$(gh_output tags)" $'user/app:main\nuser/app:2021-03-04' "commit date from the shallow workspace"
# the format unquoted is a Handlebars path (undefined): moment's default format, which ends in
# a literal Z for a UTC moment and in the offset elsewhere (then sanitised into a tag)
tags_ok --images user/app --tags $'type=raw,value={{commit_date YYYYMMDD}}\ntype=raw,value=p-{{commit_date YYYYMMDD tz=\'Europe/Paris\'}}'
assert_eq "$(gh_output tags)" $'user/app:2021-03-04T05-06-07Z\nuser/app:p-2021-03-04T06-06-07-01-00' "commit_date with an unquoted format"
pass "Actions context with a shallow workspace"

# outside any repository and outside Actions: a clear error
plain_env
mkdir -p "$T/nogit"
if (cd "$T/nogit" && "$CONVOY" tags --images user/app >"$T/log" 2>&1); then fail "succeeded without git or Actions"; fi
assert_contains "$(cat "$T/log")" "no git repository" "error names the missing repository"
pass "no repository outside Actions"
