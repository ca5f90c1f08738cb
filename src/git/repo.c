/* git/repo: repository facts through libgit2. See repo.h. */
#include "git/repo.h"

#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/err.h"

struct tag_walk {
	git_repository *repo;
	const git_oid *head;
	struct strlist *out;
	int rc;
};

static int git_err(int code, const char *what)
{
	const git_error *e = git_error_last();

	return err_set(code, "git: %s: %s", what, e && e->message ? e->message : "unknown error");
}

static int on_tag(const char *name, git_oid *oid, void *payload)
{
	struct tag_walk *w = payload;
	git_object *obj = NULL, *peeled = NULL;

	if (git_object_lookup(&obj, w->repo, oid, GIT_OBJECT_ANY))
		return 0; /* a tag whose object a shallow clone does not have */
	if (!git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) &&
	    git_oid_equal(git_object_id(peeled), w->head)) {
		const char *shortname = !strncmp(name, "refs/tags/", 10) ? name + 10 : name;

		if (strlist_add(w->out, shortname))
			w->rc = err_set(E_NOMEM, "out of memory");
	}
	git_object_free(peeled);
	git_object_free(obj);
	return w->rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long long commit_ms(git_repository *repo, const git_oid *oid)
{
	git_commit *c = NULL;
	long long ms = 0;

	if (!git_commit_lookup(&c, repo, oid)) {
		ms = (long long)git_commit_committer(c)->when.time * 1000;
		git_commit_free(c);
	}
	return ms;
}

static int branches_at(git_repository *repo, const git_oid *head, struct strlist *out)
{
	git_branch_iterator *it = NULL;
	git_reference *ref;
	git_branch_t type;
	int rc = 0;

	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_LOCAL))
		return 0;
	while (!rc && !git_branch_next(&ref, &type, it)) {
		const git_oid *t = git_reference_target(ref);
		const char *name;

		if (t && git_oid_equal(t, head) && !git_branch_name(&name, ref))
			if (strlist_add(out, name))
				rc = err_set(E_NOMEM, "out of memory");
		git_reference_free(ref);
	}
	git_branch_iterator_free(it);
	return rc;
}

int convoy_git_facts_read(const char *path, const char *want_sha, struct convoy_git_facts *out)
{
	git_repository *repo = NULL;
	git_reference *head = NULL, *origin = NULL;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	int rc = 0, r;

	memset(out, 0, sizeof(*out));
	git_libgit2_init();
	r = git_repository_open_ext(&repo, path, 0, NULL);
	if (r == GIT_ENOTFOUND) {
		rc = err_set(E_NOTFOUND, "no git repository at or above %s", path);
		goto out;
	}
	if (r) {
		rc = git_err(E_IO, "opening the repository");
		goto out;
	}
	if (git_repository_workdir(repo) && !(out->workdir = strdup(git_repository_workdir(repo))))
		goto oom;
	out->shallow = git_repository_is_shallow(repo) == 1;
	out->detached = git_repository_head_detached(repo) == 1;
	r = git_repository_head(&head, repo);
	if (r == 0) {
		const git_oid *t = git_reference_target(head);

		if (!out->detached && git_reference_is_branch(head) &&
		    !(out->branch = strdup(git_reference_shorthand(head))))
			goto oom;
		if (t) {
			struct tag_walk w = { repo, t, &out->tags_at_head, 0 };

			git_oid_tostr(hex, sizeof(hex), t);
			if (!(out->head_sha = strdup(hex)))
				goto oom;
			out->head_time_ms = commit_ms(repo, t);
			if ((r = git_tag_foreach(repo, on_tag, &w)) && w.rc) {
				rc = w.rc;
				goto out;
			}
			if (out->tags_at_head.len > 1)
				qsort(out->tags_at_head.items, out->tags_at_head.len, sizeof(char *),
				      cmp_str);
			if (out->detached && (rc = branches_at(repo, t, &out->branches_at_head)))
				goto out;
		}
	} else if (r != GIT_EUNBORNBRANCH && r != GIT_ENOTFOUND) {
		rc = git_err(E_IO, "reading HEAD");
		goto out;
	} else {
		/* unborn: the branch name is still known from the symbolic HEAD */
		git_reference *sym = NULL;

		if (!git_reference_lookup(&sym, repo, "HEAD")) {
			const char *target = git_reference_symbolic_target(sym);

			if (target && !strncmp(target, "refs/heads/", 11) &&
			    !(out->branch = strdup(target + 11))) {
				git_reference_free(sym);
				goto oom;
			}
			git_reference_free(sym);
		}
	}
	if (!git_reference_lookup(&origin, repo, "refs/remotes/origin/HEAD")) {
		const char *target = git_reference_symbolic_target(origin);

		if (target && !strncmp(target, "refs/remotes/origin/", 20) &&
		    !(out->default_branch = strdup(target + 20)))
			goto oom;
	}
	if (want_sha && *want_sha && !git_oid_fromstr(&oid, want_sha))
		out->sha_time_ms = commit_ms(repo, &oid);
	goto out;
oom:
	rc = err_set(E_NOMEM, "out of memory");
out:
	git_reference_free(origin);
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (rc)
		convoy_git_facts_free(out);
	return rc;
}

void convoy_git_facts_free(struct convoy_git_facts *f)
{
	if (!f)
		return;
	free(f->workdir);
	free(f->head_sha);
	free(f->branch);
	free(f->default_branch);
	strlist_clear(&f->tags_at_head);
	strlist_clear(&f->branches_at_head);
	memset(f, 0, sizeof(*f));
}
