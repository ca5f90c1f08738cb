/*
 * registry/delete: removing a manifest by digest (DELETE /v2/<name>/manifests/<digest>, the
 * distribution spec's only way to remove content: a tag goes with the manifest it points
 * at). Registries may refuse deletion altogether (docker-registry without storage.delete
 * answers 405 UNSUPPORTED); registry_delete_probe asks without removing anything.
 */
#ifndef CONVOY_REGISTRY_DELETE_H
#define CONVOY_REGISTRY_DELETE_H

#include "registry/client.h"

/* Deletes the manifest digest from repo (every tag at it goes too). E_NOTFOUND when it is not
 * there (already deleted); E_HTTP naming the registry when deletion is refused. */
int registry_manifest_delete(struct registry *r, const char *repo, const char *digest);

/*
 * Whether repo's registry deletes manifests: a DELETE of a digest no manifest has (the sha256
 * of a fixed string). A 404 (MANIFEST_UNKNOWN) means deletion is enabled; 405 or UNSUPPORTED
 * that it is disabled (E_HTTP, the message names the registry and what to change); 401/403
 * that the credentials may not delete (E_AUTH). Removes nothing.
 */
int registry_delete_probe(struct registry *r, const char *repo);

#endif
