/*
 * gh_deployment: promote, rollback and deploy shown on GitHub as deployments (environment =
 * the stage), so the repository's Environments page tells what runs where. Visibility only:
 * it never fails the command; what it cannot do is a warning that says what to fix (the job's
 * `permissions: deployments: write`). Runs under GitHub Actions with a repository and a token;
 * `github-deployments: false` opts out.
 */
#ifndef CONVOY_CMD_GH_DEPLOYMENT_H
#define CONVOY_CMD_GH_DEPLOYMENT_H

#include <jansson.h>

#include "actions/input.h"
#include "actions/runtime.h"

#define GH_DEPLOYMENT_INPUTS                                                                    \
	{ "github-deployments", IN_BOOL, "true",                                                \
	  "under GitHub Actions, show it as a GitHub deployment of the stage (environment), with its statuses" }, \
	{ "github-token", IN_SECRET, NULL,                                                      \
	  "token for the GitHub deployments (default: $GITHUB_TOKEN, $GH_TOKEN; the job needs permissions: deployments: write)" }

struct gh_deployment;

/*
 * Starts one: a deployment of ref (NULL: GITHUB_SHA) to environment with payload (stolen),
 * and, with in_progress, its in_progress status. *out is NULL when it is off, not under
 * Actions, or could not be created (warned).
 */
void gh_deployment_begin(struct rt *rt, const struct inputs *in, const char *environment,
			 const char *ref, json_t *payload, int production, const char *what,
			 int in_progress, struct gh_deployment **out);
/* Ends it: success (and inactive for the deployment it replaces) or failure. Frees d. */
void gh_deployment_end(struct rt *rt, struct gh_deployment *d, int ok, const char *environment_url,
		       const char *description);

#endif
