/*
 * tags_compute: the whole of `convoy tags` short of printing, for `tags` and for `push`
 * (which computes its tags in the same run). Reads the run context (GitHub event under
 * Actions, git otherwise), the repository data (GitHub API when a token is given), the clock
 * (SOURCE_DATE_EPOCH) and the env switches, then runs meta_compute().
 *
 * The caller's input table must declare the inputs it wants honoured: images, tags, flavor,
 * labels, annotations, github-token, context, sep-tags, sep-labels, sep-annotations
 * (TAGS_COMPUTE_INPUTS below lists them for reuse; undeclared ones read as unset).
 */
#ifndef CONVOY_CMD_TAGS_COMPUTE_H
#define CONVOY_CMD_TAGS_COMPUTE_H

#include "actions/input.h"
#include "actions/runtime.h"
#include "meta/meta.h"

struct tags_result {
	struct meta_result meta; /* version, tags (full image refs), tag_names, images, labels,
				    annotations (level:key=value), warnings (already printed) */
	char *json;              /* the `json` output: {"tags":[],"tag-names":[],"labels":{},
				    "annotations":[]} */
};

#define TAGS_COMPUTE_INPUTS                                                                   \
	{ "images", IN_MULTI, NULL, "image names, one per line (name=...,enable=...)" },       \
	{ "tags", IN_MULTI, NULL, "tag entries (type=semver,pattern={{version}} ...)" },       \
	{ "flavor", IN_MULTI, NULL, "latest=auto|true|false, prefix=, suffix=, onlatest=" },   \
	{ "labels", IN_MULTI, NULL, "extra labels, key=value per line" },                      \
	{ "annotations", IN_MULTI, NULL, "extra annotations, key=value per line" },            \
	{ "github-token", IN_SECRET, NULL, "token for the repository data (description, licence)" }, \
	{ "context", 0, NULL, "where the context comes from: workflow or git" }

/* Computes everything; prints the warnings (wf_warning). Errors name the input. */
int tags_compute(struct rt *rt, const struct inputs *in, struct tags_result *out);
void tags_result_free(struct tags_result *r);

#endif
