/* env: tuning knobs from the environment (CONVOY_HTTP_*, CONVOY_DEPLOY_*, CONVOY_AWS_*). */
#ifndef CONVOY_UTIL_ENV_H
#define CONVOY_UTIL_ENV_H

/* A non-negative whole number from the variable name, or def when unset or malformed. */
long env_long(const char *name, long def);

#endif
