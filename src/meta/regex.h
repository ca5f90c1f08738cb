/*
 * regex: the subset of JavaScript regular expressions that metadata-action users write in
 * `type=match,pattern=...` and `type=semver,match=...` (String.prototype.match semantics):
 * literals, `.`, classes with ranges and \d \w \s, anchors ^ $ \b \B, groups (capturing,
 * (?:...), (?<name>...)), alternation, greedy and lazy quantifiers * + ? {n,m}; flag i.
 * A small backtracking matcher with a step budget, so a hostile pattern cannot hang a build.
 * POSIX regcomp is not used on purpose: its syntax (no \d, no lazy quantifiers) differs from JS.
 */
#ifndef CONVOY_META_REGEX_H
#define CONVOY_META_REGEX_H

#include <stddef.h>

#define META_REGEX_MAX_GROUPS 32

struct meta_regex;

/* Compiles pattern with flags ("i", "g", "m", "s"; others rejected). Error names the problem. */
int meta_regex_compile(struct meta_regex **out, const char *pattern, const char *flags);
void meta_regex_free(struct meta_regex *re);
/* Number of capturing groups (not counting group 0). */
size_t meta_regex_groups(const struct meta_regex *re);

/*
 * First match in s. Returns 1 on a match, 0 on none, negative on error (step budget).
 * caps[2*i], caps[2*i+1]: start/end of group i, -1 when the group did not participate.
 */
int meta_regex_exec(const struct meta_regex *re, const char *s, long caps[2 * META_REGEX_MAX_GROUPS]);

#endif
