/*
 * tags_bake: the bake definition files of docker/metadata-action (its getBakeFile and
 * getBakeFileTagsLabels), so that `docker/bake-action` fed with convoy's `bake-file*` outputs
 * sees what metadata-action would have written: {"target": {"<bake-target>": {...}}} as
 * JSON.stringify(..., null, 2) prints it, in a fresh docker-actions-toolkit-XXXXXX directory
 * under RUNNER_TEMP (the runner's per-job temp directory, as @docker/actions-toolkit does).
 */
#ifndef CONVOY_CMD_TAGS_BAKE_H
#define CONVOY_CMD_TAGS_BAKE_H

#include "cmd/tags_compute.h"

struct tags_bake {
	char *dir;         /* the directory holding the four files (malloc'd) */
	char *tags;        /* docker-metadata-action-bake-tags.json */
	char *labels;      /* docker-metadata-action-bake-labels.json */
	char *annotations; /* docker-metadata-action-bake-annotations.json */
	char *all;         /* docker-metadata-action-bake.json: tags, labels and args */
};

/* Writes the four files for r under target (metadata-action's `bake-target` input). */
int tags_bake_write(const struct tags_result *r, const char *target, struct tags_bake *out);
void tags_bake_free(struct tags_bake *b);

#endif
