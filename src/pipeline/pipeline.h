/*
 * pipeline: the promotion pipeline, stages in order (dev -> qa -> prod), each with the image
 * repositories it lives in and the tags it carries there, plus optional deploy settings that
 * the deploy command reads. Pure: parsed from a buffer (YAML, default .github/convoy.yml) or
 * from a one-line spec given as an input for a one-off; no I/O except pipeline_load_file().
 *
 * File format (strict: unknown keys, duplicate stages or keys, a stage without repository are
 * errors naming the line):
 *
 *   stages:
 *     - name: dev
 *       repository: registry.example.com/app     # shorthand for one repository
 *       tags: [dev]
 *     - name: prod
 *       repositories:
 *         - repository: prod.example.com/app
 *           tags: [prod, "{{version}}"]
 *       deploy: { cluster: c, service: s, container: app, health-url: https://...,
 *                 alarms: [cpu-high, errors], bake-time: 300 }
 *       verify: { keys: [keys/cosign.pub], mode: require, record: true }
 *       soak: 24h                        # time and health gates: see pipeline/gates.h
 *       require-healthy: true
 *       freeze: [{weekly: "Fri 16:00 - Mon 08:00", tz: Europe/Berlin}]
 *       allowed-actors: [alice]
 *
 * Spec format (--stages): entries separated by ';' or newlines, "name=repo:tag[,tag] [repo:tag]",
 * e.g. "dev=reg/app:dev; qa=reg/app:qa; prod=reg2/app:prod,{{version}}".
 */
#ifndef CONVOY_PIPELINE_PIPELINE_H
#define CONVOY_PIPELINE_PIPELINE_H

#include <stddef.h>

#include "pipeline/gates.h"
#include "util/buf.h"
#include "util/strlist.h"

#define PIPELINE_DEFAULT_FILE ".github/convoy.yml"
#define PIPELINE_MAX_FILE (1024 * 1024)

struct pipeline_repo {
	char *repository;     /* "host[:port]/path", no tag or digest */
	struct strlist tags;  /* templates: "qa", "{{version}}" */
	unsigned line;        /* 1-based source line (0 for a spec) */
};

struct pipeline_deploy {
	int set;
	char *cluster;
	char *service;
	char *container;
	char *health_url;
	struct strlist alarms;      /* CloudWatch alarm names watched during the rollout */
	unsigned long bake_time_s;  /* seconds the alarms are watched after it */
	int bake_time_set;
};

/*
 * verify: what the gate checks before a digest may enter the stage (see promote/gate_verify):
 *   verify: {keys: [cosign.pub, env://KEY], mode: require|warn|off, record: true,
 *            attestations: [slsa-provenance, spdx, cyclonedx, sbom, https://predicate/type]}
 * keys are public keys (PEM files, relative to the working directory, or env://VAR); the
 * digest must carry a cosign signature by one of them; with record, the promotion record of
 * the digest into the previous stage must be a DSSE statement signed by one of them. mode
 * defaults to require; --allow-skip never bypasses it.
 */
enum pipeline_verify_mode {
	PIPELINE_VERIFY_OFF = 0,
	PIPELINE_VERIFY_WARN,
	PIPELINE_VERIFY_REQUIRE,
};

struct pipeline_verify {
	int set;
	enum pipeline_verify_mode mode;
	struct strlist keys;
	struct strlist attestations; /* slsa-provenance, spdx, cyclonedx, sbom, predicate URIs */
	int record;
	unsigned line;
};

struct pipeline_stage {
	char *name;
	struct pipeline_repo *repos;
	size_t nrepos;
	struct pipeline_deploy deploy;
	struct pipeline_verify verify;
	struct pipeline_gates gates; /* soak, require-healthy, freeze, allowed-actors */
	unsigned line;
};

struct pipeline {
	struct pipeline_stage *stages;
	size_t nstages;
	char *source; /* where the stages come from, for messages: the file, or "--stages" */
};

/* Parses YAML from data; `source` names the file in messages. p must be zeroed or freed. */
int pipeline_parse(struct pipeline *p, const char *data, size_t len, const char *source);
/* Reads and parses a file (missing file: E_NOTFOUND naming it). */
int pipeline_load_file(struct pipeline *p, const char *path);
/* Parses a spec ("dev=reg/app:dev; qa=reg/app:qa"); `input` names the input in messages. */
int pipeline_parse_spec(struct pipeline *p, const char *spec, const char *input);
void pipeline_free(struct pipeline *p);
/*
 * The usage error for a stage name that is not in p: names the input, the file (or --stages),
 * the stages there are, and the nearest one ("input 'to': no stage 'staging' in
 * .github/convoy.yml (its stages: dev, qa, prod)"). Returns E_USAGE.
 */
int pipeline_stage_unknown(const struct pipeline *p, const char *input, const char *name);

/* The stage called name, or NULL; *idx gets its position when idx is not NULL. */
const struct pipeline_stage *pipeline_stage_find(const struct pipeline *p, const char *name,
						 size_t *idx);

/* Values for tag templates; NULL members are unset (using them is an error). */
struct pipeline_vars {
	const char *version; /* {{version}}: --version, else the short digest */
	const char *digest;  /* {{digest}}: sha256:... */
	const char *stage;   /* {{stage}}: the target stage */
	const char *sha;     /* {{sha}}: the commit */
};

/* Renders one tag template ({{version}}, {{digest}}, {{short-digest}}, {{stage}}, {{sha}}). */
int pipeline_render_tag(struct buf *out, const char *tmpl, const struct pipeline_vars *vars);
/* Whether a rendered string is a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}). */
int pipeline_tag_valid(const char *tag);

#endif
