/* SPDX-License-Identifier: MIT */
#include "detect-overrides.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "detect-int.h"

bool detect_rule_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > DETECT_ID_MAX || strcmp(id, "value") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

static int duration_member(const cJSON *m, uint64_t min, uint64_t max, uint64_t *ret,
			   struct json_error *err)
{
	char ptr[JSON_POINTER_MAX] = "";
	const char *why = NULL;

	json_pointer_append(ptr, m->string);
	if (!cJSON_IsString(m) || duration_parse(m->valuestring, ret, &why) < 0)
		return json_error_set(
			err, ptr, "%s: expected an ISO-8601 duration such as \"PT5M\"", m->string);
	if (*ret < min || *ret > max)
		return json_error_set(err, ptr, "%s: out of range (PT1S to P7D)", m->string);
	return 0;
}

int detect_override_parse(const cJSON *v, struct detect_override *ret, struct json_error *err)
{
	memset(ret, 0, sizeof(*ret));
	ret->severity = -1;
	if (!cJSON_IsObject(v))
		return json_error_set(err, "",
				      "expected an object such as {\"enabled\": false}, "
				      "got %s",
				      json_type_name(v));
	for (const cJSON *m = v->child; m; m = m->next) {
		char ptr[JSON_POINTER_MAX] = "";

		json_pointer_append(ptr, m->string);
		if (strcmp(m->string, "enabled") == 0) {
			if (!cJSON_IsBool(m))
				return json_error_set(err, ptr, "enabled: expected true or false");
			ret->has_enabled = true;
			ret->enabled = cJSON_IsTrue(m);
		} else if (strcmp(m->string, "threshold") == 0) {
			if (!cJSON_IsNumber(m) || !(m->valuedouble >= 1) ||
			    m->valuedouble > DETECT_COUNT_MAX ||
			    (double)(int64_t)m->valuedouble != m->valuedouble)
				return json_error_set(err, ptr,
						      "threshold: expected an integer from 1 to %u",
						      DETECT_COUNT_MAX);
			ret->has_threshold = true;
			ret->threshold = (uint32_t)m->valuedouble;
		} else if (strcmp(m->string, "window") == 0) {
			if (duration_member(m, 1000, DETECT_WINDOW_MAX_MS, &ret->window_ms, err) <
			    0)
				return -EINVAL;
			ret->has_window = true;
		} else if (strcmp(m->string, "dedupWindow") == 0) {
			if (duration_member(m, 1000, DETECT_WINDOW_MAX_MS, &ret->dedup_window_ms,
					    err) < 0)
				return -EINVAL;
			ret->has_dedup_window = true;
		} else if (strcmp(m->string, "severity") == 0) {
			ret->severity = cJSON_IsString(m)
						? detect_severity_from_string(m->valuestring)
						: -1;
			if (ret->severity < 0)
				return json_error_set(err, ptr,
						      "severity: expected Info, Low, Medium, "
						      "High or Critical");
		} else {
			return json_error_set(
				err, ptr,
				"unknown member \"%.60s\" (enabled, threshold, window, "
				"dedupWindow, severity)",
				m->string);
		}
	}
	return 0;
}

int detect_overrides_check(const cJSON *v, struct json_error *err)
{
	struct detect_override o;
	int n = 0;

	if (!cJSON_IsObject(v))
		return json_error_set(err, "", "expected an object of rule ids");
	for (const cJSON *m = v->child; m; m = m->next) {
		char ptr[JSON_POINTER_MAX] = "";

		json_pointer_append(ptr, m->string);
		if (++n > DETECT_OVERRIDES_MAX)
			return json_error_set(err, ptr, "more than %u rules", DETECT_OVERRIDES_MAX);
		if (!detect_rule_id_valid(m->string))
			return json_error_set(
				err, ptr,
				"\"%.60s\" is not a rule id (letters, digits, '.', '_', "
				"'-'; at most %u)",
				m->string, DETECT_ID_MAX);
		if (detect_override_parse(m, &o, err) < 0) {
			char inner[JSON_POINTER_MAX];
			size_t a = strnlen(ptr, sizeof(inner) - 1);
			size_t b = strnlen(err->pointer, sizeof(inner) - 1 - a);

			memcpy(inner, ptr, a); /* the member's pointer, then the one inside it */
			memcpy(inner + a, err->pointer, b);
			inner[a + b] = '\0';
			memcpy(err->pointer, inner, a + b + 1);
			return -EINVAL;
		}
	}
	return 0;
}
