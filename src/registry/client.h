/*
 * registry/client: the OCI distribution client (spec v1.1) on top of http/. One session
 * (struct registry) per registry host holds its credentials, its auth challenge, the token
 * cache (one token per scope) and an http client (its own or shared; thread-safe, so blob
 * workers may call one session concurrently). Every call names the repository so the right
 * scope is requested. Errors: the registry's error JSON is translated into a sentence
 * (DENIED, NAME_UNKNOWN, TAG_INVALID, MANIFEST_INVALID, ECR ImageTagAlreadyExistsException ...),
 * with E_AUTH, E_NOTFOUND, E_CONFLICT, E_INTEGRITY or E_HTTP as the code.
 */
#ifndef CONVOY_REGISTRY_CLIENT_H
#define CONVOY_REGISTRY_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "registry/auth.h"
#include "registry/digest.h"
#include "util/buf.h"
#include "util/strlist.h"

struct rt;
struct registry;

#define REGISTRY_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define REGISTRY_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define REGISTRY_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define REGISTRY_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
/* The Accept header of every manifest request: OCI and Docker, images and indexes. */
#define REGISTRY_ACCEPT_MANIFESTS                                                  \
	REGISTRY_MT_OCI_INDEX ", " REGISTRY_MT_DOCKER_LIST ", " REGISTRY_MT_OCI_MANIFEST \
	", " REGISTRY_MT_DOCKER_MANIFEST
#define REGISTRY_MAX_MANIFEST (4u * 1024 * 1024)

struct registry_opts {
	const char *username;         /* explicit credentials for this host (win over config) */
	const char *password;
	const char *config_dir;       /* Docker config dir; NULL: $DOCKER_CONFIG or ~/.docker */
	int no_config;                /* do not read any Docker config */
	registry_cred_provider cred_provider; /* for ECR hosts without other credentials */
	void *cred_ctx;
	const struct strlist *insecure_hosts; /* plain HTTP allowed (loopback always is) */
	size_t chunk_size;            /* chunked uploads: 0 = monolithic PUT first, per-registry
					 chunk size on fallback; else always chunked with it */
	struct http_client *http;     /* shared client, or NULL to create one from http_opts */
	const struct http_opts *http_opts; /* NULL: http_opts_defaults() */
	struct rt *rt;                /* for masking tokens and passwords; may be NULL */
	int lazy_auth;                /* no GET /v2/ first: the first request goes without
					 credentials and learns the challenge from its 401 (one
					 round trip less on an anonymous registry) */
	int verbose;
};

/* Opens a session for host ("ghcr.io", "localhost:5000"; docker.io is mapped to its API host).
 * No network traffic yet. */
int registry_open(struct registry **out, const char *host, const struct registry_opts *o);
void registry_close(struct registry *r);
const char *registry_host(const struct registry *r);
struct http_client *registry_http(struct registry *r);
/* The per-registry chunk size for chunked uploads (ECR >= 5 MiB, GHCR <= 4 MiB). */
size_t registry_chunk_size(const struct registry *r);

/* GET /v2/: learns the auth challenge; E_AUTH with a clear message when credentials are bad. */
int registry_ping(struct registry *r);

struct registry_manifest {
	char *media_type; /* from the body's mediaType, else Content-Type */
	char *digest;     /* sha256 of the body, computed here and checked against the server */
	struct buf body;
};
void registry_manifest_free(struct registry_manifest *m);

/* GET a manifest by tag or digest (ref); checks the digest when ref is one and verifies
 * Docker-Content-Digest. E_NOTFOUND when absent. */
int registry_manifest_get(struct registry *r, const char *repo, const char *ref,
			  struct registry_manifest *out);
/* HEAD: the digest (and media type) a tag or digest resolves to; E_NOTFOUND when absent.
 * Either out pointer may be NULL; strings are malloc'd. */
int registry_manifest_head(struct registry *r, const char *repo, const char *ref,
			   char **digest, char **media_type);
/* The digest ref resolves to, verified: the manifest is read (GET, no more round trips than a
 * HEAD) and hashed, so a digest that feeds a record or a decision is one that exists. A
 * Docker-Content-Digest that disagrees with the content is read again, then E_INTEGRITY
 * ("the registry answered an inconsistent digest"); E_NOTFOUND when absent. malloc'd. */
int registry_manifest_digest(struct registry *r, const char *repo, const char *ref,
			     char **digest);
/* PUT under ref (tag or digest) with the given media type; checks the digest the registry
 * answers (Docker-Content-Digest) against the body's. *subject_ack (may be NULL) = 1 when the
 * registry answered OCI-Subject (a claim only: registries have sent it without serving the
 * referrers API; registry_referrers_supported() is the proof). E_SUBJECT when the registry
 * refused (400, 405) a manifest whose subject is an image index, as ECR does. */
int registry_manifest_put(struct registry *r, const char *repo, const char *ref,
			  const char *media_type, const void *body, size_t len, int *subject_ack);

/* HEAD a blob. *exists = 1/0; *size (may be NULL) from Content-Length. */
int registry_blob_exists(struct registry *r, const char *repo, const char *digest, int *exists,
			 uint64_t *size);
/* Cross-repository mount from another repository of the same registry. *mounted = 0 when the
 * registry answered 202 (mount refused; the opened upload session is cancelled). */
int registry_blob_mount(struct registry *r, const char *repo, const char *digest,
			const char *from_repo, int *mounted);

/* A blob body for upload: read returns bytes (0 = end, (size_t)-1 = error with err_set);
 * rewind restarts it from the beginning (for retries). */
struct registry_blob_body {
	http_read_fn read;
	http_rewind_fn rewind;
	void *ctx;
};
struct registry_upload_stats {
	uint64_t bytes_sent;
	unsigned requests;
	int chunked; /* the chunked PATCH path was used */
};
/* Uploads a blob of known digest and size: POST + one PUT with the body, falling back to
 * chunked PATCH uploads (per-registry chunk size) when the registry refuses a monolithic PUT
 * or a chunk size was configured. stats may be NULL. */
int registry_blob_upload(struct registry *r, const char *repo, const char *digest, uint64_t size,
			 const struct registry_blob_body *body, struct registry_upload_stats *stats);
/* Mount from from_repo (same registry) when it has the blob, else upload: the POST that asks
 * for the mount opens the upload session when the registry refuses it (202), so a refused
 * mount costs no extra request. *was_mounted (may be NULL) = 1 when mounted. */
int registry_blob_upload_from(struct registry *r, const char *repo, const char *digest,
			      uint64_t size, const struct registry_blob_body *body,
			      const char *from_repo, struct registry_upload_stats *stats,
			      int *was_mounted);
/* Uploads a small in-memory blob (configs). */
int registry_blob_upload_buf(struct registry *r, const char *repo, const char *digest,
			     const void *data, size_t len);
int registry_blob_upload_buf_from(struct registry *r, const char *repo, const char *digest,
				  const void *data, size_t len, const char *from_repo,
				  int *was_mounted);
/* GET a blob streamed to write (follows redirects to blob storage without credentials);
 * verifies size (when expected_size != 0) and digest at the end: E_INTEGRITY on mismatch. */
int registry_blob_get(struct registry *r, const char *repo, const char *digest,
		      uint64_t expected_size, http_write_fn write, void *ctx);

/* All tags of repo (follows Link pagination). */
int registry_tag_list(struct registry *r, const char *repo, struct strlist *out);

/*
 * The escape hatch for APIs not wrapped here (referrers, catalog): performs req against
 * path ("/v2/<repo>/referrers/<digest>"; the host is prepended) with auth for repo
 * (actions "pull" or "pull,push"), re-authenticating once on 401. The caller checks status.
 */
int registry_request(struct registry *r, const char *repo, const char *actions,
		     struct http_request *req, const char *path, struct http_response *resp);
/* Whether an error is worth another attempt: transport and server trouble (E_NET, E_TIMEOUT,
 * E_HTTP); integrity, auth and usage errors are final. */
int registry_error_retryable(int rc);
/* Sets the error from a non-2xx response (registry error JSON -> sentence) and returns it. */
int registry_error_from_response(const struct http_response *resp, const char *what);

#endif
