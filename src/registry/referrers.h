/*
 * registry/referrers: the artifacts that refer to a manifest (OCI 1.1 `subject`), from the
 * referrers API (GET /v2/<repo>/referrers/<digest>) where the registry has it, else from the
 * referrers tag schema: a tag "sha256-<hex>" pointing at an OCI index of the referrers, which
 * the writer maintains (read, append, put). Answers are untrusted: checked to be an index.
 * Registries as they are: the API is there only when a GET of it answers an index (an
 * OCI-Subject header on a PUT is a claim, not proof: Docker Hub, ECR); a registry that
 * refuses a manifest whose subject is an image index (ECR: E_SUBJECT from the PUT) keeps
 * the writers' fallbacks in the tag schema, which registry_referrers_list() reads too.
 */
#ifndef CONVOY_REGISTRY_REFERRERS_H
#define CONVOY_REGISTRY_REFERRERS_H

#include <jansson.h>

#include "registry/client.h"
#include "util/buf.h"

/* The referrers API: *index (caller's) on 200; E_NOTFOUND when the registry has no such API. */
int registry_referrers_api(struct registry *r, const char *repo, const char *digest,
			   json_t **index);
/* Whether the registry has the referrers API in repo (asks about a digest nothing refers to;
 * no answer counts as no API). Clears the error. */
int registry_referrers_supported(struct registry *r, const char *repo);
/* The tag schema: the index under "sha256-<hex>" (an empty index when the tag is absent). */
int registry_referrers_tag_get(struct registry *r, const char *repo, const char *digest,
			       json_t **index);
/* The API's listing, completed from the tag schema where the registry refused the subject:
 * a registry that refuses manifests whose subject is an image index (ECR) lists nothing for
 * an index, and its referrers were written to the tag schema instead. So an empty listing is
 * followed by a HEAD of the subject and, for an index, a read of its "sha256-<hex>" tag.
 * E_NOTFOUND when the registry has no such API. */
int registry_referrers_list(struct registry *r, const char *repo, const char *digest,
			    json_t **index);
/* Either: the API when present (*api = 1, registry_referrers_list), else the tag schema
 * (*api = 0). */
int registry_referrers_get(struct registry *r, const char *repo, const char *digest,
			   json_t **index, int *api);
/* The tag schema's writer: adds desc (a manifest descriptor, borrowed) to the "sha256-<hex>"
 * index of subject unless a descriptor of that digest is there; puts the index only then. */
int registry_referrers_tag_add(struct registry *r, const char *repo, const char *subject,
			       json_t *desc);
/* Whether a manifest body has a `subject` whose mediaType is an image index (OCI or Docker). */
int registry_manifest_subject_is_index(const void *body, size_t len);
/* The same manifest without its `subject` into out (for a writer whose own manifest the
 * registry refused for its subject: it is then listed in the tag schema index instead). */
int registry_manifest_drop_subject(struct buf *out, const void *body, size_t len);
/* "sha256-<hex>" of a digest into tag. */
int registry_referrers_tag_name(struct buf *tag, const char *digest);

#endif
