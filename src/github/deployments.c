/* github/deployments: create deployments and statuses, inactivate the replaced one. */
#include "github/deployments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

int github_deployment_create(struct github_client *c, const char *repo,
			     const struct github_deployment *d, long long *id)
{
	struct buf path = BUF_INIT;
	struct github_response r = { 0 };
	json_t *body = json_pack("{s:s, s:s, s:s, s:b, s:[], s:o, s:b, s:b, s:s*}", "ref", d->ref,
				 "task", "deploy", "environment", d->environment, "auto_merge", 0,
				 "required_contexts", "payload",
				 d->payload ? json_incref(d->payload) : json_object(),
				 "production_environment", d->production, "transient_environment", 0,
				 "description", d->description);
	int rc;

	*id = 0;
	if (!body)
		return err_set(E_NOMEM, "out of memory");
	if (!(rc = github_repo_path(&path, repo)) && !(rc = buf_puts(&path, "/deployments")) &&
	    !(rc = github_request(c, "POST", buf_cstr(&path), body, 0, &r))) {
		json_t *j = json_object_get(r.json, "id");

		if (r.status != 201 || !json_is_integer(j))
			/* 202: "Auto-merged ... " or a merge is required: not a deployment */
			rc = err_set(E_HTTP, "creating a deployment of %s to '%s': GitHub answered %ld "
					     "without a deployment", d->ref, d->environment, r.status);
		else
			*id = json_integer_value(j);
	}
	json_decref(body);
	github_response_free(&r);
	buf_free(&path);
	return rc;
}

int github_deployment_status(struct github_client *c, const char *repo, long long id,
			     const char *state, const char *environment_url, const char *log_url,
			     const char *description)
{
	struct buf path = BUF_INIT;
	struct github_response r = { 0 };
	json_t *body = json_pack("{s:s, s:s*, s:s*, s:s*, s:b}", "state", state, "environment_url",
				 environment_url, "log_url", log_url, "description", description,
				 "auto_inactive", 0);
	int rc;

	if (!body)
		return err_set(E_NOMEM, "out of memory");
	if (!(rc = github_repo_path(&path, repo)) &&
	    !(rc = buf_printf(&path, "/deployments/%lld/statuses", id)))
		rc = github_request(c, "POST", buf_cstr(&path), body, 0, &r);
	json_decref(body);
	github_response_free(&r);
	buf_free(&path);
	return rc;
}

/* The state of a deployment's newest status ("" when it has none), into *state. */
static int latest_state(struct github_client *c, const char *repo, long long id, char *state,
			size_t len)
{
	struct buf path = BUF_INIT;
	struct github_response r = { 0 };
	int rc;

	state[0] = '\0';
	if (!(rc = github_repo_path(&path, repo)) &&
	    !(rc = buf_printf(&path, "/deployments/%lld/statuses?per_page=1", id)) &&
	    !(rc = github_request(c, "GET", buf_cstr(&path), NULL, 0, &r))) {
		const char *s = json_string_value(json_object_get(json_array_get(r.json, 0), "state"));

		snprintf(state, len, "%s", s ? s : "");
	}
	github_response_free(&r);
	buf_free(&path);
	return rc;
}

int github_deployment_replace(struct github_client *c, const char *repo, const char *environment,
			      long long id, long long *replaced)
{
	struct buf path = BUF_INIT, env = BUF_INIT;
	struct github_response r = { 0 };
	char state[32];
	int rc;

	*replaced = 0;
	/* Newest first, as GitHub lists them; the one before ours is what it replaces. */
	if ((rc = github_repo_path(&path, repo)) || (rc = http_url_escape(&env, environment)) ||
	    (rc = buf_printf(&path, "/deployments?environment=%s&per_page=10", buf_cstr(&env))) ||
	    (rc = github_request(c, "GET", buf_cstr(&path), NULL, 0, &r)))
		goto out;
	for (size_t i = 0; i < json_array_size(r.json) && !rc; i++) {
		json_t *j = json_object_get(json_array_get(r.json, i), "id");
		long long other = json_integer_value(j);

		if (!json_is_integer(j) || other == id)
			continue;
		if ((rc = latest_state(c, repo, other, state, sizeof(state))))
			break;
		if (!strcmp(state, "success")) {
			if (!(rc = github_deployment_status(c, repo, other, "inactive", NULL, NULL,
							    "replaced by a newer deployment")))
				*replaced = other;
			break;
		}
	}
out:
	github_response_free(&r);
	buf_free(&path);
	buf_free(&env);
	return rc;
}
