/*
 * aws/ecr: the ECR calls push and the native registry login need: GetAuthorizationToken
 * (decoded to user + password, the password masked), CreateRepository, DescribeRepositories,
 * and aws_ecr_ensure_repository() for push --create-repository.
 */
#ifndef CONVOY_AWS_ECR_H
#define CONVOY_AWS_ECR_H

#include "aws/client.h"

struct ecr_token {
	char *username;       /* "AWS" */
	char *password;
	char *proxy_endpoint; /* "https://<account>.dkr.ecr.<region>.amazonaws.com" */
};
void ecr_token_free(struct ecr_token *t);

/* registry_id: the account (NULL: the caller's). The password is masked through the rt. */
int ecr_get_authorization_token(struct aws_client *c, const char *registry_id,
				struct ecr_token *out);
/* Pure: decodes base64 "user:password". */
int ecr_token_decode(const char *b64, char **user, char **password);

struct ecr_repo_opts {
	int immutable_tags;  /* imageTagMutability IMMUTABLE */
	int scan_on_push;
};
/* 0 when it exists (*out_uri gets repositoryUri when non-NULL), E_NOTFOUND when not. */
int ecr_describe_repository(struct aws_client *c, const char *registry_id, const char *name,
			    char **out_uri);
int ecr_create_repository(struct aws_client *c, const char *registry_id, const char *name,
			  const struct ecr_repo_opts *o);
/* Creates name unless it exists; *created says which. */
int aws_ecr_ensure_repository(struct aws_client *c, const char *registry_id, const char *name,
			      const struct ecr_repo_opts *o, int *created);

#endif
