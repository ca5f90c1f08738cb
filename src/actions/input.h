/*
 * input: command inputs declared as data. Each input has a flag (--name) and, under Actions,
 * an environment variable named as the runner names it (INPUT_ + upper-case name, spaces to
 * '_', hyphens kept: INPUT_GITHUB-TOKEN). A flag wins over the variable; the variable's value
 * is trimmed as @actions/core does. Secret inputs are masked as soon as they are read.
 */
#ifndef CONVOY_ACTIONS_INPUT_H
#define CONVOY_ACTIONS_INPUT_H

#include "actions/runtime.h"
#include "util/strlist.h"

#define IN_SECRET 1u   /* mask and never print */
#define IN_BOOL 2u     /* "--name" alone means true; values true/false */
#define IN_REQUIRED 4u /* checked by convoy itself: the runner does not enforce required */
#define IN_MULTI 8u    /* the flag may repeat; values are joined with newlines */
#define IN_FLAG_ONLY 16u /* never read from INPUT_* (e.g. file contents) */
#define IN_OPERAND 32u /* a bare word on the command line is this input (convoy merge IMAGE) */

struct input_def {
	const char *name;
	unsigned flags;
	const char *def;  /* default value or NULL */
	const char *help;
};

struct inputs {
	const struct input_def *defs;
	size_t n;
	char **values;           /* NULL when unset and no default */
	struct strlist args;     /* positional arguments */
	int help;                /* --help was given */
};

/* Parses argv (after the command name) and INPUT_* against defs (terminated by {NULL}). */
int inputs_parse(struct rt *rt, const struct input_def *defs, int argc, char **argv,
		 struct inputs *in);
void inputs_free(struct inputs *in);
/* Sets input name (declared) to value when it is unset: one command's input standing in for
 * another's (merge's image for the tag computation's images). */
int inputs_set_default(struct inputs *in, const char *name, const char *value);

/* The value, or NULL when unset/empty. */
const char *inputs_get(const struct inputs *in, const char *name);
/* Boolean value (true/false, as @actions/core getBooleanInput); error names the input. */
int inputs_get_bool(const struct inputs *in, const char *name, int *out);
/* Unsigned integer value with bounds; error names the input. */
int inputs_get_uint(const struct inputs *in, const char *name, unsigned long min,
		    unsigned long max, unsigned long *out);

#define LIST_IGNORE_COMMA 1u /* a line is one entry even if it has commas (metadata-action) */
#define LIST_COMMENTS 2u     /* '#' full-line comments */
/* A list input, parsed exactly as @docker/actions-toolkit Util.getInputList does. */
int inputs_get_list(const struct inputs *in, const char *name, unsigned flags,
		    struct strlist *out);
int list_parse(const char *text, unsigned flags, struct strlist *out);

/* Prints the usage of a command from its input table. */
void inputs_usage(FILE *f, const char *cmd, const char *summary, const struct input_def *defs);

#endif
