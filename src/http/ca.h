/* ca: where the CA bundle is (SSL_CERT_FILE, then the usual distribution paths). */
#ifndef CONVOY_HTTP_CA_H
#define CONVOY_HTTP_CA_H

/* The CA bundle path to use (malloc'd), or NULL to keep libcurl's built-in default. */
char *http_ca_find_dup(void);

#endif
