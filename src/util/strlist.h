/* strlist: a growable array of owned C strings (tags, images, header lines). */
#ifndef CONVOY_UTIL_STRLIST_H
#define CONVOY_UTIL_STRLIST_H

#include <stddef.h>

struct strlist {
	char **items;
	size_t len;
	size_t cap;
};

#define STRLIST_INIT { NULL, 0, 0 }

int strlist_add(struct strlist *l, const char *s);          /* copies s */
int strlist_addn(struct strlist *l, const char *s, size_t n);
int strlist_take(struct strlist *l, char *s);               /* takes ownership of s */
int strlist_contains(const struct strlist *l, const char *s);
/* Joins with sep into a new malloc'd string. */
char *strlist_join_dup(const struct strlist *l, const char *sep);
void strlist_clear(struct strlist *l);

#endif
