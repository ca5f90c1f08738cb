/* ledger: promotion records as JSON and as OCI artifact manifests. See ledger.h. */
#include "promote/ledger.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "meta/datefmt.h"
#include "util/err.h"

/* The record's fields as data: JSON key, annotation suffix, member offset. */
#define FIELD(key, member) { key, offsetof(struct ledger_record, member) }
static const struct {
	const char *key;
	size_t off;
} fields[] = {
	FIELD("from", from),
	FIELD("to", to),
	FIELD("digest", digest),
	FIELD("previous-digest", previous_digest),
	FIELD("time", time),
	FIELD("actor", actor),
	FIELD("repository", repository),
	FIELD("source", source),
	FIELD("tags", tags),
	FIELD("run-url", run_url),
	FIELD("commit", commit),
	FIELD("kind", kind),
	FIELD("deploy-target", deploy_target),
	FIELD("task-definition", task_definition),
	FIELD("status", status),
	FIELD("gates", gates),
	FIELD("override", override),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static char **field(struct ledger_record *r, size_t i)
{
	return (char **)(void *)((char *)r + fields[i].off);
}

static const char *field_c(const struct ledger_record *r, size_t i)
{
	return *(char *const *)(const void *)((const char *)r + fields[i].off);
}

#define LEDGER_MAX_FIELD 4096

void ledger_record_free(struct ledger_record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < NFIELDS; i++)
		free(*field(r, i));
	free(r->manifest_digest);
	memset(r, 0, sizeof(*r));
}

int ledger_record_copy(struct ledger_record *dst, const struct ledger_record *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *v = field_c(src, i);

		if (v && !(*field(dst, i) = strdup(v))) {
			ledger_record_free(dst);
			return err_set(E_NOMEM, "out of memory");
		}
	}
	if (src->manifest_digest && !(dst->manifest_digest = strdup(src->manifest_digest))) {
		ledger_record_free(dst);
		return err_set(E_NOMEM, "out of memory");
	}
	return 0;
}

static json_t *record_json(const struct ledger_record *r)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *v = field_c(r, i);

		if (json_object_set_new(o, fields[i].key, v ? json_string(v) : json_null())) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int dump(json_t *j, struct buf *out)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc;

	json_decref(j);
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	buf_reset(out);
	rc = buf_puts(out, s);
	free(s);
	return rc;
}

int ledger_record_to_json(const struct ledger_record *r, struct buf *out)
{
	return dump(record_json(r), out);
}

/* Checks and copies fields from a JSON object, keys named by `prefix` + key. */
static int record_from_object(struct ledger_record *r, const json_t *o, const char *prefix)
{
	struct buf key = BUF_INIT;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < NFIELDS && !rc; i++) {
		const json_t *v;

		buf_reset(&key);
		if ((rc = buf_printf(&key, "%s%s", prefix, fields[i].key)))
			break;
		v = json_object_get(o, buf_cstr(&key));
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v) || json_string_length(v) > LEDGER_MAX_FIELD ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			rc = err_set(E_INTEGRITY, "ledger record: '%s' is not a string", fields[i].key);
			break;
		}
		if (!(*field(r, i) = strdup(json_string_value(v))))
			rc = err_set(E_NOMEM, "out of memory");
	}
	buf_free(&key);
	if (!rc && (!r->to || !r->digest || !r->time))
		rc = err_set(*prefix ? E_NOTFOUND : E_INTEGRITY,
			     "ledger record without 'to', 'digest' or 'time'");
	if (!rc && strncmp(r->digest, "sha256:", 7))
		rc = err_set(E_INTEGRITY, "ledger record: digest '%s' is not sha256", r->digest);
	if (rc)
		ledger_record_free(r);
	return rc;
}

int ledger_record_from_json(struct ledger_record *r, const char *data, size_t len)
{
	json_error_t e;
	json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return err_set(E_INTEGRITY, "ledger record is not a JSON object: %s", e.text);
	}
	rc = record_from_object(r, o, "");
	json_decref(o);
	return rc;
}

int ledger_record_from_annotations(struct ledger_record *r, const json_t *annotations)
{
	memset(r, 0, sizeof(*r));
	if (!json_is_object(annotations))
		return err_set(E_NOTFOUND, "no annotations");
	return record_from_object(r, annotations, LEDGER_ANNOTATION_PREFIX);
}

static json_t *descriptor(const char *media_type, const char *digest, size_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
			 (json_int_t)size);
}

json_t *ledger_record_json(const struct ledger_record *r)
{
	return record_json(r);
}

int ledger_manifest_build(struct buf *out, const struct ledger_record *r,
			  const char *subject_media_type, const char *subject_digest,
			  size_t subject_size)
{
	return ledger_manifest_build_layer(out, r, subject_media_type, subject_digest,
					   subject_size, OCI_EMPTY_MEDIA_TYPE, OCI_EMPTY_DIGEST, 2);
}

int ledger_manifest_build_layer(struct buf *out, const struct ledger_record *r,
				const char *subject_media_type, const char *subject_digest,
				size_t subject_size, const char *layer_media_type,
				const char *layer_digest, size_t layer_size)
{
	json_t *m = NULL, *ann = json_object();
	struct buf key = BUF_INIT;
	int rc = 0;

	if (!ann)
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < NFIELDS && !rc; i++) {
		const char *v = field_c(r, i);

		if (!v)
			continue;
		buf_reset(&key);
		if ((rc = buf_printf(&key, LEDGER_ANNOTATION_PREFIX "%s", fields[i].key)))
			break;
		if (json_object_set_new(ann, buf_cstr(&key), json_string(v)))
			rc = err_set(E_NOMEM, "out of memory");
	}
	buf_free(&key);
	if (!rc && r->time && json_object_set_new(ann, "org.opencontainers.image.created",
						   json_string(r->time)))
		rc = err_set(E_NOMEM, "out of memory");
	if (rc) {
		json_decref(ann);
		return rc;
	}
	m = json_pack("{s:i, s:s, s:s, s:o, s:[o], s:o, s:o}", "schemaVersion", 2, "mediaType",
		      OCI_MANIFEST_MEDIA_TYPE, "artifactType", LEDGER_ARTIFACT_TYPE, "config",
		      descriptor(OCI_EMPTY_MEDIA_TYPE, OCI_EMPTY_DIGEST, 2), "layers",
		      descriptor(layer_media_type, layer_digest, layer_size), "subject",
		      descriptor(subject_media_type, subject_digest, subject_size), "annotations",
		      ann);
	if (!m)
		return err_set(E_NOMEM, "out of memory");
	return dump(m, out);
}

int ledger_now_ms(long long *ms)
{
	const char *fixed = getenv("CONVOY_NOW");
	struct timeval tv;

	if (fixed && *fixed)
		return meta_date_parse_iso(fixed, ms) ? err_wrap(E_USAGE, "CONVOY_NOW") : 0;
	if (gettimeofday(&tv, NULL))
		return err_set(E_INTERNAL, "cannot read the clock");
	*ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	return 0;
}

int ledger_time_now(struct buf *out)
{
	long long ms;
	int rc = ledger_now_ms(&ms);

	if (rc)
		return rc;
	buf_reset(out);
	return meta_date_iso(out, ms);
}

int ledger_records_add(struct ledger_records *l, struct ledger_record *r)
{
	struct ledger_record *n = realloc(l->items, (l->len + 1) * sizeof(*n));

	if (!n) {
		ledger_record_free(r);
		return err_set(E_NOMEM, "out of memory");
	}
	l->items = n;
	l->items[l->len++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const struct ledger_record *x = a, *y = b;

	return strcmp(y->time, x->time);
}

void ledger_records_sort(struct ledger_records *l)
{
	if (l->len > 1)
		qsort(l->items, l->len, sizeof(*l->items), newest_first);
}

void ledger_records_free(struct ledger_records *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->len; i++)
		ledger_record_free(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

int ledger_record_is_deploy(const struct ledger_record *r)
{
	return r->kind && !strcmp(r->kind, "deploy");
}

const struct ledger_record *ledger_records_latest(const struct ledger_records *l, const char *to,
						  const char *before)
{
	const struct ledger_record *best = NULL;

	for (size_t i = 0; i < l->len; i++) {
		const struct ledger_record *r = &l->items[i];

		if (strcmp(r->to, to) || (before && strcmp(r->time, before) >= 0) ||
		    ledger_record_is_deploy(r))
			continue;
		if (!best || strcmp(r->time, best->time) > 0)
			best = r;
	}
	return best;
}
