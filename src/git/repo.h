/*
 * git/repo: the repository facts convoy needs, read with libgit2: HEAD sha, current branch
 * (or detached), the tags pointing at HEAD, the default branch from refs/remotes/origin/HEAD
 * and commit dates. Works on the shallow, tag-less clones actions/checkout makes: nothing
 * here walks history.
 */
#ifndef CONVOY_GIT_REPO_H
#define CONVOY_GIT_REPO_H

#include "util/strlist.h"

struct convoy_git_facts {
	char *workdir;           /* the repository's working directory */
	char *head_sha;          /* NULL when HEAD is unborn */
	char *branch;            /* short name of the checked-out branch; NULL when detached */
	int detached;
	int shallow;
	struct strlist tags_at_head;   /* short names, sorted */
	struct strlist branches_at_head; /* local branches whose tip is HEAD (detached case) */
	char *default_branch;    /* from refs/remotes/origin/HEAD, or NULL */
	long long head_time_ms;  /* committer time of HEAD */
	long long sha_time_ms;   /* committer time of want_sha (0 when unknown) */
};

/*
 * Opens the repository at or above path and reads the facts. want_sha (may be NULL): a commit
 * whose date is wanted too (GITHUB_SHA). Returns E_NOTFOUND when there is no repository.
 */
int convoy_git_facts_read(const char *path, const char *want_sha, struct convoy_git_facts *out);
void convoy_git_facts_free(struct convoy_git_facts *f);

#endif
