/*
 * registry/lite: the OCI distribution operations that promote, history and rollback need,
 * on top of http/: manifests (HEAD, GET, PUT) by tag or digest, blob existence, cross-
 * repository mounts, blob copies streamed between registries in bounded chunks (never a whole
 * image on disk or in memory), small blob uploads and the referrers API. Auth: anonymous,
 * Basic, and the Bearer token flow, with credentials from --username/--password or a Docker
 * config file (auths). Plain HTTP for loopback and --insecure-registry hosts, else HTTPS.
 *
 * A stopgap written by the promote session while the full registry client (client.h) was not
 * yet available; it is self-contained so it can be replaced by that client without touching
 * the promote logic (promote/ uses only this header).
 */
#ifndef CONVOY_REGISTRY_LITE_H
#define CONVOY_REGISTRY_LITE_H

#include <stddef.h>

#include <jansson.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/strlist.h"

#define REGLITE_MAX_MANIFEST (4 * 1024 * 1024)
#define REGLITE_CHUNK (16 * 1024 * 1024)
#define OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define REGLITE_ACCEPT                                                             \
	"application/vnd.oci.image.index.v1+json, "                                \
	"application/vnd.docker.distribution.manifest.list.v2+json, "              \
	"application/vnd.oci.image.manifest.v1+json, "                             \
	"application/vnd.docker.distribution.manifest.v2+json"

struct reglite;

struct reglite_opts {
	const char *username;        /* for every registry (NULL: none, or from config) */
	const char *password;
	const char *config_path;     /* Docker config.json with "auths" (NULL: none) */
	const struct strlist *insecure_hosts;
	int verbose;
};

int reglite_new(struct reglite **out, const struct reglite_opts *o);
void reglite_free(struct reglite *r);
void reglite_stats(struct reglite *r, struct http_stats *out);

/* "host[:port]/path[:tag][@sha256:...]" split; a bare "host/path" leaves tag/digest NULL. */
struct reglite_ref {
	char *host;
	char *path;
	char *tag;
	char *digest;
};
int reglite_ref_parse(struct reglite_ref *ref, const char *s);
void reglite_ref_free(struct reglite_ref *ref);
/* Splits "host/path" (a pipeline repository) into host and path (malloc'd). */
int reglite_repo_split(const char *repo, char **host, char **path);

struct reglite_manifest {
	struct buf body;
	char *media_type;
	char *digest;   /* sha256 of the body, computed here (never trusted from the server) */
};
void reglite_manifest_free(struct reglite_manifest *m);

/* HEAD: the digest a tag or digest resolves to; E_NOTFOUND when absent (digest malloc'd). */
int reglite_manifest_head(struct reglite *r, const char *host, const char *path, const char *ref,
			  char **digest);
/* GET by tag or digest; checks the digest when ref is one. */
int reglite_manifest_get(struct reglite *r, const char *host, const char *path, const char *ref,
			 struct reglite_manifest *m);
/* PUT under a tag or its digest. *subject_ack: the registry answered OCI-Subject (1.1). */
int reglite_manifest_put(struct reglite *r, const char *host, const char *path, const char *ref,
			 const char *media_type, const struct buf *body, int *subject_ack);

int reglite_blob_exists(struct reglite *r, const char *host, const char *path,
			const char *digest, int *exists);
/* Mounts a blob from another repository of the same registry; *mounted = 0 when refused. */
int reglite_blob_mount(struct reglite *r, const char *host, const char *path,
		       const char *from_path, const char *digest, int *mounted);
/* Copies a blob from one registry to another in chunks (GET Range -> PATCH), checking size. */
int reglite_blob_copy(struct reglite *r, const char *src_host, const char *src_path,
		      const char *dst_host, const char *dst_path, const char *digest, size_t size);
/* Uploads a small in-memory blob (POST + PUT). */
int reglite_blob_put(struct reglite *r, const char *host, const char *path, const char *digest,
		     const void *data, size_t len);
int reglite_blob_get(struct reglite *r, const char *host, const char *path, const char *digest,
		     size_t max, struct buf *out);

/*
 * The referrers of a digest as an OCI index (json_t owned by the caller): from the OCI 1.1
 * referrers API when the registry has it (*api = 1), else from the referrers tag schema
 * (sha256-<hex>; *api = 0). An empty index when there are none.
 */
int reglite_referrers(struct reglite *r, const char *host, const char *path, const char *digest,
		      json_t **index, int *api);

/* "sha256:" + hex of data into out. */
int reglite_digest(struct buf *out, const void *data, size_t len);

#endif
