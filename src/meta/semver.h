/*
 * semver: versions as node-semver (v7) parses them, since metadata-action's `type=semver` is
 * defined by it: semver.valid() (strict, leading 'v' or '=' allowed, surrounding space trimmed)
 * and the fields a pattern can use ({{major}}, {{minor}}, {{patch}}, {{version}},
 * {{prerelease}}, {{build}}, {{raw}}). Pure.
 */
#ifndef CONVOY_META_SEMVER_H
#define CONVOY_META_SEMVER_H

#include "util/strlist.h"

struct meta_semver {
	char *raw;               /* the input as given */
	char *version;           /* "1.2.3-rc.1" (no build) */
	unsigned long long major, minor, patch;
	struct strlist prerelease; /* identifiers */
	struct strlist build;
};

/* 1 and fills v when s is a valid (strict) semver, 0 when not; negative on OOM. */
int meta_semver_parse(const char *s, struct meta_semver *v);
void meta_semver_free(struct meta_semver *v);
/* Compares precedence (build ignored): <0, 0, >0. */
int meta_semver_compare(const struct meta_semver *a, const struct meta_semver *b);

#endif
