/* Fuzz target: list inputs (metadata-action's getInputList over csv-parse) and heredoc output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actions/input.h"
#include "actions/output.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct strlist l = STRLIST_INIT;
	struct buf b = BUF_INIT;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)list_parse(s, LIST_IGNORE_COMMA | LIST_COMMENTS, &l);
	strlist_clear(&l);
	(void)list_parse(s, 0, &l);
	for (size_t i = 0; i < l.len; i++)
		(void)out_format_heredoc(&b, "x", l.items[i], "ghadelimiter_0");
	strlist_clear(&l);
	buf_free(&b);
	free(s);
	return 0;
}
