/* SPDX-License-Identifier: MIT */
/*
 * The GNU build-id of an ELF file, from its PT_NOTE program headers (not the section headers:
 * `strip --strip-all` keeps the segments, and a loader-visible note is what the kernel maps).
 *
 * Reads: the ELF header (64 bytes), the program header table in one read (at most
 * ELF_NOTE_PHDR_MAX entries), then the first ELF_NOTE_SEGMENT_MAX bytes of each PT_NOTE
 * segment, ELF_NOTE_READ_MAX bytes in all.  Every size read from the file is checked before it
 * is used as an offset or a length (64-bit arithmetic, no wrap): a truncated file, a note that
 * claims more bytes than its segment, an entry size smaller than the format's, a table past the
 * end of the file are "broken" (-ENOEXEC), never a read out of bounds.
 */
#include "elf-note.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define EHDR_MAX 64u
#define PHDR64_SIZE 56u
#define PHDR32_SIZE 32u
#define PT_NOTE_TYPE 4u
#define NT_GNU_BUILD_ID_TYPE 3u
#define PN_XNUM_COUNT 0xffffu

struct elf_layout {
	bool is64, big;
};

static uint64_t get_uint(const struct elf_layout *l, const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = l->big ? (v << 8) | p[i] : v | ((uint64_t)p[i] << (8 * i));
	return v;
}

static int fail(struct elf_note_error *err, int r, const char *what)
{
	if (err)
		err->what = what;
	return r;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* The build-id among the notes of buf[0..len): 0, -ENOENT, or -EFBIG when a note is cut. */
static int notes_scan(const struct elf_layout *l, const uint8_t *buf, size_t len, uint64_t align,
		      uint8_t *ret_id, size_t *ret_len)
{
	uint64_t off = 0;

	while (off + 12 <= len) {
		uint64_t namesz = get_uint(l, buf + off, 4);
		uint64_t descsz = get_uint(l, buf + off + 4, 4);
		uint64_t type = get_uint(l, buf + off + 8, 4);
		uint64_t name_at = off + 12;
		uint64_t desc_at = name_at + align_up(namesz, align);
		uint64_t next = desc_at + align_up(descsz, align);

		if (next > len)
			return -EFBIG; /* cut by the segment's read (or a lying size) */
		if (type == NT_GNU_BUILD_ID_TYPE && namesz == 4 &&
		    memcmp(buf + name_at, "GNU", 4) == 0 && descsz > 0 &&
		    descsz <= ELF_BUILD_ID_MAX) {
			memcpy(ret_id, buf + desc_at, (size_t)descsz);
			*ret_len = (size_t)descsz;
			return 0;
		}
		off = next;
	}
	return -ENOENT;
}

/* ELF header -> layout, phoff, phentsize, phnum. */
static int header_parse(const uint8_t *h, size_t n, uint64_t file_size, struct elf_layout *l,
			uint64_t *phoff, unsigned *phentsize, unsigned *phnum,
			struct elf_note_error *err)
{
	if (n < 16 || memcmp(h, "\177ELF", 4) != 0)
		return fail(err, -ENOEXEC, "not an ELF file");
	if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
		return fail(err, -ENOEXEC, "unknown ELF class or byte order");
	l->is64 = h[4] == 2;
	l->big = h[5] == 2;
	if (n < (l->is64 ? 64u : 52u))
		return fail(err, -ENOEXEC, "truncated ELF header");
	*phoff = l->is64 ? get_uint(l, h + 32, 8) : get_uint(l, h + 28, 4);
	*phentsize = (unsigned)get_uint(l, h + (l->is64 ? 54 : 42), 2);
	*phnum = (unsigned)get_uint(l, h + (l->is64 ? 56 : 44), 2);
	if (*phnum == 0)
		return fail(err, -ENOENT, "no program headers");
	if (*phnum == PN_XNUM_COUNT || *phnum > ELF_NOTE_PHDR_MAX)
		return fail(err, -EFBIG, "too many program headers");
	if (*phentsize < (l->is64 ? PHDR64_SIZE : PHDR32_SIZE) || *phentsize > 256)
		return fail(err, -ENOEXEC, "bad program header size");
	if (*phoff > file_size || (uint64_t)*phentsize * *phnum > file_size - *phoff)
		return fail(err, -ENOEXEC, "program headers past the end of the file");
	return 0;
}

/* One PT_NOTE segment: 0 found, -ENOENT not in it, -EFBIG cut, -errno read. */
static int segment_scan(elf_pread_fn rd, void *ctx, const struct elf_layout *l, const uint8_t *ph,
			uint64_t file_size, size_t *budget, uint8_t *ret_id, size_t *ret_len)
{
	uint8_t buf[ELF_NOTE_SEGMENT_MAX];
	uint64_t off = l->is64 ? get_uint(l, ph + 8, 8) : get_uint(l, ph + 4, 4);
	uint64_t size = l->is64 ? get_uint(l, ph + 32, 8) : get_uint(l, ph + 16, 4);
	uint64_t align = l->is64 ? get_uint(l, ph + 48, 8) : get_uint(l, ph + 28, 4);
	size_t want;
	ssize_t got;
	int r;

	if (off > file_size || size > file_size - off)
		return -ENOEXEC;
	want = size > sizeof(buf) ? sizeof(buf) : (size_t)size;
	if (want > *budget)
		return -EFBIG;
	*budget -= want;
	got = rd(ctx, buf, want, off);
	if (got < 0)
		return (int)got;
	r = notes_scan(l, buf, (size_t)got, align == 8 ? 8 : 4, ret_id, ret_len);
	if (r == -ENOENT && ((size_t)got < size))
		return -EFBIG;
	return r;
}

int elf_build_id_read(elf_pread_fn rd, void *ctx, uint64_t file_size,
		      uint8_t ret_id[ELF_BUILD_ID_MAX], size_t *ret_len, struct elf_note_error *err)
{
	uint8_t h[EHDR_MAX], ph[ELF_NOTE_PHDR_MAX * PHDR64_SIZE];
	struct elf_layout l;
	uint64_t phoff;
	unsigned phentsize, phnum, stride;
	size_t budget = ELF_NOTE_READ_MAX, table;
	ssize_t got;
	bool cut = false, broken = false;
	int r;

	if (!rd || !ret_id || !ret_len)
		return -EINVAL;
	*ret_len = 0;
	got = rd(ctx, h, sizeof(h), 0);
	if (got < 0)
		return fail(err, (int)got, "read failed");
	r = header_parse(h, (size_t)got, file_size, &l, &phoff, &phentsize, &phnum, err);
	if (r < 0)
		return r;
	/* The table is read packed: only the first PHDR64_SIZE bytes of each entry matter. */
	stride = l.is64 ? PHDR64_SIZE : PHDR32_SIZE;
	for (unsigned i = 0; i < phnum; i++) {
		got = rd(ctx, ph + (size_t)i * stride, stride, phoff + (uint64_t)i * phentsize);
		if (got < 0)
			return fail(err, (int)got, "read failed");
		if ((size_t)got < stride)
			return fail(err, -ENOEXEC, "truncated program headers");
		if (phentsize == stride)
			break; /* contiguous: one read below does them all */
	}
	if (phentsize == stride && phnum > 1) {
		table = (size_t)phnum * stride;
		got = rd(ctx, ph, table, phoff);
		if (got < 0)
			return fail(err, (int)got, "read failed");
		if ((size_t)got < table)
			return fail(err, -ENOEXEC, "truncated program headers");
	}
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *p = ph + (size_t)i * stride;

		if (get_uint(&l, p, 4) != PT_NOTE_TYPE)
			continue;
		r = segment_scan(rd, ctx, &l, p, file_size, &budget, ret_id, ret_len);
		if (r == 0)
			return 0;
		if (r == -EFBIG)
			cut = true;
		else if (r == -ENOEXEC)
			broken = true;
		else if (r != -ENOENT)
			return fail(err, r, "read failed");
	}
	if (cut)
		return fail(err, -EFBIG, "note segments larger than the read bounds");
	if (broken)
		return fail(err, -ENOEXEC, "note segment past the end of the file");
	return fail(err, -ENOENT, "no build-id note");
}
