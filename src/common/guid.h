/* SPDX-License-Identifier: MIT */
#pragma once

/* Random (version 4) GUIDs for event and agent ids. */

#include <stdbool.h>
#include <stdint.h>

#define GUID_STR_LEN 36

/* Seeds from getrandom(2) on first use; not for secrets, only for unique ids. */
void guid_generate(uint8_t out[16]);
void guid_format(const uint8_t g[16], char out[GUID_STR_LEN + 1]);
/* Accepts the 8-4-4-4-12 hex form; returns false otherwise. */
bool guid_parse(const char *s, uint8_t out[16]);
