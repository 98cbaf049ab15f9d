/* SPDX-License-Identifier: MIT */
/* ELF build-id reader (enrich/elf-note.c): the input is the file's bytes. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "enrich/elf-note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *data;
	size_t size, reads, bytes;
};

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;

	m->reads++;
	m->bytes += len;
	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = m->size - (size_t)off;
	memcpy(buf, m->data + off, len);
	return (ssize_t)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data, size, 0, 0 };
	struct elf_note_error err = { NULL };
	uint8_t id[ELF_BUILD_ID_MAX];
	size_t len = 0;
	int r = elf_build_id_read(mem_pread, &m, size, id, &len, &err);

	/* A build-id is 1..ELF_BUILD_ID_MAX bytes of the input; failures say why. */
	if (r == 0 && (len == 0 || len > ELF_BUILD_ID_MAX || !memmem(data, size, id, len)))
		__builtin_trap();
	if (r < 0 && (len != 0 || !err.what))
		__builtin_trap();
	if (r != 0 && r != -ENOENT && r != -ENOEXEC && r != -EFBIG)
		__builtin_trap();
	/* Bounded reads: header, table, at most ELF_NOTE_READ_MAX of notes. */
	if (m.bytes > 64 + ELF_NOTE_PHDR_MAX * 256 + ELF_NOTE_READ_MAX ||
	    m.reads > 2 + ELF_NOTE_PHDR_MAX * 2)
		__builtin_trap();
	return 0;
}
