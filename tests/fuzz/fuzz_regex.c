/* Fuzz target: the JavaScript regular expression subset used by type=match (pattern, input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta/regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : size;
	char *pat = malloc(plen + 1), *in = malloc(size - plen + 1);
	struct meta_regex *re = NULL;
	long caps[2 * META_REGEX_MAX_GROUPS];

	if (!pat || !in)
		goto out;
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	memcpy(in, nl ? nl + 1 : data + size, nl ? size - plen - 1 : 0);
	in[nl ? size - plen - 1 : 0] = '\0';
	if (!meta_regex_compile(&re, pat, "")) {
		(void)meta_regex_exec(re, in, caps);
		meta_regex_free(re);
	}
out:
	free(pat);
	free(in);
	return 0;
}
