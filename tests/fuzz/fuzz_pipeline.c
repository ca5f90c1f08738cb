/* Fuzz target: the pipeline YAML file and the one-off --stages spec. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline p;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&p, 0, sizeof(p));
	(void)pipeline_parse(&p, (const char *)data, size, "fuzz.yml");
	pipeline_free(&p);
	memset(&p, 0, sizeof(p));
	(void)pipeline_parse_spec(&p, s, "stages");
	pipeline_free(&p);
	free(s);
	return 0;
}
