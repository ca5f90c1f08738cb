/* suggest: nearest-name suggestions. See suggest.h. */
#include "util/suggest.h"

#include <stdlib.h>
#include <string.h>

size_t suggest_distance(const char *a, size_t an, const char *b, size_t bn)
{
	/* three rows of the optimal-string-alignment table: i-2, i-1, i */
	size_t *r0 = calloc(bn + 1, sizeof(size_t)), *r1 = calloc(bn + 1, sizeof(size_t)),
	       *r2 = calloc(bn + 1, sizeof(size_t)), *t, d;

	if (!r0 || !r1 || !r2) {
		free(r0), free(r1), free(r2);
		return an > bn ? an : bn;
	}
	for (size_t j = 0; j <= bn; j++)
		r1[j] = j;
	for (size_t i = 1; i <= an; i++) {
		r2[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = r1[j - 1] + cost;

			if (r1[j] + 1 < v)
				v = r1[j] + 1;
			if (r2[j - 1] + 1 < v)
				v = r2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    r0[j - 2] + 1 < v)
				v = r0[j - 2] + 1;
			r2[j] = v;
		}
		t = r0, r0 = r1, r1 = r2, r2 = t;
	}
	d = r1[bn];
	free(r0), free(r1), free(r2);
	return d;
}

const char *suggest_nearest(const char *word, size_t n, const char *const *names, size_t count)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (size_t i = 0; count ? i < count : names[i] != NULL; i++) {
		size_t d = suggest_distance(word, n, names[i], strlen(names[i]));

		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	/* a prefix of a longer name ("prom") is a suggestion too, as git does */
	if (best && best_d <= 2 && best_d * 2 < n)
		return best;
	for (size_t i = 0; n >= 3 && (count ? i < count : names[i] != NULL); i++)
		if (!strncmp(names[i], word, n))
			return names[i];
	return NULL;
}
