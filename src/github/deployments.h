/*
 * github/deployments: GitHub deployments and their statuses, so that the repository's
 * Environments page shows what runs where: a deployment per promotion, rollback or deploy
 * (environment = the stage), then in_progress, success or failure, and inactive for the one
 * it replaces.
 */
#ifndef CONVOY_GITHUB_DEPLOYMENTS_H
#define CONVOY_GITHUB_DEPLOYMENTS_H

#include <jansson.h>

#include "github/client.h"

struct github_deployment {
	const char *ref;          /* the commit (sha) the image was built from */
	const char *environment;  /* the stage */
	const char *description;
	json_t *payload;          /* borrowed: {"digest", "tags", ...} */
	int production;           /* the pipeline's last stage */
};

/* Creates it (no auto-merge, no required status contexts: the image exists already). */
int github_deployment_create(struct github_client *c, const char *repo,
			     const struct github_deployment *d, long long *id);
/* state: in_progress, success, failure, error or inactive; the URLs may be NULL. */
int github_deployment_status(struct github_client *c, const char *repo, long long id,
			     const char *state, const char *environment_url, const char *log_url,
			     const char *description);
/*
 * The deployment that `id` replaces in environment (the newest other one whose latest status
 * is success) gets an inactive status; *replaced its id (0: none).
 */
int github_deployment_replace(struct github_client *c, const char *repo, const char *environment,
			      long long id, long long *replaced);

#endif
