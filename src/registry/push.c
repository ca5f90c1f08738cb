/* registry/push: one image to one repository. See push.h. */
#include "registry/push.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/runtime.h"
#include "registry/referrers.h"
#include "util/err.h"

#define PROGRESS_MIN (16u * 1024 * 1024) /* layers this large get a progress line */

struct blob_job {
	const struct registry_blob_desc *desc;
	int rc;
	char msg[1024];
};

struct pool {
	struct rt *rt;
	struct registry *reg;
	const char *repo;
	const char *mount_from;
	struct registry_source *src;
	struct blob_job *jobs;
	size_t njobs, next;
	int failed;
	pthread_mutex_t lock;
	struct push_stats *stats;
};

static int push_blob(struct pool *p, const struct registry_blob_desc *d)
{
	struct registry_blob_reader *rd = NULL;
	struct registry_upload_stats us = { 0 };
	struct registry_blob_body body;
	struct timespec t0, t1;
	int exists = 0, mounted = 0, rc;

	if ((rc = registry_blob_exists(p->reg, p->repo, d->digest, &exists, NULL)))
		return rc;
	if (exists) {
		pthread_mutex_lock(&p->lock);
		p->stats->skipped++;
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	if (p->mount_from) {
		rc = registry_blob_mount(p->reg, p->repo, d->digest, p->mount_from, &mounted);
		if (rc)
			return rc;
		if (mounted) {
			pthread_mutex_lock(&p->lock);
			p->stats->mounted++;
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
	}
	if ((rc = registry_source_blob_open(p->src, d->digest, &rd)))
		return rc;
	body.read = registry_blob_reader_read;
	body.rewind = registry_blob_reader_rewind;
	body.ctx = rd;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = registry_blob_upload(p->reg, p->repo, d->digest, d->size, &body, &us);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	registry_blob_reader_close(rd);
	if (rc)
		return rc;
	pthread_mutex_lock(&p->lock);
	if (p->rt && d->size >= PROGRESS_MIN && (!p->rt->actions || p->rt->verbose)) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		double mib = (double)d->size / (1024.0 * 1024.0);

		rt_info(p->rt, "  layer %.19s: %.1f MiB in %.1fs (%.1f MiB/s)", d->digest, mib, secs,
			secs > 0 ? mib / secs : 0.0);
	}
	p->stats->uploaded++;
	p->stats->bytes_sent += us.bytes_sent;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct blob_job *j;

		pthread_mutex_lock(&p->lock);
		if (p->failed || p->next >= p->njobs) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->lock);
		err_clear();
		j->rc = push_blob(p, j->desc);
		if (j->rc) {
			/* err is thread-local: keep the message with the job. */
			(void)snprintf(j->msg, sizeof(j->msg), "blob %s: %s", j->desc->digest,
				       err_msg());
			pthread_mutex_lock(&p->lock);
			p->failed = 1;
			pthread_mutex_unlock(&p->lock);
		}
	}
}

static int add_job(struct blob_job **jobs, size_t *n, size_t *cap,
		   const struct registry_blob_desc *d)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*jobs)[i].desc->digest, d->digest))
			return 0; /* layers shared between platforms go up once */
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct blob_job *nj = realloc(*jobs, nc * sizeof(*nj));

		if (!nj)
			return err_set(E_NOMEM, "out of memory");
		*jobs = nj;
		*cap = nc;
	}
	memset(&(*jobs)[*n], 0, sizeof(**jobs));
	(*jobs)[(*n)++].desc = d;
	return 0;
}

/* The source's referrers, each after the manifest it refers to is in. */
static int put_referrers(struct registry *r, const char *repo, struct registry_source *src,
			 struct push_stats *stats)
{
	int rc = 0;

	for (size_t i = 0; i < src->nreferrers && !rc; i++) {
		struct registry_image *im = &src->referrers[i];
		json_t *desc;
		int ack = 0;

		if ((rc = registry_manifest_put(r, repo, im->digest, im->media_type,
						im->manifest.data, im->manifest.len, &ack)))
			break;
		stats->referrers++;
		if (ack) {
			stats->referrers_api = 1;
			continue;
		}
		desc = json_pack("{s:s, s:s, s:I, s:s}", "mediaType", im->media_type, "digest",
				 im->digest, "size", (json_int_t)im->manifest.len, "artifactType",
				 im->artifact_type);
		rc = desc ? registry_referrers_tag_add(r, repo, im->subject, desc)
			  : err_set(E_NOMEM, "out of memory");
		json_decref(desc);
	}
	return rc;
}

int registry_push_image(struct rt *rt, struct registry *r, const char *repo,
			struct registry_source *src, const char *mount_from, unsigned concurrency,
			struct push_stats *stats)
{
	struct pool p;
	pthread_t th[32];
	size_t cap = 0, nth = 0;
	char *have = NULL;
	int rc;

	memset(stats, 0, sizeof(*stats));
	/* The destination already has this exact image: nothing to upload but its referrers
	 * (put again by digest: a registry that has them answers as before). */
	rc = registry_manifest_head(r, repo, src->digest, &have, NULL);
	if (!rc && have && !strcmp(have, src->digest))
		stats->already_present = 1;
	free(have);
	if (rc && rc != E_NOTFOUND)
		return rc;
	err_clear();
	if (stats->already_present && !src->nreferrers)
		return 0;

	memset(&p, 0, sizeof(p));
	p.rt = rt;
	p.reg = r;
	p.repo = repo;
	p.mount_from = mount_from;
	p.src = src;
	p.stats = stats;
	pthread_mutex_init(&p.lock, NULL);
	for (size_t i = 0; i < src->nimages + src->nreferrers; i++) {
		struct registry_image *im = i < src->nimages ? &src->images[i]
							       : &src->referrers[i - src->nimages];

		if (i < src->nimages && stats->already_present)
			continue;
		if ((rc = add_job(&p.jobs, &p.njobs, &cap, &im->config)))
			goto out;
		for (size_t l = 0; l < im->nlayers; l++)
			if ((rc = add_job(&p.jobs, &p.njobs, &cap, &im->layers[l])))
				goto out;
	}
	if (concurrency < 1)
		concurrency = 1;
	if (concurrency > sizeof(th) / sizeof(th[0]))
		concurrency = sizeof(th) / sizeof(th[0]);
	for (; nth < concurrency && nth < p.njobs; nth++)
		if (pthread_create(&th[nth], NULL, worker, &p)) {
			rc = err_set(E_INTERNAL, "cannot start an upload thread");
			break;
		}
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (rc)
		goto out;
	for (size_t i = 0; i < p.njobs; i++) {
		if (p.jobs[i].rc) {
			rc = err_set(p.jobs[i].rc, "%s", p.jobs[i].msg);
			goto out;
		}
	}
	/* Every blob is in place: the manifests (children first), by digest, never by tag. */
	for (size_t i = 0; i < src->nimages && src->is_index && !stats->already_present; i++) {
		struct registry_image *im = &src->images[i];

		rc = registry_manifest_put(r, repo, im->digest, im->media_type, im->manifest.data,
					   im->manifest.len, NULL);
		if (rc)
			goto out;
	}
	if (!stats->already_present &&
	    (rc = registry_manifest_put(r, repo, src->digest, src->media_type, src->top.data,
					src->top.len, NULL)))
		goto out;
	rc = put_referrers(r, repo, src, stats);
out:
	pthread_mutex_destroy(&p.lock);
	free(p.jobs);
	return rc;
}
