/*
 * registry/convert: a local image's manifests in the other family of media types, for a
 * registry or runtime that takes only one: OCI image manifest/index <-> Docker image manifest
 * v2 schema 2 / manifest list, the config's and the layers' media types with them. Blobs are
 * not touched (an image config is the same JSON in both; gzip'd tar layers are the same bytes
 * under either name), so only gzip'd layers convert: an uncompressed or zstd layer, a
 * non-image artifact, annotations, `subject` or `artifactType` have no Docker form and are
 * refused (E_USAGE naming input 'media-types') before anything is pushed. Runs on the loaded
 * source after registry/buildkit (the referrers it made then refer to the converted
 * manifests). No I/O.
 */
#ifndef CONVOY_REGISTRY_CONVERT_H
#define CONVOY_REGISTRY_CONVERT_H

#include "registry/source.h"

enum registry_media_types { REGISTRY_MT_AS_IS, REGISTRY_MT_DOCKER, REGISTRY_MT_OCI };

/* NULL or "" (as is), "docker" or "oci"; E_USAGE naming `what` otherwise. */
int registry_media_types_parse(const char *s, const char *what, enum registry_media_types *out);

/* Rewrites every manifest of s (and its top) into the family `to`; those already in it stay
 * byte for byte. When anything changed, s->source_digest keeps the source's digest. */
int registry_source_convert(struct registry_source *s, enum registry_media_types to);

#endif
