/* github/pulls: pull requests, e.g. the open pull request a pushed commit belongs to. */
#ifndef CONVOY_GITHUB_PULLS_H
#define CONVOY_GITHUB_PULLS_H

#include "github/client.h"

/*
 * GET /repos/{owner}/{repo}/commits/{sha}/pulls: the number of the first open pull request
 * associated with sha; *number 0 when there is none.
 */
int github_pulls_for_commit(struct github_client *c, const char *repo, const char *sha,
			    long *number);

#endif
