/* SPDX-License-Identifier: MIT */
/*
 * Acceptance labels (module-settings.h): "io.edgesec.accept.<RULE>[.expires]" entries of a
 * Labels object are copied into the module's settings, at most MS_ACCEPT_LABELS_MAX of them
 * (more are counted in ms->dropped), values cut at MS_ACCEPT_VALUE_MAX bytes.  Labels whose
 * value is not a string are skipped: Docker labels are strings.  Nothing is judged here; the
 * scan decides what a label waives (cli/scan-manifest.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/module-settings.h"
#include "common/alloc.h"
#include "common/json_read.h"
#include "common/str.h"

static int add_label(struct module_settings *ms, const char *key, const char *value,
		     const char *path)
{
	struct ms_label *l;

	if (ms->n_accept == MS_ACCEPT_LABELS_MAX) {
		ms->dropped++;
		return 0;
	}
	if (!ms->accept && !(ms->accept = es_calloc(MS_ACCEPT_LABELS_MAX, sizeof(*ms->accept))))
		return -ENOMEM;
	l = &ms->accept[ms->n_accept];
	l->key = es_strndup(key, strnlen(key, 64));
	l->value = es_strndup(value, strnlen(value, MS_ACCEPT_VALUE_MAX));
	l->path = es_strdup(path);
	if (!l->key || !l->value || !l->path) {
		es_free(l->key);
		es_free(l->value);
		es_free(l->path);
		memset(l, 0, sizeof(*l));
		return -ENOMEM;
	}
	ms->n_accept++;
	return 0;
}

int module_settings_read_accept_labels(struct module_settings *ms, const cJSON *labels,
				       const char *prefix)
{
	const size_t plen = strlen(MS_ACCEPT_LABEL_PREFIX);
	const cJSON *v;
	int r;

	if (!cJSON_IsObject(labels))
		return 0;
	cJSON_ArrayForEach(v, labels) {
		char path[JSON_POINTER_MAX];

		if (!v->string || strncmp(v->string, MS_ACCEPT_LABEL_PREFIX, plen) != 0 ||
		    !v->string[plen])
			continue;
		if (!cJSON_IsString(v)) {
			ms->skipped++;
			continue;
		}
		str_copy(path, sizeof(path), prefix);
		json_pointer_append(path, v->string);
		r = add_label(ms, v->string + plen, v->valuestring, path);
		if (r < 0)
			return r;
	}
	return 0;
}

void module_settings_accept_labels_free(struct module_settings *ms)
{
	for (size_t i = 0; i < ms->n_accept; i++) {
		es_free(ms->accept[i].key);
		es_free(ms->accept[i].value);
		es_free(ms->accept[i].path);
	}
	es_free(ms->accept);
	ms->accept = NULL;
	ms->n_accept = 0;
}
