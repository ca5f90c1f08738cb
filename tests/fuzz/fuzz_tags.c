/* Fuzz target: the tag language (tags, flavor and images entries), semver, pep440, templates. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actions/input.h"
#include "meta/pep440.h"
#include "meta/semver.h"
#include "meta/tag.h"
#include "meta/template.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int echo_call(void *ctx, const struct meta_tpl_call *call, struct buf *out)
{
	(void)ctx, (void)call;
	return buf_puts(out, "x");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct strlist l = STRLIST_INIT;
	struct meta_tag *tags = NULL;
	struct meta_image *images = NULL;
	struct meta_flavor fl;
	struct meta_semver sv;
	struct meta_pep440 pv;
	struct buf b = BUF_INIT;
	size_t n = 0;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)list_parse(s, LIST_IGNORE_COMMA | LIST_COMMENTS, &l);
	if (!meta_tags_parse(&l, &tags, &n))
		meta_tags_free(tags, n);
	memset(&fl, 0, sizeof(fl));
	if (!meta_flavor_parse(&l, &fl))
		meta_flavor_free(&fl);
	if (!meta_images_parse(&l, &images, &n))
		meta_images_free(images, n);
	strlist_clear(&l);
	memset(&sv, 0, sizeof(sv));
	if (meta_semver_parse(s, &sv) > 0)
		meta_semver_free(&sv);
	memset(&pv, 0, sizeof(pv));
	if (meta_pep440_parse(s, &pv) > 0)
		meta_pep440_free(&pv);
	(void)meta_tpl_render(s, echo_call, NULL, &b);
	buf_free(&b);
	free(s);
	return 0;
}
