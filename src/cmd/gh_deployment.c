/* gh_deployment: GitHub deployments for promote, rollback and deploy; see gh_deployment.h. */
#include "cmd/gh_deployment.h"

#include <stdlib.h>
#include <string.h>

#include "actions/command.h"
#include "actions/context.h"
#include "github/deployments.h"
#include "util/err.h"

struct gh_deployment {
	struct github_client *c;
	struct gh_context ctx;
	char *environment;
	char *run_url;
	long long id;
};

/* The command's own error (a failed promotion reported after this) survives what is done
 * here: saved on the way in, put back on the way out. */
struct saved_err {
	int code;
	char *msg;
};

static void err_keep(struct saved_err *e)
{
	e->code = err_code();
	e->msg = e->code ? strdup(err_msg()) : NULL;
}

static void err_restore(struct saved_err *e)
{
	err_clear();
	if (e->code)
		err_set(e->code, "%s", e->msg ? e->msg : "");
	free(e->msg);
}

static void drop(struct gh_deployment *d)
{
	if (!d)
		return;
	github_client_free(d->c);
	gh_context_free(&d->ctx);
	free(d->environment);
	free(d->run_url);
	free(d);
}

static void warn(struct rt *rt, const char *environment, const char *what)
{
	wf_warning(rt, "GitHub deployment", "%s in '%s' is not shown as a GitHub deployment: %s "
		   "(the job needs `permissions: deployments: write`; `github-deployments: false` "
		   "turns this off)", what, environment, err_msg());
	err_clear();
}

void gh_deployment_begin(struct rt *rt, const struct inputs *in, const char *environment,
			 const char *ref, json_t *payload, int production, const char *what,
			 int in_progress, struct gh_deployment **out)
{
	static const char *const vars[] = { "GITHUB_TOKEN", "GH_TOKEN" };
	struct gh_deployment *d = NULL;
	struct github_deployment dep = { 0 };
	const char *token = inputs_get(in, "github-token");
	struct saved_err saved;
	int on = 1, rc;

	err_keep(&saved);
	*out = NULL;
	if (inputs_get_bool(in, "github-deployments", &on) || !on || !rt->actions) {
		err_clear();
		goto out;
	}
	for (size_t i = 0; !token && i < sizeof(vars) / sizeof(*vars); i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			token = getenv(vars[i]);
	if (!(d = calloc(1, sizeof(*d))) || gh_context_load(&d->ctx) || !d->ctx.repository) {
		err_clear();
		goto out;
	}
	if (!token) {
		rt_info(rt, "GitHub deployment: skipped (no token: give github-token)");
		goto out;
	}
	if ((rc = rt_mask(rt, token)) ||
	    (rc = github_client_new(&d->c, d->ctx.api_url, token, NULL))) {
		warn(rt, environment, what);
		goto out;
	}
	d->environment = strdup(environment);
	d->run_url = gh_context_run_url_dup(&d->ctx);
	dep.ref = ref ? ref : d->ctx.sha;
	dep.environment = environment;
	dep.description = what;
	dep.payload = payload;
	dep.production = production;
	if (!d->environment || !dep.ref) {
		err_set(E_USAGE, "no commit to deploy (GITHUB_SHA is not set)");
		warn(rt, environment, what);
		goto out;
	}
	if ((rc = github_deployment_create(d->c, d->ctx.repository, &dep, &d->id)) ||
	    (in_progress && (rc = github_deployment_status(d->c, d->ctx.repository, d->id,
							   "in_progress", NULL, d->run_url, what)))) {
		warn(rt, environment, what);
		goto out;
	}
	rt_info(rt, "GitHub deployment %lld: %s in '%s'", d->id, what, environment);
	*out = d;
	d = NULL;
out:
	json_decref(payload);
	drop(d);
	err_restore(&saved);
}

void gh_deployment_end(struct rt *rt, struct gh_deployment *d, int ok, const char *environment_url,
		       const char *description)
{
	struct saved_err saved;
	long long replaced = 0;

	if (!d)
		return;
	err_keep(&saved);
	if (github_deployment_status(d->c, d->ctx.repository, d->id, ok ? "success" : "failure",
				     environment_url, d->run_url, description) ||
	    (ok && github_deployment_replace(d->c, d->ctx.repository, d->environment, d->id,
					     &replaced)))
		warn(rt, d->environment, description);
	else
		rt_info(rt, "GitHub deployment %lld: %s%s", d->id, ok ? "success" : "failure",
			replaced ? "; the one it replaces is inactive" : "");
	if (replaced)
		rt_debug(rt, "GitHub deployment %lld: inactive", replaced);
	drop(d);
	err_restore(&saved);
}
