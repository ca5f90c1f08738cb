/*
 * merge: convoy merge IMAGE --digest D1 --digest D2 [--digests-file F] joins the per-platform
 * images of a matrix build (each runner: `push --by-digest`) into one multi-platform index in
 * IMAGE's repository (registry/index), puts it by digest, then writes every tag once
 * (registry/tags_write). Tags are push's: computed from --tags with IMAGE as the image, or
 * full references from --tag-list (the `tags` output of `convoy tags`); index annotations from
 * --annotations (`tags`' annotations output: level:key=value). Everything that can be refused
 * is refused before the index or any tag is written.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/promote_common.h"
#include "cmd/tags_compute.h"
#include "registry/index.h"
#include "registry/reference.h"
#include "registry/tags_write.h"
#include "util/err.h"

#define MAX_DIGESTS_FILE (1u << 20)

const char cmd_merge_summary[] =
	"Join per-platform images pushed by digest into one multi-platform index, then tag it";
const struct input_def cmd_merge_inputs[] = {
	{ "image", IN_OPERAND, NULL,
	  "the repository the platform images are in, host/repo (also the first argument)" },
	{ "digest", IN_MULTI, NULL, "a platform image's digest (sha256:...), one per line or flag" },
	{ "digests-file", 0, NULL,
	  "file of digests, one a line ('#' comments and blank lines ignored), as matrix jobs "
	  "upload them" },
	TAGS_COMPUTE_INPUTS,
	{ "tag-list", IN_MULTI, NULL,
	  "full references to tag (instead of tags), in IMAGE's repository" },
	PROMOTE_REGISTRY_INPUTS,
	{ NULL, 0, NULL, NULL },
};

/* --digest and --digests-file, every entry checked before the network is touched. */
static int read_digests(const struct inputs *in, struct strlist *out)
{
	const char *file = inputs_get(in, "digests-file");
	struct strlist fl = STRLIST_INIT;
	struct buf b = BUF_INIT;
	int rc;

	if ((rc = inputs_get_list(in, "digest", LIST_COMMENTS, out)))
		goto out;
	for (size_t i = 0; i < out->len; i++)
		if (!registry_digest_valid(out->items[i])) {
			rc = err_set(E_USAGE, "input 'digest': '%s' is not a digest: expected "
					      "sha256:<64 lower-case hex>", out->items[i]);
			goto out;
		}
	if (file) {
		if ((rc = buf_read_file(&b, file, MAX_DIGESTS_FILE))) {
			rc = err_wrap(rc, "input 'digests-file'");
			goto out;
		}
		if ((rc = list_parse(buf_cstr(&b), LIST_COMMENTS | LIST_IGNORE_COMMA, &fl)))
			goto out;
		for (size_t i = 0; i < fl.len && !rc; i++) {
			if (!registry_digest_valid(fl.items[i]))
				rc = err_set(E_USAGE, "input 'digests-file': %s: '%s' is not a digest: "
						      "expected one sha256:<64 lower-case hex> a line",
					     file, fl.items[i]);
			else
				rc = strlist_add(out, fl.items[i]);
		}
		if (rc)
			goto out;
	}
	if (!out->len)
		rc = err_set(E_USAGE, "no digests to merge: give --digest (one per platform) or "
				      "--digests-file");
out:
	strlist_clear(&fl);
	buf_free(&b);
	return rc;
}

/*
 * The annotations of the index from `tags`' "level:key=value" entries: manifest and index
 * levels (and no level) name the one manifest merge writes; descriptor-level entries and
 * entries for one platform ("manifest[linux/amd64]:") are not the index's and are left out.
 */
static int index_annotations(const struct strlist *src, struct strlist *out)
{
	int rc = 0;

	for (size_t i = 0; i < src->len && !rc; i++) {
		const char *e = src->items[i], *eq = strchr(e, '='), *colon = strchr(e, ':');
		size_t lv;

		if (!eq || eq == e)
			return err_set(E_USAGE, "input 'annotations': '%s': expected [level:]key=value",
				       e);
		if (!colon || colon > eq) {
			rc = strlist_add(out, e);
			continue;
		}
		lv = (size_t)(colon - e);
		if ((lv == 5 && !strncmp(e, "index", 5)) || (lv == 8 && !strncmp(e, "manifest", 8)))
			rc = strlist_add(out, colon + 1);
		else if (!((lv == 16 && !strncmp(e, "index-descriptor", 16)) ||
			   (lv == 19 && !strncmp(e, "manifest-descriptor", 19)) ||
			   memchr(e, '[', lv)))
			return err_set(E_USAGE, "input 'annotations': '%s': unknown level '%.*s' "
					       "(expected index, manifest, index-descriptor or "
					       "manifest-descriptor)", e, (int)lv, e);
	}
	return rc;
}

/* The tag names to write and the annotations, as push takes them; every reference is in
 * IMAGE's repository (repo). */
static int collect_tags(struct rt *rt, struct inputs *in, const char *repo, struct strlist *tags,
			struct strlist *ann)
{
	struct tags_result tr;
	struct strlist raw = STRLIST_INIT, refs = STRLIST_INIT;
	const char *what = inputs_get(in, "tag-list") ? "tag-list" : "tags";
	int rc = 0, have_tr = 0;

	memset(&tr, 0, sizeof(tr));
	if (inputs_get(in, "tag-list")) {
		if ((rc = inputs_get_list(in, "tag-list", 0, &refs)) ||
		    (rc = inputs_get_list(in, "annotations", LIST_IGNORE_COMMA | LIST_COMMENTS,
					  &raw)) ||
		    (rc = index_annotations(&raw, ann)))
			goto out;
	} else if (inputs_get(in, "tags") || inputs_get(in, "images")) {
		if ((rc = inputs_set_default(in, "images", repo)) ||
		    (rc = tags_compute(rt, in, &tr)))
			goto out;
		have_tr = 1;
		for (size_t i = 0; i < tr.meta.tags.len && !rc; i++)
			rc = strlist_add(&refs, tr.meta.tags.items[i]);
		if (rc || (rc = index_annotations(&tr.meta.annotations, ann)))
			goto out;
	} else if ((rc = inputs_get_list(in, "annotations", LIST_IGNORE_COMMA | LIST_COMMENTS,
					 &raw)) ||
		   (rc = index_annotations(&raw, ann))) {
		goto out;
	}
	for (size_t i = 0; i < refs.len && !rc; i++) {
		struct registry_ref ref;
		char *name;

		if ((rc = registry_ref_parse(&ref, refs.items[i]))) {
			rc = err_wrap(rc, "input '%s'", what);
			break;
		}
		name = registry_ref_repo_dup(&ref);
		if (!name)
			rc = err_set(E_NOMEM, "out of memory");
		else if (ref.digest)
			rc = err_set(E_USAGE, "input '%s': '%s' names a digest: merge writes tags, "
					      "so give repo:tag", what, refs.items[i]);
		else if (strcmp(name, repo))
			rc = err_set(E_USAGE, "input '%s': '%s' is not in %s: the index is written "
					      "where the platform images are, so every tag is %s:TAG",
				     what, refs.items[i], repo, repo);
		/* "reg/app" means "reg/app:latest", as docker push reads it; a tag once */
		else if (!strlist_contains(tags, ref.tag ? ref.tag : "latest"))
			rc = strlist_add(tags, ref.tag ? ref.tag : "latest");
		free(name);
		registry_ref_free(&ref);
	}
out:
	if (have_tr)
		tags_result_free(&tr);
	strlist_clear(&raw);
	strlist_clear(&refs);
	return rc;
}

/* A list output: newline-separated, and an array under --format json. */
static int out_set_list(struct rt *rt, const char *name, const char *joined,
			const struct strlist *l)
{
	json_t *a = json_array();
	char *js;
	int rc;

	for (size_t i = 0; a && i < l->len; i++)
		json_array_append_new(a, json_string(l->items[i]));
	js = a ? json_dumps(a, JSON_COMPACT) : NULL;
	rc = js ? out_set_json(rt, name, joined ? joined : "", js)
		: err_set(E_NOMEM, "out of memory");
	free(js);
	json_decref(a);
	return rc;
}

static int write_outputs(struct rt *rt, const char *repo, const struct registry_index *ix,
			 const struct tag_target *t, size_t nt)
{
	struct strlist tags = STRLIST_INIT, plats = STRLIST_INIT;
	char *tg = NULL, *pl = NULL;
	int rc = 0;

	for (size_t i = 0; i < nt && !rc; i++) {
		struct buf b = BUF_INIT;

		if (!(rc = buf_printf(&b, "%s:%s", repo, t[i].tag)))
			rc = strlist_take(&tags, buf_detach(&b));
		buf_free(&b);
	}
	for (size_t i = 0; i < ix->n && !rc; i++)
		rc = strlist_add(&plats, ix->entries[i].platform);
	if (!rc) {
		tg = strlist_join_dup(&tags, "\n");
		pl = strlist_join_dup(&plats, "\n");
		if (!(rc = out_set(rt, "digest", ix->digest)) &&
		    !(rc = out_set_list(rt, "tags", tg, &tags)))
			rc = out_set_list(rt, "platforms", pl, &plats);
	}
	summary_add(rt, "### convoy merge\n\n`%s` (%s, %zu platform%s)\n\n"
			"| Repository | Tags | Platforms |\n|---|---|---|\n| ",
		    ix->digest, ix->media_type, ix->n, ix->n == 1 ? "" : "s");
	summary_add_cell(rt, repo);
	summary_add(rt, " | ");
	for (size_t i = 0; i < nt; i++)
		summary_add(rt, "`%s` ", t[i].tag);
	summary_add(rt, " | ");
	for (size_t i = 0; i < ix->n; i++)
		summary_add(rt, "%s`%s` %s", i ? "<br>" : "", ix->entries[i].platform,
			    ix->entries[i].digest);
	summary_add(rt, " |\n");
	free(tg);
	free(pl);
	strlist_clear(&tags);
	strlist_clear(&plats);
	return rc;
}

int cmd_merge(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	struct registry_ref ref = { 0 };
	struct registry_sessions *rs = NULL;
	struct registry *reg = NULL;
	struct registry_index ix;
	struct strlist digests = STRLIST_INIT, tags = STRLIST_INIT, ann = STRLIST_INIT;
	struct tag_target *t = NULL;
	const char *image;
	char *repo = NULL;
	size_t nt = 0;
	int rc;

	memset(&ix, 0, sizeof(ix));
	if ((rc = inputs_parse(rt, cmd_merge_inputs, argc, argv, &in)))
		goto out;
	if (!(image = inputs_get(&in, "image"))) {
		rc = err_set(E_USAGE, "input 'image' is required: the repository the platform "
				      "images were pushed to (convoy merge host/repo --digest ...)");
		goto out;
	}
	if ((rc = registry_ref_parse(&ref, image))) {
		rc = err_wrap(rc, "input 'image'");
		goto out;
	}
	if (ref.tag || ref.digest) {
		rc = err_set(E_USAGE, "input 'image': '%s' names a %s: give the repository alone "
				      "(host/repo); the tags come from 'tags' or 'tag-list'",
			     image, ref.digest ? "digest" : "tag");
		goto out;
	}
	if (!(repo = registry_ref_repo_dup(&ref))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_digests(&in, &digests)) ||
	    (rc = collect_tags(rt, &in, repo, &tags, &ann)))
		goto out;
	if (tags.len && !(t = calloc(tags.len, sizeof(*t)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = promote_cli_sessions(rt, &in, &rs)) ||
	    (rc = registry_sessions_get(rs, registry_ref_api_host(&ref), &reg)))
		goto out;
	if ((rc = registry_index_build(reg, ref.path, &digests, &ann, &ix))) {
		rc = err_wrap(rc, "nothing was written");
		goto out;
	}
	if (ann.len && strcmp(ix.media_type, REGISTRY_MT_OCI_INDEX))
		wf_warning(rt, "annotations", "the images are Docker schema 2: their index is a "
					      "Docker manifest list, which has no annotations (%zu "
					      "left out)", ann.len);
	rt_info(rt, "index %s of %zu platform%s for %s", ix.digest, ix.n, ix.n == 1 ? "" : "s",
		repo);
	for (size_t i = 0; i < ix.n; i++)
		rt_info(rt, "  %s %s", ix.entries[i].platform, ix.entries[i].digest);
	if ((rc = registry_manifest_put(reg, ref.path, ix.digest, ix.media_type, ix.body.data,
					ix.body.len, NULL))) {
		rc = err_wrap(rc, "putting the index into %s (no tag was changed)", repo);
		goto out;
	}
	for (; nt < tags.len; nt++) {
		t[nt].reg = reg;
		t[nt].repo = strdup(ref.path);
		t[nt].tag = strdup(tags.items[nt]);
		if (!t[nt].repo || !t[nt].tag) {
			nt++;
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (nt && (rc = registry_tags_write(t, nt, ix.digest, ix.media_type, &ix.body)))
		goto out;
	for (size_t i = 0; i < nt; i++)
		rt_info(rt, "%s %s:%s -> %s", t[i].unchanged ? "unchanged" : "tagged", repo, t[i].tag,
			ix.digest);
	rc = write_outputs(rt, repo, &ix, t, nt);
out:
	for (size_t i = 0; t && i < nt; i++) {
		free(t[i].repo);
		free(t[i].tag);
		free(t[i].previous);
	}
	free(t);
	registry_index_free(&ix);
	registry_sessions_free(rs);
	registry_ref_free(&ref);
	free(repo);
	strlist_clear(&digests);
	strlist_clear(&tags);
	strlist_clear(&ann);
	inputs_free(&in);
	return rc;
}
