/*
 * command: workflow commands (::error::, ::warning::, ::notice::, ::group::, ::add-mask::,
 * ::stop-commands::) with the runner's escaping; outside Actions, plain text on stderr.
 */
#ifndef CONVOY_ACTIONS_COMMAND_H
#define CONVOY_ACTIONS_COMMAND_H

#include "actions/runtime.h"
#include "util/buf.h"

/* Escapes a command's message: % -> %25, \r -> %0D, \n -> %0A. */
int wf_escape_data(struct buf *out, const char *s);
/* Escapes a property value: as data, plus : -> %3A and , -> %2C. */
int wf_escape_property(struct buf *out, const char *s);

/* Annotations; file and title may be NULL. */
void wf_error(struct rt *rt, const char *file, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void wf_warning(struct rt *rt, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void wf_notice(struct rt *rt, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void wf_group(struct rt *rt, const char *title);
void wf_endgroup(struct rt *rt);
void wf_add_mask(struct rt *rt, const char *secret);
/* Prints untrusted text so it cannot inject workflow commands (redacted as well). */
void wf_echo_untrusted(struct rt *rt, const char *text);

#endif
