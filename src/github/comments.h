/*
 * github/comments: issue and pull-request comments (a pull request is an issue for comments):
 * find the one carrying a marker across all pages, create, update in place, delete.
 */
#ifndef CONVOY_GITHUB_COMMENTS_H
#define CONVOY_GITHUB_COMMENTS_H

#include "github/client.h"

struct github_comment {
	long long id;
	char *html_url;
	char *body;
};

void github_comment_free(struct github_comment *cm);

/*
 * The first comment of issue whose body begins with marker (a marker quoted further down, e.g.
 * inside a plan, does not count); *found 0 when none. Searches every page.
 */
int github_comment_find(struct github_client *c, const char *repo, long issue,
			const char *marker, struct github_comment *out, int *found);
int github_comment_create(struct github_client *c, const char *repo, long issue,
			  const char *body, struct github_comment *out);
int github_comment_update(struct github_client *c, const char *repo, long long id,
			  const char *body, struct github_comment *out);
/* Deleting a comment that is already gone succeeds. */
int github_comment_delete(struct github_client *c, const char *repo, long long id);

#endif
