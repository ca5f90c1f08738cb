/*
 * template: the subset of Handlebars that metadata-action expressions use: text,
 * {{name}}, {{name 'param' key='value'}}, {{{raw}}} / {{&raw}}, \{{escaped}}, comments
 * {{! }} / {{!-- --}} and ~ whitespace control. {{...}} output is HTML-escaped exactly as
 * Handlebars escapes it (& < > " ' ` =). Block helpers ({{#if}}) are refused with an error.
 * Names are resolved by a callback, so each caller decides what {{branch}} or {{major}} mean.
 */
#ifndef CONVOY_META_TEMPLATE_H
#define CONVOY_META_TEMPLATE_H

#include <stddef.h>

#include "util/buf.h"

#define META_TPL_MAX_ARGS 8
#define META_TPL_UNDEFINED 1 /* resolver: the name is not defined (renders empty) */

struct meta_tpl_call {
	const char *name;
	size_t nparams;
	const char *params[META_TPL_MAX_ARGS];
	size_t nhash;
	const char *hash_keys[META_TPL_MAX_ARGS];
	const char *hash_vals[META_TPL_MAX_ARGS];
};

/* Appends the value of call to out; 0, META_TPL_UNDEFINED, or a negative error. */
typedef int (*meta_tpl_fn)(void *ctx, const struct meta_tpl_call *call, struct buf *out);

int meta_tpl_render(const char *tpl, meta_tpl_fn fn, void *ctx, struct buf *out);
/* Whether tpl is exactly one {{name}} statement (metadata-action's isRawStatement). */
int meta_tpl_is_single(const char *tpl, const char *name);

#endif
