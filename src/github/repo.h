/*
 * github/repo: GET /repos/{owner}/{repo}, the repository data metadata-action reads for its
 * OCI labels (name, description, html_url, license.spdx_id, default_branch).
 */
#ifndef CONVOY_GITHUB_REPO_H
#define CONVOY_GITHUB_REPO_H

struct github_client;

struct github_repo {
	char *name;
	char *description;
	char *html_url;
	char *license;          /* spdx_id */
	char *default_branch;
};

/* Fetches "owner/name". E_HTTP/E_NET/E_AUTH/E_NOTFOUND with the message set. */
int github_repo_get(struct github_client *c, const char *repository, struct github_repo *out);
void github_repo_free(struct github_repo *r);

#endif
