/*
 * registry/source: local images to push. Three formats, detected from the path:
 *   - an OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>);
 *   - an OCI archive: a tar of such a layout (blobs are read in place from the tar);
 *   - a `docker save` tarball (manifest.json + <config>.json + layer tars): layers are
 *     recompressed to gzip (deterministically, mtime 0) into a temp directory and a Docker
 *     schema 2 manifest is built. A docker save tarball that holds an OCI layout (docker 25+)
 *     is read as an OCI archive.
 * An index with several manifests (multi-platform) is pushed whole. Every blob's size and
 * digest are verified while it is read: a reader returns an error at the end of a corrupt blob.
 */
#ifndef CONVOY_REGISTRY_SOURCE_H
#define CONVOY_REGISTRY_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum registry_source_kind { SOURCE_OCI_DIR, SOURCE_OCI_ARCHIVE, SOURCE_DOCKER_ARCHIVE };

struct registry_blob_desc {
	char *digest;
	uint64_t size;
	char *media_type;
};

/* One image manifest (a platform). */
struct registry_image {
	char *platform;      /* "linux/amd64", "linux/arm64/v8", or NULL when unknown */
	char *media_type;
	char *digest;
	struct buf manifest; /* the exact bytes to push */
	struct registry_blob_desc config;
	struct registry_blob_desc *layers;
	size_t nlayers;
	/* A referrer (registry/buildkit: an attestation moved out of the index): the digest of
	 * the manifest it refers to, and its artifactType; NULL for an image. */
	char *subject;
	char *artifact_type;
};

struct registry_source {
	enum registry_source_kind kind;
	char *path;
	/* What the tags point at: the index when there is one, else the single image. */
	char *media_type;
	char *digest;
	struct buf top;               /* bytes of the top manifest (index or image) */
	int is_index;
	struct registry_image *images;
	size_t nimages;
	/* Pushed after the top manifest, each referring to one of images (registry/buildkit). */
	struct registry_image *referrers;
	size_t nreferrers;
	char *source_digest;          /* the source's own top digest when reshaped, else NULL */
	size_t nattestations;         /* BuildKit attestation manifests the source's index had */
	void *priv;                   /* blob locations, temp dir */
};

/*
 * Opens path. With several images in index.json (an OCI layout holding several tagged images),
 * pick selects one by its org.opencontainers.image.ref.name annotation (NULL: require exactly one).
 */
int registry_source_open(struct registry_source **out, const char *path, const char *pick);
/* Fills the platform of every image that has none from its config (os/architecture/variant),
 * where the layout holds the config; best effort (an image's platform stays NULL). */
int registry_source_platforms(struct registry_source *s);
void registry_source_free(struct registry_source *s);
void registry_image_free(struct registry_image *im);
const char *registry_source_kind_name(enum registry_source_kind k);

/* A verifying blob reader: read() fails with E_INTEGRITY at the end when size or digest are
 * not as declared, and with E_NOTFOUND/E_IO when the blob is missing. Thread-safe per reader. */
struct registry_blob_reader;
int registry_source_blob_open(struct registry_source *s, const char *digest,
			      struct registry_blob_reader **out);
size_t registry_blob_reader_read(char *dst, size_t n, void *reader);
int registry_blob_reader_rewind(void *reader);
void registry_blob_reader_close(struct registry_blob_reader *rd);
/* Reads a whole (small) blob, verified. */
int registry_source_blob_read(struct registry_source *s, const char *digest, size_t max,
			      struct buf *out);

#endif
