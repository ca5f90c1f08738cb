/*
 * suggest: the nearest name to a misspelt one ("did you mean 'promote'?"), as git's
 * help.autocorrect does: Damerau-Levenshtein distance (a swap of two neighbours counts once),
 * accepted only when it is small against the length of the word.
 */
#ifndef CONVOY_UTIL_SUGGEST_H
#define CONVOY_UTIL_SUGGEST_H

#include <stddef.h>

/* Edit distance of a[0..an) and b[0..bn) (insert, delete, substitute, swap neighbours). */
size_t suggest_distance(const char *a, size_t an, const char *b, size_t bn);
/*
 * The candidate nearest to word (n bytes), or NULL when none is near enough: at most 2 edits,
 * and fewer edits than half the word's length. names is NULL-terminated, or the first count.
 */
const char *suggest_nearest(const char *word, size_t n, const char *const *names, size_t count);

#endif
