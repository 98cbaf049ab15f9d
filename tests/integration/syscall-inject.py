#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes a running process execute system calls of our choosing and prints their returns.

  syscall-inject.py PID NAME[:ARG,...] ...   e.g. syscall-inject.py 1234 getpid mount personality:0xffffffff

x86_64 only (exit 77 elsewhere).  PTRACE_ATTACH stops the process; while it is stopped in a
system call (the agent waits in epoll_wait), rip is just past a `syscall` instruction (0f 05):
each injected call puts its number and arguments in the registers, points rip at that
instruction and single-steps it, so the kernel runs the call *as that process*, through its
seccomp filter, and rax holds the result.  The saved registers are put back and the process
is detached: the interrupted call is restarted or returns EINTR, which the agent's loop
handles.  Prints "NAME RESULT" per call (RESULT a number, or -ERRNO-NAME).  Not a test itself
(tests are test-*.sh).
"""
import ctypes
import errno
import os
import platform
import struct
import sys

if platform.machine() != "x86_64":
    print(f"syscall-inject: x86_64 only (this is {platform.machine()})")
    sys.exit(77)

NR = {"getpid": 39, "ioctl": 16, "mount": 165, "personality": 135, "ptrace": 101, "kexec_load": 246,
      "init_module": 175, "unshare": 272, "socket": 41, "socketpair": 53, "pidfd_open": 434,
      "pidfd_getfd": 438}
PTRACE_PEEKTEXT, PTRACE_GETREGS, PTRACE_SETREGS = 1, 12, 13
PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SINGLESTEP = 16, 17, 9


class Regs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_ulonglong) for n in (
        "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags "
        "rsp ss fs_base gs_base ds es fs gs").split()]


libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]


def ptrace(req, pid, addr=0, data=0):
    ctypes.set_errno(0)
    r = libc.ptrace(req, pid, ctypes.c_void_p(addr), ctypes.c_void_p(data))
    e = ctypes.get_errno()
    if r == -1 and e:
        raise OSError(e, f"ptrace({req}): {os.strerror(e)}")
    return r


def wait_stop(pid):
    _, st = os.waitpid(pid, getattr(os, "__WALL", 0x40000000))
    if not os.WIFSTOPPED(st):
        sys.exit(f"syscall-inject: {pid} did not stop (status {st:#x})")
    return os.WSTOPSIG(st)


def main():
    pid = int(sys.argv[1])
    ptrace(PTRACE_ATTACH, pid)
    saved = Regs()
    try:
        # Another signal may stop it first: pass it on and wait for the attach's SIGSTOP.
        while (sig := wait_stop(pid)) != 19:
            ptrace(7, pid, 0, sig)  # PTRACE_CONT
        ptrace(PTRACE_GETREGS, pid, 0, ctypes.addressof(saved))
        at = saved.rip - 2
        word = ptrace(PTRACE_PEEKTEXT, pid, at) & 0xffff
        if word != 0x050F:
            sys.exit(f"syscall-inject: {pid} is not stopped just past a syscall instruction")
        for spec in sys.argv[2:]:
            name, _, args = spec.partition(":")
            vals = [int(a, 0) for a in args.split(",")] if args else []
            vals += [0] * (6 - len(vals))
            r = Regs.from_buffer_copy(bytes(saved))
            r.rax, r.orig_rax, r.rip = NR[name], 2**64 - 1, at
            r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 = vals
            ptrace(PTRACE_SETREGS, pid, 0, ctypes.addressof(r))
            ptrace(PTRACE_SINGLESTEP, pid)
            wait_stop(pid)
            ptrace(PTRACE_GETREGS, pid, 0, ctypes.addressof(r))
            ret = struct.unpack("q", struct.pack("Q", r.rax))[0]
            if -4096 < ret < 0:
                print(f"{name} -{errno.errorcode.get(-ret, str(-ret))}")
            else:
                print(f"{name} {ret}")
    finally:
        ptrace(PTRACE_SETREGS, pid, 0, ctypes.addressof(saved))
        ptrace(PTRACE_DETACH, pid, 0, 0)


main()
