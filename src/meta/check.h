/*
 * check: every expression of the tags, flavor, labels and annotations inputs parsed before
 * anything is computed, whatever the event: an unclosed '{{version' is an error on every build,
 * not only on the release tag's. A name that is not defined where it is used ({{brnch}}) still
 * renders empty, as metadata-action renders it, but with a warning that names the expression
 * and the nearest known name.
 */
#ifndef CONVOY_META_CHECK_H
#define CONVOY_META_CHECK_H

#include "meta/meta.h"
#include "util/strlist.h"

/* 0 when every expression parses (warnings appended); E_USAGE naming the input otherwise. */
int meta_check_inputs(const struct meta_inputs *in, struct strlist *warnings);

#endif
