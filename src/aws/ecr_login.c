/* aws/ecr_login: GetAuthorizationToken as a registry credential provider; see ecr_login.h. */
#include "aws/ecr_login.h"

#include <stdlib.h>
#include <string.h>

#include "actions/runtime.h"
#include "aws/client.h"
#include "aws/ecr.h"
#include "util/err.h"

int aws_ecr_cred_provider(const char *host, struct registry_creds *out, void *ctx)
{
	struct aws_client *c = NULL;
	struct ecr_token tok;
	char *account = NULL, *region = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&tok, 0, sizeof(tok));
	if (!registry_host_is_ecr(host, &account, &region))
		return E_NOTFOUND;
	rc = aws_client_new(&c, (struct rt *)ctx, region);
	if (!rc)
		rc = ecr_get_authorization_token(c, account, &tok);
	if (rc) {
		rc = err_wrap(rc, "native ECR login to %s", host);
		goto out;
	}
	out->username = tok.username;
	out->password = tok.password;
	tok.username = tok.password = NULL;
	out->source = strdup("ECR GetAuthorizationToken");
out:
	ecr_token_free(&tok);
	aws_client_free(c);
	free(account);
	free(region);
	return rc;
}
