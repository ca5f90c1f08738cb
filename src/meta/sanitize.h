/*
 * sanitize: tag and image name rules. Two layers: metadata-action's own (runs of characters
 * outside [A-Za-z0-9._-] become '-', image names lower-cased), then the registry's grammar
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: leading '.'/'-' are removed and an over-long tag is
 * shortened deterministically, keeping a hash of the full tag so two long branches that
 * share a prefix cannot collide. Pure.
 */
#ifndef CONVOY_META_SANITIZE_H
#define CONVOY_META_SANITIZE_H

#include "util/buf.h"
#include "util/strlist.h"

#define META_TAG_MAX 128

/* metadata-action's sanitizeTag: replaces runs of [^a-zA-Z0-9._-] with '-' (malloc'd). */
char *meta_sanitize_compat_dup(const char *s);
/*
 * Makes *tag valid for a registry (may replace *tag). Appends a warning to warnings when it
 * changed something. Sets *tag to NULL when nothing valid remains (the caller drops it).
 */
int meta_sanitize_registry(char **tag, struct strlist *warnings);
/* Whether s matches the registry's tag grammar. */
int meta_tag_is_valid(const char *s);
/* Validates an image name (lower-cased by the caller): [host[:port]/]path, no tag/digest. */
int meta_image_name_valid(const char *name, const char **why);

#endif
