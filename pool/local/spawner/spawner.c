// expool's spawner: a small static program that starts jobs' processes for
// expool, so that a job's kernel accounting is its own (see spawner_linux.go
// for why, and for the other end of the protocol). It is built without libc
// (make.sh), for amd64 and arm64.
//
// expool starts it once, with the socket to expool as fd 3 and expool's pid
// as argv[1]. For each request read from the socket, it starts the job's
// process with clone(CLONE_VM | CLONE_VFORK | CLONE_PARENT): the process is
// expool's child, not the spawner's, and the spawner, suspended until the
// process has exec'd its program (or failed to), replies with its pid and
// what failed, if anything. It exits when the socket ends.

#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define SIGCHLD 17
#define F_SETFD 2
#define FD_CLOEXEC 1
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define MSG_NOSIGNAL 0x4000
#define MSG_CMSG_CLOEXEC 0x40000000
#define PR_SET_PDEATHSIG 1
#define CLOCK_MONOTONIC 1
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define EINTR 4
#define EINVAL 22
#define ESRCH 3

// The protocol, the same in spawner_linux.go. A request is a header, then
// size bytes: the program's path, the working directory ("" for expool's),
// argc arguments and envc environment entries, each ending with a NUL; then,
// at the next multiple of 8, cpumask bytes of CPU mask (sched_setaffinity).
// Three file descriptors come with the header: the process's stdin, stdout
// and stderr.
#define MAGIC 0x31505845 // "EXP1"
#define SETPGID 1        // the process leads a process group of its own

struct request {
	uint32_t magic, size, argc, envc, flags;
	int32_t pdeathsig; // the signal the process gets when expool dies; 0: none
	uint32_t cpumask, reserved;
};

// What failed, in a reply.
enum {
	STEP_NONE,     // nothing: the process runs the program
	STEP_REQUEST,  // the request is malformed
	STEP_CLONE,    // no process was started
	STEP_SETPGID,  //
	STEP_PARENT,   // expool is gone: the process exits
	STEP_STDIO,    // dup3 onto 0, 1, 2
	STEP_CHDIR,    //
	STEP_AFFINITY, //
	STEP_EXEC,     //
};

struct reply {
	int32_t pid;     // the process, expool's child to reap; 0 if none
	int32_t step;    // what failed (STEP_*)
	int32_t err;     // the errno of that
	int32_t reserved;
	int64_t started; // CLOCK_MONOTONIC, ns: when the program was exec'd
};

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}
// long spawn_clone(unsigned long flags, void *stack, int (*fn)(void *), void *arg):
// clone with a stack of the child's own, on which it calls fn(arg) and
// exits with what fn returns.
__asm__(".text\n"
	".global spawn_clone\n"
	"spawn_clone:\n"
	"	and $-16, %rsi\n"
	"	sub $16, %rsi\n"
	"	mov %rcx, 8(%rsi)\n"
	"	mov %rdx, (%rsi)\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	mov $" "56" ", %eax\n" // __NR_clone
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $" "231" ", %eax\n" // __NR_exit_group
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n"
	".global _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call start\n"
	"	hlt\n");
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
__asm__(".text\n"
	".global spawn_clone\n"
	"spawn_clone:\n"
	"	and x1, x1, #-16\n"
	"	stp x2, x3, [x1, #-16]!\n"
	"	mov x2, xzr\n"
	"	mov x3, xzr\n"
	"	mov x4, xzr\n"
	"	mov x8, #220\n" // __NR_clone
	"	svc #0\n"
	"	cbz x0, 1f\n"
	"	ret\n"
	"1:	ldp x1, x0, [sp], #16\n"
	"	blr x1\n"
	"	mov x8, #94\n" // __NR_exit_group
	"	svc #0\n"
	".global _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl start\n");
#else
#error "the spawner is for amd64 and arm64"
#endif

long spawn_clone(unsigned long flags, void *stack, int (*fn)(void *), void *arg);

#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

// The compiler may call these for struct copies and initialisers.
void *memset(void *d, int c, size_t n) {
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n) {
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static _Noreturn void die(int code) {
	for (;;)
		sys1(__NR_exit_group, code);
}

struct iovec {
	void *base;
	size_t len;
};
struct msghdr {
	void *name;
	uint32_t namelen;
	struct iovec *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	int flags;
};
struct cmsghdr {
	size_t len;
	int level, type;
};

static const int sock = 3;
static int expool;          // expool's pid, argv[1]
static char **self_argv, **self_envp;

// What the process, which shares the spawner's memory until it execs, is to
// do, and what it says of its failure.
static struct job {
	const char *path, *dir;
	char **argv, **envp;
	const void *mask;
	uint32_t flags, masklen;
	int pdeathsig;
	int fds[3];
	volatile int step, err;
} job;

static char child_stack[16384] __attribute__((aligned(16)));

static int fail(struct job *j, int step, long r) {
	j->err = (int)-r;
	j->step = step;
	return 127;
}

// child is the new process, on its own stack, until it execs.
static int child(void *arg) {
	struct job *j = arg;
	long r;
	if ((j->flags & SETPGID) && (r = sys2(__NR_setpgid, 0, 0)) < 0)
		return fail(j, STEP_SETPGID, r);
	if (j->pdeathsig) {
		if ((r = sys2(__NR_prctl, PR_SET_PDEATHSIG, j->pdeathsig)) < 0)
			return fail(j, STEP_PARENT, r);
		// expool may have died before the prctl: then nobody waits.
		if (sys0(__NR_getppid) != expool)
			return fail(j, STEP_PARENT, -ESRCH);
	}
	for (int i = 0; i < 3; i++)
		if ((r = sys3(__NR_dup3, j->fds[i], i, 0)) < 0)
			return fail(j, STEP_STDIO, r);
	if (j->dir[0] && (r = sys1(__NR_chdir, j->dir)) < 0)
		return fail(j, STEP_CHDIR, r);
	if (j->masklen && (r = sys3(__NR_sched_setaffinity, 0, j->masklen, j->mask)) < 0)
		return fail(j, STEP_AFFINITY, r);
	r = sys3(__NR_execve, j->path, j->argv, j->envp);
	return fail(j, STEP_EXEC, r);
}

static int64_t monotonic(void) {
	struct {
		int64_t sec, nsec;
	} ts = {0, 0};
	sys2(__NR_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.sec * 1000000000 + ts.nsec;
}

// readfull reads n bytes; it reports whether it did.
static int readfull(char *p, size_t n) {
	while (n > 0) {
		long r = sys3(__NR_read, sock, p, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

static void reply(struct reply *rep) {
	const char *p = (const char *)rep;
	size_t n = sizeof *rep;
	while (n > 0) {
		long r = sys6(__NR_sendto, sock, (long)p, (long)n, MSG_NOSIGNAL, 0, 0);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			die(1);
		p += r;
		n -= (size_t)r;
	}
}

// Requests up to this size (with their argv and envp arrays) are read into
// small; bigger ones into memory mapped for them, after which the spawner
// execs itself afresh, so that its peak memory, which a process it starts
// inherits, stays small.
static char small[65536] __attribute__((aligned(16)));

// split parses the strings of a request of size bytes at buf, whose pointer
// arrays go at ptrs; it reports whether the request is well formed.
static int split(struct request *req, char *buf, char **ptrs) {
	char *p = buf, *end = buf + req->size;
	char **out = ptrs;
	uint32_t strings = 2 + req->argc + req->envc;
	for (uint32_t i = 0; i < strings; i++) {
		char *s = p;
		while (p < end && *p)
			p++;
		if (p == end)
			return 0;
		p++;
		if (i == 0)
			job.path = s;
		else if (i == 1)
			job.dir = s;
		else {
			*out++ = s;
			if (i == 1 + req->argc)
				*out++ = 0; // the end of argv
		}
	}
	*out = 0;
	job.argv = ptrs;
	job.envp = ptrs + req->argc + 1;
	job.masklen = req->cpumask;
	if (req->cpumask) {
		size_t off = (size_t)(p - buf + 7) & ~(size_t)7;
		if (off + req->cpumask != req->size)
			return 0;
		job.mask = buf + off;
	} else if (p != end)
		return 0;
	return req->argc > 0;
}

static void serve(void) {
	for (;;) {
		struct request req;
		union {
			struct cmsghdr h;
			char buf[64];
		} control;
		struct iovec iov = {&req, sizeof req};
		struct msghdr msg = {0, 0, &iov, 1, &control, sizeof control, 0};
		long n;
		do
			n = sys3(__NR_recvmsg, sock, &msg, MSG_CMSG_CLOEXEC);
		while (n == -EINTR);
		if (n <= 0)
			die(0); // expool closed the socket, or is gone
		int nfds = 0;
		if (msg.controllen >= sizeof control.h && control.h.level == SOL_SOCKET &&
		    control.h.type == SCM_RIGHTS) {
			nfds = (int)((control.h.len - sizeof control.h) / sizeof(int));
			for (int i = 0; i < nfds && i < 3; i++)
				job.fds[i] = ((int *)(&control.h + 1))[i];
		}
		if ((size_t)n < sizeof req && !readfull((char *)&req + n, sizeof req - (size_t)n))
			die(1);
		if (req.magic != MAGIC || nfds != 3 || req.argc > (1u << 24) || req.envc > (1u << 24))
			die(2); // not expool at the other end
		size_t ptrs = ((size_t)req.argc + req.envc + 2) * sizeof(char *);
		size_t need = (((size_t)req.size + 7) & ~(size_t)7) + ptrs;
		char *buf = small;
		int mapped = need > sizeof small;
		if (mapped) {
			buf = (char *)sys6(__NR_mmap, 0, (long)need, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if ((unsigned long)buf > -4096UL)
				die(3);
		}
		if (!readfull(buf, req.size))
			die(1);
		struct reply rep = {0, 0, 0, 0, 0};
		job.flags = req.flags;
		job.pdeathsig = req.pdeathsig;
		job.step = 0;
		job.err = 0;
		if (!split(&req, buf, (char **)(buf + (((size_t)req.size + 7) & ~(size_t)7)))) {
			rep.step = STEP_REQUEST;
			rep.err = EINVAL;
		} else {
			long pid = spawn_clone(CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD,
					       child_stack + sizeof child_stack, child, &job);
			rep.started = monotonic();
			if (pid < 0) {
				rep.step = STEP_CLONE;
				rep.err = (int)-pid;
			} else {
				rep.pid = (int32_t)pid;
				rep.step = job.step;
				rep.err = job.err;
			}
		}
		for (int i = 0; i < 3; i++)
			sys1(__NR_close, job.fds[i]);
		reply(&rep);
		if (mapped) {
			sys3(__NR_fcntl, sock, F_SETFD, 0);
			sys3(__NR_execve, "/proc/self/exe", self_argv, self_envp);
			// Not fatal: only the peak memory stays.
			sys3(__NR_fcntl, sock, F_SETFD, FD_CLOEXEC);
			sys2(__NR_munmap, buf, need);
		}
	}
}

void start(long *sp) {
	long argc = sp[0];
	self_argv = (char **)(sp + 1);
	self_envp = self_argv + argc + 1;
	if (argc < 2)
		die(2);
	for (const char *s = self_argv[1]; *s; s++)
		expool = expool * 10 + (*s - '0');
	if (sys3(__NR_fcntl, sock, F_SETFD, FD_CLOEXEC) < 0)
		die(2);
	serve();
}
