/* SPDX-License-Identifier: MIT */
/* xoshiro256** (public-domain algorithm by Blackman and Vigna), seeded once from the kernel. */
#include "guid.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"

static uint64_t state[4];
static bool seeded;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(void)
{
	uint64_t result = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;

	state[2] ^= state[0];
	state[3] ^= state[1];
	state[1] ^= state[2];
	state[0] ^= state[3];
	state[2] ^= t;
	state[3] = rotl(state[3], 45);
	return result;
}

static void seed(void)
{
	if (getrandom(state, sizeof(state), 0) != (ssize_t)sizeof(state)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		state[0] = (uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15ull;
		state[1] = (uint64_t)ts.tv_sec;
		state[2] = (uint64_t)getpid();
		state[3] = 0xda942042e4dd58b5ull;
	}
	if (!(state[0] | state[1] | state[2] | state[3]))
		state[0] = 1;
	seeded = true;
}

void guid_generate(uint8_t out[16])
{
	uint64_t a, b;

	if (!seeded)
		seed();
	a = next();
	b = next();
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

void guid_format(const uint8_t g[16], char out[GUID_STR_LEN + 1])
{
	/* Where each byte's two digits go in 8-4-4-4-12 form (one on every event). */
	static const uint8_t at[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34 };
	/* "00" "01" ... "ff" */
	static const char pairs[513] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

#define PAIR(i) memcpy(out + at[i], pairs + 2 * g[i], 2)
	PAIR(0), PAIR(1), PAIR(2), PAIR(3), PAIR(4), PAIR(5), PAIR(6), PAIR(7);
	PAIR(8), PAIR(9), PAIR(10), PAIR(11), PAIR(12), PAIR(13), PAIR(14), PAIR(15);
#undef PAIR
	out[8] = out[13] = out[18] = out[23] = '-';
	out[GUID_STR_LEN] = '\0';
}

bool guid_parse(const char *s, uint8_t out[16])
{
	uint8_t g[16];
	size_t i = 0;

	if (strlen(s) != GUID_STR_LEN)
		return false;
	for (int k = 0; k < 16; k++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			i++;
		}
		hi = hex_digit_value(s[i]);
		lo = hex_digit_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		g[k] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	memcpy(out, g, 16);
	return true;
}
