/* promote/history: reading the ledger, and a stage's history walked through it. See
 * promote.h and store.h. */
#include "promote/promote.h"

#include <stdlib.h>
#include <string.h>

#include "promote/store.h"
#include "registry/reference.h"
#include "registry/referrers.h"
#include "util/err.h"

int promote_repo_open(struct registry_sessions *rs, const char *repository,
		      struct registry **reg, char **path)
{
	struct registry_ref ref;
	int rc;

	*reg = NULL;
	*path = NULL;
	if ((rc = registry_ref_parse_repo(&ref, repository)))
		return rc;
	if (!(rc = registry_sessions_get(rs, registry_ref_api_host(&ref), reg))) {
		*path = ref.path;
		ref.path = NULL;
	}
	registry_ref_free(&ref);
	return rc;
}

int promote_ledger_from_index(const json_t *index, const char *digest,
			      struct ledger_records *out)
{
	const json_t *m;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(index, "manifests"), i, m)
	{
		struct ledger_record rec;
		const char *at = json_string_value(json_object_get(m, "artifactType"));

		if (!at || strcmp(at, LEDGER_ARTIFACT_TYPE))
			continue;
		if (ledger_record_from_annotations(&rec, json_object_get(m, "annotations"))) {
			err_clear();
			continue;
		}
		if (strcmp(rec.digest, digest)) { /* a record must be about its subject */
			ledger_record_free(&rec);
			continue;
		}
		if ((rc = ledger_records_add(out, &rec)))
			break;
	}
	return rc;
}

int promote_ledger_read(struct registry *reg, const char *path, const char *digest,
			struct ledger_records *out)
{
	json_t *index = NULL;
	int api, rc = registry_referrers_get(reg, path, digest, &index, &api);

	if (!rc)
		rc = promote_ledger_from_index(index, digest, out);
	json_decref(index);
	return rc ? err_wrap(rc, "reading the ledger of %s/%s@%s", registry_host(reg), path, digest)
		  : 0;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int promote_history(struct registry_sessions *rs, const struct pipeline *p, const char *stage,
		    size_t limit, int with_deploys, struct ledger_records *out, char **current)
{
	const struct pipeline_stage *s = pipeline_stage_find(p, stage, NULL);
	struct ledger_records seen = { 0 };
	struct strlist fetched = STRLIST_INIT;
	struct registry *reg = NULL;
	char *path = NULL, *d = NULL, *before = NULL;
	const char *tag;
	int rc;

	memset(out, 0, sizeof(*out));
	*current = NULL;
	if (!s)
		return err_set(E_USAGE, "input 'stage': no stage '%s' in the pipeline", stage);
	if (!(tag = promote_stage_pointer_tag(&s->repos[0])))
		return err_set(E_USAGE, "stage '%s': its first repository has no plain tag to "
					"follow", stage);
	if ((rc = promote_repo_open(rs, s->repos[0].repository, &reg, &path)))
		return rc;
	rc = registry_manifest_head(reg, path, tag, &d, NULL);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (!(*current = strdup(d))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	while (d && out->len < limit) {
		const struct ledger_record *rec = NULL;
		struct ledger_record copy;

		if (!strlist_contains(&fetched, d)) {
			if ((rc = strlist_add(&fetched, d)) ||
			    (rc = promote_ledger_read(reg, path, d, &seen)))
				goto out;
		}
		for (size_t i = 0; i < seen.len; i++) {
			const struct ledger_record *c = &seen.items[i];

			if (strcmp(c->to, stage) || strcmp(c->digest, d) ||
			    ledger_record_is_deploy(c) || (before && strcmp(c->time, before) >= 0))
				continue;
			if (!rec || strcmp(c->time, rec->time) > 0)
				rec = c;
		}
		if (!rec)
			break;
		if ((rc = ledger_record_copy(&copy, rec)) || (rc = ledger_records_add(out, &copy)))
			goto out;
		free(before);
		free(d);
		before = xstrdup(rec->time);
		d = xstrdup(rec->previous_digest);
		if (!before) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	/* The deploys of the digests walked, after the promotion that brought each in. */
	for (size_t i = 0; with_deploys && i < seen.len && !rc; i++) {
		const struct ledger_record *c = &seen.items[i];
		struct ledger_record copy;

		if (!ledger_record_is_deploy(c) || strcmp(c->to, stage) ||
		    !strlist_contains(&fetched, c->digest))
			continue;
		if (!(rc = ledger_record_copy(&copy, c)))
			rc = ledger_records_add(out, &copy);
	}
	if (!rc && with_deploys)
		ledger_records_sort(out);
out:
	ledger_records_free(&seen);
	strlist_clear(&fetched);
	free(path);
	free(d);
	free(before);
	if (rc) {
		ledger_records_free(out);
		free(*current);
		*current = NULL;
	}
	return rc;
}
