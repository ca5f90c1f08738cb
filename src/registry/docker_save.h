/*
 * registry/docker_save: converts a legacy `docker save` tarball (manifest.json, <config>.json,
 * <id>/layer.tar) into an OCI image layout in a temporary directory, with every layer
 * recompressed to gzip deterministically (no name, mtime 0) and a Docker schema 2 manifest,
 * so the rest of the push reads it like any layout. Used by registry/source.
 */
#ifndef CONVOY_REGISTRY_DOCKER_SAVE_H
#define CONVOY_REGISTRY_DOCKER_SAVE_H

#include <stdint.h>

/* Reads one member of the tarball: fd + byte range (the caller closes fd). */
typedef int (*docker_save_open_fn)(void *ctx, const char *name, int *fd, uint64_t *off,
				   uint64_t *size);

/* Writes the layout into a new temp directory; *dir_out (malloc'd) names it. */
int docker_save_to_layout(const char *path, docker_save_open_fn open_member, void *ctx,
			  char **dir_out);
/* Removes a directory made by docker_save_to_layout (NULL is fine). */
void docker_save_remove(const char *dir);

#endif
