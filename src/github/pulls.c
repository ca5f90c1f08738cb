/* github/pulls: the pull requests associated with a commit (for `push` events). */
#include "github/pulls.h"

#include <string.h>

#include "util/err.h"

struct first_open {
	long number;
};

static int take_open(json_t *item, void *ctx)
{
	struct first_open *f = ctx;
	const char *state = json_string_value(json_object_get(item, "state"));
	json_t *n = json_object_get(item, "number");

	if (!state || strcmp(state, "open") || !json_is_integer(n))
		return 0;
	f->number = (long)json_integer_value(n);
	return 1;
}

int github_pulls_for_commit(struct github_client *c, const char *repo, const char *sha,
			    long *number)
{
	struct buf path = BUF_INIT;
	struct first_open f = { 0 };
	int rc;

	*number = 0;
	for (const char *s = sha; s && *s; s++)
		if (!strchr("0123456789abcdefABCDEF", *s))
			return err_set(E_USAGE, "commit '%s' is not a hexadecimal SHA", sha);
	if (!sha || !*sha)
		return err_set(E_USAGE, "no commit SHA to look up pull requests for");
	if ((rc = github_repo_path(&path, repo)) ||
	    (rc = buf_printf(&path, "/commits/%s/pulls?per_page=100", sha)) ||
	    (rc = github_list(c, buf_cstr(&path), 10, take_open, &f)))
		goto out;
	*number = f.number;
out:
	buf_free(&path);
	return rc;
}
