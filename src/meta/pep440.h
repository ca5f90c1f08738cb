/*
 * pep440: Python versions as @renovate/pep440 (used by metadata-action's `type=pep440`)
 * validates, explains and normalises them (PEP 440 "canonical" form). Pure.
 */
#ifndef CONVOY_META_PEP440_H
#define CONVOY_META_PEP440_H

struct meta_pep440 {
	char *normalized;        /* pep440.clean(): "1!2.0rc1.post0.dev0+local.1" */
	unsigned long long release[3];
	unsigned nrelease;       /* release segments seen (may exceed 3; extra not kept) */
	int is_prerelease;       /* pre or dev segment */
	int is_postrelease;
	int is_devrelease;
};

/* 1 when valid (fills v), 0 when not; negative on OOM. */
int meta_pep440_parse(const char *s, struct meta_pep440 *v);
void meta_pep440_free(struct meta_pep440 *v);

#endif
