/*
 * registry/reference: image references in Docker's grammar (distribution/reference), exactly:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain "/"] path-component ["/" path-component]*
 *   domain     := host [":" port]   (a first component is a domain when it has '.' or ':' or is
 *                                    "localhost", or has an upper-case letter)
 *   path-comp  := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" hex   (sha256: 64 hex, sha512: 128 hex, lower-case)
 *
 * Normalisation as the docker CLI does: no domain -> docker.io, a single docker.io component
 * -> library/<name>, index.docker.io -> docker.io. Name at most 255 characters. Pure: no I/O.
 */
#ifndef CONVOY_REGISTRY_REFERENCE_H
#define CONVOY_REGISTRY_REFERENCE_H

struct registry_ref {
	char *domain; /* "docker.io", "ghcr.io", "localhost:5000", "[::1]:5000" */
	char *path;   /* "library/nginx", "org/app" */
	char *tag;    /* NULL when absent */
	char *digest; /* "sha256:<hex>" or NULL */
};

/* Parses and normalises s; on error the message names the reference and what is wrong. */
int registry_ref_parse(struct registry_ref *out, const char *s);
/* Parses "host/path" (a repository, no tag or digest allowed). */
int registry_ref_parse_repo(struct registry_ref *out, const char *s);
void registry_ref_free(struct registry_ref *r);

/* "domain/path" (malloc'd). */
char *registry_ref_repo_dup(const struct registry_ref *r);
/* The canonical full reference "domain/path[:tag][@digest]" (malloc'd). */
char *registry_ref_format_dup(const struct registry_ref *r);
/* The host to talk HTTP to: docker.io -> registry-1.docker.io, else the domain. */
const char *registry_ref_api_host(const struct registry_ref *r);

/* Validators for the single parts (1 valid, 0 not). */
int registry_tag_valid(const char *tag);
int registry_digest_valid(const char *digest);

#endif
