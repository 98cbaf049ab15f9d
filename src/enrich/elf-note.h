/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The GNU build-id of an ELF file (the NT_GNU_BUILD_ID note the linker writes: a hash of the
 * linked output, 20 bytes with the default sha1 style), read from the program headers.
 *
 * Pure and bounded: the file is read through a caller's pread-like function (a real file, or
 * a buffer in the tests and the fuzz harness), at most ELF_NOTE_PHDR_MAX program headers and
 * ELF_NOTE_SEGMENT_MAX bytes of each PT_NOTE segment (ELF_NOTE_READ_MAX bytes in all, so a
 * hostile file with huge or endless note segments costs a few reads).  ELF32 and ELF64, both
 * byte orders; notes aligned to 4 or 8 (p_align).  No allocation.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ELF_BUILD_ID_MAX 64u
#define ELF_NOTE_PHDR_MAX 64u
#define ELF_NOTE_SEGMENT_MAX 4096u
#define ELF_NOTE_READ_MAX 16384u

/* Reads up to len bytes at off into buf: the count (short at the end), or -errno. */
typedef ssize_t (*elf_pread_fn)(void *ctx, void *buf, size_t len, uint64_t off);

struct elf_note_error {
	const char *what; /* static text: why there is no build-id */
};

/*
 * 0 with the build-id in ret_id[0..*ret_len) (1..ELF_BUILD_ID_MAX bytes); -ENOENT when the
 * file is an ELF file without one; -ENOEXEC when it is not ELF or its headers are broken
 * (err->what says what); -EFBIG when a bound was reached first; -errno of the read.
 */
int elf_build_id_read(elf_pread_fn rd, void *ctx, uint64_t file_size,
		      uint8_t ret_id[ELF_BUILD_ID_MAX], size_t *ret_len,
		      struct elf_note_error *err);
