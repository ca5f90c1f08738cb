/* par: a small thread pool over a job list. See par.h. */
#include "util/par.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct par_pool {
	pthread_mutex_t lock;
	size_t next, n;
	par_fn fn;
	void *ctx;
	int *rc;
	char **msg;
};

static void *par_worker(void *arg)
{
	struct par_pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		err_clear();
		if ((p->rc[i] = p->fn(p->ctx, i)))
			p->msg[i] = strdup(err_msg());
	}
}

int par_run(size_t n, unsigned threads, par_fn fn, void *ctx)
{
	struct par_pool p;
	pthread_t th[PAR_MAX_THREADS];
	size_t nth = 0;
	int rc = 0;

	if (!n)
		return 0;
	if (n == 1 || threads <= 1) {
		for (size_t i = 0; i < n; i++)
			if ((rc = fn(ctx, i)))
				return rc;
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.n = n;
	p.fn = fn;
	p.ctx = ctx;
	p.rc = calloc(n, sizeof(*p.rc));
	p.msg = calloc(n, sizeof(*p.msg));
	if (!p.rc || !p.msg) {
		free(p.rc);
		free(p.msg);
		return err_set(E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&p.lock, NULL);
	if (threads > PAR_MAX_THREADS)
		threads = PAR_MAX_THREADS;
	/* The caller is one of the workers: one thread fewer to start per call. */
	for (; nth + 1 < threads && nth + 1 < n; nth++)
		if (pthread_create(&th[nth], NULL, par_worker, &p))
			break;
	par_worker(&p);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < n && !rc; i++)
		if (p.rc[i])
			rc = err_set(p.rc[i], "%s", p.msg[i] ? p.msg[i] : "out of memory");
	for (size_t i = 0; i < n; i++)
		free(p.msg[i]);
	free(p.rc);
	free(p.msg);
	pthread_mutex_destroy(&p.lock);
	return rc;
}
