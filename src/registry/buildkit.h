/*
 * registry/buildkit: BuildKit's output made registry-friendly before a push. BuildKit stores
 * its attestations (SLSA provenance, SPDX SBOM) as extra manifests in the image index, each
 * with platform unknown/unknown and the annotations vnd.docker.reference.type =
 * attestation-manifest and vnd.docker.reference.digest = the platform manifest it describes
 * (docs.docker.com, "Image attestation storage"). Runtimes that read an index as a list of
 * platforms (AWS Lambda, Cloud Run) refuse those entries. Reshaping takes them out of the
 * index: as OCI 1.1 referrers of the manifest they describe (the same manifest plus `subject`
 * and `artifactType`, so a new digest), or not at all (drop); the index is then rewritten
 * without them (a new digest). A platform narrows an index to that platform's manifest alone.
 * Works on the loaded source in memory: no I/O.
 */
#ifndef CONVOY_REGISTRY_BUILDKIT_H
#define CONVOY_REGISTRY_BUILDKIT_H

#include "registry/source.h"

/* The referrers' artifactType: the in-toto statements' media type, which is what the
 * attestation manifest's layers are (registry/carry files it under the kind "in-toto"). */
#define REGISTRY_ATTEST_ARTIFACT_TYPE "application/vnd.in-toto+json"

enum registry_attest_mode { REGISTRY_ATTEST_REFERRERS, REGISTRY_ATTEST_KEEP, REGISTRY_ATTEST_DROP };

/* "referrers", "keep" or "drop"; E_USAGE naming `what` otherwise. */
int registry_attest_mode_parse(const char *s, const char *what, enum registry_attest_mode *out);
const char *registry_attest_mode_name(enum registry_attest_mode m);

/*
 * Reshapes s for mode, and to one platform when platform is not NULL ("os/arch[/variant]").
 * Unchanged (s->source_digest NULL) when there is nothing to do; else s->digest, s->top,
 * s->images describe what is pushed, s->referrers what refers to it, s->source_digest the
 * source's own digest. E_USAGE (naming input 'platform' or 'attestations') for a platform the
 * source does not have, keep with a platform, or an attestation that cannot become a referrer.
 */
int registry_source_reshape(struct registry_source *s, enum registry_attest_mode mode,
			    const char *platform);

/* An index left with one platform (a single-platform build with BuildKit's attestations)
 * becomes that platform's manifest, its referrers kept: `push --by-digest` outputs the
 * platform image that `convoy merge` joins. No change for anything else. */
int registry_source_unwrap(struct registry_source *s);

#endif
