/*
 * promote_common: what promote, history and rollback share at the command layer: the
 * pipeline and registry inputs, loading the pipeline (file or --stages), the registry client,
 * and reporting a promotion (outputs, log, job summary).
 */
#ifndef CONVOY_CMD_PROMOTE_COMMON_H
#define CONVOY_CMD_PROMOTE_COMMON_H

#include "actions/context.h"
#include "actions/input.h"
#include "actions/runtime.h"
#include "cmd/aws_inputs.h"
#include "cmd/net_inputs.h"
#include "pipeline/pipeline.h"
#include "promote/promote.h"
#include "registry/sessions.h"

/* The registry inputs (also deploy's, which records into the ledger). */
#define PROMOTE_REGISTRY_INPUTS                                                                 \
	{ "username", IN_SECRET, NULL, "registry user name (every registry)" },                      \
	{ "password", IN_SECRET, NULL, "registry password or token" },                               \
	{ "registry-config", 0, NULL, "Docker config directory or config.json file (default $DOCKER_CONFIG, ~/.docker)" }, \
	{ "insecure-registry", 0, NULL, "hosts (host:port) to reach over plain HTTP, one a line" }, \
	AWS_ROLE_INPUTS,                                                                          \
	NET_INPUTS

/* Input rows shared by the three commands (spliced into each table). */
#define PROMOTE_COMMON_INPUTS                                                                   \
	{ "pipeline-file", 0, PIPELINE_DEFAULT_FILE, "the pipeline YAML (stages, repositories, tags)" }, \
	{ "stages", 0, NULL, "one-off pipeline instead of the file: 'dev=reg/app:dev; qa=reg/app:qa'" }, \
	PROMOTE_REGISTRY_INPUTS

/* Registry sessions from the registry inputs (native ECR credentials when none are given,
 * with the role inputs: cmd/aws_inputs.h). */
int promote_cli_sessions(struct rt *rt, const struct inputs *in, struct registry_sessions **r);
int promote_cli_setup(struct rt *rt, const struct inputs *in, struct pipeline *p,
		      struct registry_sessions **r);
/* Writes outputs, log lines and the job summary of a (possibly dry-run) promotion. */
int promote_cli_report(struct rt *rt, const struct promote_result *res, const char *run_url,
		       const char *title);
/* The job summary of a promotion that wrote its tags and could not read them back. */
int promote_cli_report_unverified(struct rt *rt, const struct promote_result *res,
				  const char *title);
/* The verify gate's row in the job summary (and its warning under mode warn). */
/* The promotion (or rollback: what) as a GitHub deployment of the target stage: ok says
 * whether its tags moved as asked. Visibility only: warns, never fails. */
void promote_cli_gh_deployment(struct rt *rt, const struct inputs *in, const struct pipeline *p,
				const struct promote_result *res, int ok, const char *what);
/* The time and health gates' verdicts as a summary table (nothing when the stage has none). */
int promote_cli_report_gates(struct rt *rt, const struct promote_result *res);
int promote_cli_report_verify(struct rt *rt, const struct promote_result *res);
/* The job summary of a gate refusal. */
int promote_cli_report_refusal(struct rt *rt, const struct promote_result *res);
/* Prints the request count (stderr, for bench/) when CONVOY_STATS=1. */
void promote_cli_stats(struct rt *rt, struct registry_sessions *r);

#endif
