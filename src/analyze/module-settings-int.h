/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by module-settings.c (the filler) and module-settings-lint.c (issues, keys). */

#include "analyze/module-settings.h"

/*
 * obj[key] as Docker (Go encoding/json) and edgeAgent (Newtonsoft.Json) read a createOptions
 * body: names match case-insensitively ("privileged" is Privileged; so are the few non-ASCII
 * letters that fold to an ASCII one: U+017F for s, U+212A for k, U+0131 for i), and when a
 * name is given twice the last one wins.  NULL when absent.
 */
const cJSON *ms_json_get(const cJSON *obj, const char *key);
bool ms_key_equal(const char *a, const char *b);

/*
 * The manifest filler's checks of a create body (with ms->record_issues): keys Docker does
 * not know or ignores where they are (top level and HostConfig), HostConfig.Env read as
 * ignored env, and the command line (Entrypoint, Cmd).  0 or -ENOMEM.
 */
int ms_lint_create(struct module_settings *ms, const cJSON *obj, const char *prefix);
/* Reads Entrypoint and Cmd (a string or an array of strings) into ms->command. */
int ms_read_command(struct module_settings *ms, const cJSON *obj, const char *prefix);
