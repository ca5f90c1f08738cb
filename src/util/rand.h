/* rand: unpredictable identifiers (heredoc delimiters, stop-commands tokens, upload jitter). */
#ifndef CONVOY_UTIL_RAND_H
#define CONVOY_UTIL_RAND_H

#include <stddef.h>

int rand_bytes(void *out, size_t n);
/* Writes a v4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") into out[37]. */
int rand_uuid(char out[37]);
/* Writes 2*n hex digits + NUL into out. */
int rand_hex(char *out, size_t n);
/* A uniformly distributed double in [0, 1). */
double rand_unit(void);

#endif
