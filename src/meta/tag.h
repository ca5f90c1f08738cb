/*
 * tag: the entries of the `tags`, `flavor` and `images` inputs, parsed as metadata-action
 * parses them (one CSV record per entry, key=value fields, defaults per type, priorities,
 * stable sort by priority), plus convoy's `type=run`. Errors name the input and the entry.
 */
#ifndef CONVOY_META_TAG_H
#define CONVOY_META_TAG_H

#include <stddef.h>

#include "util/strlist.h"

enum meta_tag_type {
	META_SCHEDULE, META_SEMVER, META_PEP440, META_MATCH, META_EDGE, META_REF, META_RAW,
	META_SHA, META_RUN,
};

struct meta_tag {
	enum meta_tag_type type;
	char *entry;            /* the entry as written, for messages */
	struct strlist keys;    /* attributes in order of appearance, defaults appended */
	struct strlist vals;
	double priority;
};

struct meta_flavor {
	char latest[8];         /* auto | true | false */
	char *prefix;
	char *suffix;
	int prefix_latest, suffix_latest;
};

struct meta_image {
	char *name;
	int enable;
};

const char *meta_tag_type_name(enum meta_tag_type t);
/* An attribute value, or NULL when the attribute is absent. */
const char *meta_tag_attr(const struct meta_tag *t, const char *key);
int meta_tag_set_attr(struct meta_tag *t, const char *key, const char *val);

/* Parses one entry. */
int meta_tag_parse(const char *entry, struct meta_tag *t);
/* All entries (the default set when empty), sorted by priority, highest first, stable. */
int meta_tags_parse(const struct strlist *entries, struct meta_tag **out, size_t *n);
void meta_tags_free(struct meta_tag *t, size_t n);

int meta_flavor_parse(const struct strlist *entries, struct meta_flavor *f);
void meta_flavor_free(struct meta_flavor *f);

int meta_images_parse(const struct strlist *entries, struct meta_image **out, size_t *n);
void meta_images_free(struct meta_image *im, size_t n);

#endif
