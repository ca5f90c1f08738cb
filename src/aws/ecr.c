/* aws/ecr: authorization tokens and repositories; see ecr.h. */
#include "aws/ecr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/err.h"

static void free_secret(char **s)
{
	if (*s) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void ecr_token_free(struct ecr_token *t)
{
	if (!t)
		return;
	free(t->username);
	t->username = NULL;
	free_secret(&t->password);
	free(t->proxy_endpoint);
	t->proxy_endpoint = NULL;
}

int ecr_token_decode(const char *b64, char **user, char **password)
{
	size_t n = strlen(b64), pad = 0;
	unsigned char *raw;
	char *colon;
	int len;

	*user = *password = NULL;
	if (!n || n % 4)
		return err_set(E_HTTP, "ECR GetAuthorizationToken: the token is not base64");
	raw = malloc(n / 4 * 3 + 1);
	if (!raw)
		return err_set(E_NOMEM, "out of memory");
	len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(raw);
		return err_set(E_HTTP, "ECR GetAuthorizationToken: the token is not base64");
	}
	while (pad < 2 && n > pad && b64[n - 1 - pad] == '=')
		pad++;
	len -= (int)pad;
	raw[len] = '\0';
	colon = memchr(raw, ':', (size_t)len);
	if (!colon || memchr(raw, '\0', (size_t)len)) {
		OPENSSL_cleanse(raw, (size_t)len);
		free(raw);
		return err_set(E_HTTP, "ECR GetAuthorizationToken: the token is not user:password");
	}
	*user = strndup((char *)raw, (size_t)(colon - (char *)raw));
	*password = strdup(colon + 1);
	OPENSSL_cleanse(raw, (size_t)len);
	free(raw);
	if (!*user || !*password) {
		free(*user);
		free_secret(password);
		*user = NULL;
		return err_set(E_NOMEM, "out of memory");
	}
	return 0;
}

int ecr_get_authorization_token(struct aws_client *c, const char *registry_id,
				struct ecr_token *out)
{
	json_t *req = registry_id ? json_pack("{s:[s]}", "registryIds", registry_id)
				  : json_object();
	json_t *resp = NULL, *d;
	const char *tok, *ep;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	rc = aws_call(c, &aws_service_ecr, "GetAuthorizationToken", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	d = json_array_get(json_object_get(resp, "authorizationData"), 0);
	tok = json_string_value(json_object_get(d, "authorizationToken"));
	ep = json_string_value(json_object_get(d, "proxyEndpoint"));
	if (!tok) {
		rc = err_set(E_HTTP, "ECR GetAuthorizationToken: no authorizationToken in the reply");
		goto out;
	}
	if (aws_client_rt(c))
		rt_mask(aws_client_rt(c), tok);
	rc = ecr_token_decode(tok, &out->username, &out->password);
	if (!rc && aws_client_rt(c))
		rc = rt_mask(aws_client_rt(c), out->password);
	if (!rc && ep)
		out->proxy_endpoint = strdup(ep);
	if (rc)
		ecr_token_free(out);
out:
	json_decref(resp);
	return rc;
}

int ecr_describe_repository(struct aws_client *c, const char *registry_id, const char *name,
			    char **out_uri)
{
	json_t *req = json_pack("{s:[s]}", "repositoryNames", name), *resp = NULL, *r;
	int rc;

	if (out_uri)
		*out_uri = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	if (registry_id)
		json_object_set_new(req, "registryId", json_string(registry_id));
	rc = aws_call(c, &aws_service_ecr, "DescribeRepositories", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	r = json_array_get(json_object_get(resp, "repositories"), 0);
	if (!r)
		rc = err_set(E_NOTFOUND, "ECR repository '%s' not found", name);
	else if (out_uri && json_string_value(json_object_get(r, "repositoryUri")))
		*out_uri = strdup(json_string_value(json_object_get(r, "repositoryUri")));
	json_decref(resp);
	return rc;
}

int ecr_create_repository(struct aws_client *c, const char *registry_id, const char *name,
			  const struct ecr_repo_opts *o)
{
	json_t *req = json_pack("{s:s,s:s,s:{s:b}}", "repositoryName", name,
				"imageTagMutability", o && o->immutable_tags ? "IMMUTABLE" : "MUTABLE",
				"imageScanningConfiguration", "scanOnPush",
				o && o->scan_on_push);
	json_t *resp = NULL;
	int rc;

	if (!req)
		return err_set(E_NOMEM, "out of memory");
	if (registry_id)
		json_object_set_new(req, "registryId", json_string(registry_id));
	rc = aws_call(c, &aws_service_ecr, "CreateRepository", req, &resp);
	json_decref(req);
	json_decref(resp);
	return rc;
}

int aws_ecr_ensure_repository(struct aws_client *c, const char *registry_id, const char *name,
			      const struct ecr_repo_opts *o, int *created)
{
	int rc = ecr_describe_repository(c, registry_id, name, NULL);

	*created = 0;
	if (rc != E_NOTFOUND)
		return rc;
	err_clear();
	rc = ecr_create_repository(c, registry_id, name, o);
	if (rc == E_CONFLICT) { /* created meanwhile by a parallel job */
		err_clear();
		return 0;
	}
	if (!rc)
		*created = 1;
	return rc;
}
