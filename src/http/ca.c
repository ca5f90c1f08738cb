/*
 * ca: CA bundle discovery. The static binary carries no compiled-in path that is sure to exist
 * on the runner, so look where GitHub's Ubuntu runners (and other distributions) keep it.
 */
#include "http/ca.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const ca_paths[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu (GitHub runners), Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",   /* Fedora, RHEL */
	"/etc/ssl/ca-bundle.pem",             /* openSUSE */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",                  /* macOS, Alpine */
};

char *http_ca_find_dup(void)
{
	const char *env = getenv("SSL_CERT_FILE");

	if (env && *env)
		return strdup(env);
	env = getenv("CURL_CA_BUNDLE");
	if (env && *env)
		return strdup(env);
	for (size_t i = 0; i < sizeof(ca_paths) / sizeof(ca_paths[0]); i++)
		if (!access(ca_paths[i], R_OK))
			return strdup(ca_paths[i]);
	return NULL;
}
