/*
 * pipeline: YAML pipeline file parsing with libyaml's document API (every node carries its
 * line, so each validation error names one). See pipeline.h for the format.
 */
#include "pipeline/pipeline.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util/err.h"
#include "util/suggest.h"

struct ctx {
	yaml_document_t *doc;
	const char *source;
};

static unsigned node_line(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int bad(const struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(const struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!rc)
		rc = err_set(E_USAGE, "%s:%u: %s", c->source, node_line(n), buf_cstr(&msg));
	buf_free(&msg);
	return rc;
}

static int want_scalar(const struct ctx *c, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE || !*scalar(n))
		return bad(c, n, "'%s' must be a non-empty string", key);
	return 0;
}

/* Checks a mapping's keys against the allowed ones, refusing unknown and repeated keys. */
static int check_keys(const struct ctx *c, const yaml_node_t *map, const char *what,
		      const char *const *allowed)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		int ok = 0;

		if (!k || k->type != YAML_SCALAR_NODE)
			return bad(c, map, "%s: keys must be strings", what);
		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], scalar(k)))
				ok = 1;
		if (!ok) {
			struct buf list = BUF_INIT;
			int rc;

			for (size_t i = 0; allowed[i]; i++)
				if (buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]))
					return buf_free(&list), err_code();
			rc = err_set(E_USAGE, "%s:%u: unknown key '%s' in %s (expected one of: %s)",
				     c->source, node_line(k), scalar(k), what, buf_cstr(&list));
			buf_free(&list);
			return rc;
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(c->doc, q->key);

			if (k2 && k2->type == YAML_SCALAR_NODE && !strcmp(scalar(k2), scalar(k)))
				return bad(c, k, "duplicate key '%s' in %s", scalar(k), what);
		}
	}
	return 0;
}

static yaml_node_t *map_get(const struct ctx *c, const yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
			return yaml_document_get_node(c->doc, p->value);
	}
	return NULL;
}

static int dup_scalar(const struct ctx *c, const yaml_node_t *n, const char *key, char **out)
{
	int rc = want_scalar(c, n, key);

	if (rc)
		return rc;
	*out = strdup(scalar(n));
	return *out ? 0 : err_set(E_NOMEM, "out of memory");
}

/* A repository is host[/path...] without tag or digest; lower-case path as OCI requires. */
static int repo_valid(const char *r)
{
	const char *slash = strchr(r, '/'), *last = strrchr(r, '/');

	if (!slash || slash == r || !last[1] || strchr(r, '@') || strchr(last, ':'))
		return 0;
	for (const char *p = slash + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-/", *p)))
			return 0;
	return !strstr(r, "//");
}

static int parse_tags(const struct ctx *c, const yaml_node_t *n, struct strlist *tags)
{
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		if ((rc = want_scalar(c, n, "tags")))
			return rc;
		return strlist_add(tags, scalar(n));
	}
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.start == n->data.sequence.items.top)
		return bad(c, n, "'tags' must be a tag or a non-empty list of tags");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *t = yaml_document_get_node(c->doc, *i);

		if ((rc = want_scalar(c, t, "tags")))
			return rc;
		if (strlist_contains(tags, scalar(t)))
			return bad(c, t, "duplicate tag '%s'", scalar(t));
		if ((rc = strlist_add(tags, scalar(t))))
			return rc;
	}
	return 0;
}

static int add_repo(struct pipeline_stage *s, struct pipeline_repo **out)
{
	struct pipeline_repo *r = realloc(s->repos, (s->nrepos + 1) * sizeof(*r));

	if (!r)
		return err_set(E_NOMEM, "out of memory");
	s->repos = r;
	*out = &r[s->nrepos++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static int parse_repo_fields(const struct ctx *c, const yaml_node_t *holder,
			     const yaml_node_t *repo, const yaml_node_t *tags,
			     struct pipeline_stage *s)
{
	struct pipeline_repo *r = NULL;
	int rc;

	if (!tags)
		return bad(c, holder, "repository without 'tags' (the tags this stage carries)");
	if ((rc = add_repo(s, &r)))
		return rc;
	r->line = node_line(repo);
	if ((rc = dup_scalar(c, repo, "repository", &r->repository)))
		return rc;
	if (!repo_valid(r->repository))
		return bad(c, repo,
			   "repository '%s' is not host/path (lower-case, without tag or digest)", r->repository);
	for (size_t i = 0; i + 1 < s->nrepos; i++)
		if (!strcmp(s->repos[i].repository, r->repository))
			return bad(c, repo, "repository '%s' is listed twice in stage '%s'",
				   r->repository, s->name);
	return parse_tags(c, tags, &r->tags);
}

static int add_alarm(const struct ctx *c, const yaml_node_t *a, struct strlist *out)
{
	int rc = want_scalar(c, a, "alarms");

	if (rc)
		return rc;
	if (!*scalar(a) || strlen(scalar(a)) > 255)
		return bad(c, a, "alarm name '%s' must be 1 to 255 characters", scalar(a));
	if (strlist_contains(out, scalar(a)))
		return bad(c, a, "alarm '%s' is listed twice", scalar(a));
	if (out->len == 100)
		return bad(c, a, "more than 100 alarms (DescribeAlarms takes at most 100 names)");
	return strlist_add(out, scalar(a));
}

/* alarms: a name or a non-empty list of CloudWatch alarm names. */
static int parse_alarms(const struct ctx *c, const yaml_node_t *n, struct strlist *out)
{
	int rc = 0;

	if (n->type == YAML_SCALAR_NODE)
		return add_alarm(c, n, out);
	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.start == n->data.sequence.items.top)
		return bad(c, n, "'alarms' must be an alarm name or a non-empty list of CloudWatch "
				 "alarm names");
	for (yaml_node_item_t *i = n->data.sequence.items.start;
	     !rc && i < n->data.sequence.items.top; i++)
		rc = add_alarm(c, yaml_document_get_node(c->doc, *i), out);
	return rc;
}

static int parse_bake_time(const struct ctx *c, const yaml_node_t *n, struct pipeline_deploy *d)
{
	const char *v;
	char *end = NULL;
	int rc;

	if ((rc = want_scalar(c, n, "bake-time")))
		return rc;
	v = scalar(n);
	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 7 ||
	    (d->bake_time_s = strtoul(v, &end, 10)) > 86400)
		return bad(c, n, "'bake-time' '%s' is not a number of seconds from 0 to 86400", v);
	d->bake_time_set = 1;
	return 0;
}

static int parse_deploy(const struct ctx *c, const yaml_node_t *n, struct pipeline_deploy *d)
{
	static const char *const keys[] = { "cluster",	"service", "container", "health-url",
					    "alarms",	"bake-time", NULL };
	yaml_node_t *v;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return bad(c, n, "'deploy' must be a mapping (cluster, service, container, "
				 "health-url, alarms, bake-time)");
	if ((rc = check_keys(c, n, "deploy", keys)))
		return rc;
	d->set = 1;
	if ((v = map_get(c, n, "cluster")) && (rc = dup_scalar(c, v, "cluster", &d->cluster)))
		return rc;
	if ((v = map_get(c, n, "service")) && (rc = dup_scalar(c, v, "service", &d->service)))
		return rc;
	if ((v = map_get(c, n, "container")) && (rc = dup_scalar(c, v, "container", &d->container)))
		return rc;
	if ((v = map_get(c, n, "health-url")) &&
	    (rc = dup_scalar(c, v, "health-url", &d->health_url)))
		return rc;
	if ((v = map_get(c, n, "alarms")) && (rc = parse_alarms(c, v, &d->alarms)))
		return rc;
	if ((v = map_get(c, n, "bake-time")) && (rc = parse_bake_time(c, v, d)))
		return rc;
	return 0;
}

static int parse_verify(const struct ctx *c, const yaml_node_t *n, struct pipeline_verify *v)
{
	static const char *const keys[] = { "keys", "mode", "record", "attestations", NULL };
	yaml_node_t *k, *m, *r, *a;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return bad(c, n, "'verify' must be a mapping (keys, mode, record, attestations)");
	if ((rc = check_keys(c, n, "verify", keys)))
		return rc;
	v->set = 1;
	v->line = node_line(n);
	v->mode = PIPELINE_VERIFY_REQUIRE;
	if ((m = map_get(c, n, "mode"))) {
		if ((rc = want_scalar(c, m, "mode")))
			return rc;
		if (!strcmp(scalar(m), "require"))
			v->mode = PIPELINE_VERIFY_REQUIRE;
		else if (!strcmp(scalar(m), "warn"))
			v->mode = PIPELINE_VERIFY_WARN;
		else if (!strcmp(scalar(m), "off"))
			v->mode = PIPELINE_VERIFY_OFF;
		else
			return bad(c, m, "verify mode '%s' (expected require, warn or off)",
				   scalar(m));
	}
	if ((r = map_get(c, n, "record"))) {
		if ((rc = want_scalar(c, r, "record")))
			return rc;
		if (!strcmp(scalar(r), "true"))
			v->record = 1;
		else if (strcmp(scalar(r), "false"))
			return bad(c, r, "verify record '%s' (expected true or false)", scalar(r));
	}
	if ((k = map_get(c, n, "keys")) && k->type == YAML_SCALAR_NODE) {
		if ((rc = want_scalar(c, k, "keys")) || (rc = strlist_add(&v->keys, scalar(k))))
			return rc;
	} else if (k && k->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = k->data.sequence.items.start;
		     i < k->data.sequence.items.top; i++) {
			yaml_node_t *e = yaml_document_get_node(c->doc, *i);

			if ((rc = want_scalar(c, e, "keys")) || (rc = strlist_add(&v->keys, scalar(e))))
				return rc;
		}
	} else if (k) {
		return bad(c, k, "verify 'keys' must be a key file (or env://VAR) or a list of them");
	}
	if ((a = map_get(c, n, "attestations"))) {
		if (a->type != YAML_SEQUENCE_NODE)
			return bad(c, a, "verify 'attestations' must be a list (slsa-provenance, spdx, "
					 "cyclonedx, sbom, or predicate type URIs)");
		for (yaml_node_item_t *i = a->data.sequence.items.start;
		     i < a->data.sequence.items.top; i++) {
			yaml_node_t *e = yaml_document_get_node(c->doc, *i);
			const char *w;

			if ((rc = want_scalar(c, e, "attestations")))
				return rc;
			w = scalar(e);
			if (strcmp(w, "slsa-provenance") && strcmp(w, "spdx") && strcmp(w, "cyclonedx") &&
			    strcmp(w, "sbom") && !strstr(w, "://"))
				return bad(c, e, "verify attestation '%s' (expected slsa-provenance, spdx, "
						 "cyclonedx, sbom, or a predicate type URI)", w);
			if ((rc = strlist_add(&v->attestations, w)))
				return rc;
		}
	}
	if (!v->keys.len && !v->attestations.len && v->mode != PIPELINE_VERIFY_OFF)
		return bad(c, n, "'verify' needs 'keys' (the public keys signatures must be by) or "
				 "'attestations'");
	if (!v->keys.len && v->record)
		return bad(c, n, "verify 'record: true' needs 'keys': the keys the record is signed by");
	return 0;
}

/* freeze: a list of spans, each {weekly: "..."} or {from: ..., to: ...}, with tz and reason. */
static int parse_freeze(const struct ctx *c, const yaml_node_t *n, struct pipeline_gates *g)
{
	static const char *const keys[] = { "weekly", "from", "to", "tz", "reason", NULL };

	if (n->type != YAML_SEQUENCE_NODE)
		return bad(c, n, "'freeze' must be a list of spans ({weekly: \"Fri 16:00 - Mon "
				 "08:00\"} or {from: 2026-12-20, to: 2027-01-04}, with tz)");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	     i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *i), *w, *from, *to, *tz, *reason;
		struct pipeline_freeze *f;
		struct buf text = BUF_INIT;
		int rc;

		if (e->type != YAML_MAPPING_NODE)
			return bad(c, e, "a freeze span must be a mapping: {weekly: \"Fri 16:00 - "
					 "Mon 08:00\"} or {from: 2026-12-20, to: 2027-01-04}");
		if ((rc = check_keys(c, e, "freeze span", keys)))
			return rc;
		f = realloc(g->freeze, (g->nfreeze + 1) * sizeof(*f));
		if (!f)
			return err_set(E_NOMEM, "out of memory");
		g->freeze = f;
		f = &g->freeze[g->nfreeze++];
		memset(f, 0, sizeof(*f));
		f->line = node_line(e);
		w = map_get(c, e, "weekly");
		from = map_get(c, e, "from");
		to = map_get(c, e, "to");
		if ((tz = map_get(c, e, "tz")) && (rc = dup_scalar(c, tz, "tz", &f->tz)))
			return rc;
		if ((reason = map_get(c, e, "reason")) &&
		    (rc = dup_scalar(c, reason, "reason", &f->reason)))
			return rc;
		if (w && (from || to))
			return bad(c, e, "a freeze span is weekly or from/to, not both");
		if (w) {
			if ((rc = want_scalar(c, w, "weekly")))
				return rc;
			f->weekly = 1;
			if ((rc = gates_parse_weekly(scalar(w), "freeze 'weekly'", &f->from_min,
						     &f->to_min)))
				return bad(c, w, "%s", err_msg());
			rc = buf_puts(&text, scalar(w));
		} else {
			if (!from || !to)
				return bad(c, e, "a freeze span needs 'weekly', or both 'from' and 'to'");
			if ((rc = want_scalar(c, from, "from")) || (rc = want_scalar(c, to, "to")))
				return rc;
			if (gates_parse_when(scalar(from), "freeze 'from'", 0, &f->from_local))
				return bad(c, from, "%s", err_msg());
			if (gates_parse_when(scalar(to), "freeze 'to'", 1, &f->to_local))
				return bad(c, to, "%s", err_msg());
			if (f->to_local <= f->from_local)
				return bad(c, to, "freeze 'to' (%s) is not after 'from' (%s)", scalar(to),
					   scalar(from));
			rc = buf_printf(&text, "%s to %s", scalar(from), scalar(to));
		}
		if (!rc && f->tz)
			rc = buf_printf(&text, " %s", f->tz);
		if (rc || !(f->text = buf_detach(&text)))
			return buf_free(&text), rc ? rc : err_set(E_NOMEM, "out of memory");
		{
			/* An unknown zone is an error now, not at the first promotion. */
			int active;
			long long end;

			if (gates_freeze_active(f, 0, &active, &end))
				return bad(c, tz, "%s", err_msg());
		}
	}
	return 0;
}

static int parse_gates(const struct ctx *c, const yaml_node_t *n, struct pipeline_gates *g)
{
	yaml_node_t *soak, *healthy, *freeze, *actors;
	int rc;

	if ((soak = map_get(c, n, "soak"))) {
		if ((rc = dup_scalar(c, soak, "soak", &g->soak_text)))
			return rc;
		if (gates_parse_duration(g->soak_text, "soak", &g->soak_ms))
			return bad(c, soak, "%s", err_msg());
	}
	if ((healthy = map_get(c, n, "require-healthy"))) {
		if ((rc = want_scalar(c, healthy, "require-healthy")))
			return rc;
		if (!strcmp(scalar(healthy), "true"))
			g->require_healthy = 1;
		else if (strcmp(scalar(healthy), "false"))
			return bad(c, healthy, "require-healthy '%s' (expected true or false)",
				   scalar(healthy));
	}
	if ((freeze = map_get(c, n, "freeze")) && (rc = parse_freeze(c, freeze, g)))
		return rc;
	if ((actors = map_get(c, n, "allowed-actors"))) {
		if (actors->type != YAML_SEQUENCE_NODE)
			return bad(c, actors, "'allowed-actors' must be a list of GitHub user names");
		g->allowed_actors = calloc((size_t)(actors->data.sequence.items.top -
						    actors->data.sequence.items.start) + 1,
					   sizeof(char *));
		if (!g->allowed_actors)
			return err_set(E_NOMEM, "out of memory");
		for (yaml_node_item_t *i = actors->data.sequence.items.start;
		     i < actors->data.sequence.items.top; i++) {
			yaml_node_t *e = yaml_document_get_node(c->doc, *i);

			if ((rc = dup_scalar(c, e, "allowed-actors", &g->allowed_actors[g->nallowed])))
				return rc;
			g->nallowed++;
		}
		if (!g->nfreeze)
			return bad(c, actors, "'allowed-actors' limits who may override a freeze: "
					      "the stage has no 'freeze'");
	}
	return 0;
}

static int stage_name_valid(const char *n)
{
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return 0;
	return *n != '\0';
}

static int parse_stage(const struct ctx *c, const yaml_node_t *n, struct pipeline *p)
{
	static const char *const keys[] = { "name", "repository", "tags", "repositories", "deploy",
					    "verify", "soak", "require-healthy", "freeze",
					    "allowed-actors", NULL };
	yaml_node_t *name, *repo, *tags, *repos, *deploy, *verify;
	struct pipeline_stage *s;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return bad(c, n, "a stage must be a mapping with 'name' and 'repository'");
	if ((rc = check_keys(c, n, "stage", keys)))
		return rc;
	if (!(name = map_get(c, n, "name")))
		return bad(c, n, "stage without 'name'");
	if ((rc = want_scalar(c, name, "name")))
		return rc;
	if (!stage_name_valid(scalar(name)))
		return bad(c, name, "stage name '%s' must be letters, digits, '.', '_' or '-'", scalar(name));
	if (pipeline_stage_find(p, scalar(name), NULL))
		return bad(c, name, "duplicate stage '%s'", scalar(name));

	s = realloc(p->stages, (p->nstages + 1) * sizeof(*s));
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	p->stages = s;
	s = &p->stages[p->nstages++];
	memset(s, 0, sizeof(*s));
	s->line = node_line(n);
	if (!(s->name = strdup(scalar(name))))
		return err_set(E_NOMEM, "out of memory");

	repo = map_get(c, n, "repository");
	tags = map_get(c, n, "tags");
	repos = map_get(c, n, "repositories");
	if (repo && repos)
		return bad(c, repos, "stage '%s': give 'repository' or 'repositories', not both", s->name);
	if (tags && !repo)
		return bad(c, tags, "stage '%s': 'tags' belongs to a 'repository'", s->name);
	if (repo && (rc = parse_repo_fields(c, n, repo, tags, s)))
		return rc;
	if (repos) {
		static const char *const rkeys[] = { "repository", "tags", NULL };

		if (repos->type != YAML_SEQUENCE_NODE)
			return bad(c, repos, "'repositories' must be a list");
		for (yaml_node_item_t *i = repos->data.sequence.items.start;
		     i < repos->data.sequence.items.top; i++) {
			yaml_node_t *r = yaml_document_get_node(c->doc, *i), *rr;

			if (r->type != YAML_MAPPING_NODE)
				return bad(c, r, "a repository entry must be a mapping with "
						 "'repository' and 'tags'");
			if ((rc = check_keys(c, r, "repository entry", rkeys)))
				return rc;
			if (!(rr = map_get(c, r, "repository")))
				return bad(c, r, "repository entry without 'repository'");
			if ((rc = parse_repo_fields(c, r, rr, map_get(c, r, "tags"), s)))
				return rc;
		}
	}
	if (!s->nrepos)
		return bad(c, n, "stage '%s' has no repository", s->name);
	if ((deploy = map_get(c, n, "deploy")) && (rc = parse_deploy(c, deploy, &s->deploy)))
		return rc;
	if ((verify = map_get(c, n, "verify")) && (rc = parse_verify(c, verify, &s->verify)))
		return rc;
	if ((rc = parse_gates(c, n, &s->gates)))
		return rc;
	if (p->nstages == 1 && (s->gates.soak_ms || s->gates.require_healthy))
		return bad(c, n, "stage '%s' is the first stage: 'soak' and 'require-healthy' look at "
				 "the previous one", s->name);
	return 0;
}

static int parse_doc(const struct ctx *c, struct pipeline *p)
{
	static const char *const keys[] = { "version", "stages", NULL };
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *v, *stages;
	int rc;

	if (!root)
		return err_set(E_USAGE, "%s: the pipeline file is empty (expected 'stages:')",
			       c->source);
	if (root->type != YAML_MAPPING_NODE)
		return bad(c, root, "the pipeline must be a mapping with 'stages'");
	if ((rc = check_keys(c, root, "the pipeline", keys)))
		return rc;
	if ((v = map_get(c, root, "version")) &&
	    (v->type != YAML_SCALAR_NODE || strcmp(scalar(v), "1")))
		return bad(c, v, "unsupported pipeline version (expected 1)");
	if (!(stages = map_get(c, root, "stages")))
		return bad(c, root, "the pipeline has no 'stages'");
	if (stages->type != YAML_SEQUENCE_NODE ||
	    stages->data.sequence.items.start == stages->data.sequence.items.top)
		return bad(c, stages, "'stages' must be a non-empty list");
	for (yaml_node_item_t *i = stages->data.sequence.items.start;
	     i < stages->data.sequence.items.top; i++)
		if ((rc = parse_stage(c, yaml_document_get_node(c->doc, *i), p)))
			return rc;
	return 0;
}

int pipeline_parse(struct pipeline *p, const char *data, size_t len, const char *source)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = { &doc, source ? source : "pipeline" };
	int rc;

	memset(p, 0, sizeof(*p));
	if (len > PIPELINE_MAX_FILE)
		return err_set(E_LIMIT, "%s: pipeline file over %d bytes", c.source,
			       PIPELINE_MAX_FILE);
	if (!yaml_parser_initialize(&parser))
		return err_set(E_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = err_set(E_USAGE, "%s:%zu: invalid YAML: %s", c.source,
			     parser.problem_mark.line + 1,
			     parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		return rc;
	}
	rc = parse_doc(&c, p);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (!rc && !(p->source = strdup(c.source)))
		rc = err_set(E_NOMEM, "out of memory");
	if (rc)
		pipeline_free(p);
	return rc;
}

int pipeline_load_file(struct pipeline *p, const char *path)
{
	struct buf b = BUF_INIT;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = buf_read_file(&b, path, PIPELINE_MAX_FILE))) {
		if (rc == E_NOTFOUND || rc == E_IO)
			rc = err_wrap(rc, "pipeline file '%s' cannot be read (give --pipeline-file, or "
					  "--stages for a one-off)", path);
		buf_free(&b);
		return rc;
	}
	rc = pipeline_parse(p, b.data ? b.data : "", b.len, path);
	buf_free(&b);
	return rc;
}

/* One spec entry: "name=repo:tag,tag repo:tag". */
static int spec_entry(struct pipeline *p, const char *e, size_t n, const char *input)
{
	struct pipeline_stage *s;
	const char *eq = memchr(e, '=', n), *q, *end = e + n;
	int rc;

	if (!eq || eq == e)
		return err_set(E_USAGE, "input '%s': entry '%.*s' is not name=repository:tags",
			       input, (int)n, e);
	s = realloc(p->stages, (p->nstages + 1) * sizeof(*s));
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	p->stages = s;
	s = &p->stages[p->nstages++];
	memset(s, 0, sizeof(*s));
	if (!(s->name = strndup(e, (size_t)(eq - e))))
		return err_set(E_NOMEM, "out of memory");
	if (!stage_name_valid(s->name))
		return err_set(E_USAGE, "input '%s': stage name '%s' must be letters, digits, '.', "
				      "'_' or '-'", input, s->name);
	for (size_t i = 0; i + 1 < p->nstages; i++)
		if (!strcmp(p->stages[i].name, s->name))
			return err_set(E_USAGE, "input '%s': duplicate stage '%s'", input, s->name);
	for (q = eq + 1; q < end;) {
		const char *w, *colon = NULL, *slash = NULL;
		struct pipeline_repo *r = NULL;
		char *tags;

		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q == end)
			break;
		for (w = q; w < end && *w != ' ' && *w != '\t'; w++) {
			if (*w == '/')
				slash = w, colon = NULL;
			else if (*w == ':' && slash)
				colon = w;
		}
		/* "dev=reg/app:dev qa=reg/app:qa" or "...:dev,qa=...": a second stage where a
		 * repository or a tag belongs would otherwise become a repository of this one */
		if (memchr(q, '=', (size_t)(w - q)))
			return err_set(E_USAGE, "input '%s': stage '%s': '%.*s' looks like another "
					      "stage: separate stages with ';' (e.g. "
					      "'dev=registry/app:dev; qa=registry/app:qa')",
				       input, s->name, (int)(w - q), q);
		if (!colon)
			return err_set(E_USAGE, "input '%s': stage '%s': '%.*s' is not "
					      "host/repository:tag[,tag]", input, s->name,
				       (int)(w - q), q);
		if ((rc = add_repo(s, &r)))
			return rc;
		if (!(r->repository = strndup(q, (size_t)(colon - q))))
			return err_set(E_NOMEM, "out of memory");
		if (!repo_valid(r->repository))
			return err_set(E_USAGE, "input '%s': stage '%s': repository '%s' is not "
					      "host/path (lower-case)", input, s->name,
				       r->repository);
		if (!(tags = strndup(colon + 1, (size_t)(w - colon - 1))))
			return err_set(E_NOMEM, "out of memory");
		for (char *t = tags, *save = NULL, *tok; (tok = strtok_r(t, ",", &save)); t = NULL)
			if ((rc = strlist_add(&r->tags, tok)))
				return free(tags), rc;
		free(tags);
		if (!r->tags.len)
			return err_set(E_USAGE, "input '%s': stage '%s': repository '%s' has no tag",
				       input, s->name, r->repository);
		q = w;
	}
	if (!s->nrepos)
		return err_set(E_USAGE, "input '%s': stage '%s' has no repository", input, s->name);
	return 0;
}

int pipeline_parse_spec(struct pipeline *p, const char *spec, const char *input)
{
	const char *e = spec;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	while (*e) {
		size_t n = strcspn(e, ";\n");
		const char *s = e, *t = e + n;

		while (s < t && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t > s && (rc = spec_entry(p, s, (size_t)(t - s), input)))
			break;
		e += n;
		if (*e)
			e++;
	}
	if (!rc && !p->nstages)
		rc = err_set(E_USAGE, "input '%s': no stage (expected e.g. "
				      "'dev=registry/app:dev; qa=registry/app:qa')", input);
	if (!rc) {
		struct buf b = BUF_INIT;

		if ((rc = buf_printf(&b, "--%s", input)))
			rc = err_set(E_NOMEM, "out of memory");
		else
			p->source = buf_detach(&b);
	}
	if (rc)
		pipeline_free(p);
	return rc;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstages; i++) {
		struct pipeline_stage *s = &p->stages[i];

		for (size_t j = 0; j < s->nrepos; j++) {
			free(s->repos[j].repository);
			strlist_clear(&s->repos[j].tags);
		}
		free(s->repos);
		free(s->name);
		free(s->deploy.cluster);
		free(s->deploy.service);
		free(s->deploy.container);
		free(s->deploy.health_url);
		strlist_clear(&s->deploy.alarms);
		strlist_clear(&s->verify.keys);
		strlist_clear(&s->verify.attestations);
		pipeline_gates_free(&s->gates);
	}
	free(p->stages);
	free(p->source);
	memset(p, 0, sizeof(*p));
}

int pipeline_stage_unknown(const struct pipeline *p, const char *input, const char *name)
{
	struct buf names = BUF_INIT;
	const char *near = NULL;
	const char **all = calloc(p->nstages + 1, sizeof(*all));
	int rc;

	for (size_t i = 0; i < p->nstages; i++) {
		if (buf_printf(&names, "%s%s", i ? ", " : "", p->stages[i].name))
			break;
		if (all)
			all[i] = p->stages[i].name;
	}
	if (all)
		near = suggest_nearest(name, strlen(name), all, p->nstages);
	rc = err_set(E_USAGE, "input '%s': no stage '%s' in %s%s%s%s (its stages: %s)", input, name,
		     p->source ? p->source : "the pipeline", near ? "; did you mean '" : "",
		     near ? near : "", near ? "'?" : "", names.len ? buf_cstr(&names) : "none");
	free(all);
	buf_free(&names);
	return rc;
}

const struct pipeline_stage *pipeline_stage_find(const struct pipeline *p, const char *name,
						 size_t *idx)
{
	for (size_t i = 0; i < p->nstages; i++) {
		if (!strcmp(p->stages[i].name, name)) {
			if (idx)
				*idx = i;
			return &p->stages[i];
		}
	}
	return NULL;
}

int pipeline_tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 128 || t[0] == '.' || t[0] == '-')
		return 0;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return 0;
	return 1;
}

int pipeline_render_tag(struct buf *out, const char *tmpl, const struct pipeline_vars *v)
{
	const char *p = tmpl;
	int rc;

	buf_reset(out);
	while (*p) {
		const char *open = strstr(p, "{{"), *close, *name, *val;
		size_t nl;

		if (!open) {
			if ((rc = buf_puts(out, p)))
				return rc;
			break;
		}
		if ((rc = buf_add(out, p, (size_t)(open - p))))
			return rc;
		if (!(close = strstr(open + 2, "}}")))
			return err_set(E_USAGE, "tag '%s': unterminated '{{'", tmpl);
		name = open + 2;
		while (*name == ' ')
			name++;
		nl = (size_t)(close - name);
		while (nl && name[nl - 1] == ' ')
			nl--;
#define IS(s) (nl == strlen(s) && !strncmp(name, s, nl))
		if (IS("version"))
			val = v->version;
		else if (IS("digest"))
			val = v->digest;
		else if (IS("stage"))
			val = v->stage;
		else if (IS("sha"))
			val = v->sha;
		else if (IS("short-digest"))
			val = v->digest && strlen(v->digest) > 19 ? v->digest : NULL;
		else
			return err_set(E_USAGE, "tag '%s': unknown template '{{%.*s}}' (expected "
						"version, digest, short-digest, stage or sha)", tmpl,
				       (int)nl, name);
		if (!val)
			return err_set(E_USAGE, "tag '%s': '{{%.*s}}' has no value here (give "
						"--version)", tmpl, (int)nl, name);
		if (IS("short-digest")) {
			const char *hex = strchr(val, ':');

			rc = buf_add(out, hex ? hex + 1 : val, 12);
		} else if (IS("digest")) {
			/* A tag cannot hold ':': sha256:abc becomes sha256-abc. */
			for (const char *d = val; *d; d++)
				if ((rc = buf_putc(out, *d == ':' ? '-' : *d)))
					return rc;
			rc = 0;
		} else {
			rc = buf_puts(out, val);
		}
#undef IS
		if (rc)
			return rc;
		p = close + 2;
	}
	if (!out->len || !pipeline_tag_valid(buf_cstr(out)))
		return err_set(E_USAGE, "tag '%s' renders to '%s', which is not a valid tag "
					"([A-Za-z0-9_][A-Za-z0-9._-]{0,127})", tmpl, buf_cstr(out));
	return 0;
}
